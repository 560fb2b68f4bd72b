/**
 * A streaming, mergeable histogram of float values with a fixed number of bins.
 *
 * Layout. The bin width is always a power of two, `2^exponent` (exponent an integer, possibly
 * negative), and bin edges are integer multiples of the width, so 0 is always an edge and the edges of
 * any two histograms line up (the coarser width is a multiple of the finer one). Bin index `k` (an
 * absolute integer; array slot `k - offset`) holds
 *   - for k >= 0: values in [k·w, (k+1)·w)
 *   - for k <  0: values in (k·w, (k+1)·w]
 * i.e. bins are closed on the side facing away from 0 for negatives. This makes the bins mirror images
 * of each other around 0, so folding into a histogram of |x| is exact even for values lying exactly on
 * an edge (x = -1 lands in (-2w..-1] mirrored to [1, 1+w)). Coarsening by 2^s maps index k to
 * floor(k / 2^s) on both sides, so growing the range and merging never split a bin: both are exact.
 *
 * Canonical form. `exponent` is the smallest one (not below a resolution floor, see
 * `requiredExponent`) for which the bins cover [min, max], and `offset` is the index of `min`. Both
 * are functions of min and max only, so the histogram of a data set does not depend on how it was
 * chunked or in which order chunks were merged: `merge(h(A), h(B))` equals `h(A ∪ B)` bit for bit
 * (counts, min, max, exponent, offset; `sum`/`sumSq` up to float rounding).
 *
 * Memory is `bins` float64 counts no matter how many values or batches were added. Values added when
 * the range grows are never re-read: bins are merged pairwise (width doubles) and re-anchored.
 *
 * Non-finite values: NaN is skipped and counted in `nanCount`; ±Infinity and magnitudes above 2^1000
 * (which cannot be binned without overflow; float32 data never reaches them) are skipped and counted
 * in `infCount`. `count`, min, max and the counts only see the finite values.
 *
 * Every type here is plain data (numbers and a Float64Array) so it survives structuredClone and can
 * cross a Web Worker boundary.
 */
import { ZeropointError } from '../errors';

export const DEFAULT_HISTOGRAM_BINS = 2048;
/** Bins accepted by createHistogram. */
export const MIN_HISTOGRAM_BINS = 2;
export const MAX_HISTOGRAM_BINS = 1 << 20;

/** Values with a larger magnitude are treated like ±Infinity (skipped, counted in infCount). */
const MAX_MAGNITUDE = 2 ** 1000;
const MIN_EXPONENT = -1000;
/**
 * The bin width never goes below 2^-40 times the largest magnitude seen. This keeps absolute bin
 * indices far below 2^53 (exact in float64) and gives a constant tensor a definite width. Float32 data
 * needs no more: two distinct float32 values differ by at least 2^-24 of their magnitude.
 */
const RELATIVE_RESOLUTION_BITS = 40;

export interface Histogram {
  /** Counts per bin; the length is the fixed number of bins. */
  counts: Float64Array;
  /** Bin width is 2^exponent. Meaningless while count is 0. */
  exponent: number;
  /** Absolute index of the bin in slot 0: its low edge is offset · 2^exponent. */
  offset: number;
  /** Finite values binned. */
  count: number;
  /** Values exactly 0 (±0); they sit in the bin whose low edge is 0. Exact, used as a point mass. */
  zeroCount: number;
  /** NaN values skipped. */
  nanCount: number;
  /** ±Infinity (and |x| > 2^1000) values skipped. */
  infCount: number;
  /** Exact smallest and largest finite value; +Infinity / -Infinity while count is 0. */
  min: number;
  max: number;
  /** Exact smallest |x| (+Infinity while count is 0), so the |x| histogram has an exact min too. */
  minAbs: number;
  /** Sum of x, of |x| and of x² over finite values (float64 accumulation). */
  sum: number;
  sumAbs: number;
  sumSq: number;
}

/** What addValues saw in one call. */
export interface BatchSummary {
  /** Finite values in the batch. */
  count: number;
  nanCount: number;
  infCount: number;
  /** Batch min and max over finite values; +Infinity / -Infinity when count is 0. */
  min: number;
  max: number;
}

export interface HistogramOptions {
  /** Number of bins, 2048 by default. */
  bins?: number;
}

export function createHistogram(options?: HistogramOptions): Histogram {
  const bins = options?.bins ?? DEFAULT_HISTOGRAM_BINS;
  if (!Number.isInteger(bins) || bins < MIN_HISTOGRAM_BINS || bins > MAX_HISTOGRAM_BINS) {
    throw new ZeropointError(
      'bad-option',
      `Histogram bins "${String(bins)}" must be an integer between ${MIN_HISTOGRAM_BINS} and ${MAX_HISTOGRAM_BINS}; the default is ${DEFAULT_HISTOGRAM_BINS}.`,
    );
  }
  return {
    counts: new Float64Array(bins),
    exponent: 0,
    offset: 0,
    count: 0,
    zeroCount: 0,
    nanCount: 0,
    infCount: 0,
    min: Infinity,
    max: -Infinity,
    minAbs: Infinity,
    sum: 0,
    sumAbs: 0,
    sumSq: 0,
  };
}

export function cloneHistogram(h: Histogram): Histogram {
  return { ...h, counts: new Float64Array(h.counts) };
}

/** Absolute bin index of x for bin width 2^exponent (see the layout in the file comment). */
export function binIndexOf(x: number, exponent: number): number {
  const y = x * 2 ** -exponent; // exact: scaling by a power of two
  return y >= 0 ? Math.floor(y) : Math.ceil(y) - 1;
}

/** floor(k / 2^shift) for an integer |k| < 2^53, without overflowing 2^-shift for huge shifts. */
function coarsenIndex(k: number, shift: number): number {
  if (shift === 0) return k;
  if (shift >= 60) return k < 0 ? -1 : 0;
  return Math.floor(k / 2 ** shift);
}

function floorLog2(x: number): number {
  return Math.floor(Math.log2(x));
}

/** The smallest exponent >= floorExponent whose bins cover [lo, hi] with `bins` bins. */
function requiredExponent(bins: number, lo: number, hi: number, floorExponent: number): number {
  let e = Math.max(floorExponent, MIN_EXPONENT);
  const maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
  if (maxAbs > 0) e = Math.max(e, floorLog2(maxAbs) - RELATIVE_RESOLUTION_BITS);
  const span = hi - lo;
  // A lower bound: (hi - lo) / w < bins is necessary. Start one below it and walk up.
  if (span / bins > 0) e = Math.max(e, floorLog2(span / bins) - 1);
  while (binIndexOf(hi, e) - binIndexOf(lo, e) >= bins) e++;
  return e;
}

/**
 * Makes h cover [lo, hi] (lo <= h.min, hi >= h.max are the new extremes of all its data) with an
 * exponent of at least minExponent, in canonical form. Bins are merged and re-anchored exactly.
 */
function cover(h: Histogram, lo: number, hi: number, minExponent: number = MIN_EXPONENT): void {
  const bins = h.counts.length;
  const empty = h.count === 0;
  const e = requiredExponent(bins, lo, hi, empty ? minExponent : Math.max(h.exponent, minExponent));
  const offset = binIndexOf(lo, e);
  if (empty) {
    h.exponent = e;
    h.offset = offset;
    return;
  }
  if (e === h.exponent && offset === h.offset) return;
  const shift = e - h.exponent;
  const next = new Float64Array(bins);
  const counts = h.counts;
  for (let i = 0; i < bins; i++) {
    const c = counts[i];
    if (c !== 0) next[coarsenIndex(h.offset + i, shift) - offset] += c;
  }
  h.counts = next;
  h.exponent = e;
  h.offset = offset;
}

/** Makes h's bins cover [lo, hi] (its data's new extremes), merging bins exactly: for histogram-sample.ts. */
export const coverRange = (h: Histogram, lo: number, hi: number): void => cover(h, lo, hi);

/** min, max and counts of a batch without binning it (what addValues returns, for stats kept without a histogram). */
export function summarizeValues(values: Float32Array | Float64Array | ArrayLike<number>): BatchSummary {
  // Fast path: NaN fails both comparisons and an infinity shows up in min/max or the sum, so one
  // tight loop settles the common all-finite case; only otherwise are the values walked again.
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  if (Number.isFinite(sum) && Math.abs(min) <= MAX_MAGNITUDE && Math.abs(max) <= MAX_MAGNITUDE) {
    return { count: n, nanCount: 0, infCount: 0, min: n ? min + 0 : Infinity, max: n ? max + 0 : -Infinity };
  }
  let count = 0;
  let nan = 0;
  let inf = 0;
  min = Infinity;
  max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (!(Math.abs(x) <= MAX_MAGNITUDE)) {
      if (x !== x) nan++;
      else inf++;
      continue;
    }
    count++;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { count, nanCount: nan, infCount: inf, min: count ? min + 0 : Infinity, max: count ? max + 0 : -Infinity };
}

/**
 * addValues in two passes over the values (extremes and sums, then bins): the straightforward form,
 * which addValues uses for other arrays and for a histogram's first batch, and tests check the
 * one-pass form against.
 */
export function addValuesTwoPass(h: Histogram, values: Float32Array | Float64Array | ArrayLike<number>): BatchSummary {
  const n = values.length;
  let count = 0;
  let nan = 0;
  let inf = 0;
  let zeros = 0;
  let min = Infinity;
  let max = -Infinity;
  let minAbs = Infinity;
  let sum = 0;
  let sumAbs = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    const a = Math.abs(x);
    if (!(a <= MAX_MAGNITUDE)) {
      if (x !== x) nan++;
      else inf++;
      continue;
    }
    count++;
    if (x < min) min = x;
    if (x > max) max = x;
    if (a < minAbs) minAbs = a;
    if (a === 0) zeros++;
    sum += x;
    sumAbs += a;
    sumSq += x * x;
  }
  h.nanCount += nan;
  h.infCount += inf;
  // -0 + 0 is +0: min/max never hold -0, so equal data gives equal (Object.is) histograms.
  const summary: BatchSummary = { count, nanCount: nan, infCount: inf, min: count ? min + 0 : Infinity, max: count ? max + 0 : -Infinity };
  if (count === 0) return summary;

  const newMin = Math.min(h.min, summary.min);
  const newMax = Math.max(h.max, summary.max);
  cover(h, newMin, newMax, MIN_EXPONENT);
  const scale = 2 ** -h.exponent;
  const offset = h.offset;
  const counts = h.counts;
  const last = counts.length - 1;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (!(Math.abs(x) <= MAX_MAGNITUDE)) continue;
    const y = x * scale;
    let j = (y >= 0 ? Math.floor(y) : Math.ceil(y) - 1) - offset;
    // Cannot happen by construction; clamping keeps a typed-array write from being silently dropped.
    if (j < 0) j = 0;
    else if (j > last) j = last;
    counts[j]++;
  }
  h.count += count;
  h.zeroCount += zeros;
  h.min = newMin;
  h.max = newMax;
  if (minAbs < h.minAbs) h.minAbs = minAbs;
  h.sum += sum;
  h.sumAbs += sumAbs;
  h.sumSq += sumSq;
  return summary;
}

/**
 * Adds a batch of values (NaN and infinities are skipped and counted). Mutates h; memory stays fixed.
 * Returns what the batch contained, so a caller needs no second pass for batch min/max.
 *
 * Float32 data into a histogram that already has bins is binned in ONE pass: each value goes to its
 * bin at the current width, the ones outside the current bins (and NaN, infinities) are set aside;
 * then the bins are widened to cover the new extremes, which merges them exactly (the layout above),
 * and the set-aside values are binned at the new width. The result is the histogram the two-pass form
 * gives, count for count (histogram.test.ts), at about half its cost: after the first images most
 * values fall inside the bins. Bin index: floor(x / w), less one for a negative x on a bin edge (bins
 * below 0 are closed on the side away from 0).
 */
export function addValues(h: Histogram, values: Float32Array | Float64Array | ArrayLike<number>): BatchSummary {
  if (!(values instanceof Float32Array) || h.count === 0) return addValuesTwoPass(h, values);
  return addFloat32OnePass(h, values);
}

/** Indices of the values a one-pass batch set aside (reused between calls; grows as needed). */
let setAside = new Int32Array(1024);
/** Two lanes of counts for long batches: consecutive values in one bin (the zeros after a Relu) no longer wait on each other's increment. */
let laneA = new Int32Array(0);
let laneB = new Int32Array(0);

let small = new Int32Array(0);
/** A shared int32 lane of at least `bins` slots, zero between calls (every user zeroes what it counted). */
export function smallLane(bins: number): Int32Array {
  if (small.length < bins) small = new Int32Array(bins);
  return small;
}

function setAsideIndex(aside: number, i: number): void {
  if (aside === setAside.length) {
    const grown = new Int32Array(setAside.length * 2);
    grown.set(setAside);
    setAside = grown;
  }
  setAside[aside] = i;
}

/** onePassKernel's results (see there). */
const onePassOut = new Float64Array(8);

/**
 * The one-pass loop, on its own: a function whose loop runs hot on its first call is compiled mid-loop
 * (on-stack replacement) before the code after the loop has run, and V8 then kept entering that
 * compiled code and bailing out after the loop on every call (--trace-deopt; the loop ran 3-5x
 * slower). Writes min, max, minAbs, sum, sumAbs, sumSq, zeros and the set-aside count into `out`.
 */
function onePassKernel(values: Float32Array, scale: number, offset: number, bins: number, a0: Int32Array, a1: Int32Array, out: Float64Array): void {
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  let minAbs = Infinity;
  let sum = 0;
  let sumAbs = 0;
  let sumSq = 0;
  let zeros = 0;
  let min1 = Infinity;
  let max1 = -Infinity;
  let minAbs1 = Infinity;
  let sum1 = 0;
  let sumAbs1 = 0;
  let sumSq1 = 0;
  let zeros1 = 0;
  let aside = 0;
  let i = 0;
  // Two values per step, each lane with its own counts and sums (independent dependency chains).
  for (; i + 1 < n; i += 2) {
    const x = values[i];
    const x1 = values[i + 1];
    const y = x * scale;
    const y1 = x1 * scale;
    const f = Math.floor(y);
    const f1 = Math.floor(y1);
    // NaN and ±Infinity fail the range test and are set aside with the values outside the bins.
    const j = (y < 0 && f === y ? f - 1 : f) - offset;
    const j1 = (y1 < 0 && f1 === y1 ? f1 - 1 : f1) - offset;
    if (j >= 0 && j < bins) {
      a0[j]++;
      if (x < min) min = x;
      if (x > max) max = x;
      const a = Math.abs(x);
      if (a < minAbs) minAbs = a;
      if (a === 0) zeros++;
      sum += x;
      sumAbs += a;
      sumSq += x * x;
    } else setAsideIndex(aside++, i);
    if (j1 >= 0 && j1 < bins) {
      a1[j1]++;
      if (x1 < min1) min1 = x1;
      if (x1 > max1) max1 = x1;
      const a = Math.abs(x1);
      if (a < minAbs1) minAbs1 = a;
      if (a === 0) zeros1++;
      sum1 += x1;
      sumAbs1 += a;
      sumSq1 += x1 * x1;
    } else setAsideIndex(aside++, i + 1);
  }
  if (i < n) {
    const x = values[i];
    const y = x * scale;
    const f = Math.floor(y);
    const j = (y < 0 && f === y ? f - 1 : f) - offset;
    if (j >= 0 && j < bins) {
      a0[j]++;
      if (x < min) min = x;
      if (x > max) max = x;
      const a = Math.abs(x);
      if (a < minAbs) minAbs = a;
      if (a === 0) zeros++;
      sum += x;
      sumAbs += a;
      sumSq += x * x;
    } else setAsideIndex(aside++, i);
  }
  if (min1 < min) min = min1;
  if (max1 > max) max = max1;
  if (minAbs1 < minAbs) minAbs = minAbs1;
  out[0] = min;
  out[1] = max;
  out[2] = minAbs;
  out[3] = sum + sum1;
  out[4] = sumAbs + sumAbs1;
  out[5] = sumSq + sumSq1;
  out[6] = zeros + zeros1;
  out[7] = aside;
}

function addFloat32OnePass(h: Histogram, values: Float32Array): BatchSummary {
  const n = values.length;
  const scale = 2 ** -h.exponent;
  const offset = h.offset;
  const counts = h.counts;
  const bins = counts.length;
  // Lane counts are int32: a batch of fewer than 2^31 values cannot overflow them.
  const lanes = n >= 8 * bins;
  if (lanes && laneA.length < bins) {
    laneA = new Int32Array(bins);
    laneB = new Int32Array(bins);
  }
  // Small batches count straight into the histogram, through a lane-sized view of the same loop.
  const a0 = lanes ? laneA : smallLane(bins);
  const a1 = lanes ? laneB : a0;
  onePassKernel(values, scale, offset, bins, a0, a1, onePassOut);
  let min = onePassOut[0];
  let max = onePassOut[1];
  let minAbs = onePassOut[2];
  let sum = onePassOut[3];
  let sumAbs = onePassOut[4];
  let sumSq = onePassOut[5];
  let zeros = onePassOut[6];
  const aside = onePassOut[7];
  if (lanes) {
    for (let k = 0; k < bins; k++) {
      counts[k] += laneA[k] + laneB[k];
      laneA[k] = 0;
      laneB[k] = 0;
    }
  } else {
    for (let k = 0; k < bins; k++) {
      if (a0[k] !== 0) {
        counts[k] += a0[k];
        a0[k] = 0;
      }
    }
  }
  let count = n - aside;
  let nan = 0;
  let inf = 0;
  // The set-aside values: non-finite ones are counted, finite ones join the extremes and sums.
  let outside = 0;
  for (let k = 0; k < aside; k++) {
    const x = values[setAside[k]];
    const a = Math.abs(x);
    if (!(a <= MAX_MAGNITUDE)) {
      if (x !== x) nan++;
      else inf++;
      continue;
    }
    setAside[outside++] = setAside[k];
    count++;
    if (x < min) min = x;
    if (x > max) max = x;
    if (a < minAbs) minAbs = a;
    if (a === 0) zeros++;
    sum += x;
    sumAbs += a;
    sumSq += x * x;
  }
  h.nanCount += nan;
  h.infCount += inf;
  const summary: BatchSummary = { count, nanCount: nan, infCount: inf, min: count ? min + 0 : Infinity, max: count ? max + 0 : -Infinity };
  if (count === 0) return summary;
  const newMin = Math.min(h.min, summary.min);
  const newMax = Math.max(h.max, summary.max);
  cover(h, newMin, newMax, MIN_EXPONENT);
  if (outside > 0) {
    const scale2 = 2 ** -h.exponent;
    const offset2 = h.offset;
    const counts2 = h.counts;
    for (let k = 0; k < outside; k++) {
      const y = values[setAside[k]] * scale2;
      counts2[(y >= 0 ? Math.floor(y) : Math.ceil(y) - 1) - offset2]++;
    }
  }
  h.count += count;
  h.zeroCount += zeros;
  h.min = newMin;
  h.max = newMax;
  if (minAbs < h.minAbs) h.minAbs = minAbs;
  h.sum += sum;
  h.sumAbs += sumAbs;
  h.sumSq += sumSq;
  return summary;
}

/**
 * Merges two histograms of the same number of bins into a new one (inputs untouched). Exact: the
 * result equals the histogram of all values of both (see the file comment).
 */
export function mergeHistograms(a: Histogram, b: Histogram): Histogram {
  if (a.counts.length !== b.counts.length) {
    throw new ZeropointError(
      'bad-option',
      `Cannot merge histograms of "${a.counts.length}" and "${b.counts.length}" bins; collect every chunk with the same bins option.`,
    );
  }
  const out = cloneHistogram(a);
  out.nanCount += b.nanCount;
  out.infCount += b.infCount;
  if (b.count === 0) return out;
  const newMin = Math.min(a.min, b.min);
  const newMax = Math.max(a.max, b.max);
  cover(out, newMin, newMax, b.exponent);
  const shift = out.exponent - b.exponent;
  for (let j = 0; j < b.counts.length; j++) {
    const c = b.counts[j];
    if (c !== 0) out.counts[coarsenIndex(b.offset + j, shift) - out.offset] += c;
  }
  out.count += b.count;
  out.zeroCount += b.zeroCount;
  out.min = newMin;
  out.max = newMax;
  out.minAbs = Math.min(a.minAbs, b.minAbs);
  out.sum += b.sum;
  out.sumAbs += b.sumAbs;
  out.sumSq += b.sumSq;
  return out;
}

/**
 * The histogram of |x|, folded exactly from the signed one (same bin width; bins mirror around 0, see
 * the file comment). Every field is exact: min is the tracked minAbs, sum is sumAbs. The exponent is
 * the source's, which may be coarser than a histogram built from |x| directly would choose.
 */
export function absHistogram(h: Histogram): Histogram {
  const out = createHistogram({ bins: h.counts.length });
  out.nanCount = h.nanCount;
  out.infCount = h.infCount;
  if (h.count === 0) return out;
  const e = h.exponent;
  const maxAbs = Math.max(Math.abs(h.min), Math.abs(h.max));
  const offset = binIndexOf(h.minAbs, e);
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i];
    if (c === 0) continue;
    const k = h.offset + i;
    out.counts[(k >= 0 ? k : -k - 1) - offset] += c;
  }
  out.exponent = e;
  out.offset = offset;
  out.count = h.count;
  out.zeroCount = h.zeroCount;
  out.min = h.minAbs;
  out.max = maxAbs;
  out.minAbs = h.minAbs;
  out.sum = h.sumAbs;
  out.sumAbs = h.sumAbs;
  out.sumSq = h.sumSq;
  return out;
}

export function binWidth(h: Histogram): number {
  return 2 ** h.exponent;
}

/** Low edge of the bin in array slot i. */
export function binLowEdge(h: Histogram, i: number): number {
  return (h.offset + i) * 2 ** h.exponent;
}

export function binCenter(h: Histogram, i: number): number {
  return (h.offset + i + 0.5) * 2 ** h.exponent;
}

/** The bins + 1 edges of the histogram's bins, ascending. */
export function binEdges(h: Histogram): Float64Array {
  const bins = h.counts.length;
  const edges = new Float64Array(bins + 1);
  const w = 2 ** h.exponent;
  for (let i = 0; i <= bins; i++) edges[i] = (h.offset + i) * w;
  return edges;
}

/**
 * The histogram as a list of mass pieces, ascending: `a < b` is mass spread uniformly over [a, b],
 * `a === b` is a point mass. Each bin's interval is clipped to the exact [min, max]; exact zeros are a
 * point mass at 0 (listed before the rest of their bin). This is the model every estimate from the
 * histogram (quantiles, clipped fraction, expected error) uses.
 */
export interface MassPieces {
  a: Float64Array;
  b: Float64Array;
  mass: Float64Array;
  length: number;
}

export function massPieces(h: Histogram, options?: { includeZeros?: boolean }): MassPieces {
  const includeZeros = options?.includeZeros ?? true;
  const bins = h.counts.length;
  const cap = bins + 1;
  const out: MassPieces = { a: new Float64Array(cap), b: new Float64Array(cap), mass: new Float64Array(cap), length: 0 };
  if (h.count === 0) return out;
  const w = 2 ** h.exponent;
  let n = 0;
  for (let i = 0; i < bins; i++) {
    let c = h.counts[i];
    if (c === 0) continue;
    const k = h.offset + i;
    if (k === 0 && h.zeroCount > 0) {
      if (includeZeros) {
        out.a[n] = 0;
        out.b[n] = 0;
        out.mass[n] = h.zeroCount;
        n++;
      }
      c -= h.zeroCount;
      if (c <= 0) continue;
    }
    const a = Math.max(k * w, h.min);
    const b = Math.min((k + 1) * w, h.max);
    out.a[n] = a;
    out.b[n] = b > a ? b : a;
    out.mass[n] = c;
    n++;
  }
  out.length = n;
  return out;
}

/**
 * The q-quantile (0 <= q <= 1) of the values: the smallest v with F(v) >= q · count, where F is the
 * CDF of the mass model (uniform within each bin clipped to [min, max], zeros as a point mass). q = 0
 * gives the exact min, q = 1 the exact max. NaN for an empty histogram.
 */
export function cdfQuantile(h: Histogram, q: number): number {
  if (!(q >= 0 && q <= 1)) {
    throw new ZeropointError('bad-option', `Quantile "${String(q)}" must be between 0 and 1.`);
  }
  if (h.count === 0) return NaN;
  if (q === 0) return h.min;
  if (q === 1) return h.max;
  const p = massPieces(h);
  const target = q * h.count;
  let cum = 0;
  for (let i = 0; i < p.length; i++) {
    const m = p.mass[i];
    if (cum + m >= target) {
      const a = p.a[i];
      const b = p.b[i];
      if (b === a) return a;
      const v = a + ((b - a) * (target - cum)) / m;
      return Math.min(Math.max(v, h.min), h.max);
    }
    cum += m;
  }
  return h.max;
}

/**
 * Fraction of the finite values outside [range.min, range.max], estimated with the same mass model
 * (exact when the range edges fall on bin edges or outside the data). 0 for an empty histogram.
 */
export function fractionOutside(h: Histogram, range: { min: number; max: number }): number {
  if (h.count === 0) return 0;
  if (range.min <= h.min && range.max >= h.max) return 0;
  const p = massPieces(h);
  let out = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p.a[i];
    const b = p.b[i];
    const m = p.mass[i];
    if (b === a) {
      if (a < range.min || a > range.max) out += m;
      continue;
    }
    const below = Math.max(0, Math.min(b, range.min) - a);
    const above = Math.max(0, b - Math.max(a, range.max));
    out += (m * Math.min(b - a, below + above)) / (b - a);
  }
  return out / h.count;
}

/** Mean and standard deviation of the finite values (NaN when empty). */
export function histogramMoments(h: Histogram): { mean: number; std: number } {
  if (h.count === 0) return { mean: NaN, std: NaN };
  const mean = h.sum / h.count;
  return { mean, std: Math.sqrt(Math.max(0, h.sumSq / h.count - mean * mean)) };
}
