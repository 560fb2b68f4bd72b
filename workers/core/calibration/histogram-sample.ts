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
 * independent of the values (Hoeffding); the default n (sample-graph.ts defaultHistogramSample) makes
 * e = 0.005 at d = 0.001 for any number of images b (down to n = 1,024 a image). The sampled positions are a fixed grid (sample-graph.ts), so a pattern in the image with
 * the grid's period could beat that bound; calibrate.test.ts and the bench measure the ranges the
 * percentile, entropy and MSE methods choose from sampled and from full histograms on the shared
 * models instead of trusting it.
 */
import type { BatchSummary, Histogram } from './histogram';
import { binIndexOf, coverRange, smallLane, summarizeValues } from './histogram';

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
  // An unmeasured min comes from the sample's finite values.
  const seen = batch.min === undefined ? summarizeValues(sample) : undefined;
  const lo = batch.min ?? (seen && seen.count > 0 ? Math.min(seen.min, batch.max) : batch.max);
  const hi = batch.max;
  if (batch.count <= 0) return { count: 0, nanCount: 0, infCount: 0, min: Infinity, max: -Infinity };
  const summary: BatchSummary = { count: batch.count, nanCount: 0, infCount: 0, min: lo + 0, max: hi + 0 };
  coverRange(h, Math.min(h.min, lo), Math.max(h.max, hi));
  const scale = 2 ** -h.exponent;
  const offset = h.offset;
  const counts = h.counts;
  const bins = counts.length;
  const binOf = (x: number): number => {
    const j = binIndexOf(x, h.exponent) - offset;
    return j < 0 ? 0 : j >= bins ? bins - 1 : j;
  };
  // The exact extremes, once each (one value when the batch has one, or they coincide).
  const extremes = batch.min !== undefined && batch.count > 1 && lo !== hi ? [lo, hi] : [hi];
  let zeros = 0;
  let sum = 0;
  let sumSq = 0;
  let minAbs = Infinity;
  for (const x of extremes) {
    counts[binOf(x)] += 1;
    if (x === 0) zeros++;
    minAbs = Math.min(minAbs, Math.abs(x));
    sum += x;
    sumSq += x * x;
  }
  const rest = batch.count - extremes.length;
  // One tight loop into int32 counts (weights applied per bin after): a sample is binned at 3-5 ns a
  // value where a loop keeping every statistic per value took 14. Values outside [lo, hi] (only
  // non-finite ones can be) are left out of the bins and the weight.
  const lane = smallLane(bins);
  binSample(sample, scale, offset, lane, bins, kernelOut);
  const inside = kernelOut[0];
  const s = kernelOut[1];
  const sq = kernelOut[2];
  const z = kernelOut[3];
  const w = inside > 0 && rest > 0 ? rest / inside : 0;
  // Weights per bin; |x| statistics from the bins: the lowest |edge| of a filled bin (what
  // absHistogram anchors on, no larger than any value in it) and |x| at bin centres, estimates like the bins.
  const width = 2 ** h.exponent;
  let sumAbs = 0;
  for (const x of extremes) sumAbs += Math.abs(x);
  for (let k = 0; k < bins; k++) {
    const c = lane[k];
    if (c === 0) continue;
    lane[k] = 0;
    if (w === 0) continue;
    counts[k] += c * w;
    const edge = offset + k;
    const near = edge >= 0 ? edge * width : -(edge + 1) * width;
    if (near < minAbs) minAbs = near;
    sumAbs += c * w * Math.abs((edge + 0.5) * width);
  }
  // No usable sample: the rest of the batch sits with the max (an upper bound; not met in practice).
  if (w === 0 && rest > 0) {
    counts[binOf(hi)] += rest;
    sumAbs += rest * Math.abs(hi);
  }
  zeros += z * w;
  sum += s * w;
  sumSq += sq * w;
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

/** binSample's results: values inside the bins, their sum, sum of squares and zeros. */
const kernelOut = new Float64Array(4);

/**
 * The hot loop, on its own: a function whose loop runs hot on its first call is compiled mid-loop
 * (on-stack replacement) before the code after the loop has run, and V8 then kept entering that
 * compiled code and bailing out after the loop on every call (seen with --trace-deopt: 3x slower).
 * Here nothing after the loop needs type feedback the first call did not give.
 */
function binSample(sample: Float32Array, scale: number, offset: number, lane: Int32Array, bins: number, out: Float64Array): void {
  let inside = 0;
  let z = 0;
  let s = 0;
  let sq = 0;
  const n = sample.length;
  for (let i = 0; i < n; i++) {
    const x = sample[i];
    const y = x * scale;
    const f = Math.floor(y);
    let j = f - offset;
    if (y < 0 && f === y) j--;
    if (j >= 0 && j < bins) {
      lane[j]++;
      inside++;
      s += x;
      sq += x * x;
      if (x === 0) z++;
    }
  }
  out[0] = inside;
  out[1] = s;
  out[2] = sq;
  out[3] = z;
}
