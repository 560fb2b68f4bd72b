/**
 * The engine's front door for quantization:
 *
 *   prepareModel(fp32 or fp16 model)  -> an FP32 model at opset >= 13, simplified (../prepare: Constant
 *                                         nodes, constant subgraphs and BatchNormalization folded), with
 *                                         named nodes (calibrate this)
 *   quantizeModel(prepared, stats)     -> the INT8 QDQ model, the tensor mapping and a report
 *
 * Calibration runs on the prepared model so every tensor name in the statistics exists in the graph
 * that is rewritten.
 */
import { computeRange, type CalibrationRange, type RangeMethod } from '../calibration/ranges';
import { getChannelMean, getTensorStats, type CalibrationStats } from '../calibration/collector';
import { ZeropointError } from '../errors';
import { defaultOpset, nameAllocator, nodeLabel } from '../graph/graph';
import { detectQuantization } from '../graph/inspect';
import { MAPPING_METADATA_KEY, mappingToMetadata } from '../metrics/compare';
import { widenFloat16 } from '../onnx/fp16';
import { upgradeOpset } from '../onnx/opset';
import { simplifyModel, type SimplifyReport } from '../prepare/simplify';
import type { Model } from '../onnx/types';
import { planQuantization, type ActivationType, type NodeDecision } from './plan';
import { rewriteToQdq, type BiasCorrectionSkip, type BiasReport, type TensorMapping, type WeightReport } from './rewrite';

/** Per-axis QuantizeLinear/DequantizeLinear needs opset 13. */
export const MIN_QDQ_OPSET = 13;

export interface PreparedModel {
  readonly model: Model;
  readonly opset: { readonly from: number; readonly to: number };
  readonly upgradedNodes: ReadonlyArray<{ node: string; opType: string; change: string }>;
  /** Inputs/outputs that were float16 in the original and are float32 in the prepared (and INT8) model. */
  readonly widened: { readonly inputs: readonly string[]; readonly outputs: readonly string[] } | null;
  readonly notes: readonly string[];
  /** What the graph preparation did (Constant nodes, folded nodes, BatchNormalizations, Resize inputs, dead nodes). */
  readonly simplified: SimplifyReport;
}

export function prepareModel(model: Model, options: { targetOpset?: number; source?: string } = {}): PreparedModel {
  const source = options.source ?? 'the model';
  const ops: Record<string, number> = {};
  for (const n of model.graph?.node ?? []) ops[n.opType ?? ''] = 1;
  const q = detectQuantization(ops);
  if (q.format !== 'none') {
    throw new ZeropointError('already-quantized', `'${source}' is already quantized (${q.detail}). Quantize its FP32 original instead; this one can be inspected and compared as it is.`, { subject: source });
  }
  const notes: string[] = [];
  const widened = widenFloat16(model);
  let m = widened.model;
  if (widened.changed) {
    notes.push(`The model is FP16: it is calibrated through an exact FP32 copy, and the INT8 model takes and returns float32 (inputs ${widened.inputs.join(', ') || 'none'}; outputs ${widened.outputs.join(', ') || 'none'}).`);
  }
  const from = defaultOpset(m);
  const target = Math.max(from, options.targetOpset ?? MIN_QDQ_OPSET);
  let upgradedNodes: PreparedModel['upgradedNodes'] = [];
  if (target > from) {
    const up = upgradeOpset(m, target);
    m = up.model;
    upgradedNodes = up.converted;
    notes.push(`Opset upgraded from ${from} to ${target} (per-channel QDQ needs opset ${MIN_QDQ_OPSET})${up.converted.length ? `; ${up.converted.length} node(s) converted` : ''}.`);
  }
  // Constant nodes, constant subgraphs and BatchNormalization folded, as quant_pre_process does:
  // a weight written as Reshape(initializer) or a BN after a Conv becomes something the quantizer sees.
  const simplified = simplifyModel(m);
  m = simplified.model;
  notes.push(...simplified.notes);
  // Every node gets a name so that "keep in FP32" and per-layer reports can refer to it.
  const graph = m.graph!;
  const fresh = nameAllocator(graph);
  const node = graph.node.map((n, i) => (n.name ? n : { ...n, name: fresh(nodeLabel(n, i)) }));
  m = { ...m, graph: { ...graph, node } };
  return {
    model: m,
    opset: { from, to: target },
    upgradedNodes,
    widened: widened.changed ? { inputs: widened.inputs, outputs: widened.outputs } : null,
    notes,
    simplified: simplified.report,
  };
}

export interface QuantizeOptions {
  readonly method: RangeMethod;
  /** Percentile method: 99.999 by default. */
  readonly percentile?: number;
  readonly percentileMode?: 'symmetric' | 'per-side';
  readonly entropyBins?: number;
  readonly entropyQuantizedBins?: number;
  readonly activationType: ActivationType;
  readonly activationSymmetric: boolean;
  /** s8 (symmetric, the default) or u8 (asymmetric) weights. */
  readonly weightType?: 's8' | 'u8';
  readonly perChannel: boolean;
  readonly reduceRange: boolean;
  readonly keepNodes: readonly string[];
  readonly keepOpTypes: readonly string[];
  readonly keepFirstAndLast: boolean;
  /**
   * Subtract ε·E[x] (weight rounding error times the input's per-channel mean) from each quantized
   * Conv/ConvTranspose/Gemm bias, so each output channel's mean matches FP32 (bias-correction.ts).
   * Needs calibration statistics with channel means (calibrate's `channelMeans` option).
   */
  readonly biasCorrection?: boolean;
  /**
   * Per-channel weight rounding: 'sum-preserving' moves a few codes so each kernel's rounding errors
   * sum to within half a step (sum-rounding.ts: the data-free counterpart of bias correction);
   * 'nearest' rounds each weight on its own. Default: 'sum-preserving' (also under biasCorrection,
   * which then removes what is left: FastestDet output SQNR 20.0 dB nearest + correction, 20.6 dB both,
   * 21.1 dB sum-preserving alone).
   */
  readonly weightRounding?: 'nearest' | 'sum-preserving';
  /**
   * A range method per tensor (by the name whose range sets the parameters), overriding `method` for
   * those tensors: what `--auto` chose (analysis/auto.ts), replayed from a plan file.
   */
  readonly methodByTensor?: Readonly<Record<string, RangeMethod>>;
}

export const DEFAULT_QUANTIZE_OPTIONS: QuantizeOptions = {
  method: 'minmax',
  activationType: 'u8',
  activationSymmetric: false,
  perChannel: true,
  reduceRange: false,
  keepNodes: [],
  keepOpTypes: [],
  keepFirstAndLast: false,
  biasCorrection: false,
};

export interface ActivationReport {
  readonly name: string;
  readonly observed: { readonly min: number; readonly max: number };
  readonly range: { readonly min: number; readonly max: number };
  readonly rangeSource: string;
  readonly scale: number;
  readonly zeroPoint: number;
  readonly type: ActivationType;
  readonly clippedFraction: number;
}

export interface QuantizeReport {
  readonly options: QuantizeOptions;
  readonly nodes: readonly NodeDecision[];
  readonly quantizedNodes: number;
  readonly activations: readonly ActivationReport[];
  readonly weights: readonly WeightReport[];
  readonly biases: readonly BiasReport[];
  readonly foldedActivations: number;
  /** With the biasCorrection option: how many biases were corrected (added: created), and which layers were not and why. */
  readonly biasCorrection: { readonly corrected: number; readonly added: number; readonly skipped: readonly BiasCorrectionSkip[] } | null;
}

export interface QuantizeResult {
  readonly model: Model;
  readonly mapping: readonly TensorMapping[];
  readonly report: QuantizeReport;
}

export function rangeOptionsFor(options: QuantizeOptions): Parameters<typeof computeRange>[1] {
  switch (options.method) {
    case 'percentile':
      return { method: 'percentile', percentile: options.percentile, mode: options.percentileMode };
    case 'entropy':
      return { method: 'entropy', targetBins: options.entropyBins, quantizedBins: options.entropyQuantizedBins };
    case 'mse':
      return { method: 'mse', type: options.activationType, symmetric: options.activationSymmetric };
    default:
      return { method: options.method };
  }
}

/**
 * Ranges memoized per statistics object and method: a search (--auto, sensitivity) quantizes the same
 * statistics hundreds of times, and the Entropy and MSE searches cost milliseconds per tensor.
 */
const rangeCache = new WeakMap<object, Map<string, CalibrationRange>>();
function cachedRange(stats: NonNullable<ReturnType<typeof getTensorStats>>, options: Parameters<typeof computeRange>[1]): CalibrationRange {
  // The count and extremes are in the key: statistics still being filled never hit a stale range.
  const key = `${stats.count}|${stats.min}|${stats.max}|${JSON.stringify(options)}`;
  let byKey = rangeCache.get(stats);
  if (!byKey) {
    byKey = new Map();
    rangeCache.set(stats, byKey);
  }
  let r = byKey.get(key);
  if (!r) {
    r = computeRange(stats, options);
    byKey.set(key, r);
  }
  return r;
}

export function quantizeModel(prepared: Model, stats: CalibrationStats, partial: Partial<QuantizeOptions> = {}): QuantizeResult {
  const options: QuantizeOptions = { ...DEFAULT_QUANTIZE_OPTIONS, ...partial };
  if (defaultOpset(prepared) < MIN_QDQ_OPSET) {
    throw new ZeropointError('bad-option', `The model is at opset ${defaultOpset(prepared)}; call prepareModel first so it is at opset ${MIN_QDQ_OPSET} or later.`);
  }
  const rangeOptions = rangeOptionsFor(options);
  const ranges = new Map<string, CalibrationRange | null>();
  const rangeOf = (name: string) => {
    if (!ranges.has(name)) {
      const s = getTensorStats(stats, name);
      const own = options.methodByTensor?.[name];
      ranges.set(name, s && s.count > 0 ? cachedRange(s, own ? rangeOptionsFor({ ...options, method: own }) : rangeOptions) : null);
    }
    return ranges.get(name) ?? undefined;
  };
  if (options.biasCorrection && Object.keys(stats.channelMeans ?? {}).length === 0) {
    throw new ZeropointError(
      'no-statistics',
      'Bias correction needs the per-channel means of each layer\'s input, and this calibration did not collect them. Calibrate again with channel means (the CLI does when --bias-correction is given; the workbench always does).',
    );
  }
  const plan = planQuantization(prepared.graph!, { rangeOf }, options);
  const rewritten = rewriteToQdq(plan, {
    ...options,
    weightRounding: options.weightRounding ?? 'sum-preserving',
    biasCorrection: options.biasCorrection ? { channelMean: (name) => getChannelMean(stats, name) } : undefined,
  });
  const model: Model = {
    ...prepared,
    // Opset 13 needs IR version 7; never lower what the model had.
    irVersion: Math.max(prepared.irVersion ?? 7, 7),
    graph: rewritten.graph,
    // The tensor mapping travels with the model, so comparing it later needs no name guessing.
    metadataProps: [...(prepared.metadataProps ?? []).filter((p) => p.key !== MAPPING_METADATA_KEY), mappingToMetadata(rewritten.mapping)],
  };
  const activations: ActivationReport[] = [...plan.activations.values()].map((a) => {
    const s = getTensorStats(stats, a.rangeSource)!;
    return {
      name: a.name,
      observed: { min: s.min, max: s.max },
      range: a.range,
      rangeSource: a.rangeSource,
      scale: a.params.scale,
      zeroPoint: a.params.zeroPoint,
      type: a.params.type,
      clippedFraction: ranges.get(a.rangeSource)?.clippedFraction ?? 0,
    };
  });
  return {
    model,
    mapping: rewritten.mapping,
    report: {
      options,
      nodes: plan.decisions,
      quantizedNodes: plan.decisions.filter((d) => d.quantized).length,
      activations,
      weights: rewritten.weights,
      biases: rewritten.biases,
      foldedActivations: plan.folds.length,
      biasCorrection: options.biasCorrection
        ? { corrected: rewritten.biases.filter((b) => b.shift).length, added: rewritten.biases.filter((b) => b.added).length, skipped: rewritten.biasCorrectionSkips }
        : null,
    },
  };
}
