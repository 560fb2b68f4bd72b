/**
 * Interleaved timing of several models on one provider, the bench's method: the models run in turn
 * (round robin, the starting model rotating each round) on the same input, so the slow drifts of a
 * shared machine (other processes, thermal state) hit every model alike; what is compared are the
 * medians of one run. The clock is the host's (performance.now): the engine has no timer of its own.
 */

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Linear-interpolated quantile (q in [0, 1]); NaN for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export interface InterleavedOptions {
  /** Untimed rounds first (a session's first runs allocate and, on WASM, run unoptimized code). */
  readonly warmup: number;
  readonly minRounds: number;
  readonly maxRounds: number;
  /** Timed budget for all models together: rounds = clamp(budget / (time of one round), min, max). */
  readonly budgetMs: number;
  readonly now: () => number;
  readonly signal?: AbortSignal;
}

export const DEFAULT_INTERLEAVED: Omit<InterleavedOptions, 'now'> = { warmup: 2, minRounds: 5, maxRounds: 30, budgetMs: 8000 };

/** ms samples per run function, in the order given. */
export async function timeInterleaved(runs: ReadonlyArray<() => Promise<unknown>>, o: InterleavedOptions): Promise<number[][]> {
  const clock = async (f: () => Promise<unknown>) => {
    const t0 = o.now();
    await f();
    return o.now() - t0;
  };
  let round = 0;
  for (let i = 0; i < Math.max(1, o.warmup); i++) {
    o.signal?.throwIfAborted();
    round = 0;
    for (const r of runs) round += await clock(r);
    // A heavy model (seconds per run): one warm-up round, keep the time for timed rounds.
    if (round > o.budgetMs / (o.minRounds + 2)) break;
  }
  const rounds = Math.max(o.minRounds, Math.min(o.maxRounds, Math.floor(o.budgetMs / Math.max(round, 1e-3))));
  const samples: number[][] = runs.map(() => []);
  for (let k = 0; k < rounds; k++) {
    o.signal?.throwIfAborted();
    for (let j = 0; j < runs.length; j++) {
      // Rotate the start and alternate the direction, so no model always runs right after another.
      const step = (k + j) % runs.length;
      const i = k % 2 === 0 ? step : runs.length - 1 - step;
      samples[i].push(await clock(runs[i]));
    }
  }
  return samples;
}

/**
 * Rounds until the round time settles: the last `window` rounds within `tolerance` of each other (a
 * browser's WASM runs baseline code until V8 has optimized the module in the background, a minute of
 * CPU for onnxruntime-web; a settled round time says it is done), at least `minRounds`, at most
 * `maxMs`. Returns the rounds run.
 */
export async function warmUntilStable(round: () => Promise<unknown>, o: { minRounds: number; maxMs: number; now: () => number; window?: number; tolerance?: number; signal?: AbortSignal }): Promise<number> {
  const window = o.window ?? 3;
  const tolerance = o.tolerance ?? 0.1;
  const start = o.now();
  const times: number[] = [];
  for (;;) {
    o.signal?.throwIfAborted();
    const t0 = o.now();
    await round();
    times.push(o.now() - t0);
    if (times.length < Math.max(o.minRounds, window)) continue;
    const last = times.slice(-window);
    if (Math.max(...last) <= Math.min(...last) * (1 + tolerance) || o.now() - start > o.maxMs) return times.length;
  }
}
