/**
 * Weight quantization for the rewriter: per output channel (or per tensor) parameters, the codes, and
 * sum-preserving rounding (sum-rounding.ts). The result depends only on the weight and the options,
 * not on activation ranges or on which other nodes are kept, so it is memoized per weight tensor: a
 * search that rewrites the same model hundreds of times (sensitivity, --auto) quantizes each weight
 * once per variant (sum-preserving rounding alone took ~250 ms of each rewrite of a 370-node model).
 */
import { tensorToFloat32 } from '../onnx/tensor';
import type { TensorProto } from '../onnx/types';
import { computePerChannelParams, computeQuantParams, qRange, quantize, quantizePerAxis, withSubject, type QuantType } from './params';
import { preserveGroupSums, roundingGroups } from './sum-rounding';

export interface WeightQuantOptions {
  /** Per-channel axis, or -1 for one scale. */
  readonly axis: number;
  readonly type: QuantType;
  readonly symmetric: boolean;
  readonly reduceRange: boolean;
  readonly sumPreserving: boolean;
  /** For messages: "Weight 'w' of node 'Conv_3'". */
  readonly subject: string;
  /** Identifies values that differ from the tensor's own (scaled by folds); '' for the tensor as stored. */
  readonly variant: string;
}

export interface QuantizedWeight {
  readonly q: Int8Array | Uint8Array;
  readonly scales: Float32Array;
  readonly zeroPoints: ArrayLike<number>;
  /** Per-slice min/max of the values quantized (one entry per tensor). */
  readonly mm: { readonly min: number[]; readonly max: number[] };
}

const cache = new WeakMap<TensorProto, Map<string, QuantizedWeight>>();
const floats = new WeakMap<TensorProto, Float32Array>();

/** The tensor's values as float32, decoded once per tensor (callers must not modify the array). */
export function floatValuesOf(t: TensorProto): Float32Array {
  let v = floats.get(t);
  if (!v) {
    v = tensorToFloat32(t);
    floats.set(t, v);
  }
  return v;
}

/** Min and max of each slice along `axis` (-1: of the whole tensor). */
export function channelMinMax(values: Float32Array, dims: readonly number[], axis: number): { min: number[]; max: number[] } {
  if (axis < 0) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return { min: [lo], max: [hi] };
  }
  const channels = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const min = new Array<number>(channels).fill(Infinity);
  const max = new Array<number>(channels).fill(-Infinity);
  for (let o = 0; o < outer; o++)
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      for (let i = base; i < base + inner; i++) {
        const v = values[i];
        if (v < min[c]) min[c] = v;
        if (v > max[c]) max[c] = v;
      }
    }
  return { min, max };
}

/** Quantizes `values` (the tensor's, or scaled by folds: `variant` says which), memoized per tensor. */
export function quantizeWeight(tensor: TensorProto, values: Float32Array, o: WeightQuantOptions): QuantizedWeight {
  const key = `${o.axis}|${o.type}|${o.symmetric}|${o.reduceRange}|${o.sumPreserving}|${o.variant}`;
  let byKey = cache.get(tensor);
  const hit = byKey?.get(key);
  if (hit) return hit;
  const dims = tensor.dims;
  const perAxis = o.axis >= 0 && dims.length > 0;
  const mm = channelMinMax(values, dims, perAxis ? o.axis : -1);
  let result: QuantizedWeight;
  if (perAxis) {
    const p = withSubject(o.subject, () => computePerChannelParams(values, dims, o.axis, { type: o.type, symmetric: o.symmetric, reduceRange: o.reduceRange }));
    const q = quantizePerAxis(values, dims, p.axis, p);
    const groups = o.sumPreserving ? roundingGroups(dims, p.axis) : undefined;
    if (groups) {
      const inner = dims.slice(p.axis + 1).reduce((a, b) => a * b, 1);
      const channels = dims[p.axis];
      const { qmin, qmax } = qRange(o.type, { symmetric: o.symmetric, reduceRange: o.reduceRange });
      const ch = (i: number) => Math.floor(i / inner) % channels;
      preserveGroupSums(values, q, groups, (i) => p.scales[ch(i)], (i) => p.zeroPoints[ch(i)], qmin, qmax);
    }
    result = { q, scales: p.scales, zeroPoints: p.zeroPoints, mm };
  } else {
    const p = withSubject(o.subject, () => computeQuantParams({ min: mm.min[0], max: mm.max[0] }, { type: o.type, symmetric: o.symmetric, reduceRange: o.reduceRange }));
    result = { q: quantize(values, p), scales: new Float32Array([p.scale]), zeroPoints: [p.zeroPoint], mm };
  }
  if (!byKey) {
    byKey = new Map();
    cache.set(tensor, byKey);
  }
  byKey.set(key, result);
  return result;
}
