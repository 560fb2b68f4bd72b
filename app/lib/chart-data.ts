/**
 * Pure data shaping for the charts (no React, no DOM): histogram steps, the quantization grid lines
 * worth drawing, quantiles for latency box plots, channel bucketing. Small and cheap: the heavy
 * reductions (histograms, downsampling) happen in the workers; these only reshape a few hundred points.
 */
import type { HistogramView, QuantGridView } from '../../workers/contracts';
import { computeQuantParams, qRange } from '../../workers/core/quant/params';

/** One point of a step histogram: the bin starting at `x` holds `count` values. */
export interface StepPoint {
  readonly x: number;
  readonly count: number;
}

/**
 * A histogram as step points for an area drawn with `stepAfter`: one point per bin at its low edge,
 * plus a closing point at the last bin's high edge (so the last bin has a width).
 */
export function histogramSteps(h: HistogramView): StepPoint[] {
  if (h.counts.length === 0 || !(h.binWidth > 0)) return [];
  const points: StepPoint[] = h.counts.map((count, i) => ({ x: h.lo + i * h.binWidth, count }));
  points.push({ x: h.lo + h.counts.length * h.binWidth, count: h.counts[h.counts.length - 1] });
  return points;
}

/** The value extent of a histogram's bins ([lo, lo + n·width]); null when empty. */
export function histogramExtent(h: HistogramView): [number, number] | null {
  if (h.counts.length === 0 || !(h.binWidth > 0)) return null;
  return [h.lo, h.lo + h.counts.length * h.binWidth];
}

/** [min, max] of finite numbers widened by `pad` (a fraction of the span) on each side. */
export function paddedDomain(values: readonly number[], pad = 0.03): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) {
    const d = Math.abs(lo) || 1;
    return [lo - d * 0.5, hi + d * 0.5];
  }
  const span = hi - lo;
  lo -= span * pad;
  hi += span * pad;
  return [lo, hi];
}

/** Ticks for a symlog count axis: 0, 1, 10, 100... up to the first power of ten at or above `max`. */
export function logTicks(max: number): number[] {
  const ticks = [0, 1];
  let t = 10;
  while (ticks[ticks.length - 1] < max && t < 1e15) {
    ticks.push(t);
    t *= 10;
  }
  return ticks;
}

/** The quantization grid of a clip range, as the quantizer would compute it (computeQuantParams). */
export function gridFor(range: { readonly min: number; readonly max: number }, type: 'u8' | 's8', symmetric: boolean): QuantGridView {
  const q = qRange(type, { symmetric, reduceRange: false });
  const p = computeQuantParams(range, { type, symmetric, reduceRange: false });
  return {
    type,
    qmin: q.qmin,
    qmax: q.qmax,
    scale: p.scale,
    zeroPoint: p.zeroPoint,
    lowest: (q.qmin - p.zeroPoint) * p.scale,
    highest: (q.qmax - p.zeroPoint) * p.scale,
  };
}

export interface GridLines {
  /** Real values of the drawn levels, ascending. */
  readonly values: readonly number[];
  /** Every how many levels one is drawn (1 = all). */
  readonly every: number;
  /** Levels on the grid (qmax - qmin + 1). */
  readonly levels: number;
}

/**
 * The grid levels worth drawing: every k-th level (k a power of two), counted from the zero-point so
 * that real 0 is always one of them, with at most `maxLines` inside [lowest, highest].
 */
export function gridLines(grid: Pick<QuantGridView, 'qmin' | 'qmax' | 'scale' | 'zeroPoint'>, maxLines = 32): GridLines {
  const levels = grid.qmax - grid.qmin + 1;
  let every = 1;
  while (Math.ceil(levels / every) > maxLines) every *= 2;
  const values: number[] = [];
  if (!(grid.scale > 0) || !Number.isFinite(grid.scale)) return { values, every, levels };
  const first = grid.zeroPoint - Math.floor((grid.zeroPoint - grid.qmin) / every) * every;
  for (let q = first; q <= grid.qmax; q += every) values.push((q - grid.zeroPoint) * grid.scale);
  return { values, every, levels };
}

/** Order statistics of latency samples (nearest rank, as the bench worker's p90). */
export interface SampleSummary {
  readonly n: number;
  readonly min: number;
  readonly p25: number;
  readonly median: number;
  readonly p75: number;
  readonly p90: number;
  readonly max: number;
}

function nearestRank(sorted: readonly number[], q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

export function summarizeSamples(samples: readonly number[]): SampleSummary | null {
  if (samples.length === 0) return null;
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { n, min: s[0], p25: nearestRank(s, 0.25), median, p75: nearestRank(s, 0.75), p90: nearestRank(s, 0.9), max: s[n - 1] };
}

/** A deterministic jitter in [-0.5, 0.5) for sample i (a strip plot must not move between renders). */
export function jitter(i: number): number {
  const x = Math.sin((i + 1) * 12.9898) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}

/** INT8 speed-up over FP32 from the medians: > 1 means INT8 is faster. */
export function speedup(fp32MedianMs: number, int8MedianMs: number): number | null {
  if (!(fp32MedianMs > 0) || !(int8MedianMs > 0)) return null;
  return fp32MedianMs / int8MedianMs;
}

export interface ChannelBar {
  /** First and last channel in the bar (equal unless bucketed). */
  readonly from: number;
  readonly to: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Per-channel min/max as bars; more than `maxBars` channels are bucketed into consecutive groups
 * whose bar spans the group's envelope (smallest min, largest max), so no extreme channel is hidden.
 */
export function channelBars(min: readonly number[], max: readonly number[], maxBars = 256): ChannelBar[] {
  const n = Math.min(min.length, max.length);
  const size = Math.max(1, Math.ceil(n / Math.max(1, maxBars)));
  const bars: ChannelBar[] = [];
  for (let from = 0; from < n; from += size) {
    const to = Math.min(n, from + size) - 1;
    let lo = Infinity;
    let hi = -Infinity;
    for (let c = from; c <= to; c++) {
      if (min[c] < lo) lo = min[c];
      if (max[c] > hi) hi = max[c];
    }
    bars.push({ from, to, min: lo, max: hi });
  }
  return bars;
}

/** The lowest finite value's index (the worst SQNR); -1 when none is finite. */
export function worstIndex(values: readonly number[]): number {
  let worst = -1;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]) && (worst < 0 || values[i] < values[worst])) worst = i;
  return worst;
}

/** Round tick values inside [lo, hi] (steps of 1, 2 or 5 × 10^k), about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 8): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo) return [];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** Round ticks from 0 up to the first one at or above `max` (a linear count axis). */
export function upTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = niceTicks(0, max, count);
  const step = rough.length > 1 ? rough[1] - rough[0] : max;
  return niceTicks(0, Math.ceil(max / step - 1e-9) * step, count);
}
