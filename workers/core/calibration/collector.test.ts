import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../errors';
import { computeAllRanges, computeRange } from './ranges';
import {
  createCalibrationStats,
  createTensorStats,
  getTensorStats,
  mergeCalibrationStats,
  mergeTensorStats,
  StatsCollector,
  updateCalibrationStats,
  updateTensorStats,
  type CalibrationStats,
} from './collector';
import { seededRandom } from '../onnx/build';

const rng = seededRandom;

function batchOf(random: () => number, n: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * random();
  return out;
}

describe('moving average', () => {
  it('matches a hand calculation (averaging constant 0.5)', () => {
    const c = new StatsCollector({ averagingConstant: 0.5 });
    c.update('t', [-1, 2]); // batch min/max -1, 2
    c.update('t', [-3, 4, 0]); // -3, 4
    c.update('t', [1, 10]); // 1, 10
    const t = c.get('t')!;
    // min: -1 -> -1 + 0.5(-3 - -1) = -2 -> -2 + 0.5(1 - -2) = -0.5
    // max:  2 ->  2 + 0.5( 4 -  2) =  3 ->  3 + 0.5(10 -  3) =  6.5
    expect(t.movingMin).toBe(-0.5);
    expect(t.movingMax).toBe(6.5);
    expect(t.min).toBe(-3);
    expect(t.max).toBe(10);
    expect(t.batches).toBe(3);
    expect(t.count).toBe(7);
  });

  it('uses 0.01 by default, like ONNX Runtime', () => {
    const t = createTensorStats('x');
    updateTensorStats(t, [0, 1]);
    updateTensorStats(t, [0, 101]);
    updateTensorStats(t, [-50, 0]);
    // max: 1 -> 1 + 0.01·100 = 2 -> 2 + 0.01·(0 - 2) = 1.98 ; min: 0 -> 0 -> 0 + 0.01·(-50) = -0.5
    expect(t.movingMax).toBeCloseTo(1.98, 12);
    expect(t.movingMin).toBeCloseTo(-0.5, 12);
  });

  it('skips NaN-only and empty batches, and NaN inside a batch', () => {
    const c = new StatsCollector({ averagingConstant: 0.5 });
    c.update('t', [NaN, 1, 3]);
    c.update('t', [NaN, NaN]);
    c.update('t', []);
    c.update('t', [5, NaN]);
    const t = c.get('t')!;
    expect(t.batches).toBe(2);
    expect(t.count).toBe(3);
    expect(t.histogram!.nanCount).toBe(4);
    expect(t.movingMin).toBe(3); // 1 + 0.5·(5 - 1)
    expect(t.movingMax).toBe(4); // 3 + 0.5·(5 - 3)
  });

  it('rejects a bad averaging constant with the value quoted', () => {
    for (const averagingConstant of [0, -0.1, 1.5, NaN]) {
      try {
        new StatsCollector({ averagingConstant });
        expect.unreachable();
      } catch (e) {
        expect(isZeropointError(e) && e.code).toBe('bad-option');
        expect((e as Error).message).toContain(`"${averagingConstant}"`);
      }
    }
  });
});

describe('merging workers', () => {
  function collect(batches: Float32Array[][], names: string[]): StatsCollector {
    const c = new StatsCollector({ bins: 512 });
    for (const batch of batches) batch.forEach((values, i) => c.update(names[i], values));
    return c;
  }

  it('merges min/max/count/histograms exactly and moving averages by batch weight', () => {
    const random = rng(11);
    const names = ['conv1', 'relu1'];
    const batches: Float32Array[][] = [];
    for (let k = 0; k < 30; k++) {
      const spread = 1 + k / 5;
      batches.push([batchOf(random, 300, -spread, spread), batchOf(random, 300, 0, 2 * spread)]);
    }
    const single = collect(batches, names);
    const w1 = collect(batches.slice(0, 10), names);
    const w2 = collect(batches.slice(10), names);
    const merged = new StatsCollector({ bins: 512 });
    merged.merge(w1);
    merged.merge(w2.snapshot());
    expect(merged.names()).toEqual(names);
    for (const name of names) {
      const s = single.get(name)!;
      const m = merged.get(name)!;
      const a = w1.get(name)!;
      const b = w2.get(name)!;
      expect(m.batches).toBe(30);
      expect(m.count).toBe(s.count);
      expect(m.min).toBe(s.min);
      expect(m.max).toBe(s.max);
      expect(Array.from(m.histogram!.counts)).toEqual(Array.from(s.histogram!.counts));
      expect([m.histogram!.exponent, m.histogram!.offset]).toEqual([s.histogram!.exponent, s.histogram!.offset]);
      expect(m.movingMin).toBeCloseTo((a.movingMin * 10 + b.movingMin * 20) / 30, 12);
      expect(m.movingMax).toBeCloseTo((a.movingMax * 10 + b.movingMax * 20) / 30, 12);
    }
  });

  it('merging with an empty side keeps the other side as is', () => {
    const a = createTensorStats('t');
    updateTensorStats(a, [1, 2, 3]);
    const b = createTensorStats('t');
    const m = mergeTensorStats(b, a);
    expect([m.movingMin, m.movingMax, m.batches, m.count]).toEqual([1, 3, 1, 3]);
    expect(() => mergeTensorStats(a, createTensorStats('u'))).toThrow(/"t".*"u"/);
  });

  it('keeps tensors only one worker saw, and rejects mismatched settings', () => {
    const a = createCalibrationStats();
    const b = createCalibrationStats();
    updateCalibrationStats(a, 'x', [1]);
    updateCalibrationStats(b, 'y', [2]);
    const m = mergeCalibrationStats(a, b);
    expect(Object.keys(m.tensors)).toEqual(['x', 'y']);
    expect(Object.keys(a.tensors)).toEqual(['x']); // pure
    try {
      mergeCalibrationStats(a, createCalibrationStats({ bins: 1024 }));
      expect.unreachable();
    } catch (e) {
      expect(isZeropointError(e) && e.code).toBe('bad-option');
      expect((e as Error).message).toContain('"2048"');
    }
    expect(() => mergeCalibrationStats(a, createCalibrationStats({ averagingConstant: 0.1 }))).toThrow(/"0.01"/);
  });
});

describe('snapshot', () => {
  it('is a deep, structuredClone-safe copy that a collector can continue from', () => {
    const c = new StatsCollector({ bins: 64 });
    c.update('a', [1, 2, 3]);
    const snap = c.snapshot();
    c.update('a', [100]);
    expect(snap.tensors.a.max).toBe(3);
    expect(snap.tensors.a.histogram!.count).toBe(3);

    const cloned: CalibrationStats = structuredClone(snap);
    expect(cloned.tensors.a.histogram!.counts).toBeInstanceOf(Float64Array);
    expect(Array.from(cloned.tensors.a.histogram!.counts)).toEqual(Array.from(snap.tensors.a.histogram!.counts));
    const resumed = StatsCollector.from(cloned);
    resumed.update('a', [100]);
    expect(resumed.get('a')!.max).toBe(100);
    expect(cloned.tensors.a.max).toBe(3); // from() copies
    expect(Array.from(resumed.get('a')!.histogram!.counts)).toEqual(Array.from(c.get('a')!.histogram!.counts));
  });

  it('handles tensor names that collide with Object.prototype', () => {
    const c = new StatsCollector({ bins: 16 });
    expect(c.get('constructor')).toBeUndefined();
    expect(c.get('toString')).toBeUndefined();
    c.update('constructor', [1]);
    c.update('__proto__', [2]);
    expect(c.get('constructor')!.max).toBe(1);
    expect(c.get('__proto__')!.max).toBe(2);
    expect(c.names().sort()).toEqual(['__proto__', 'constructor']);
    const cloned: CalibrationStats = structuredClone(c.snapshot());
    expect(getTensorStats(cloned, '__proto__')?.max).toBe(2);
    expect(getTensorStats(cloned, 'hasOwnProperty')).toBeUndefined();
    const merged = mergeCalibrationStats(cloned, cloned);
    expect(getTensorStats(merged, '__proto__')?.count).toBe(2);
  });

  it('memory per tensor stays fixed over 1000 batches', () => {
    const random = rng(12);
    const c = new StatsCollector();
    for (let k = 0; k < 1000; k++) c.update('t', batchOf(random, 32, -k, k + 1));
    const t = c.get('t')!;
    expect(t.histogram!.counts.length).toBe(2048);
    expect(t.batches).toBe(1000);
    expect(t.count).toBe(32_000);
  });
});

describe('histograms: false', () => {
  it('keeps min/max/moving averages without a histogram; histogram methods then refuse', () => {
    const c = new StatsCollector({ histograms: false, averagingConstant: 0.5 });
    c.update('t', [NaN, -1, 2, Infinity]);
    c.update('t', [-3, 4]);
    const t = c.get('t')!;
    expect(t.histogram).toBeUndefined();
    expect([t.min, t.max, t.count, t.batches, t.nanCount, t.infCount]).toEqual([-3, 4, 4, 2, 1, 1]);
    expect([t.movingMin, t.movingMax]).toEqual([-2, 3]);
    expect(c.snapshot().histograms).toBe(false);
    expect(computeRange(t, { method: 'minmax' })).toMatchObject({ min: -3, max: 4, clippedFraction: 0 });
    const moving = computeRange(t, { method: 'moving-average' });
    expect(moving).toMatchObject({ min: -2, max: 3 });
    expect(moving.clippedFraction).toBeUndefined();
    try {
      computeRange(t, { method: 'entropy' });
      expect.unreachable();
    } catch (e) {
      expect(isZeropointError(e) && e.code).toBe('no-statistics');
      expect((e as Error).message).toContain('"t"');
      expect((e as Error).message).toContain('"entropy"');
    }
    expect(Object.keys(computeAllRanges(t))).toEqual(['minmax', 'moving-average']);
    // Same min/max/moving values as with histograms.
    const h = new StatsCollector({ averagingConstant: 0.5 });
    h.update('t', [NaN, -1, 2, Infinity]);
    h.update('t', [-3, 4]);
    const { histogram, ...rest } = h.get('t')!;
    expect(histogram!.nanCount).toBe(1);
    expect(rest).toEqual({ ...t });
    // Workers must agree on the option.
    expect(() => mergeCalibrationStats(c.snapshot(), h.snapshot())).toThrow(/histograms/);
    const twice = mergeCalibrationStats(c.snapshot(), c.snapshot());
    expect(getTensorStats(twice, 't')).toMatchObject({ count: 8, min: -3, max: 4, nanCount: 2 });
    expect(getTensorStats(twice, 't')!.histogram).toBeUndefined();
  });
});
