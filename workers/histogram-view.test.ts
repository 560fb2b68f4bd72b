import { describe, expect, it } from 'vitest';
import { addValues, createHistogram } from './core/calibration/histogram';
import { histogramView, sharedHistogramViews } from './histogram-view';

function histogramOf(values: number[], bins = 512) {
  const h = createHistogram({ bins });
  addValues(h, Float64Array.from(values));
  return h;
}

describe('sharedHistogramViews', () => {
  it('puts histograms of different ranges on the same bins, keeping every count', () => {
    const a = histogramOf(Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3));
    const b = histogramOf(Array.from({ length: 1000 }, (_, i) => Math.cos(i) * 0.7 + 5));
    const [va, vb] = sharedHistogramViews([a, b], 64);
    expect(va.lo).toBe(vb.lo);
    expect(va.binWidth).toBe(vb.binWidth);
    expect(va.counts.length).toBe(vb.counts.length);
    expect(va.counts.length).toBeLessThanOrEqual(64);
    expect(va.counts.reduce((s, c) => s + c, 0)).toBe(1000);
    expect(vb.counts.reduce((s, c) => s + c, 0)).toBe(1000);
    // Every value lies inside its view's bins.
    expect(va.lo).toBeLessThanOrEqual(a.min);
    expect(va.lo + va.binWidth * va.counts.length).toBeGreaterThanOrEqual(b.max);
  });

  it('matches histogramView for one histogram and handles empty ones', () => {
    const a = histogramOf([0, 0, 1, 2, 3, -1.5]);
    const [shared] = sharedHistogramViews([a], 128);
    const single = histogramView(a, 128);
    expect(shared.counts.reduce((s, c) => s + c, 0)).toBe(single.counts.reduce((s, c) => s + c, 0));
    const [e1, e2] = sharedHistogramViews([createHistogram({ bins: 64 }), a], 32);
    expect(e1.counts.every((c) => c === 0)).toBe(true);
    expect(e2.counts.reduce((s, c) => s + c, 0)).toBe(6);
    expect(sharedHistogramViews([createHistogram({ bins: 64 })])[0].counts).toEqual([]);
  });
});
