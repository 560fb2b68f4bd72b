/**
 * Adding a SAMPLE of a batch to a histogram (issue 11 item 4: histogram calibration at most 3x a plain
 * inference). Binning every value of every observed tensor in JavaScript costs 5-20 ns a value, more
 * than onnxruntime spends computing it in a depthwise or pointwise conv; calibrate.ts therefore has
 * onnxruntime hand over, per large tensor and image, a regular sample of its values (sample-graph.ts)
 * and the batch's exact max (and min, unless the graph proves it is never negative), computed in the
 * graph.
 *
 * What the histogram then holds for that batch:
 *  - the exact max, and the exact min when it was measured, as one value each;
 *  - each sampled value with weight (count - those) / sampleSize, so the counts add up to the batch's
 *    count and every bin holds an unbiased estimate of its share;
 *  - zeroCount, sums and minAbs as the weighted sample gives them (minAbs also no larger than
 *    |min| and |max|).
 * count, min, max (and so the MinMax and moving-average ranges) stay exact. The bins are estimates:
 * with n values sampled per batch and b batches, the share of values below any threshold is off by
 * more than e = sqrt(ln(2 / d) / (2 n b)) with probability below d when the sampled positions are
 * independent of the values (Hoeffding); for the default 16,384 values and 8 images, e = 0.0054 at
 * d = 0.001. The sampled positions are a fixed grid (sample-graph.ts), so a pattern in the image with
 * the grid's period could beat that bound; calibrate.test.ts and the bench measure the ranges the
 * percentile, entropy and MSE methods choose from sampled and from full histograms on the shared
 * models instead of trusting it.
 */
import type { BatchSummary, Histogram } from './histogram';
import { coverRange } from './histogram';

export interface SampledBatch {
  /** Finite values in the batch (the whole tensor, not the sample). */
  readonly count: number;
  /** The batch's exact max. */
  readonly max: number;
  /** The batch's exact min; absent when it was not measured (the values are never negative). */
  readonly min?: number;
}

/**
 * Adds a batch known by its exact count and extremes and a sample of its values (see the file
 * comment). Non-finite sample values are skipped (a batch with NaN has no finite extremes, and the
 * caller counts it as non-finite without calling this). Returns the batch's summary.
 */
export function addSampledValues(h: Histogram, sample: Float32Array, batch: SampledBatch): BatchSummary {
  const n = sample.length;
  let sMin = Infinity;
  let sMax = -Infinity;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const x = sample[i];
    if (!Number.isFinite(x)) continue;
    finite++;
    if (x < sMin) sMin = x;
    if (x > sMax) sMax = x;
  }
  const lo = batch.min ?? (finite ? Math.min(sMin, batch.max) : batch.max);
  const hi = batch.max;
  const summary: BatchSummary = { count: batch.count, nanCount: 0, infCount: 0, min: lo + 0, max: hi + 0 };
  if (batch.count <= 0) return { ...summary, count: 0, min: Infinity, max: -Infinity };
  coverRange(h, Math.min(h.min, lo), Math.max(h.max, hi));
  const scale = 2 ** -h.exponent;
  const offset = h.offset;
  const counts = h.counts;
  const last = counts.length - 1;
  const put = (x: number, w: number): void => {
    const y = x * scale;
    let j = (y >= 0 ? Math.floor(y) : Math.ceil(y) - 1) - offset;
    if (j < 0) j = 0;
    else if (j > last) j = last;
    counts[j] += w;
  };
  // The exact extremes, once each (one value when the batch has one, or they coincide).
  const extremes = batch.min !== undefined && batch.count > 1 && lo !== hi ? [lo, hi] : [hi];
  const rest = batch.count - extremes.length;
  const w = finite > 0 && rest > 0 ? rest / finite : 0;
  let zeros = 0;
  let minAbs = Infinity;
  let sum = 0;
  let sumAbs = 0;
  let sumSq = 0;
  for (const x of extremes) {
    put(x, 1);
    const a = Math.abs(x);
    if (a === 0) zeros++;
    if (a < minAbs) minAbs = a;
    sum += x;
    sumAbs += a;
    sumSq += x * x;
  }
  if (w > 0) {
    let z = 0;
    let s = 0;
    let sa = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const x = sample[i];
      if (!Number.isFinite(x)) continue;
      // Within [lo, hi] by construction; a value outside (an implied min above a sampled 0) is clamped.
      put(x, w);
      const a = Math.abs(x);
      if (a === 0) z++;
      if (a < minAbs) minAbs = a;
      s += x;
      sa += a;
      sq += x * x;
    }
    zeros += z * w;
    sum += s * w;
    sumAbs += sa * w;
    sumSq += sq * w;
  } else if (rest > 0) {
    // No usable sample: the rest of the batch sits with the max (an upper bound, never reached in practice).
    put(hi, rest);
  }
  h.count += batch.count;
  h.zeroCount += zeros;
  h.min = Math.min(h.min, lo) + 0;
  h.max = Math.max(h.max, hi) + 0;
  if (minAbs < h.minAbs) h.minAbs = minAbs;
  h.sum += sum;
  h.sumAbs += sumAbs;
  h.sumSq += sumSq;
  return summary;
}
