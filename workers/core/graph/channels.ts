/**
 * Where a layer's output channels sit in its weight, and constants that hold one value per output
 * channel. Shared by the BatchNormalization fold (prepare/batchnorm.ts) and the quantizer's affine
 * folds (quant/affine.ts):
 *
 *   Conv           W [M, C/g, k...]       channel o = W[o, ...]
 *   ConvTranspose  W [C, M/g, k...]       channel o = g_i · (M/g) + j for W[i, j, ...], g_i = floor(i / (C/g))
 *   Gemm           B [K, N] (transB [N, K]): channel n = column n (row n with transB)
 */
import { attrInt } from '../onnx/attributes';
import { numel } from '../onnx/tensor';
import type { Node } from '../onnx/types';

export const CHANNEL_LAYERS: ReadonlySet<string> = new Set(['Conv', 'ConvTranspose', 'Gemm']);

/** Output channels of a Conv / ConvTranspose / Gemm from its weight's dims. */
export function outputChannelsOf(layer: Node, weightDims: readonly number[]): number {
  switch (layer.opType) {
    case 'Conv':
      return weightDims[0];
    case 'ConvTranspose':
      return weightDims[1] * attrInt(layer, 'group', 1);
    default:
      return attrInt(layer, 'transB', 0) === 1 ? weightDims[0] : weightDims[1];
  }
}

/** Rank of the layer's output: the weight's rank for convolutions, 2 for Gemm. */
export function outputRankOf(layer: Node, weightDims: readonly number[]): number {
  return layer.opType === 'Gemm' ? 2 : weightDims.length;
}

/**
 * W with each output channel o scaled by s[o], for the layer's weight layout; undefined when the
 * weight does not fit (float32 products, as onnxruntime's fusions compute them).
 */
export function scaleOutputChannels(layer: Node, values: Float32Array, dims: readonly number[], s: ArrayLike<number>): Float32Array | undefined {
  const out = new Float32Array(values.length);
  const c = s.length;
  if (layer.opType === 'Conv') {
    if (dims.length < 3 || dims[0] !== c) return undefined;
    const per = values.length / c;
    for (let i = 0; i < values.length; i++) out[i] = values[i] * s[Math.floor(i / per)];
    return out;
  }
  if (layer.opType === 'ConvTranspose') {
    const g = attrInt(layer, 'group', 1);
    if (dims.length < 3 || dims[1] * g !== c || dims[0] % g !== 0) return undefined;
    const [cin, mg] = dims;
    const kk = numel(dims.slice(2));
    for (let i = 0; i < cin; i++) {
      const group = Math.floor(i / (cin / g));
      for (let j = 0; j < mg; j++) {
        const f = s[group * mg + j];
        const base = (i * mg + j) * kk;
        for (let k = 0; k < kk; k++) out[base + k] = values[base + k] * f;
      }
    }
    return out;
  }
  if (layer.opType !== 'Gemm' || dims.length !== 2) return undefined;
  const transB = attrInt(layer, 'transB', 0) === 1;
  const [rows, cols] = dims;
  if ((transB ? rows : cols) !== c) return undefined;
  for (let i = 0; i < values.length; i++) out[i] = values[i] * s[transB ? Math.floor(i / cols) : i % cols];
  return out;
}

/**
 * A constant broadcast against a layer output of rank `rank` (channels on axis 1) as one value per
 * channel, or undefined when it varies along any other axis: a scalar, [C, 1, 1], [1, C, 1, 1]
 * ([N] or [1, N] after a Gemm).
 */
export function perChannelValues(values: Float32Array, dims: readonly number[], channels: number, rank: number): Float32Array | undefined {
  if (values.length === 1) return new Float32Array(channels).fill(values[0]);
  if (dims.length > rank || values.length !== channels) return undefined;
  const channelAxis = 1 - (rank - dims.length);
  if (channelAxis < 0) return undefined;
  return dims.every((n, i) => (i === channelAxis ? n === channels : n === 1)) ? values : undefined;
}
