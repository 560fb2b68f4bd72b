/**
 * A calibration (or error) histogram reduced for a chart: the occupied bins only, merged k at a time
 * so at most `maxBins` remain. Merging whole bins keeps every count exact; the edges stay multiples of
 * the original power-of-two width.
 */
import { binLowEdge, binWidth, type Histogram } from './core/calibration/histogram';
import type { HistogramView } from './contracts';

export function histogramView(h: Histogram, maxBins = 128): HistogramView {
  const counts = h.counts;
  let first = -1;
  let last = -1;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] !== 0) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0 || h.count === 0) return { lo: 0, binWidth: 0, counts: [], count: 0, zeroCount: h.zeroCount, min: h.min, max: h.max };
  const span = last - first + 1;
  const k = Math.max(1, Math.ceil(span / Math.max(1, Math.floor(maxBins))));
  const out = new Array<number>(Math.ceil(span / k)).fill(0);
  for (let i = first; i <= last; i++) out[Math.floor((i - first) / k)] += counts[i];
  return { lo: binLowEdge(h, first), binWidth: binWidth(h) * k, counts: out, count: h.count, zeroCount: h.zeroCount, min: h.min, max: h.max };
}
