/**
 * Quantization parameters and the QuantizeLinear / DequantizeLinear arithmetic, bit-exact with ONNX:
 *
 *   real = scale * (q - zero_point)
 *   q    = clamp(roundHalfToEven(x / scale) + zero_point, type range)
 *
 * Parameter selection follows onnxruntime's quantization tool (quant_utils.py: get_qmin_qmax_for_qType,
 * compute_scale_zp, quantize_data; base_quantizer.py: quantize_bias_static_impl) so a model quantized
 * here carries the same scales and zero-points ORT's `quantize_static` would write for the same ranges.
 *
 * All arithmetic that ends up in the model is float32 arithmetic: scales are stored as float32, and
 * x / scale is rounded to float32 before rounding to an integer, because that is what QuantizeLinear
 * computes at run time (a float64 quotient would round differently near .5 ties).
 */
import { isZeropointError, ZeropointError } from '../errors';

export type QuantType = 'u8' | 's8';

export interface QuantRangeOptions {
  /** Symmetric range around 0 (signed: -127..127 so that zero-point 0 sits exactly in the middle). */
  readonly symmetric: boolean;
  /** 7-bit range (u8 0..127, s8 -64..64) for CPUs whose int8 dot products can overflow (pre-VNNI x86). */
  readonly reduceRange: boolean;
}

export interface QuantParamOptions extends QuantRangeOptions {
  readonly type: QuantType;
}

export interface QuantParams {
  /** A float32 value (what the model stores). */
  readonly scale: number;
  readonly zeroPoint: number;
  readonly type: QuantType;
}

export interface PerAxisParams {
  /** One float32 scale per slice along `axis`. */
  readonly scales: Float32Array;
  readonly zeroPoints: Int32Array;
  readonly type: QuantType;
}

export interface PerChannelParams extends PerAxisParams {
  /** The channel axis, normalized to 0..rank-1. */
  readonly axis: number;
}

export interface ValueRange {
  readonly min: number;
  readonly max: number;
}

export type QuantizedArray<T extends QuantType> = T extends 'u8' ? Uint8Array : Int8Array;

/** numpy.finfo(float32).tiny: ORT treats any smaller scale as a degenerate (all-zero) range. */
export const FLOAT32_TINY = 1.1754943508222875e-38;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Full storage range of a type: what QuantizeLinear saturates to, whatever range chose the scale. */
const TYPE_RANGE: Record<QuantType, { qmin: number; qmax: number }> = {
  u8: { qmin: 0, qmax: 255 },
  s8: { qmin: -128, qmax: 127 },
};

/**
 * Round half to even (banker's rounding), as numpy.round, std::nearbyint and ONNX Round do.
 * JavaScript's built-in rounding sends halves up (-2.5 -> -2 but 2.5 -> 3), biasing every tie one way.
 */
export function roundHalfToEven(x: number): number {
  if (!Number.isFinite(x)) return x; // ±Infinity stay (and clamp later); NaN stays NaN
  const f = Math.floor(x);
  // x - f is exact for |x| < 2^52 (both share an exponent range), so the tie test has no rounding error.
  const d = x - f;
  if (d < 0.5) return f + 0; // + 0 turns -0 into 0
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f + 0 : f + 1;
}

/**
 * The integer range used to choose scale and zero-point (get_qmin_qmax_for_qType).
 *
 * u8 symmetric deliberately stays 0..255 so the symmetric zero-point is round(127.5) = 128, the value
 * ORT's compute_scale_zp documents. ORT >= 1.20 lists u8 in its symmetric table as 0..254, which gives
 * 127 instead; that contradicts its own comment and is reported as a bug (microsoft/onnxruntime#25823).
 */
export function qRange(type: QuantType, options: QuantRangeOptions): { qmin: number; qmax: number } {
  checkType(type);
  if (options.reduceRange) return type === 'u8' ? { qmin: 0, qmax: 127 } : { qmin: -64, qmax: 64 };
  if (options.symmetric && type === 's8') return { qmin: -127, qmax: 127 };
  return { ...TYPE_RANGE[type] };
}

/**
 * Scale and zero-point for an observed range (compute_scale_zp):
 * - the range is widened to include 0, so real 0 (padding, ReLU floor) is exactly representable;
 * - symmetric ranges become [-absmax, absmax] and their zero-point is the middle of the integer range;
 * - a scale below the smallest normal float32 (an all-zero tensor) becomes 1 with zero-point 0.
 *
 * Range values are taken as float32 (they come from float32 tensors) and, as in ORT, the width
 * rmax - rmin is a float32 difference while the division and the zero-point use float64.
 */
/**
 * Runs `compute` and, when it throws, says which tensor (and node) the failure is about: the
 * parameter functions see only numbers, their callers know the names.
 */
export function withSubject<T>(subject: string, compute: () => T): T {
  try {
    return compute();
  } catch (e) {
    if (!isZeropointError(e)) throw e;
    throw new ZeropointError(e.code, `${subject}: ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}`, { subject, cause: e });
  }
}

export function computeQuantParams(range: ValueRange, options: QuantParamOptions): QuantParams {
  const { type } = options;
  const { qmin, qmax } = qRange(type, options);
  checkRange(range);
  let rmin = Math.min(Math.fround(range.min), 0);
  let rmax = Math.max(Math.fround(range.max), 0);
  if (options.symmetric) {
    const absmax = Math.max(-rmin, rmax);
    rmin = -absmax;
    rmax = absmax;
  }
  const width = Math.fround(rmax - rmin);
  if (!Number.isFinite(width)) {
    throw new ZeropointError('bad-option', `The range [${range.min}, ${range.max}] is wider than float32 can hold (a quantization scale needs a width below 3.4e38); check the calibration images, or keep the layer in FP32.`);
  }
  const scale = width / (qmax - qmin);
  if (scale < FLOAT32_TINY) return { scale: 1, zeroPoint: 0, type };
  // Symmetric: rmin = -rmax makes qmin - rmin/scale equal (qmin+qmax)/2 mathematically; using the
  // closed form keeps every channel's zero-point identical (ORT's QLinearConv requires it).
  const zp = options.symmetric ? roundHalfToEven((qmin + qmax) / 2) : roundHalfToEven(qmin - rmin / scale);
  return { scale: Math.fround(scale), zeroPoint: clamp(zp, qmin, qmax), type };
}

/**
 * Per-channel parameters: one min/max per slice along `axis` (any rank; negative axes count from the
 * end), each turned into parameters by computeQuantParams. An empty tensor gets scale 1, zero-point 0.
 */
export function computePerChannelParams(weights: Float32Array, dims: readonly number[], axis: number, options: QuantParamOptions): PerChannelParams {
  const { outer, channels, inner, axis: ax } = axisLayout(weights.length, dims, axis);
  const mins = new Float64Array(channels).fill(Infinity);
  const maxs = new Float64Array(channels).fill(-Infinity);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      let lo = mins[c];
      let hi = maxs[c];
      const base = (o * channels + c) * inner;
      for (let i = 0; i < inner; i++) {
        const v = weights[base + i];
        // NaN fails both comparisons; it is caught below so one bad weight names its channel.
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        if (v !== v) lo = hi = NaN;
      }
      mins[c] = lo;
      maxs[c] = hi;
    }
  }
  const scales = new Float32Array(channels);
  const zeroPoints = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    if (Number.isNaN(mins[c]) || Number.isNaN(maxs[c]) || mins[c] === -Infinity || maxs[c] === Infinity) {
      throw new ZeropointError('bad-option', `Channel ${c} (axis ${ax}) of the weight holds a non-finite value (range [${mins[c]}, ${maxs[c]}]), so it cannot be quantized; fix the model's weights, or keep the node in FP32.`);
    }
    const empty = outer * inner === 0;
    const p = computeQuantParams(empty ? { min: 0, max: 0 } : { min: mins[c], max: maxs[c] }, options);
    scales[c] = p.scale;
    zeroPoints[c] = p.zeroPoint;
  }
  return { scales, zeroPoints, type: options.type, axis: ax };
}

/** QuantizeLinear with one scale and zero-point. `out`, when given, must have values.length elements. */
export function quantize<T extends QuantType>(values: ArrayLike<number>, params: { readonly scale: number; readonly zeroPoint: number; readonly type: T }, out?: QuantizedArray<T>): QuantizedArray<T> {
  const { type } = params;
  checkType(type);
  const scale = Math.fround(params.scale);
  checkScale(scale);
  checkZeroPoint(params.zeroPoint, type);
  const dst = outputFor(type, values.length, out);
  const { qmin, qmax } = TYPE_RANGE[type];
  for (let i = 0; i < values.length; i++) dst[i] = quantizeOne(values[i], scale, params.zeroPoint, qmin, qmax);
  return dst;
}

/** QuantizeLinear with per-axis scales and zero-points (ONNX `axis` attribute; per-channel weights). */
export function quantizePerAxis<T extends QuantType>(
  values: ArrayLike<number>,
  dims: readonly number[],
  axis: number,
  params: { readonly scales: ArrayLike<number>; readonly zeroPoints: ArrayLike<number>; readonly type: T },
  out?: QuantizedArray<T>,
): QuantizedArray<T> {
  const { type } = params;
  checkType(type);
  const { outer, channels, inner } = axisLayout(values.length, dims, axis);
  checkPerAxis(params, channels);
  const scales = Float32Array.from(params.scales);
  for (let c = 0; c < channels; c++) {
    checkScale(scales[c], c);
    checkZeroPoint(params.zeroPoints[c], type, c);
  }
  const dst = outputFor(type, values.length, out);
  const { qmin, qmax } = TYPE_RANGE[type];
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const scale = scales[c];
      const zp = params.zeroPoints[c];
      const base = (o * channels + c) * inner;
      for (let i = base; i < base + inner; i++) dst[i] = quantizeOne(values[i], scale, zp, qmin, qmax);
    }
  }
  return dst;
}

/** Integer arrays DequantizeLinear accepts: 8-bit activations/weights and int32 biases. */
export type DequantizableArray = Uint8Array | Int8Array | Int32Array;

/** DequantizeLinear: float32((q - zero_point) * scale), computed as ONNX Runtime does in float32. */
export function dequantize(q: DequantizableArray, params: { readonly scale: number; readonly zeroPoint: number }, out?: Float32Array): Float32Array {
  const scale = Math.fround(params.scale);
  checkFiniteScale(scale);
  checkInteger(params.zeroPoint);
  const dst = floatOutput(q.length, out);
  const zp = params.zeroPoint;
  for (let i = 0; i < q.length; i++) dst[i] = Math.fround(q[i] - zp) * scale;
  return dst;
}

/** DequantizeLinear with per-axis scales and zero-points. */
export function dequantizePerAxis(
  q: DequantizableArray,
  dims: readonly number[],
  axis: number,
  params: { readonly scales: ArrayLike<number>; readonly zeroPoints: ArrayLike<number> },
  out?: Float32Array,
): Float32Array {
  const { outer, channels, inner } = axisLayout(q.length, dims, axis);
  checkPerAxis(params, channels);
  const scales = Float32Array.from(params.scales);
  for (let c = 0; c < channels; c++) {
    checkFiniteScale(scales[c], c);
    checkInteger(params.zeroPoints[c], c);
  }
  const dst = floatOutput(q.length, out);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const scale = scales[c];
      const zp = params.zeroPoints[c];
      const base = (o * channels + c) * inner;
      // Float32Array stores round the product to float32: the same single rounding as ORT's float math.
      for (let i = base; i < base + inner; i++) dst[i] = Math.fround(q[i] - zp) * scale;
    }
  }
  return dst;
}

export interface QuantizedBias {
  /** int32 values with zero-point 0. */
  readonly values: Int32Array;
  /** float32 bias scale per element: inputScale * weightScale (or 1 where that is degenerate). */
  readonly scales: Float32Array;
  /** Indices whose value saturated at the int32 limits: the bias scale is too small for that bias. */
  readonly saturated: number[];
  /** Indices whose bias scale was below float32's smallest normal (e.g. 0) and was replaced by 1. */
  readonly unitScale: number[];
}

/**
 * int32 bias for Conv/Gemm (quantize_bias_static_impl): scale = inputScale * weightScale per output
 * channel (a float32 product, as ORT multiplies float32 arrays), zero-point 0, value =
 * roundHalfToEven(bias / scale) in float64, clamped to int32 (ORT clips and logs a warning; here the
 * clamped indices are returned in `saturated`).
 *
 * ORT has no zero-bias-scale branch: it avoids the case upstream, because compute_scale_zp turns an
 * all-zero weight channel (or input range) into scale 1. Given a zero scale anyway (a caller-supplied
 * or underflowing product), quantize_bias_static_impl would divide by zero: inf clips to INT32_MAX and
 * 0/0 is an undefined NaN-to-int32 cast. We apply ORT's own degenerate-scale rule from
 * compute_scale_zp instead: a bias scale below the smallest normal float32 becomes 1 with zero-point 0
 * (value = round(bias)), reported in `unitScale`. The DequantizeLinear of the bias then
 * carries that scale, so the QDQ graph stays exact; QLinearConv, which implies the scale, cannot
 * represent such a channel anyway.
 */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array | number): QuantizedBias {
  const perChannel = typeof weightScales !== 'number';
  if (perChannel && weightScales.length !== bias.length) {
    throw new ZeropointError('bad-option', `The bias has ${bias.length} values but ${weightScales.length} weight scales were given; per-channel weight scales need one per output channel.`);
  }
  const xScale = Math.fround(inputScale);
  checkFiniteScale(xScale);
  const values = new Int32Array(bias.length);
  const scales = new Float32Array(bias.length);
  const saturated: number[] = [];
  const unitScale: number[] = [];
  for (let i = 0; i < bias.length; i++) {
    const wScale = Math.fround(perChannel ? weightScales[i] : weightScales);
    checkFiniteScale(wScale, perChannel ? i : undefined);
    let scale = Math.fround(xScale * wScale);
    if (scale < FLOAT32_TINY) {
      scale = 1;
      unitScale.push(i);
    }
    const b = bias[i];
    if (!Number.isFinite(b)) {
      throw new ZeropointError('bad-option', `Bias value ${i} is ${b}; a non-finite bias cannot be quantized; fix the model's weights, or keep the node in FP32.`);
    }
    const q = roundHalfToEven(b / scale);
    if (q < INT32_MIN || q > INT32_MAX) saturated.push(i);
    values[i] = clamp(q, INT32_MIN, INT32_MAX);
    scales[i] = scale;
  }
  return { values, scales, saturated, unitScale };
}

// ---------------------------------------------------------------------------------------------------

function quantizeOne(x: number, scale: number, zp: number, qmin: number, qmax: number): number {
  // x is a float32 tensor element in ONNX, and the quotient is rounded to float32 before rounding to
  // an integer: QuantizeLinear divides in float32. (A Float32Array input makes the first fround a no-op.)
  const q = roundHalfToEven(Math.fround(Math.fround(x) / scale)) + zp;
  // NaN has no integer value (ORT's result is an undefined cast); map it to real 0 rather than garbage.
  if (q !== q) return zp;
  return q < qmin ? qmin : q > qmax ? qmax : q;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function outputFor<T extends QuantType>(type: T, n: number, out: QuantizedArray<T> | undefined): QuantizedArray<T> {
  if (out === undefined) return (type === 'u8' ? new Uint8Array(n) : new Int8Array(n)) as QuantizedArray<T>;
  const ok = type === 'u8' ? out instanceof Uint8Array : out instanceof Int8Array;
  if (!ok || out.length !== n) {
    throw new ZeropointError('bad-option', `The output buffer is a ${out.constructor.name} of ${out.length} elements; quantizing ${n} values to '${type}' needs a ${type === 'u8' ? 'Uint8Array' : 'Int8Array'} of exactly ${n}.`);
  }
  return out;
}

function floatOutput(n: number, out: Float32Array | undefined): Float32Array {
  if (out === undefined) return new Float32Array(n);
  if (out.length !== n) throw new ZeropointError('bad-option', `The output buffer has ${out.length} elements; dequantizing ${n} values needs exactly ${n}.`);
  return out;
}

/** Splits a tensor into outer x channels x inner around `axis` so slices are contiguous runs. */
function axisLayout(length: number, dims: readonly number[], axis: number): { outer: number; channels: number; inner: number; axis: number } {
  const rank = dims.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ZeropointError('bad-option', `Axis ${axis} is out of range for a tensor of shape [${dims.join(', ')}] (rank ${rank}).`);
  }
  const ax = axis < 0 ? axis + rank : axis;
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < rank; d++) {
    if (!Number.isInteger(dims[d]) || dims[d] < 0) throw new ZeropointError('bad-option', `Shape [${dims.join(', ')}] has an invalid dimension ${dims[d]}.`);
    if (d < ax) outer *= dims[d];
    else if (d > ax) inner *= dims[d];
  }
  const channels = dims[ax];
  if (outer * channels * inner !== length) {
    throw new ZeropointError('bad-option', `Shape [${dims.join(', ')}] needs ${outer * channels * inner} values but ${length} were given.`);
  }
  return { outer, channels, inner, axis: ax };
}

function checkPerAxis(params: { readonly scales: ArrayLike<number>; readonly zeroPoints: ArrayLike<number> }, channels: number): void {
  if (params.scales.length !== channels || params.zeroPoints.length !== channels) {
    throw new ZeropointError('bad-option', `Per-axis parameters have ${params.scales.length} scales and ${params.zeroPoints.length} zero-points but the axis has ${channels} slices; give one of each per slice.`);
  }
}

function checkType(type: string): void {
  if (type !== 'u8' && type !== 's8') throw new ZeropointError('bad-option', `Quantization type '${type}' is not supported; use 'u8' or 's8'.`);
}

function checkRange(range: ValueRange): void {
  if (range.min === Infinity && range.max === -Infinity) {
    throw new ZeropointError('no-statistics', 'The range is empty (min = Infinity, max = -Infinity): no values were observed for this tensor.');
  }
  if (!Number.isFinite(range.min) || !Number.isFinite(range.max) || range.min > range.max) {
    throw new ZeropointError('bad-option', `The range [${range.min}, ${range.max}] is not a finite interval with min <= max.`);
  }
}

function at(channel: number | undefined): string {
  return channel === undefined ? '' : ` for slice ${channel}`;
}

function checkScale(scale: number, channel?: number): void {
  // A zero or subnormal scale sends every x / scale to +/-Infinity: nothing useful can come out.
  if (!(scale >= FLOAT32_TINY) || scale === Infinity) {
    throw new ZeropointError('bad-option', `Scale ${scale}${at(channel)} cannot quantize: it must be a finite float32 of at least ${FLOAT32_TINY}.`);
  }
}

function checkFiniteScale(scale: number, channel?: number): void {
  if (!Number.isFinite(scale)) throw new ZeropointError('bad-option', `Scale ${scale}${at(channel)} is not a finite number.`);
}

function checkInteger(zp: number, channel?: number): void {
  if (!Number.isInteger(zp)) throw new ZeropointError('bad-option', `Zero-point ${zp}${at(channel)} is not an integer.`);
}

function checkZeroPoint(zp: number, type: QuantType, channel?: number): void {
  const { qmin, qmax } = TYPE_RANGE[type];
  if (!Number.isInteger(zp) || zp < qmin || zp > qmax) {
    throw new ZeropointError('bad-option', `Zero-point ${zp}${at(channel)} does not fit '${type}' (${qmin}..${qmax}).`);
  }
}
