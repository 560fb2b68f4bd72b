/**
 * Sensitivity analysis (AIMET's quant analyzer: per-layer enable/disable; NNCF's ranking by
 * reverting): for each precision unit (units.ts), the agreement with FP32 on held-out images when
 * that unit ALONE is kept in FP32 (the rest INT8: what reverting it buys) and when it alone is
 * quantized (the rest FP32: the damage it does by itself). Every figure is measured by onnxruntime on a real model: one quantize, one
 * session and K runs per unit and side.
 *
 * Rows can be computed for a subset of the units (a worker pool splits them) and merged: each row
 * depends only on the baseline options and the unit.
 */
import type { CalibrationStats } from '../calibration/collector';
import { throwIfAborted } from '../errors';
import { encodeModel } from '../onnx/encode';
import type { Model } from '../onnx/types';
import { planQuantization } from '../quant/plan';
import { quantizeModel, type QuantizeOptions } from '../quant/quantize';
import type { Runner, RunBudget } from '../runner';
import { agreementScore, judgeAgainst, minOutputCosine, minOutputSqnr, type FidelityResult, type ReferenceSet } from './fidelity';
import { rankRows } from './rank';
import { precisionUnits, type PrecisionUnit } from './units';

export { rankRows };

/** How close a candidate is to FP32 on the reference images. */
export interface Agreement {
  /** Lowest cosine over outputs and their worst judged slices (fidelity.ts agreementScore). */
  readonly score: number;
  /** Lowest whole-output cosine (slices not counted). */
  readonly outputCosine: number;
  /** Lowest output SQNR, dB. */
  readonly sqnrDb: number;
  /** The model's size in bytes. */
  readonly bytes: number;
}

export interface SensitivityRow {
  readonly unit: PrecisionUnit;
  /** This unit in FP32, the rest INT8 (what reverting it alone buys). */
  readonly kept: Agreement;
  /** Only this unit in INT8, the rest FP32 (the damage it does on its own). */
  readonly alone: Agreement;
}

export interface SensitivityResult {
  readonly images: number;
  /** Every unit INT8 (the options as given). */
  readonly baseline: Agreement;
  /** Rows, most damaging first (see rankRows). */
  readonly rows: readonly SensitivityRow[];
}

export interface Candidate {
  readonly model: Model;
  readonly agreement: Agreement;
  readonly fidelity: FidelityResult;
}

/** Quantizes with these options and judges the result against the reference. */
export async function evaluateCandidate(
  context: { prepared: Model; stats: CalibrationStats; reference: ReferenceSet; runner: Runner; runBudget?: RunBudget; signal?: AbortSignal },
  options: QuantizeOptions,
): Promise<Candidate> {
  throwIfAborted(context.signal);
  const q = quantizeModel(context.prepared, context.stats, options);
  const bytes = encodeModel(q.model).length;
  const fidelity = await judgeAgainst(context.reference, q.model, context.runner, { signal: context.signal, runBudget: context.runBudget });
  return { model: q.model, fidelity, agreement: { score: agreementScore(fidelity), outputCosine: minOutputCosine(fidelity), sqnrDb: minOutputSqnr(fidelity), bytes } };
}

export interface SensitivityOptions {
  /** Only these unit ids (a share of the pool's work); every unit by default. */
  readonly only?: readonly string[];
  readonly signal?: AbortSignal;
  readonly runBudget?: RunBudget;
  readonly onProgress?: (p: { done: number; total: number; unit: string }) => void;
}

/** The units the options quantize (the planner's view; ranges do not matter for which nodes). */
export function unitsOf(prepared: Model, stats: CalibrationStats, options: QuantizeOptions): PrecisionUnit[] {
  const observed = new Set(Object.keys(stats.tensors));
  const plan = planQuantization(prepared.graph!, { rangeOf: (n) => (observed.has(n) ? { min: -1, max: 1 } : undefined) }, options);
  return precisionUnits(plan);
}

export async function analyzeSensitivity(
  context: { prepared: Model; stats: CalibrationStats; options: QuantizeOptions; reference: ReferenceSet; runner: Runner },
  options: SensitivityOptions = {},
): Promise<SensitivityResult> {
  const ctx = { ...context, signal: options.signal, runBudget: options.runBudget };
  const units = unitsOf(context.prepared, context.stats, context.options);
  const chosen = options.only ? units.filter((u) => options.only!.includes(u.id)) : units;
  const baseline = (await evaluateCandidate(ctx, context.options)).agreement;
  const allNodes = units.flatMap((u) => u.nodes);
  const rows: SensitivityRow[] = [];
  let done = 0;
  for (const unit of chosen) {
    const kept = (await evaluateCandidate(ctx, { ...context.options, keepNodes: [...context.options.keepNodes, ...unit.nodes] })).agreement;
    const others = allNodes.filter((n) => !unit.nodes.includes(n));
    const alone = (await evaluateCandidate(ctx, { ...context.options, keepNodes: [...context.options.keepNodes, ...others] })).agreement;
    rows.push({ unit, kept, alone });
    options.onProgress?.({ done: ++done, total: chosen.length, unit: unit.id });
  }
  return { images: context.reference.feeds.length, baseline, rows: rankRows(rows) };
}
