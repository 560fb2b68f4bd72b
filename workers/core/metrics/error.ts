/**
 * How far a quantized model's tensors and predictions are from the FP32 reference.
 *
 * Statistics are streaming (one tensor or image at a time, constant memory) and mergeable (workers
 * each fold a shard, the host merges), and are plain data so they cross worker boundaries with
 * structuredClone. Sums are float64: float32 tensors of millions of elements would lose the small
 * error terms against the large signal terms in float32.
 */
import { addValues, cloneHistogram, createHistogram, mergeHistograms, type Histogram } from '../calibration/histogram';
import { ZeropointError } from '../errors';

export interface ErrorStats {
  /** Element pairs accumulated (both sides finite). */
  count: number;
  /** addPair calls that contributed at least one pair: the samples in meanSampleCosine. */
  samples: number;
  /** Pairs skipped because ref or test was NaN or infinite; one NaN would otherwise poison every sum. */
  nonFinite: number;
  sumRefSq: number;
  sumTestSq: number;
  sumDot: number;
  sumErrSq: number;
  sumAbsErr: number;
  maxAbs: number;
  /** Sum over samples of each sample's own cosine similarity. */
  sampleCosineSum: number;
  /** Histogram of ref - test (all pairs; NaN/infinite differences are counted by the histogram itself). */
  histogram?: Histogram;
  /**
   * Per channel (axis 1) sum and count of test - ref, from addChannelErrors: the part of the error
   * that is a constant offset per channel, which bias correction removes.
   */
  channelErrSum?: number[];
  channelCount?: number[];
}

export interface ErrorStatsOptions {
  /** Also keep a histogram of the differences ref - test with this many bins (see calibration/histogram). */
  readonly histogramBins?: number;
}

export interface ErrorSummary {
  /** 10·log10(Σref² / Σ(ref−test)²); Infinity when identical, -Infinity when ref is all 0 but test is not. */
  sqnrDb: number;
  /** Cosine similarity of the concatenation of all samples (1 when both are all 0, 0 when only one is). */
  cosine: number;
  /** Mean of the per-sample cosine similarities: one bad image is not averaged away by the others' size. */
  meanSampleCosine: number;
  mse: number;
  maxAbs: number;
  meanAbs: number;
  count: number;
  samples: number;
  nonFinite: number;
  /**
   * Share of the squared error that is a constant offset per channel: Σ_c n_c·mean_c² / Σ err²
   * (0 to 1; NaN without channel statistics). A high share is what bias correction can remove.
   */
  biasShare: number;
}

export function createErrorStats(options: ErrorStatsOptions = {}): ErrorStats {
  const stats: ErrorStats = { count: 0, samples: 0, nonFinite: 0, sumRefSq: 0, sumTestSq: 0, sumDot: 0, sumErrSq: 0, sumAbsErr: 0, maxAbs: 0, sampleCosineSum: 0 };
  if (options.histogramBins !== undefined) stats.histogram = createHistogram({ bins: options.histogramBins });
  return stats;
}

/**
 * Differences go to the histogram in chunks through this scratch buffer, so memory stays constant
 * whatever the tensor size. Float64 because the difference of two float32 values is exact in float64
 * but not always in float32. Module-level is safe: a worker runs one addPair at a time.
 */
const CHUNK = 16384;
let scratch: Float64Array | undefined;

/** Accumulates one sample: a reference tensor (FP32 model) and the same tensor from the test model. */
export function addPair(stats: ErrorStats, ref: Float32Array, test: Float32Array): void {
  if (ref.length !== test.length) {
    throw new ZeropointError('bad-option', `Cannot compare tensors of ${ref.length} and ${test.length} elements; the reference and test outputs must have the same shape.`);
  }
  let count = 0;
  let nonFinite = 0;
  let refSq = 0;
  let testSq = 0;
  let dot = 0;
  let errSq = 0;
  let absErr = 0;
  let maxAbs = stats.maxAbs;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i];
    const t = test[i];
    // r - t is finite only when both are (and float32 differences cannot overflow float64).
    const d = r - t;
    if (!Number.isFinite(d)) {
      nonFinite++;
      continue;
    }
    const a = Math.abs(d);
    count++;
    refSq += r * r;
    testSq += t * t;
    dot += r * t;
    errSq += d * d;
    absErr += a;
    if (a > maxAbs) maxAbs = a;
  }
  stats.nonFinite += nonFinite;
  if (stats.histogram !== undefined) addDifferences(stats.histogram, ref, test);
  if (count === 0) return;
  stats.count += count;
  stats.samples++;
  stats.sumRefSq += refSq;
  stats.sumTestSq += testSq;
  stats.sumDot += dot;
  stats.sumErrSq += errSq;
  stats.sumAbsErr += absErr;
  stats.maxAbs = maxAbs;
  stats.sampleCosineSum += cosineOf(dot, refSq, testSq);
}

/**
 * Accumulates one sample of a tensor against its own fake quantization (Q then DQ with these
 * parameters, float32 division and round half to even as onnxruntime's QuantizeLinear), in one pass
 * and without allocating: the local error of compare.ts. With `window`, the reference is clamped to
 * it first (values its readers see at the window's edge).
 */
export function addFakeQuantizedPair(
  stats: ErrorStats,
  values: Float32Array,
  p: { readonly scale: number; readonly zeroPoint: number; readonly qmin: number; readonly qmax: number; readonly window?: { readonly min: number; readonly max: number } },
): void {
  const scale = Math.fround(p.scale);
  const { zeroPoint: zp, qmin, qmax } = p;
  const lo = p.window ? p.window.min : -Infinity;
  const hi = p.window ? p.window.max : Infinity;
  let count = 0;
  let nonFinite = 0;
  let refSq = 0;
  let testSq = 0;
  let dot = 0;
  let errSq = 0;
  let absErr = 0;
  let maxAbs = stats.maxAbs;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    const y = Math.fround(x / scale);
    // round half to even, inlined
    const f = Math.floor(y);
    const d0 = y - f;
    const rounded = d0 < 0.5 ? f : d0 > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
    let q = rounded + zp;
    q = q < qmin ? qmin : q > qmax ? qmax : q;
    const t = Math.fround(scale * (q - zp));
    const r = x < lo ? lo : x > hi ? hi : x;
    const d = r - t;
    if (!Number.isFinite(d)) {
      nonFinite++;
      continue;
    }
    const a = Math.abs(d);
    count++;
    refSq += r * r;
    testSq += t * t;
    dot += r * t;
    errSq += d * d;
    absErr += a;
    if (a > maxAbs) maxAbs = a;
  }
  stats.nonFinite += nonFinite;
  if (count === 0) return;
  stats.count += count;
  stats.samples++;
  stats.sumRefSq += refSq;
  stats.sumTestSq += testSq;
  stats.sumDot += dot;
  stats.sumErrSq += errSq;
  stats.sumAbsErr += absErr;
  stats.maxAbs = maxAbs;
  stats.sampleCosineSum += cosineOf(dot, refSq, testSq);
}

function addDifferences(h: Histogram, ref: Float32Array, test: Float32Array): void {
  scratch ??= new Float64Array(CHUNK);
  for (let start = 0; start < ref.length; start += CHUNK) {
    const n = Math.min(CHUNK, ref.length - start);
    for (let i = 0; i < n; i++) scratch[i] = ref[start + i] - test[start + i];
    addValues(h, n === CHUNK ? scratch : scratch.subarray(0, n));
  }
}

/**
 * Accumulates test - ref per channel (axis 1 of `dims`: NCHW channels, or the features of [N, F]).
 * Tensors of rank < 2 have no channel axis and are ignored. Non-finite differences are skipped.
 */
export function addChannelErrors(stats: ErrorStats, ref: Float32Array, test: Float32Array, dims: readonly number[]): void {
  if (dims.length < 2 || ref.length !== test.length) return;
  const channels = dims[1];
  const inner = dims.slice(2).reduce((a, b) => a * b, 1);
  const outer = dims[0];
  if (outer * channels * inner !== ref.length) return;
  if (stats.channelErrSum && stats.channelErrSum.length !== channels) {
    throw new ZeropointError('bad-option', `Cannot add a tensor of ${channels} channels to channel statistics of ${stats.channelErrSum.length}; every sample of a layer must have the same shape.`);
  }
  const sums = (stats.channelErrSum ??= new Array<number>(channels).fill(0));
  const counts = (stats.channelCount ??= new Array<number>(channels).fill(0));
  for (let o = 0; o < outer; o++)
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      let sum = 0;
      let n = 0;
      for (let i = base; i < base + inner; i++) {
        const d = test[i] - ref[i];
        if (Number.isFinite(d)) {
          sum += d;
          n++;
        }
      }
      sums[c] += sum;
      counts[c] += n;
    }
}

/** Mean of test - ref per channel (NaN for a channel with no values), or undefined without channel statistics. */
export function channelMeanErrors(stats: ErrorStats): number[] | undefined {
  if (!stats.channelErrSum || !stats.channelCount) return undefined;
  return stats.channelErrSum.map((s, c) => (stats.channelCount![c] > 0 ? s / stats.channelCount![c] : NaN));
}

function biasShareOf(stats: ErrorStats): number {
  if (!stats.channelErrSum || !stats.channelCount || stats.count === 0) return NaN;
  if (stats.sumErrSq === 0) return 0;
  let offset = 0;
  for (let c = 0; c < stats.channelErrSum.length; c++) {
    const n = stats.channelCount[c];
    if (n > 0) offset += (stats.channelErrSum[c] * stats.channelErrSum[c]) / n;
  }
  return Math.min(1, offset / stats.sumErrSq);
}

/** A new ErrorStats holding both inputs' data (inputs untouched). */
export function mergeErrorStats(a: ErrorStats, b: ErrorStats): ErrorStats {
  const out: ErrorStats = {
    count: a.count + b.count,
    samples: a.samples + b.samples,
    nonFinite: a.nonFinite + b.nonFinite,
    sumRefSq: a.sumRefSq + b.sumRefSq,
    sumTestSq: a.sumTestSq + b.sumTestSq,
    sumDot: a.sumDot + b.sumDot,
    sumErrSq: a.sumErrSq + b.sumErrSq,
    sumAbsErr: a.sumAbsErr + b.sumAbsErr,
    maxAbs: Math.max(a.maxAbs, b.maxAbs),
    sampleCosineSum: a.sampleCosineSum + b.sampleCosineSum,
  };
  if (a.channelErrSum && b.channelErrSum) {
    if (a.channelErrSum.length !== b.channelErrSum.length) {
      throw new ZeropointError('bad-option', `Cannot merge channel error statistics of ${a.channelErrSum.length} and ${b.channelErrSum.length} channels; merge shards of the same layer.`);
    }
    out.channelErrSum = a.channelErrSum.map((v, c) => v + b.channelErrSum![c]);
    out.channelCount = a.channelCount!.map((v, c) => v + b.channelCount![c]);
  } else if (a.channelErrSum || b.channelErrSum) {
    const one = a.channelErrSum ? a : b;
    out.channelErrSum = [...one.channelErrSum!];
    out.channelCount = [...one.channelCount!];
  }
  if (a.histogram !== undefined && b.histogram !== undefined) out.histogram = mergeHistograms(a.histogram, b.histogram);
  else if (a.histogram !== undefined || b.histogram !== undefined) {
    // An untouched stats object without a histogram is a neutral element; anything else lost data.
    const [with_, without] = a.histogram !== undefined ? [a, b] : [b, a];
    if (without.count + without.nonFinite > 0) {
      throw new ZeropointError('bad-option', 'Cannot merge error statistics collected with and without an error histogram; create every shard with the same histogramBins option.');
    }
    out.histogram = cloneHistogram(with_.histogram!);
  }
  return out;
}

/** The numbers for a report. Everything is NaN while no pair has been added. */
export function summarize(stats: ErrorStats): ErrorSummary {
  const { count } = stats;
  const none = count === 0;
  return {
    sqnrDb: none ? NaN : stats.sumErrSq === 0 ? Infinity : 10 * Math.log10(stats.sumRefSq / stats.sumErrSq),
    cosine: none ? NaN : cosineOf(stats.sumDot, stats.sumRefSq, stats.sumTestSq),
    meanSampleCosine: stats.samples === 0 ? NaN : stats.sampleCosineSum / stats.samples,
    mse: none ? NaN : stats.sumErrSq / count,
    maxAbs: none ? NaN : stats.maxAbs,
    meanAbs: none ? NaN : stats.sumAbsErr / count,
    count,
    samples: stats.samples,
    nonFinite: stats.nonFinite,
    biasShare: biasShareOf(stats),
  };
}

function cosineOf(dot: number, aa: number, bb: number): number {
  if (aa === 0 || bb === 0) return aa === bb ? 1 : 0;
  // sqrt(a·a) is exactly a in IEEE arithmetic, so identical vectors give exactly 1; split the
  // square root only when the product leaves the float64 range.
  const p = aa * bb;
  const norm = p > 0 && p < Infinity ? Math.sqrt(p) : Math.sqrt(aa) * Math.sqrt(bb);
  const c = dot / norm;
  return c > 1 ? 1 : c < -1 ? -1 : c;
}

// ---------------------------------------------------------------------------------------------------
// Classification agreement

/**
 * Indices of the k largest values, largest first; ties go to the lower index (as argmax does) and
 * NaN ranks below every number. k larger than the array gives every index.
 */
export function topK(values: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 0) throw new ZeropointError('bad-option', `topK needs a non-negative integer k, not ${k}.`);
  const n = Math.min(k, values.length);
  const best: number[] = [];
  if (n === 0) return best;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (best.length === n && !beats(v, values[best[n - 1]])) continue;
    // Insertion from the back: k is small (1 or 5) so this beats sorting the whole array.
    let j = best.length < n ? best.length : n - 1;
    while (j > 0 && beats(v, values[best[j - 1]])) {
      best[j] = best[j - 1];
      j--;
    }
    best[j] = i;
  }
  return best;
}

/** Strictly greater, with NaN below everything; equal values do not beat the earlier index. */
function beats(v: number, w: number): boolean {
  return v > w || (w !== w && v === v);
}

export interface AgreementStats {
  count: number;
  /** Samples where the test model's top-1 class is the reference's top-1 class. */
  top1Agree: number;
  /** Samples where the reference's top-1 class is among the test model's top-5. */
  top5Agree: number;
  /** Samples that came with a label. */
  labeled: number;
  refTop1Correct: number;
  refTop5Correct: number;
  testTop1Correct: number;
  testTop5Correct: number;
}

export interface AccuracySummary {
  top1: number;
  top5: number;
}

export interface AgreementSummary {
  count: number;
  /** Fractions in [0, 1]; NaN with no samples. */
  top1Agreement: number;
  top5Agreement: number;
  labeled: number;
  /** Accuracy against the labels; NaN fractions when no sample had a label. */
  reference: AccuracySummary;
  test: AccuracySummary;
}

export function createAgreementStats(): AgreementStats {
  return { count: 0, top1Agree: 0, top5Agree: 0, labeled: 0, refTop1Correct: 0, refTop5Correct: 0, testTop1Correct: 0, testTop5Correct: 0 };
}

/** Adds one sample's logits (or probabilities) from both models, with its class label when known. */
export function addClassification(stats: AgreementStats, refLogits: ArrayLike<number>, testLogits: ArrayLike<number>, label?: number): void {
  if (refLogits.length !== testLogits.length || refLogits.length === 0) {
    throw new ZeropointError('bad-option', `Cannot compare classifications over ${refLogits.length} and ${testLogits.length} classes; both models must output the same, non-empty class vector.`);
  }
  if (label !== undefined && (!Number.isInteger(label) || label < 0 || label >= refLogits.length)) {
    throw new ZeropointError('bad-labels', `Label ${label} is not a class index of this model (0..${refLogits.length - 1}).`);
  }
  const ref5 = topK(refLogits, 5);
  const test5 = topK(testLogits, 5);
  stats.count++;
  if (ref5[0] === test5[0]) stats.top1Agree++;
  if (test5.includes(ref5[0])) stats.top5Agree++;
  if (label === undefined) return;
  stats.labeled++;
  if (ref5[0] === label) stats.refTop1Correct++;
  if (ref5.includes(label)) stats.refTop5Correct++;
  if (test5[0] === label) stats.testTop1Correct++;
  if (test5.includes(label)) stats.testTop5Correct++;
}

export function mergeAgreementStats(a: AgreementStats, b: AgreementStats): AgreementStats {
  return {
    count: a.count + b.count,
    top1Agree: a.top1Agree + b.top1Agree,
    top5Agree: a.top5Agree + b.top5Agree,
    labeled: a.labeled + b.labeled,
    refTop1Correct: a.refTop1Correct + b.refTop1Correct,
    refTop5Correct: a.refTop5Correct + b.refTop5Correct,
    testTop1Correct: a.testTop1Correct + b.testTop1Correct,
    testTop5Correct: a.testTop5Correct + b.testTop5Correct,
  };
}

export function summarizeAgreement(stats: AgreementStats): AgreementSummary {
  const rate = (n: number, d: number): number => (d === 0 ? NaN : n / d);
  return {
    count: stats.count,
    top1Agreement: rate(stats.top1Agree, stats.count),
    top5Agreement: rate(stats.top5Agree, stats.count),
    labeled: stats.labeled,
    reference: { top1: rate(stats.refTop1Correct, stats.labeled), top5: rate(stats.refTop5Correct, stats.labeled) },
    test: { top1: rate(stats.testTop1Correct, stats.labeled), top5: rate(stats.testTop5Correct, stats.labeled) },
  };
}
