import { describe, expect, it } from 'vitest';
import { compareLatency, latencySpread } from './latency';

describe('latency spread and verdicts', () => {
  it("the median's interval is the order statistics around it", () => {
    const s = latencySpread([5, 1, 4, 2, 3, 9, 8, 7, 6, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(s.runs).toBe(20);
    expect(s.medianMs).toBe(10.5);
    // n = 20: k = floor((20 - 1.96 * sqrt(20)) / 2) = 5 -> [x5, x16]
    expect(s.lowMs).toBe(5);
    expect(s.highMs).toBe(16);
    expect(s.p90Ms).toBe(18);
    expect(s.p90OverMedian).toBeCloseTo(18 / 10.5, 10);
  });

  it('a few runs give an interval from the first to the last', () => {
    const s = latencySpread([3, 1, 2]);
    expect([s.lowMs, s.medianMs, s.highMs]).toEqual([1, 2, 3]);
  });

  it('steady runs far apart: a verdict with the ratio', () => {
    const fp32 = Array.from({ length: 20 }, (_, i) => 24 + (i % 5) * 0.2);
    const int8 = Array.from({ length: 20 }, (_, i) => 12 + (i % 5) * 0.2);
    const c = compareLatency(fp32, int8);
    expect(c.verdict).toBe('faster');
    expect(c.ratio).toBeCloseTo(12.4 / 24.4, 6);
    expect(c.text).toMatch(/^INT8 is 1\.97x faster/);
    expect(compareLatency(int8, fp32).verdict).toBe('slower');
  });

  it('ten noisy runs whose p90 is five times the median: too noisy to tell, even with a 3.5x gap in medians', () => {
    const fp32 = [24, 24, 25, 25, 25, 25, 26, 26, 27, 90];
    const int8 = [6, 6, 6, 7, 7, 7, 8, 30, 35, 40];
    const c = compareLatency(fp32, int8);
    expect(c.candidate.p90OverMedian).toBe(5);
    expect(1 / c.ratio).toBeCloseTo(3.57, 2);
    expect(c.verdict).toBe('too-noisy');
    expect(c.text).toMatch(/^Too noisy to tell: the intervals overlap/);
  });
});
