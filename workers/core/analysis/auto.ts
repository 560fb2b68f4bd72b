/**
 * Automatic mixed precision to a target (`quantize --auto`), after NNCF's accuracy control and Neural
 * Compressor's fallback tuning, every step measured on held-out images by onnxruntime:
 *
 *   1. range method: each candidate method for every tensor (MinMax, Percentile, MSE, Entropy; those
 *      the statistics allow); the best one becomes the base;
 *   2. ranking: the sensitivity analysis (sensitivity.ts): each unit kept in FP32 alone;
 *   3. per tensor: for the most sensitive units, each other method for their input and output tensors
 *      alone, kept where it helps (so a tensor with a long tail gets Percentile while the rest stays MinMax);
 *   4. greedy: the units in ranking order are kept in FP32 one by one, each kept only if the measure
 *      improves, until the target is met or the budget of FP32 units is spent.
 *
 * The result is a plan (plain JSON: method, method per tensor, nodes kept) that replays the same
 * model with `--plan`, the trajectory for a plot of agreement against FP32 units and size, and notes
 * that say what was chosen and why.
 */
import type { CalibrationStats } from '../calibration/collector';
import type { RangeMethod } from '../calibration/ranges';
import { ZeropointError } from '../errors';
import type { Model } from '../onnx/types';
import { planQuantization } from '../quant/plan';
import type { QuantizeOptions } from '../quant/quantize';
import type { Runner, RunBudget } from '../runner';
import type { ReferenceSet } from './fidelity';
import { analyzeSensitivity, evaluateCandidate, rankRows, type Agreement, type SensitivityResult } from './sensitivity';

export type AutoTarget =
  /**
   * Every output and judged slice at least this cosine to FP32 (the fidelity gate's measure); with
   * `slices: false`, every whole output only.
   */
  | { readonly kind: 'agreement'; readonly cosine: number; readonly slices?: boolean }
  /** Every output at least this SQNR (dB). */
  | { readonly kind: 'sqnr'; readonly db: number }
  /** A task measure (top-1, AP50) within `maxDrop` of FP32's, computed by the host on its labelled set. */
  | { readonly kind: 'task'; readonly name: string; readonly fp32: number; readonly maxDrop: number; readonly evaluate: (model: Model) => Promise<number> };

export const DEFAULT_AUTO_COSINE = 0.99;
export const AUTO_METHODS: readonly RangeMethod[] = ['minmax', 'percentile', 'mse', 'entropy'];

export interface AutoOptions {
  readonly target?: AutoTarget;
  /** The most units kept in FP32 (default: a quarter of the units, at least 4). */
  readonly maxFp32?: number;
  /** Methods to try (default AUTO_METHODS when the statistics have histograms, else MinMax alone). */
  readonly methods?: readonly RangeMethod[];
  /** How many of the most sensitive units get a per-tensor method choice (default 6). */
  readonly refine?: number;
  readonly signal?: AbortSignal;
  readonly runBudget?: RunBudget;
  readonly onProgress?: (p: AutoProgress) => void;
}

export interface AutoProgress {
  readonly phase: 'methods' | 'sensitivity' | 'per-tensor' | 'greedy';
  readonly done: number;
  readonly total: number;
  readonly message: string;
}

/** What `--plan` replays: plain JSON. */
export interface PrecisionPlan {
  readonly format: 'zeropoint-plan';
  readonly version: 1;
  readonly method: RangeMethod;
  readonly methodByTensor: Readonly<Record<string, RangeMethod>>;
  /** Node names kept in FP32 (the units' nodes). */
  readonly keepNodes: readonly string[];
  /** The units kept, by head node, in the order they were kept. */
  readonly keptUnits: readonly string[];
  readonly target: string;
}

export interface AutoStep {
  /** Units kept in FP32 after this step (accepted ones only count). */
  readonly keptUnits: number;
  readonly unit: string;
  readonly agreement: Agreement;
  readonly value: number;
  readonly accepted: boolean;
}

export interface AutoResult {
  readonly plan: PrecisionPlan;
  readonly options: QuantizeOptions;
  readonly met: boolean;
  readonly target: string;
  /** The measure (cosine, dB or the task figure) with the options as given, and at the end. */
  readonly baseline: { readonly agreement: Agreement; readonly value: number };
  readonly final: { readonly agreement: Agreement; readonly value: number };
  readonly methods: ReadonlyArray<{ readonly method: RangeMethod; readonly agreement: Agreement; readonly value: number }>;
  readonly perTensor: ReadonlyArray<{ readonly tensor: string; readonly method: RangeMethod; readonly from: number; readonly to: number }>;
  readonly sensitivity: SensitivityResult | null;
  readonly steps: readonly AutoStep[];
  readonly notes: readonly string[];
}

export function describeTarget(target: AutoTarget): string {
  switch (target.kind) {
    case 'agreement':
      return target.slices === false ? `every output at cosine >= ${target.cosine} to FP32` : `every output and score column at cosine >= ${target.cosine} to FP32`;
    case 'sqnr':
      return `every output at SQNR >= ${target.db} dB`;
    default:
      return `${target.name} within ${target.maxDrop} of FP32 (${target.fp32.toFixed(4)})`;
  }
}

export function planToOptions(plan: PrecisionPlan, base: QuantizeOptions): QuantizeOptions {
  return { ...base, method: plan.method, methodByTensor: plan.methodByTensor, keepNodes: [...new Set([...base.keepNodes, ...plan.keepNodes])] };
}

/** Reads a plan file's JSON, naming what is wrong. */
export function parsePlan(value: unknown, source: string): PrecisionPlan {
  const v = value as Partial<PrecisionPlan> | null;
  if (!v || typeof v !== 'object' || v.format !== 'zeropoint-plan' || v.version !== 1) {
    throw new ZeropointError('bad-option', `'${source}' is not a Zeropoint plan (expected "format": "zeropoint-plan", "version": 1, as 'quantize --auto' writes in its report).`, { subject: source });
  }
  const methods = new Set<string>(['minmax', 'moving-average', 'percentile', 'entropy', 'mse']);
  if (!methods.has(String(v.method))) throw new ZeropointError('bad-option', `The plan '${source}' names method '${String(v.method)}'; use one of ${[...methods].join(', ')}.`, { subject: source });
  const byTensor = v.methodByTensor ?? {};
  for (const [t, m] of Object.entries(byTensor)) if (!methods.has(String(m))) throw new ZeropointError('bad-option', `The plan '${source}' gives tensor '${t}' the method '${String(m)}'; use one of ${[...methods].join(', ')}.`, { subject: t });
  if (!Array.isArray(v.keepNodes) || v.keepNodes.some((n) => typeof n !== 'string')) throw new ZeropointError('bad-option', `The plan '${source}' has no list of node names in "keepNodes".`, { subject: source });
  return { format: 'zeropoint-plan', version: 1, method: v.method as RangeMethod, methodByTensor: byTensor, keepNodes: v.keepNodes, keptUnits: Array.isArray(v.keptUnits) ? v.keptUnits : [], target: String(v.target ?? '') };
}

/** The activation tensors a set of nodes reads or writes that the plan quantizes (their range sources). */
function tensorsOf(prepared: Model, stats: CalibrationStats, options: QuantizeOptions, nodes: readonly string[]): string[] {
  const observed = new Set(Object.keys(stats.tensors));
  const plan = planQuantization(prepared.graph!, { rangeOf: (n) => (observed.has(n) ? { min: -1, max: 1 } : undefined) }, options);
  const names = new Set(nodes);
  const out = new Set<string>();
  prepared.graph!.node.forEach((n) => {
    if (!names.has(n.name ?? '')) return;
    for (const t of [...n.input, ...n.output]) {
      const a = plan.activations.get(t);
      if (a) out.add(a.rangeSource);
    }
  });
  return [...out];
}

export async function autoPrecision(
  context: { prepared: Model; stats: CalibrationStats; options: QuantizeOptions; reference: ReferenceSet; runner: Runner },
  options: AutoOptions = {},
): Promise<AutoResult> {
  const target = options.target ?? { kind: 'agreement', cosine: DEFAULT_AUTO_COSINE };
  const ctx = { ...context, signal: options.signal, runBudget: options.runBudget };
  const notes: string[] = [];
  const valueOf = async (model: Model, agreement: Agreement): Promise<number> =>
    target.kind === 'agreement' ? (target.slices === false ? agreement.outputCosine : agreement.score) : target.kind === 'sqnr' ? agreement.sqnrDb : target.evaluate(model);
  const meets = (value: number) => (target.kind === 'agreement' ? value >= target.cosine : target.kind === 'sqnr' ? value >= target.db : target.fp32 - value <= target.maxDrop);
  const evaluate = async (o: QuantizeOptions) => {
    const c = await evaluateCandidate(ctx, o);
    return { agreement: c.agreement, value: await valueOf(c.model, c.agreement) };
  };
  const progress = (phase: AutoProgress['phase'], done: number, total: number, message: string) => options.onProgress?.({ phase, done, total, message });

  // 1. The range method.
  const hasHistograms = Object.values(context.stats.tensors).some((t) => t.histogram !== undefined);
  const methods = (options.methods ?? (hasHistograms ? AUTO_METHODS : ['minmax'])).filter((m) => hasHistograms || m === 'minmax' || m === 'moving-average');
  const baseline = await evaluate(context.options);
  const tried: Array<{ method: RangeMethod; agreement: Agreement; value: number }> = [];
  for (const [k, method] of methods.entries()) {
    progress('methods', k, methods.length, `trying ${method} for every tensor`);
    tried.push({ method, ...(method === context.options.method && !context.options.methodByTensor ? baseline : await evaluate({ ...context.options, method })) });
  }
  const best = tried.reduce((a, b) => (b.value > a.value ? b : a), tried[0]);
  let current: QuantizeOptions = { ...context.options, method: best.method };
  let currentValue = best.value;
  let currentAgreement = best.agreement;
  notes.push(`Range method: ${best.method} (${tried.map((t) => `${t.method} ${formatValue(target, t.value)}`).join(', ')}).`);

  let sensitivity: SensitivityResult | null = null;
  const steps: AutoStep[] = [];
  const perTensor: Array<{ tensor: string; method: RangeMethod; from: number; to: number }> = [];
  const keptUnits: string[] = [];
  if (!meets(currentValue)) {
    // 2. Ranking.
    sensitivity = await analyzeSensitivity({ ...context, options: current }, {
      signal: options.signal,
      runBudget: options.runBudget,
      onProgress: (p) => progress('sensitivity', p.done, p.total, `keeping ${p.unit} in FP32 alone`),
    });
    const ranked = rankRows(sensitivity.rows, target.kind === 'sqnr' ? 'sqnrDb' : target.kind === 'agreement' && target.slices === false ? 'outputCosine' : 'score');
    // 3. Per tensor: the most sensitive units' tensors try the other methods.
    const refine = ranked.slice(0, options.refine ?? 6);
    const candidates = [...new Set(refine.flatMap((r) => tensorsOf(context.prepared, context.stats, current, r.unit.nodes)))];
    const others = methods.filter((m) => m !== current.method);
    let k = 0;
    for (const tensor of candidates) {
      if (meets(currentValue)) break;
      for (const method of others) {
        progress('per-tensor', k++, candidates.length * others.length, `${method} for ${tensor}`);
        const trial = { ...current, methodByTensor: { ...current.methodByTensor, [tensor]: method } };
        const r = await evaluate(trial);
        if (r.value > currentValue) {
          perTensor.push({ tensor, method, from: currentValue, to: r.value });
          current = trial;
          currentValue = r.value;
          currentAgreement = r.agreement;
        }
      }
    }
    if (perTensor.length) notes.push(`Per tensor: ${perTensor.map((p) => `${p.tensor} ${p.method} (${formatValue(target, p.from)} -> ${formatValue(target, p.to)})`).join('; ')}.`);
    // 4. Greedy FP32 units.
    const budget = options.maxFp32 ?? Math.max(4, Math.ceil(sensitivity.rows.length / 4));
    let tries = 0;
    for (const row of ranked) {
      if (meets(currentValue) || keptUnits.length >= budget || tries >= 2 * budget) break;
      tries++;
      progress('greedy', keptUnits.length, budget, `keeping ${row.unit.id} in FP32`);
      const trial = { ...current, keepNodes: [...current.keepNodes, ...row.unit.nodes] };
      const r = await evaluate(trial);
      const accepted = r.value > currentValue;
      if (accepted) {
        current = trial;
        currentValue = r.value;
        currentAgreement = r.agreement;
        keptUnits.push(row.unit.id);
      }
      steps.push({ keptUnits: keptUnits.length, unit: row.unit.id, agreement: r.agreement, value: r.value, accepted });
    }
    if (keptUnits.length) notes.push(`Kept in FP32 (${keptUnits.length} of ${sensitivity.rows.length} units, most sensitive first): ${keptUnits.join(', ')}.`);
  }
  const met = meets(currentValue);
  notes.push(met ? `Target met: ${describeTarget(target)} (${formatValue(target, currentValue)}).` : `Target not met: ${describeTarget(target)}; best ${formatValue(target, currentValue)} within the budget of FP32 units. Raise --max-fp32 or relax the target.`);
  const plan: PrecisionPlan = {
    format: 'zeropoint-plan',
    version: 1,
    method: current.method,
    methodByTensor: current.methodByTensor ?? {},
    keepNodes: current.keepNodes.filter((n) => !context.options.keepNodes.includes(n)),
    keptUnits,
    target: describeTarget(target),
  };
  return {
    plan,
    options: current,
    met,
    target: describeTarget(target),
    baseline,
    final: { agreement: currentAgreement, value: currentValue },
    methods: tried,
    perTensor,
    sensitivity,
    steps,
    notes,
  };
}

function formatValue(target: AutoTarget, v: number): string {
  return target.kind === 'sqnr' ? `${v.toFixed(2)} dB` : v.toFixed(4);
}
