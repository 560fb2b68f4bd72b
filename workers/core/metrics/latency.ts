/**
 * Latency figures from timed runs, and whether two models' latencies can be told apart.
 *
 * Each model's median comes with a distribution-free 95% confidence interval (order statistics: for
 * n runs, [x(k), x(n−k+1)] with k = ⌊(n − 1.96·√n) / 2⌋, at least the first and last run), so a
 * run with a few slow outliers widens its interval instead of moving a mean. The verdict says
 * "faster" or "slower" only when the two intervals do not overlap, else "too noisy to tell": on a
 * busy machine, ten runs whose p90 is five times the median give no verdict.
 */

export interface LatencySpread {
  readonly runs: number;
  readonly medianMs: number;
  /** The 95% interval of the median. */
  readonly lowMs: number;
  readonly highMs: number;
  readonly p10Ms: number;
  readonly p90Ms: number;
  /** p90 / median: 1 is steady; 2 or more is a noisy machine. */
  readonly p90OverMedian: number;
}

export type LatencyVerdict = 'faster' | 'slower' | 'too-noisy';

export interface LatencyComparison {
  readonly reference: LatencySpread;
  readonly candidate: LatencySpread;
  /** candidate median / reference median (below 1: the candidate is faster). */
  readonly ratio: number;
  /** The ratio's range from the two intervals (candidate low / reference high .. candidate high / reference low). */
  readonly ratioLow: number;
  readonly ratioHigh: number;
  readonly verdict: LatencyVerdict;
  /** One sentence for the page, with the numbers. */
  readonly text: string;
}

const sortedCopy = (xs: readonly number[]) => [...xs].filter(Number.isFinite).sort((a, b) => a - b);

/** Nearest-rank quantile of an ascending list: the smallest sample with at least q of the samples at or below it. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** Median of an ascending list (the mean of the middle two for an even count). */
export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

export function latencySpread(samplesMs: readonly number[]): LatencySpread {
  const s = sortedCopy(samplesMs);
  const n = s.length;
  const k = Math.max(1, Math.floor((n - 1.96 * Math.sqrt(n)) / 2));
  const m = median(s);
  const p90 = quantile(s, 0.9);
  return {
    runs: n,
    medianMs: m,
    lowMs: n ? s[Math.min(n, k) - 1] : NaN,
    highMs: n ? s[Math.max(0, n - k)] : NaN,
    p10Ms: quantile(s, 0.1),
    p90Ms: p90,
    p90OverMedian: m > 0 ? p90 / m : NaN,
  };
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const times = (r: number) => (r >= 10 ? r.toFixed(0) : r.toFixed(2));

/** Compares a candidate's runs (INT8) against a reference's (FP32), runs taken alternately on the same machine. */
export function compareLatency(referenceMs: readonly number[], candidateMs: readonly number[], names: { reference: string; candidate: string } = { reference: 'FP32', candidate: 'INT8' }): LatencyComparison {
  const a = latencySpread(referenceMs);
  const b = latencySpread(candidateMs);
  const ratio = b.medianMs / a.medianMs;
  const ratioLow = b.lowMs / a.highMs;
  const ratioHigh = b.highMs / a.lowMs;
  const verdict: LatencyVerdict = b.highMs < a.lowMs ? 'faster' : b.lowMs > a.highMs ? 'slower' : 'too-noisy';
  const intervals = `${names.candidate} ${ms(b.medianMs)} ms (95% interval ${ms(b.lowMs)}–${ms(b.highMs)}), ${names.reference} ${ms(a.medianMs)} ms (${ms(a.lowMs)}–${ms(a.highMs)}), ${Math.min(a.runs, b.runs)} alternating runs each`;
  const text =
    verdict === 'too-noisy'
      ? `Too noisy to tell: the intervals overlap (${intervals}). Close other work and measure again with more runs.`
      : verdict === 'faster'
        ? `${names.candidate} is ${times(1 / ratio)}x faster (between ${times(1 / ratioHigh)}x and ${times(1 / ratioLow)}x; ${intervals}).`
        : `${names.candidate} is ${times(ratio)}x slower (between ${times(ratioLow)}x and ${times(ratioHigh)}x; ${intervals}).`;
  return { reference: a, candidate: b, ratio, ratioLow, ratioHigh, verdict, text };
}
