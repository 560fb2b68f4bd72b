/**
 * Timing helpers shared by the bench and its WASM child processes: order statistics and an
 * interleaved A/B latency measurement.
 *
 * A/B runs are interleaved (A B B A A B ...) on the same input so slow drifts of a shared machine (other
 * processes, thermal state) hit both sides alike; ratios of the two medians are what the bench reports.
 */

// Order statistics: the engine's (workers/core/profile/timing.ts), so the bench and the latency-aware search agree.
export { median, quantile } from '../workers/core/profile/timing';
import { median } from '../workers/core/profile/timing';

export async function clock(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Median of `runs` timings of fn after `warmup` untimed calls. */
export async function medianTime(fn: () => unknown, runs: number, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) t.push(await clock(fn));
  return median(t);
}

export interface ABOptions {
  /** Untimed runs of each side first (the first run of a session allocates and is slow). */
  readonly warmup: number;
  readonly minRuns: number;
  readonly maxRuns: number;
  /** Timed budget for both sides together: runs = clamp(budget / (time of one A+B pair), min, max). */
  readonly budgetMs: number;
}

export interface ABTiming {
  readonly a: number[];
  readonly b: number[];
  readonly warmup: number;
}

export async function timeAB(runA: () => Promise<unknown>, runB: () => Promise<unknown>, o: ABOptions): Promise<ABTiming> {
  let pair = 0;
  let warm = 0;
  for (let i = 0; i < Math.max(1, o.warmup); i++) {
    pair = (await clock(runA)) + (await clock(runB));
    warm++;
    // A heavy model (seconds per run): one warm-up is enough, keep the time for timed runs.
    if (pair > o.budgetMs / (o.minRuns + 2)) break;
  }
  const runs = Math.max(o.minRuns, Math.min(o.maxRuns, Math.floor(o.budgetMs / Math.max(pair, 1e-3))));
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      a.push(await clock(runA));
      b.push(await clock(runB));
    } else {
      b.push(await clock(runB));
      a.push(await clock(runA));
    }
  }
  return { a, b, warmup: warm };
}
