/**
 * Sum-preserving weight rounding (data-free). Rounding each weight to nearest leaves a rounding error
 * ε per weight whose sum over a kernel does not cancel: a layer's output then shifts by Σ ε·x, and
 * where x has a large mean (after a Relu, in 0..255 inputs) that shift is a bias error in every output
 * pixel. Depthwise 3x3 kernels (9 weights, one input channel) are hit the hardest: MobileNet-style
 * backbones (SCRFD, PP-OCR, YOLOX-nano) lose 1-2 dB of SQNR per layer to it.
 *
 * Here, in each group of weights that reads one input channel (a Conv kernel's spatial slice k x k),
 * or one output channel's whole fan-in for 1x1 kernels and matrices, the integer codes are moved by
 * one step on the weights whose residual was closest to the half-way point until |Σ (q - w/s)| <= 1/2.
 * Each weight still rounds to one of its two neighbours (error < 1 step), and the kernel's sum, so
 * the output's mean for an input that is constant over the kernel, is what FP32 computes (within
 * half a step). Bias correction with calibration means (bias-correction.ts) goes further for 1x1
 * kernels; this needs no data, so it is on by default.
 */

import { roundHalfToEven } from './params';

export interface RoundingGroups {
  /** Number of groups, each `size` elements at `start(g) + j * stride`. */
  readonly count: number;
  readonly size: number;
  readonly stride: number;
  start(g: number): number;
}

/**
 * The groups for a weight of `dims` quantized per channel along `axis`: each group lies in one
 * channel (one scale). undefined when none apply (per-tensor scalars, tiny groups).
 */
export function roundingGroups(dims: readonly number[], axis: number): RoundingGroups | undefined {
  const total = dims.reduce((a, b) => a * b, 1);
  if (dims.length >= 3 && (axis === 0 || axis === 1)) {
    const spatial = dims.slice(2).reduce((a, b) => a * b, 1);
    if (spatial >= 2) return { count: total / spatial, size: spatial, stride: 1, start: (g) => g * spatial };
    if (axis === 0) {
      const fanIn = total / dims[0];
      return fanIn >= 2 ? { count: dims[0], size: fanIn, stride: 1, start: (g) => g * fanIn } : undefined;
    }
    // [C_in, C_out, 1, 1] per axis 1: a column of C_in weights per output channel.
    const cout = dims[1];
    return dims[0] >= 2 ? { count: cout, size: dims[0], stride: cout, start: (g) => g } : undefined;
  }
  if (dims.length === 2 && axis === 1) {
    // MatMul / Gemm B [K, N]: a column per output.
    const [k, n] = dims;
    return k >= 2 ? { count: n, size: k, stride: n, start: (g) => g } : undefined;
  }
  if (dims.length === 2 && axis === 0) {
    // Gemm B with transB [N, K]: a row per output.
    const [n, k] = dims;
    return k >= 2 ? { count: n, size: k, stride: 1, start: (g) => g * k } : undefined;
  }
  return undefined;
}

/**
 * Adjusts symmetric-or-asymmetric codes `q` (already rounded to nearest from `values`) in place so
 * each group's sum of rounding errors is within 1/2 step. `scaleOf(i)` and `zeroPointOf(i)` give the
 * parameters of element i. Returns how many codes moved.
 */
export function preserveGroupSums(
  values: ArrayLike<number>,
  q: Int8Array | Uint8Array,
  groups: RoundingGroups,
  scaleOf: (i: number) => number,
  zeroPointOf: (i: number) => number,
  qmin: number,
  qmax: number,
): number {
  let moved = 0;
  const res = new Float64Array(groups.size);
  const idx = new Int32Array(groups.size);
  for (let g = 0; g < groups.count; g++) {
    const s0 = groups.start(g);
    let sum = 0;
    for (let j = 0; j < groups.size; j++) {
      const i = s0 + j * groups.stride;
      const scale = scaleOf(i);
      // residual: code - exact code (in steps); clamped codes are left alone (marked NaN)
      const exact = Math.fround(values[i]) / scale + zeroPointOf(i);
      const r = q[i] - exact;
      res[j] = Math.abs(r) <= 0.5 + 1e-9 ? r : NaN;
      sum += q[i] - exact;
    }
    const flips = roundHalfToEven(sum); // whole steps to undo
    if (flips === 0) continue;
    // Move the codes whose residual points the same way as the excess, largest first.
    const dir = flips > 0 ? -1 : 1;
    let n = 0;
    for (let j = 0; j < groups.size; j++) if (res[j] === res[j] && (dir < 0 ? res[j] > 0 : res[j] < 0)) idx[n++] = j;
    const order = Array.from(idx.subarray(0, n)).sort((a, b) => Math.abs(res[b]) - Math.abs(res[a]));
    let left = Math.abs(flips);
    for (const j of order) {
      if (left === 0) break;
      const i = s0 + j * groups.stride;
      const next = q[i] + dir;
      if (next < qmin || next > qmax) continue;
      q[i] = next;
      left--;
      moved++;
    }
  }
  return moved;
}
