/**
 * Weight-only INT8: every layer weight (Conv, ConvTranspose, Gemm, MatMul with a constant operand)
 * becomes int8 per output channel behind a DequantizeLinear; activations stay float, so compute is the
 * FP32 model's (for size where int8 compute would not gain: WebGPU, small or depthwise layers on WASM).
 *
 *   W_quantized (int8) --> DequantizeLinear(W_scale, W_zero_point, axis) --W_dq--> <Conv>  (x float, y float)
 *
 * No graph editing here: the INT8 planner marks the weights (the same op quantizers, so the same
 * weights and axes as the INT8 model), the plan is stripped of activations, biases and folds, and the
 * one rewriter (quant/rewrite.ts) writes it, with its sum-preserving per-channel rounding. Biases stay
 * float32 (an int32 bias needs an input scale, which float activations do not have).
 */
import { defaultOpset } from '../graph/graph';
import { MAPPING_METADATA_KEY, mappingToMetadata } from '../metrics/compare';
import type { Model } from '../onnx/types';
import { planQuantization, type PlanOptions, type QuantPlan, type WeightMark } from '../quant/plan';
import { MIN_QDQ_OPSET } from '../quant/quantize';
import { rewriteToQdq, type WeightReport } from '../quant/rewrite';
import { ZeropointError } from '../errors';
import { FORMAT_METADATA_KEY, type ExportNodeDecision, type ExportResult } from './formats';

export interface WeightOnlyOptions {
  readonly keepNodes?: readonly string[];
  readonly keepOpTypes?: readonly string[];
  readonly keepFirstAndLast?: boolean;
  /** Per output channel (default) or one scale per tensor. */
  readonly perChannel?: boolean;
  /** 'sum-preserving' (default) or 'nearest' rounding of per-channel weights (quant/sum-rounding.ts). */
  readonly weightRounding?: 'nearest' | 'sum-preserving';
}

export interface WeightOnlyReport {
  readonly format: 'int8-weights';
  /** converted: the node's weight is int8. */
  readonly nodes: readonly ExportNodeDecision[];
  readonly convertedNodes: number;
  readonly weights: readonly WeightReport[];
  /** Values in int8 against values left float32 (biases, small constants, weights of kept layers). */
  readonly int8Values: number;
}

const LAYERS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/** The INT8 plan's layer weights only: no activation, bias or fold. */
export function planWeightOnly(graph: NonNullable<Model['graph']>, options: WeightOnlyOptions = {}): { plan: QuantPlan; decisions: ExportNodeDecision[] } {
  const planOptions: PlanOptions = {
    activationType: 'u8',
    activationSymmetric: false,
    perChannel: options.perChannel ?? true,
    reduceRange: false,
    keepNodes: options.keepNodes ?? [],
    keepOpTypes: options.keepOpTypes ?? [],
    keepFirstAndLast: options.keepFirstAndLast ?? false,
  };
  // Weight marks do not depend on ranges: every non-constant tensor gets a placeholder range so each
  // quantizer decides as it would after calibration (calibration/augment.ts plans the same way).
  const full = planQuantization(graph, { rangeOf: () => ({ min: -1, max: 1 }) }, planOptions);
  const weights = new Map<string, WeightMark>();
  for (const [name, mark] of full.weights) if (!mark.asActivation) weights.set(name, mark);
  const nodes = graph.node;
  const decisions: ExportNodeDecision[] = full.decisions.map((d) => {
    const n = nodes[d.index];
    const weight = n.input.find((s) => weights.has(s));
    if (weight) return { index: d.index, name: d.name, opType: d.opType, converted: true };
    const reason = !LAYERS.has(d.opType) ? 'no weight: computes in float as in FP32' : (d.reason ?? 'its weight is not a constant: computes in float as in FP32');
    return { index: d.index, name: d.name, opType: d.opType, converted: false, reason };
  });
  const plan: QuantPlan = { ...full, activations: new Map(), biases: new Map(), folds: [], weights, floatTensors: [], decisions: decisions.map((d) => ({ index: d.index, name: d.name, opType: d.opType, quantized: d.converted, reason: d.reason })) };
  return { plan, decisions };
}

export function exportWeightOnly(prepared: Model, options: WeightOnlyOptions = {}): ExportResult<WeightOnlyReport> {
  if (defaultOpset(prepared) < MIN_QDQ_OPSET) {
    throw new ZeropointError('bad-option', `The model is at opset ${defaultOpset(prepared)}; call prepareModel first so it is at opset ${MIN_QDQ_OPSET} or later (per-channel DequantizeLinear).`);
  }
  const graph = prepared.graph!;
  const { plan, decisions } = planWeightOnly(graph, options);
  const rewritten = rewriteToQdq(plan, { activationType: 'u8', activationSymmetric: false, reduceRange: false, weightType: 's8', weightRounding: options.weightRounding ?? 'sum-preserving' });
  const int8Values = rewritten.weights.reduce((a, w) => a + w.dims.reduce((p, d) => p * d, 1), 0);
  const metadata = (prepared.metadataProps ?? []).filter((p) => p.key !== MAPPING_METADATA_KEY && p.key !== FORMAT_METADATA_KEY);
  const model: Model = {
    ...prepared,
    irVersion: Math.max(prepared.irVersion ?? 7, 7),
    graph: rewritten.graph,
    metadataProps: [...metadata, mappingToMetadata(rewritten.mapping), { key: FORMAT_METADATA_KEY, value: 'int8-weights' }],
  };
  return {
    model,
    mapping: rewritten.mapping,
    report: { format: 'int8-weights', nodes: decisions, convertedNodes: decisions.filter((d) => d.converted).length, weights: rewritten.weights, int8Values },
  };
}
