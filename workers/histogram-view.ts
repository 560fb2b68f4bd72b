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

/**
 * Several histograms reduced to the SAME bins (one `lo`, one `binWidth`), so they can be drawn over
 * each other: the shared width is a power of two at least as coarse as every input's, so each input
 * bin falls whole into one shared bin (exact counts, like histogramView). At most `maxBins` bins.
 */
export function sharedHistogramViews(hs: readonly Histogram[], maxBins = 128): HistogramView[] {
  const used = hs.filter((h) => h.count > 0);
  if (used.length === 0) return hs.map((h) => ({ lo: 0, binWidth: 0, counts: [], count: 0, zeroCount: h.zeroCount, min: h.min, max: h.max }));
  // Occupied absolute bin range of each input at its own exponent.
  const spans = used.map((h) => {
    let first = -1;
    let last = -1;
    for (let i = 0; i < h.counts.length; i++) {
      if (h.counts[i] !== 0) {
        if (first < 0) first = i;
        last = i;
      }
    }
    return { h, first: h.offset + first, last: h.offset + last };
  });
  const limit = Math.max(1, Math.floor(maxBins));
  let exponent = Math.max(...used.map((h) => h.exponent));
  // Absolute index at `exponent` of input index k (at e): floor(k / 2^(exponent - e)), exact for |k| < 2^53.
  const at = (k: number, e: number, target: number) => Math.floor(k / 2 ** (target - e));
  const extent = (target: number) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of spans) {
      lo = Math.min(lo, at(s.first, s.h.exponent, target));
      hi = Math.max(hi, at(s.last, s.h.exponent, target));
    }
    return { lo, hi };
  };
  let { lo, hi } = extent(exponent);
  while (hi - lo + 1 > limit) {
    exponent++;
    ({ lo, hi } = extent(exponent));
  }
  const width = 2 ** exponent;
  return hs.map((h) => {
    const counts = new Array<number>(hi - lo + 1).fill(0);
    if (h.count > 0) for (let i = 0; i < h.counts.length; i++) if (h.counts[i] !== 0) counts[at(h.offset + i, h.exponent, exponent) - lo] += h.counts[i];
    return { lo: lo * width, binWidth: width, counts, count: h.count, zeroCount: h.zeroCount, min: h.min, max: h.max };
  });
}
