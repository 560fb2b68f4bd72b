/**
 * Calibration ranges from collected statistics, without re-running the model. Every method reads the
 * same TensorStats (histogram + min/max + moving averages), so a UI can switch method instantly.
 *
 * Every returned range contains 0 (min <= 0 <= max). Symmetric methods find a threshold T on |x| and
 * return [-T, T] intersected with the observed range extended to 0, i.e.
 *   [max(-T, min(observedMin, 0)), min(T, max(observedMax, 0))]
 * so all-non-negative data (post-ReLU) gets [0, T], never a negative half it has no values in, and no
 * side is ever widened beyond the data. A symmetric quantizer still sees max(|min|, |max|) = T (when T
 * does not exceed the larger side, which holds since T <= max|x|), so nothing is lost for it.
 *
 * Estimates from the histogram use its mass model (histogram.ts `massPieces`): the count of each bin is
 * spread uniformly over the bin clipped to the exact [min, max], and exact zeros are a point mass at 0.
 *
 * Methods (exact definitions):
 *  - minmax: [min(observedMin, 0), max(observedMax, 0)].
 *  - moving-average: the same with movingMin/movingMax (ORT MinMaxCalibrater, moving_average=True).
 *  - percentile (default 99.999):
 *      'symmetric' (default): T = the p-th percentile of |x| (cdfQuantile of the |x| histogram at
 *      p/100), range as for symmetric methods above.
 *      'per-side': low = the (100-p)-th percentile of x, high = the p-th percentile of x, each then
 *      extended to include 0. So (100-p)% may be clipped on each side, 2·(100-p)% in all.
 *  - entropy: TensorRT's KL-divergence threshold search on |x| (see entropyThreshold).
 *  - mse: the range minimising the expected squared quantization error on the target integer grid
 *    (see mseRange / expectedSquaredError).
 */
import { ZeropointError } from '../errors';
import { getTensorStats, type CalibrationStats, type TensorStats } from './collector';
import { absHistogram, cdfQuantile, fractionOutside, massPieces, type Histogram, type MassPieces } from './histogram';
import { roundHalfToEven } from '../quant/params';

export type RangeMethod = 'minmax' | 'moving-average' | 'percentile' | 'entropy' | 'mse';
export const RANGE_METHODS: readonly RangeMethod[] = ['minmax', 'moving-average', 'percentile', 'entropy', 'mse'];

export const DEFAULT_PERCENTILE = 99.999;
export const DEFAULT_ENTROPY_TARGET_BINS = 2048;
export const DEFAULT_ENTROPY_QUANTIZED_BINS = 128;

export interface PercentileOptions {
  /** In [50, 100]; 99.999 by default. */
  percentile?: number;
  /** 'symmetric' (default): threshold on |x|. 'per-side': each tail clipped separately. */
  mode?: 'symmetric' | 'per-side';
}

export interface EntropyOptions {
  /** N: bins of the |x| histogram the search runs on, 2048 by default. */
  targetBins?: number;
  /** M: quantized bins (levels of the candidate distribution), 128 by default. */
  quantizedBins?: number;
}

export type QuantType = 'u8' | 's8';

export interface MseOptions {
  /** Target integer type, 'u8' by default. */
  type?: QuantType;
  /** Symmetric quantization (zero point fixed at the grid middle), false by default. */
  symmetric?: boolean;
}

export type RangeOptions =
  | { method: 'minmax' }
  | { method: 'moving-average' }
  | ({ method: 'percentile' } & PercentileOptions)
  | ({ method: 'entropy' } & EntropyOptions)
  | ({ method: 'mse' } & MseOptions);

export interface CalibrationRange {
  method: RangeMethod;
  /** The range; always min <= 0 <= max. */
  min: number;
  max: number;
  /** The |x| threshold for symmetric methods (percentile symmetric, entropy, mse symmetric). */
  threshold?: number;
  /**
   * Estimated fraction of the finite values outside [min, max] (from the histogram); always 0 for
   * minmax; absent for moving-average when the stats were collected without a histogram.
   */
  clippedFraction?: number;
  /** entropy: KL(P||Q) of the chosen candidate. */
  divergence?: number;
  /** mse: expected squared error per value at the chosen range, on the grid described by `grid`. */
  meanSquaredError?: number;
  /** mse: the integer grid the error was computed for. */
  grid?: QuantGrid;
}

function badOption(message: string): ZeropointError {
  return new ZeropointError('bad-option', message);
}

function requireStatistics(stats: TensorStats): void {
  if (stats.count === 0) {
    throw new ZeropointError(
      'no-statistics',
      `Tensor "${stats.name}" has no finite values observed; run calibration on at least one image that reaches it.`,
      { subject: stats.name },
    );
  }
}

function requireHistogram(stats: TensorStats, method: RangeMethod): Histogram {
  if (stats.histogram === undefined || stats.histogram.count === 0) {
    throw new ZeropointError(
      'no-statistics',
      `Tensor "${stats.name}" was calibrated without histograms, which method "${method}" needs; calibrate again with histograms on, or use minmax or moving-average.`,
      { subject: stats.name },
    );
  }
  return stats.histogram;
}

function requireNonEmpty(h: Histogram): void {
  if (h.count === 0) throw new ZeropointError('no-statistics', 'The histogram holds no finite values; a range needs at least one.');
}

function includeZero(min: number, max: number): { min: number; max: number } {
  return { min: Math.min(min, 0), max: Math.max(max, 0) };
}

/** [-T, T] ∩ [min(h.min, 0), max(h.max, 0)]. */
function symmetricRange(h: Histogram, threshold: number): { min: number; max: number } {
  const observed = includeZero(h.min, h.max);
  return { min: Math.max(-threshold, observed.min), max: Math.min(threshold, observed.max) };
}

/** Fraction of finite values outside `range` (mass model of the histogram). */
export function clippedFraction(h: Histogram, range: { min: number; max: number }): number {
  return fractionOutside(h, range);
}

// ---------------------------------------------------------------------------------------------------
// percentile

function checkPercentile(p: number): void {
  if (!(typeof p === 'number' && p >= 50 && p <= 100)) {
    throw badOption(`Percentile "${String(p)}" must be a number between 50 and 100, such as 99.999.`);
  }
}

export function percentileRange(h: Histogram, options?: PercentileOptions): CalibrationRange {
  const p = options?.percentile ?? DEFAULT_PERCENTILE;
  const mode = options?.mode ?? 'symmetric';
  checkPercentile(p);
  requireNonEmpty(h);
  if (mode === 'per-side') {
    const r = includeZero(cdfQuantile(h, (100 - p) / 100), cdfQuantile(h, p / 100));
    return { method: 'percentile', ...r, clippedFraction: fractionOutside(h, r) };
  }
  if (mode !== 'symmetric') throw badOption(`Percentile mode "${String(mode)}" is unknown; use "symmetric" or "per-side".`);
  const threshold = cdfQuantile(absHistogram(h), p / 100);
  const r = symmetricRange(h, threshold);
  return { method: 'percentile', ...r, threshold, clippedFraction: fractionOutside(h, r) };
}

// ---------------------------------------------------------------------------------------------------
// entropy

function checkEntropyOptions(options?: EntropyOptions): { n: number; m: number } {
  const n = options?.targetBins ?? DEFAULT_ENTROPY_TARGET_BINS;
  const m = options?.quantizedBins ?? DEFAULT_ENTROPY_QUANTIZED_BINS;
  if (!Number.isInteger(m) || m < 2 || m > 65536) {
    throw badOption(`Entropy quantized bins "${String(m)}" must be an integer between 2 and 65536, such as 128.`);
  }
  if (!Number.isInteger(n) || n < m || n > 1 << 16) {
    throw badOption(`Entropy target bins "${String(n)}" must be an integer between the quantized bins (${m}) and 65536, such as 2048.`);
  }
  return { n, m };
}

/**
 * The nonzero part of the |x| histogram re-binned onto exactly n equal bins over [0, max|x|]. Each
 * source piece's mass is split in proportion to its overlap with the target bins (uniform-within-bin
 * assumption); a point piece goes whole to the bin containing it. Exact zeros are left out: every
 * candidate range represents 0 exactly, so they are not part of what the quantizer approximates.
 */
export function rebinAbs(abs: Histogram, n: number): { counts: Float64Array; width: number } {
  const counts = new Float64Array(n);
  const maxAbs = abs.max;
  const width = maxAbs / n;
  if (!(maxAbs > 0)) return { counts, width: 0 };
  const p = massPieces(abs, { includeZeros: false });
  for (let i = 0; i < p.length; i++) {
    const a = p.a[i];
    const b = p.b[i];
    const m = p.mass[i];
    const ta = Math.min(n - 1, Math.floor(a / width));
    if (b === a) {
      counts[ta] += m;
      continue;
    }
    const tb = Math.min(n - 1, Math.floor(b / width));
    if (ta === tb) {
      counts[ta] += m;
      continue;
    }
    const density = m / (b - a);
    let placed = 0;
    for (let t = ta; t < tb; t++) {
      const share = density * (Math.min(b, (t + 1) * width) - Math.max(a, t * width));
      counts[t] += share;
      placed += share;
    }
    counts[tb] += m - placed; // the rest, so the mass is conserved exactly
  }
  return { counts, width };
}

/**
 * TensorRT's entropy calibration on the |x| histogram h re-binned to n bins (see rebinAbs). For every
 * candidate i in [m, n]:
 *   P = the first i bins, with the mass of bins i..n-1 (the outliers) added to bin i-1;
 *   Q = the first i bins *without* the outliers merged into m groups (floor(i/m) bins each, the last
 *       group also takes the remainder), each group's mass expanded evenly over the bins of the group
 *       where P is non-zero (0 where P is 0);
 *   divergence = KL(P||Q) = Σ p_j log(p_j / q_j) over p_j > 0, P normalised by its total (all the
 *       mass) and Q by its own (the mass of the first i bins).
 * Building Q from P itself would make the candidate i = m trivially perfect (Q = P), which is why
 * TensorRT (and MXNet, which we follow for the grouping) use the bins without outliers. Where Q is 0
 * but P is not (the outliers land in an otherwise empty last group), q_j is replaced by ε = 1e-4 of
 * one value's mass, i.e. MXNet's `_smooth_distribution` epsilon of 1e-4 counts; so clipping far
 * outliers costs about p·ln(p/ε), finite. The smallest divergence wins (the smallest i on ties);
 * T = i · max|x| / n, the upper edge of bin i-1.
 * With n = m there is a single candidate and T = max|x| (minmax) — ONNX Runtime's 128/128 default.
 * The smallest possible T is max|x| · m / n.
 */
export function entropyThreshold(h: Histogram, options?: EntropyOptions): { threshold: number; divergence: number } {
  const { n, m } = checkEntropyOptions(options);
  const abs = absHistogram(h);
  const { counts, width } = rebinAbs(abs, n);
  let total = 0;
  for (let j = 0; j < n; j++) total += counts[j];
  if (!(total > 0)) return { threshold: abs.max > 0 ? abs.max : 0, divergence: 0 };

  const q = new Float64Array(n);
  const epsilon = 1e-4 / abs.count; // normalised: 1e-4 of one value
  let bestI = n;
  let best = Infinity;
  // Mass of the first i bins (the "sliced" histogram).
  let sliced = 0;
  for (let j = 0; j < m; j++) sliced += counts[j];
  for (let i = m; i <= n; i++) {
    if (i > m) sliced += counts[i - 1];
    const outliers = total - sliced;
    const group = Math.floor(i / m);
    // Q: per group, the sliced mass spread over the bins where P is non-zero.
    for (let g = 0; g < m; g++) {
      const start = g * group;
      const stop = g === m - 1 ? i : start + group;
      let mass = 0;
      let nonzero = 0;
      for (let j = start; j < stop; j++) {
        mass += counts[j];
        const pj = j === i - 1 ? counts[j] + outliers : counts[j];
        if (pj > 0) nonzero++;
      }
      const each = nonzero > 0 ? mass / nonzero : 0;
      for (let j = start; j < stop; j++) {
        const pj = j === i - 1 ? counts[j] + outliers : counts[j];
        q[j] = pj > 0 ? each : 0;
      }
    }
    // KL(P||Q) with P normalised by total (P holds all the mass) and Q by the sliced mass.
    let kl = 0;
    for (let j = 0; j < i; j++) {
      const pj = j === i - 1 ? counts[j] + outliers : counts[j];
      if (pj <= 0) continue;
      const qn = q[j] > 0 ? q[j] / sliced : epsilon;
      const pn = pj / total;
      kl += pn * Math.log(pn / qn);
    }
    if (kl < best) {
      best = kl;
      bestI = i;
    }
  }
  const threshold = bestI === n ? abs.max : bestI * width;
  return { threshold, divergence: Math.max(0, best) };
}

export function entropyRange(h: Histogram, options?: EntropyOptions): CalibrationRange {
  requireNonEmpty(h);
  const { threshold, divergence } = entropyThreshold(h, options);
  const r = symmetricRange(h, threshold);
  return { method: 'entropy', ...r, threshold, divergence, clippedFraction: fractionOutside(h, r) };
}

// ---------------------------------------------------------------------------------------------------
// mse

/** The integer grid a range is quantized to. */
export interface QuantGrid {
  type: QuantType;
  symmetric: boolean;
  qmin: number;
  qmax: number;
}

/**
 * u8 asymmetric: 0..255. u8 symmetric: 0..255 with zero point 128 (ORT). s8 symmetric: -127..127
 * (restricted, zero point 0). s8 asymmetric: -128..127.
 */
export function quantGrid(options?: MseOptions): QuantGrid {
  const type = options?.type ?? 'u8';
  const symmetric = options?.symmetric ?? false;
  if (type !== 'u8' && type !== 's8') throw badOption(`Quantization type "${String(type)}" is unknown; use "u8" or "s8".`);
  if (type === 'u8') return { type, symmetric, qmin: 0, qmax: 255 };
  return symmetric ? { type, symmetric, qmin: -127, qmax: 127 } : { type, symmetric, qmin: -128, qmax: 127 };
}

export interface Quantizer {
  scale: number;
  zeroPoint: number;
  /** The smallest and largest representable values, (qmin - zeroPoint)·scale and (qmax - zeroPoint)·scale. */
  lowest: number;
  highest: number;
}

/**
 * The quantizer the mse search assumes for a range (min <= 0 <= max). Symmetric: T = max(|min|,|max|),
 * scale = 2T / (qmax - qmin), zero point round((qmin + qmax) / 2) (0 for s8, 128 for u8). Asymmetric:
 * scale = (max - min) / (qmax - qmin), zero point round(qmin - min / scale) clamped to [qmin, qmax].
 * Since the zero point is an integer, the grid points are exactly the multiples of scale in
 * [lowest, highest], and 0 is one of them.
 */
export function quantizerFor(grid: QuantGrid, range: { min: number; max: number }): Quantizer {
  const levels = grid.qmax - grid.qmin;
  let scale: number;
  let zeroPoint: number;
  if (grid.symmetric) {
    const t = Math.max(Math.abs(range.min), Math.abs(range.max));
    scale = (2 * t) / levels;
    zeroPoint = roundHalfToEven((grid.qmin + grid.qmax) / 2);
  } else {
    scale = (range.max - range.min) / levels;
    zeroPoint = scale > 0 ? Math.min(grid.qmax, Math.max(grid.qmin, roundHalfToEven(grid.qmin - range.min / scale))) : grid.qmin;
  }
  return { scale, zeroPoint, lowest: (grid.qmin - zeroPoint) * scale, highest: (grid.qmax - zeroPoint) * scale };
}

/** ∫_{-1/2}^{u} (v - round(v))² dv, the integrated squared rounding error of a unit grid. */
function sawIntegral(u: number): number {
  const n = Math.floor(u + 0.5);
  const f = u - n;
  return n / 12 + (f * f * f + 0.125) / 3;
}

function pointError(x: number, q: Quantizer): number {
  if (x < q.lowest) return (x - q.lowest) ** 2;
  if (x > q.highest) return (x - q.highest) ** 2;
  if (q.scale === 0) return x * x;
  const r = x - q.scale * roundHalfToEven(x / q.scale);
  return r * r;
}

/** Σ over pieces of mass · E[(x - dequant(quant(x)))²] with x uniform over each piece. */
function totalSquaredError(p: MassPieces, q: Quantizer): number {
  const s = q.scale;
  const lo = q.lowest;
  const hi = q.highest;
  const s3 = s * s * s;
  let total = 0;
  for (let k = 0; k < p.length; k++) {
    const a = p.a[k];
    const b = p.b[k];
    const m = p.mass[k];
    if (b - a <= 1e-9 * (s + Math.abs(a))) {
      total += m * pointError((a + b) / 2, q);
      continue;
    }
    let integral = 0;
    if (a < lo) {
      const u = Math.min(b, lo);
      const da = a - lo;
      const du = u - lo;
      integral += (du * du * du - da * da * da) / 3;
    }
    if (b > hi) {
      const u = Math.max(a, hi);
      const db = b - hi;
      const du = u - hi;
      integral += (db * db * db - du * du * du) / 3;
    }
    const inLo = Math.max(a, lo);
    const inHi = Math.min(b, hi);
    if (inHi > inLo && s > 0) integral += s3 * (sawIntegral(inHi / s) - sawIntegral(inLo / s));
    total += (m * integral) / (b - a);
  }
  return total;
}

/**
 * Expected squared quantization error per value, E[(x - dequant(quant(x)))²], of the histogram's
 * values for `range` on `grid` (quantizer as in quantizerFor). Clipped mass contributes its squared
 * distance to the nearest representable value; in-range mass its exact rounding error. Both are
 * integrated in closed form over each bin (uniform within the bin clipped to [min, max]); exact zeros
 * contribute nothing, as 0 is always on the grid. Not scale²/12: that approximation is wrong for bins
 * narrower than the scale and for point masses.
 */
export function expectedSquaredError(h: Histogram, range: { min: number; max: number }, grid: QuantGrid): number {
  if (h.count === 0) return 0;
  return totalSquaredError(massPieces(h, { includeZeros: false }), quantizerFor(grid, includeZero(range.min, range.max))) / h.count;
}

/** Minimises f over t in (lo, hi]: a coarse grid of `coarse` points, then `rounds` zooms of `fine` points. */
function search1d(f: (t: number) => number, lo: number, hi: number, coarse: number, fine: number, rounds: number): { t: number; value: number } {
  let bestT = hi;
  let best = f(hi);
  let step = (hi - lo) / coarse;
  for (let k = 1; k < coarse; k++) {
    const t = lo + k * step;
    const v = f(t);
    if (v < best) {
      best = v;
      bestT = t;
    }
  }
  for (let r = 0; r < rounds; r++) {
    const from = Math.max(lo, bestT - step);
    const to = Math.min(hi, bestT + step);
    step = (to - from) / fine;
    for (let k = 0; k <= fine; k++) {
      const t = from + k * step;
      if (t <= lo) continue;
      const v = f(t);
      if (v < best) {
        best = v;
        bestT = t;
      }
    }
  }
  return { t: bestT, value: best };
}

/**
 * The range minimising expectedSquaredError on the grid.
 *  - Symmetric grids: one parameter T = t · max|x|, t in (0, 1]: 128 coarse candidates, then two
 *    zooms of 32 around the best (resolution max|x| / 131072). Range as for symmetric methods.
 *  - Asymmetric grids: lo = tl · min(observedMin, 0), hi = th · max(observedMax, 0). If one side is 0,
 *    a 1-D search as above on the other. Otherwise a 24 × 24 coarse grid over (tl, th), then three
 *    sweeps of coordinate descent, each a local 1-D search (32 candidates over ±2 coarse steps, then
 *    two zooms of 32) on tl with th fixed and on th with tl fixed.
 * Only ranges inside the observed range (extended to 0) are candidates: a wider one only adds
 * rounding error.
 */
export function mseRange(h: Histogram, options?: MseOptions): CalibrationRange {
  const grid = quantGrid(options);
  requireNonEmpty(h);
  const L = Math.min(h.min, 0);
  const H = Math.max(h.max, 0);
  const pieces = massPieces(h, { includeZeros: false });
  const count = h.count;
  const errorOf = (min: number, max: number): number => totalSquaredError(pieces, quantizerFor(grid, { min, max })) / count;
  const done = (min: number, max: number, error: number, threshold?: number): CalibrationRange => ({
    method: 'mse',
    min,
    max,
    ...(threshold === undefined ? {} : { threshold }),
    meanSquaredError: error,
    grid,
    clippedFraction: fractionOutside(h, { min, max }),
  });
  if (L === 0 && H === 0) return done(0, 0, 0, grid.symmetric ? 0 : undefined);

  if (grid.symmetric) {
    const A = Math.max(-L, H);
    const best = search1d((t) => errorOf(-t * A, t * A), 0, 1, 128, 32, 2);
    const threshold = best.t * A;
    const r = symmetricRange(h, threshold);
    return done(r.min, r.max, best.value, threshold);
  }
  if (L === 0) {
    const best = search1d((t) => errorOf(0, t * H), 0, 1, 128, 32, 2);
    return done(0, best.t * H, best.value);
  }
  if (H === 0) {
    const best = search1d((t) => errorOf(t * L, 0), 0, 1, 128, 32, 2);
    return done(best.t * L, 0, best.value);
  }
  const coarse = 24;
  let tl = 1;
  let th = 1;
  let best = errorOf(L, H);
  for (let i = 1; i <= coarse; i++) {
    for (let j = 1; j <= coarse; j++) {
      const v = errorOf((i / coarse) * L, (j / coarse) * H);
      if (v < best) {
        best = v;
        tl = i / coarse;
        th = j / coarse;
      }
    }
  }
  const reach = 2 / coarse;
  for (let sweep = 0; sweep < 3; sweep++) {
    const fixedH = th;
    const a = search1d((t) => errorOf(t * L, fixedH * H), Math.max(0, tl - reach), Math.min(1, tl + reach), 32, 32, 2);
    if (a.value <= best) {
      best = a.value;
      tl = a.t;
    }
    const fixedL = tl;
    const b = search1d((t) => errorOf(fixedL * L, t * H), Math.max(0, th - reach), Math.min(1, th + reach), 32, 32, 2);
    if (b.value <= best) {
      best = b.value;
      th = b.t;
    }
  }
  return done(tl * L, th * H, best);
}

// ---------------------------------------------------------------------------------------------------
// dispatch

function minmaxRange(stats: TensorStats): CalibrationRange {
  const r = includeZero(stats.min, stats.max);
  return { method: 'minmax', ...r, clippedFraction: 0 };
}

function movingAverageRange(stats: TensorStats): CalibrationRange {
  const r = includeZero(stats.movingMin, stats.movingMax);
  const range: CalibrationRange = { method: 'moving-average', ...r };
  if (stats.histogram) range.clippedFraction = fractionOutside(stats.histogram, r);
  return range;
}

/** The range of one tensor by one method. Throws 'no-statistics' when the tensor saw no finite value. */
export function computeRange(stats: TensorStats, options: RangeOptions): CalibrationRange {
  requireStatistics(stats);
  switch (options.method) {
    case 'minmax':
      return minmaxRange(stats);
    case 'moving-average':
      return movingAverageRange(stats);
    case 'percentile':
      return percentileRange(requireHistogram(stats, 'percentile'), options);
    case 'entropy':
      return entropyRange(requireHistogram(stats, 'entropy'), options);
    case 'mse':
      return mseRange(requireHistogram(stats, 'mse'), options);
    default: {
      const method: unknown = (options as { method?: unknown }).method;
      throw badOption(`Calibration method "${String(method)}" is unknown; use ${RANGE_METHODS.join(', ')}.`);
    }
  }
}

export interface AllRangesOptions {
  percentile?: PercentileOptions;
  entropy?: EntropyOptions;
  mse?: MseOptions;
}

/** minmax and moving-average always; the histogram methods when the stats have a histogram. */
export type AllRanges = Record<'minmax' | 'moving-average', CalibrationRange> & Partial<Record<'percentile' | 'entropy' | 'mse', CalibrationRange>>;

/**
 * Every method's range for one tensor, so a UI can switch method without recalibrating. Stats
 * collected with `histograms: false` give only minmax and moving-average.
 */
export function computeAllRanges(stats: TensorStats, options?: AllRangesOptions): AllRanges {
  requireStatistics(stats);
  const all: AllRanges = { minmax: minmaxRange(stats), 'moving-average': movingAverageRange(stats) };
  const h = stats.histogram;
  if (h === undefined || h.count === 0) return all;
  all.percentile = percentileRange(h, options?.percentile);
  all.entropy = entropyRange(h, options?.entropy);
  all.mse = mseRange(h, options?.mse);
  return all;
}

/**
 * How far a method's ranges moved from statistics `a` to `b` (sampled against every value, or another
 * set of images): the median over the tensors both hold of the larger move of a range end, as a share
 * of the range from `a`. NaN when they share no tensor with values.
 */
export function medianRangeMove(a: CalibrationStats, b: CalibrationStats, method: RangeMethod): number {
  const moves: number[] = [];
  for (const [name, t] of Object.entries(a.tensors)) {
    const u = getTensorStats(b, name);
    if (!u || t.count === 0 || u.count === 0) continue;
    const r = computeRange(t, { method });
    const s = computeRange(u, { method });
    moves.push(Math.max(Math.abs(r.min - s.min), Math.abs(r.max - s.max)) / (r.max - r.min || 1));
  }
  moves.sort((p, q) => p - q);
  return moves.length ? moves[moves.length >> 1] : NaN;
}
