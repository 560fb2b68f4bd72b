/**
 * Pure data shaping for Learn mode's charts and numbers (no React, no DOM): a few hundred points at
 * most, so cheap on the page's thread. The heavy reductions happen in the workers.
 */
import type { ChannelErrors, HistogramView } from '../../../workers/contracts';

/** Image counts at which lesson 5 takes a snapshot: 1, 2, 4, 8, ... below n, then n. */
export function growthCheckpoints(n: number): number[] {
  const out: number[] = [];
  for (let k = 1; k < n; k *= 2) out.push(k);
  if (n >= 1) out.push(n);
  return out;
}

export interface StepPoint {
  readonly x: number;
  readonly y: number;
}

/**
 * A histogram view as step points (one per bin at its low edge, and a closing point at the last bin's
 * high edge) for an area drawn with `stepAfter`. `log` plots log10(1 + count), so a spike of zeros
 * after a ReLU does not flatten everything else.
 */
export function histogramSteps(h: HistogramView, log: boolean): StepPoint[] {
  if (h.counts.length === 0 || !(h.binWidth > 0)) return [];
  const y = (c: number) => (log ? Math.log10(1 + c) : c);
  const points = h.counts.map((c, i) => ({ x: h.lo + i * h.binWidth, y: y(c) }));
  points.push({ x: h.lo + h.counts.length * h.binWidth, y: y(h.counts[h.counts.length - 1]) });
  return points;
}

/** Values per code as step points over [qmin, qmax + 1] (each code one unit wide, centred on the code). */
export function codeSteps(counts: ArrayLike<number>, qmin: number, log: boolean): StepPoint[] {
  const y = (c: number) => (log ? Math.log10(1 + c) : c);
  const points: StepPoint[] = [];
  for (let i = 0; i < counts.length; i++) points.push({ x: qmin + i - 0.5, y: y(counts[i]) });
  if (counts.length > 0) points.push({ x: qmin + counts.length - 0.5, y: y(counts[counts.length - 1]) });
  return points;
}

export interface ChannelSummary {
  readonly channels: number;
  readonly medianPerTensor: number;
  readonly medianPerChannel: number;
  /** The channel with the lowest per-tensor SQNR, and its two SQNRs. */
  readonly worstChannel: number;
  readonly worstPerTensor: number;
  readonly worstPerChannelOfWorst: number;
  /** Lowest per-channel SQNR over all channels. */
  readonly worstPerChannel: number;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median and worst SQNR over a layer's channels (Infinity, an exact channel, sorts last). */
export function channelSummary(rows: readonly ChannelErrors[]): ChannelSummary {
  let worst = 0;
  for (let i = 1; i < rows.length; i++) if (rows[i].perTensorSqnrDb < rows[worst].perTensorSqnrDb) worst = i;
  return {
    channels: rows.length,
    medianPerTensor: median(rows.map((r) => r.perTensorSqnrDb)),
    medianPerChannel: median(rows.map((r) => r.perChannelSqnrDb)),
    worstChannel: rows[worst]?.channel ?? 0,
    worstPerTensor: rows[worst]?.perTensorSqnrDb ?? NaN,
    worstPerChannelOfWorst: rows[worst]?.perChannelSqnrDb ?? NaN,
    worstPerChannel: rows.length ? Math.min(...rows.map((r) => r.perChannelSqnrDb)) : NaN,
  };
}

/** Channels in the order the chart shows them: by index, or by range width (max|w|) ascending. */
export function sortChannels(rows: readonly ChannelErrors[], sort: 'channel' | 'range'): ChannelErrors[] {
  const out = [...rows];
  if (sort === 'range') out.sort((a, b) => Math.max(Math.abs(a.min), Math.abs(a.max)) - Math.max(Math.abs(b.min), Math.abs(b.max)) || a.channel - b.channel);
  return out;
}

/** A finite SQNR for a chart (an exact channel, +Infinity, is drawn at `cap`). */
export function chartDb(x: number, cap = 80): number {
  if (Number.isNaN(x)) return 0;
  return Math.min(cap, Math.max(-cap, x));
}

/**
 * Slider bounds for a clip range over observed data [min, max]: the max slider runs from 0 to the
 * observed max, the min slider from the observed min to 0 (absent when the data is never negative).
 * `step` gives about 1000 positions over the wider side.
 */
export function clipSliderBounds(observed: { min: number; max: number }): { max: [number, number] | null; min: [number, number] | null; step: number } {
  const hi = Math.max(observed.max, 0);
  const lo = Math.min(observed.min, 0);
  const span = Math.max(hi, -lo) || 1;
  const step = Number((span / 1000).toPrecision(2));
  return { max: hi > 0 ? [0, hi] : null, min: lo < 0 ? [lo, 0] : null, step };
}

/**
 * Codes of a grid worth a label on a number line: qmin, the zero-point, qmax, and q when given, in
 * that priority; a code closer than `minGap` codes to one already kept is left out (labels would overlap).
 */
export function labelledCodes(grid: { qmin: number; qmax: number; zeroPoint: number }, q?: number, minGap = 0): number[] {
  const kept: number[] = [];
  for (const c of [grid.qmin, grid.zeroPoint, grid.qmax, ...(q === undefined ? [] : [q])]) {
    if (kept.every((k) => (k === c ? false : Math.abs(k - c) >= minGap))) kept.push(c);
  }
  return kept.sort((a, b) => a - b);
}

/** JSON for a lesson's data: typed arrays as arrays, non-finite numbers as strings ('Infinity', 'NaN'). */
export function lessonJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      return v;
    },
    1,
  );
}

/** About `count` round tick values (1, 2 or 5 times a power of ten apart) inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/** Markers at the same position share one label ("1, 2, 4"), so they do not print over each other. */
export function mergeMarkerLabels<T extends { x: number; label: string }>(markers: readonly T[], tolerance: number): T[] {
  const out: T[] = [];
  for (const m of markers) {
    const same = out.findIndex((o) => Math.abs(o.x - m.x) <= tolerance);
    if (same >= 0) out[same] = { ...m, label: `${out[same].label}, ${m.label}` };
    else out.push(m);
  }
  return out;
}
