/**
 * The numbers behind Learn mode's lessons, computed with the same engine functions the quantizer
 * uses, so what a lesson shows is what Zeropoint does (the e2e tests compare the two).
 */
import { histogramMoments, type Histogram } from '../calibration/histogram';
import { clippedFraction, expectedSquaredError, quantGrid } from '../calibration/ranges';
import { numel } from '../onnx/tensor';
import { computePerChannelParams, computeQuantParams, dequantize, qRange, quantize, quantizePerAxis, dequantizePerAxis, type QuantType } from '../quant/params';

export interface ScaleLesson {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly qmin: number;
  readonly qmax: number;
  /** The range after widening to include 0 (and to ±absmax when symmetric). */
  readonly range: { readonly min: number; readonly max: number };
  /** The formula with the numbers put in. */
  readonly formula: { readonly scale: string; readonly zeroPoint: string };
}

/** Lesson 1: scale and zero-point of a range, with ONNX Runtime's formulas. */
export function scaleLesson(range: { min: number; max: number }, type: QuantType, symmetric = false): ScaleLesson {
  const p = computeQuantParams(range, { type, symmetric, reduceRange: false });
  const { qmin, qmax } = qRange(type, { symmetric, reduceRange: false });
  let rmin = Math.min(range.min, 0);
  let rmax = Math.max(range.max, 0);
  if (symmetric) {
    const a = Math.max(Math.abs(rmin), Math.abs(rmax));
    rmin = -a;
    rmax = a;
  }
  const f = (x: number) => Number(x.toPrecision(6)).toString();
  return {
    scale: p.scale,
    zeroPoint: p.zeroPoint,
    qmin,
    qmax,
    range: { min: rmin, max: rmax },
    formula: {
      scale: `scale = (max − min) / (qmax − qmin) = (${f(rmax)} − ${f(rmin)}) / (${qmax} − ${qmin}) = ${f(p.scale)}`,
      zeroPoint: symmetric
        ? `zero_point = ${p.zeroPoint} (symmetric: the middle of the integer range)`
        : `zero_point = round(qmin − min / scale) = round(${qmin} − ${f(rmin)} / ${f(p.scale)}) = ${p.zeroPoint}`,
    },
  };
}

export interface RoundTrip {
  readonly x: number;
  readonly q: number;
  readonly real: number;
  readonly error: number;
  readonly clipped: boolean;
}

/** Quantize one value and dequantize it back: q = clamp(round_half_even(x / scale) + zp), real = scale·(q − zp). */
export function roundTrip(x: number, lesson: Pick<ScaleLesson, 'scale' | 'zeroPoint' | 'qmin' | 'qmax'>, type: QuantType): RoundTrip {
  const q = quantize([x], { scale: lesson.scale, zeroPoint: lesson.zeroPoint, type })[0];
  const real = dequantize(type === 'u8' ? Uint8Array.of(q) : Int8Array.of(q), { scale: lesson.scale, zeroPoint: lesson.zeroPoint })[0];
  return { x, q, real, error: real - x, clipped: q === lesson.qmin || q === lesson.qmax ? Math.abs(real - x) > lesson.scale / 2 : false };
}

export interface CodeUsage {
  /** Integer codes that some observed value maps to. */
  readonly used: number;
  readonly total: number;
  readonly wastedFraction: number;
}

/** Lesson 2: how many of the grid's codes the data [min, max] can reach (symmetric grids waste codes on one-sided data). */
export function codeUsage(observed: { min: number; max: number }, type: QuantType, symmetric: boolean): CodeUsage {
  const p = computeQuantParams(observed, { type, symmetric, reduceRange: false });
  const { qmin, qmax } = qRange(type, { symmetric, reduceRange: false });
  const [lo, hi] = quantize([observed.min, observed.max], p);
  const used = hi - lo + 1;
  const total = qmax - qmin + 1;
  return { used, total, wastedFraction: 1 - used / total };
}

export interface ClipMetrics {
  readonly mse: number;
  readonly sqnrDb: number;
  readonly clippedFraction: number;
}

/** Lesson 3: the expected error of quantizing this histogram with a clip range (as the MSE method computes it). */
export function clipMetrics(h: Histogram, range: { min: number; max: number }, type: QuantType, symmetric = false): ClipMetrics {
  const mse = expectedSquaredError(h, range, quantGrid({ type, symmetric }));
  const { mean, std } = histogramMoments(h);
  const power = std * std + mean * mean;
  return { mse, sqnrDb: 10 * Math.log10(power / mse), clippedFraction: clippedFraction(h, range) ?? 0 };
}

export interface ChannelErrors {
  readonly channel: number;
  readonly min: number;
  readonly max: number;
  readonly perTensorSqnrDb: number;
  readonly perChannelSqnrDb: number;
}

function sqnr(ref: Float32Array, test: Float32Array, from: number, to: number): number {
  let s = 0;
  let e = 0;
  for (let i = from; i < to; i++) {
    s += ref[i] * ref[i];
    const d = ref[i] - test[i];
    e += d * d;
  }
  return e === 0 ? Infinity : 10 * Math.log10(s / e);
}

/**
 * Lesson 4: a conv weight ([C_out, ...], channel axis 0) quantized s8 symmetric per tensor and per
 * channel; the error of each output channel under both.
 */
export function perChannelLesson(weights: Float32Array, dims: readonly number[]): ChannelErrors[] {
  const options = { type: 's8' as const, symmetric: true, reduceRange: false };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of weights) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const tensorParams = computeQuantParams({ min: lo, max: hi }, options);
  const perTensor = dequantize(quantize(weights, tensorParams), tensorParams);
  const channelParams = computePerChannelParams(weights, dims, 0, options);
  const perChannel = dequantizePerAxis(quantizePerAxis(weights, dims, 0, channelParams), dims, 0, channelParams);
  const inner = numel(dims.slice(1));
  return Array.from({ length: dims[0] }, (_, c) => {
    let min = Infinity;
    let max = -Infinity;
    for (let i = c * inner; i < (c + 1) * inner; i++) {
      if (weights[i] < min) min = weights[i];
      if (weights[i] > max) max = weights[i];
    }
    return { channel: c, min, max, perTensorSqnrDb: sqnr(weights, perTensor, c * inner, (c + 1) * inner), perChannelSqnrDb: sqnr(weights, perChannel, c * inner, (c + 1) * inner) };
  });
}

/** Lesson 6: storage of `parameters` weights at a number of bits each, in bytes. */
export function modelBytes(parameters: number, bits: 32 | 16 | 8 | 4): number {
  return (parameters * bits) / 8;
}
