import { describe, expect, it } from 'vitest';
import { channelBars, gridFor, gridLines, histogramSteps, logTicks, niceTicks, upTicks, paddedDomain, speedup, summarizeSamples, worstIndex } from './chart-data';
import { sortRows } from './sort';

describe('chart data', () => {
  it('turns a histogram into step points with a closing edge', () => {
    const steps = histogramSteps({ lo: -1, binWidth: 0.5, counts: [1, 0, 3], count: 4, zeroCount: 0, min: -1, max: 0.4 });
    expect(steps).toEqual([
      { x: -1, count: 1 },
      { x: -0.5, count: 0 },
      { x: 0, count: 3 },
      { x: 0.5, count: 3 },
    ]);
    expect(histogramSteps({ lo: 0, binWidth: 0, counts: [], count: 0, zeroCount: 0, min: Infinity, max: -Infinity })).toEqual([]);
  });

  it('draws every k-th grid level, always through real 0, at most maxLines', () => {
    const g = gridFor({ min: 0, max: 25.5 }, 'u8', false);
    expect(g.scale).toBeCloseTo(0.1, 6);
    expect(g.zeroPoint).toBe(0);
    const lines = gridLines(g, 32);
    expect(lines.every).toBe(8);
    expect(lines.levels).toBe(256);
    expect(lines.values.length).toBe(32);
    expect(lines.values[0]).toBe(0);
    const asym = gridFor({ min: -1, max: 3 }, 'u8', false);
    const l2 = gridLines(asym, 16);
    expect(l2.values.some((v) => v === 0)).toBe(true);
    expect(l2.values.length).toBeLessThanOrEqual(16);
    expect(gridLines({ qmin: -127, qmax: 127, scale: 1, zeroPoint: 0 }, 300).every).toBe(1);
  });

  it('summarises latency samples and speed-up', () => {
    const s = summarizeSamples([5, 1, 4, 2, 3, 10, 6, 7, 8, 9])!;
    expect(s.min).toBe(1);
    expect(s.max).toBe(10);
    expect(s.median).toBe(5.5);
    expect(s.p90).toBe(9);
    expect(summarizeSamples([])).toBeNull();
    expect(speedup(100, 50)).toBe(2);
    expect(speedup(0, 50)).toBeNull();
  });

  it('buckets channels without hiding extremes', () => {
    const min = Array.from({ length: 1000 }, (_, c) => -c);
    const max = Array.from({ length: 1000 }, (_, c) => c);
    const bars = channelBars(min, max, 100);
    expect(bars.length).toBe(100);
    expect(bars[99]).toEqual({ from: 990, to: 999, min: -999, max: 999 });
    expect(channelBars([1, 2], [3, 4]).length).toBe(2);
  });

  it('has small helpers for domains, log ticks and the worst value', () => {
    expect(paddedDomain([0, 10], 0.1)).toEqual([-1, 11]);
    expect(paddedDomain([2, 2])).toEqual([1, 3]);
    expect(logTicks(1500)).toEqual([0, 1, 10, 100, 1000, 10000]);
    expect(worstIndex([30, Infinity, 12, NaN, 20])).toBe(2);
    expect(worstIndex([])).toBe(-1);
    expect(niceTicks(-0.768, 0.768, 8)).toEqual([-0.6, -0.4, -0.2, 0, 0.2, 0.4, 0.6]);
    expect(niceTicks(0, 985, 5)).toEqual([0, 200, 400, 600, 800]);
    expect(niceTicks(1, 1)).toEqual([]);
    expect(upTicks(1234)).toEqual([0, 500, 1000, 1500]);
    expect(upTicks(0)).toEqual([0, 1]);
  });

  it('sorts with missing values last, stable on ties', () => {
    const rows = [{ v: 3 }, { v: null }, { v: 1 }, { v: NaN }, { v: 3 }, { v: Infinity }];
    expect(sortRows(rows, (r) => r.v, 'asc').map((r) => r.v)).toEqual([1, 3, 3, Infinity, null, NaN]);
    expect(sortRows(rows, (r) => r.v, 'desc').map((r) => r.v)).toEqual([Infinity, 3, 3, 1, null, NaN]);
  });
});
