import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../errors';
import { createTensorStats, mergeTensorStats, updateTensorStats, type TensorStats } from './collector';
import { binWidth } from './histogram';
import {
  clippedFraction,
  computeAllRanges,
  computeRange,
  entropyThreshold,
  expectedSquaredError,
  quantGrid,
  quantizerFor,
  RANGE_METHODS,
  type RangeOptions,
} from './ranges';
import { seededRandom } from '../onnx/build';

const rng = seededRandom;

function gaussian(random: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

function uniform(random: () => number, n: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * random();
  return out;
}

function statsOf(name: string, ...batches: ArrayLike<number>[]): TensorStats {
  const t = createTensorStats(name);
  for (const b of batches) updateTensorStats(t, b);
  return t;
}

/** Mean squared error of quantize-dequantize over raw samples, written independently of ranges.ts. */
function rawMse(values: Float32Array, quant: (x: number) => number): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const e = values[i] - quant(values[i]);
    s += e * e;
  }
  return s / values.length;
}

const s8Symmetric = (t: number) => {
  const scale = t / 127;
  return (x: number) => Math.min(127, Math.max(-127, Math.round(x / scale))) * scale;
};
const u8Symmetric = (t: number) => {
  const scale = (2 * t) / 255;
  return (x: number) => (Math.min(255, Math.max(0, Math.round(x / scale) + 128)) - 128) * scale;
};
const u8Asymmetric = (lo: number, hi: number) => {
  const scale = (hi - lo) / 255;
  const zp = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  return (x: number) => (Math.min(255, Math.max(0, Math.round(x / scale) + zp)) - zp) * scale;
};

/** Brute force: the candidate T (from..to by step, then by step/10 around the best) with the smallest raw-sample error. */
function bruteForce(values: Float32Array, from: number, to: number, step: number, quant: (t: number) => (x: number) => number) {
  let best = { t: NaN, mse: Infinity };
  const scan = (a: number, b: number, d: number) => {
    for (let t = a; t <= b + 1e-9; t += d) {
      const mse = rawMse(values, quant(t));
      if (mse < best.mse) best = { t, mse };
    }
  };
  scan(from, to, step);
  scan(best.t - step, best.t + step, step / 10);
  return best;
}

const random = rng(2024);
const gauss = gaussian(random, 1_000_000);
const gaussStats = statsOf('gauss', gauss);
const gaussSmall = gaussian(rng(7), 200_000);
const gaussSmallStats = statsOf('gaussSmall', gaussSmall);
let sortedAbs: Float64Array | undefined;
/** |x| of `gauss`, ascending (computed once). */
function gaussSortedAbs(): Float64Array {
  sortedAbs ??= Float64Array.from(gauss, Math.abs).sort();
  return sortedAbs;
}

describe('minmax and moving-average', () => {
  it('uniform[0,1) minmax is [0, max]', () => {
    const values = uniform(rng(1), 200_000, 0, 1);
    const r = computeRange(statsOf('u', values), { method: 'minmax' });
    expect(r.min).toBe(0);
    expect(r.max).toBe(values.reduce((m, x) => Math.max(m, x), -Infinity));
    expect(r.max).toBeGreaterThan(0.9999);
    expect(r.max).toBeLessThan(1);
    expect(r.clippedFraction).toBe(0);
  });

  it('always includes 0', () => {
    expect(computeRange(statsOf('p', [1, 2, 3]), { method: 'minmax' })).toMatchObject({ min: 0, max: 3 });
    expect(computeRange(statsOf('n', [-1, -2, -3]), { method: 'minmax' })).toMatchObject({ min: -3, max: 0 });
  });

  it('moving-average uses the moving min/max (hand calculation)', () => {
    const t = createTensorStats('m');
    const c = 0.25;
    updateTensorStats(t, [-2, 4], { averagingConstant: c });
    updateTensorStats(t, [-6, 8], { averagingConstant: c });
    updateTensorStats(t, [-2, 0.5], { averagingConstant: c });
    // min: -2 -> -2 + 0.25·(-4) = -3 -> -3 + 0.25·1 = -2.75 ; max: 4 -> 5 -> 5 + 0.25·(-4.5) = 3.875
    const r = computeRange(t, { method: 'moving-average' });
    expect(r).toMatchObject({ method: 'moving-average', min: -2.75, max: 3.875 });
    expect(computeRange(t, { method: 'minmax' })).toMatchObject({ min: -6, max: 8 });
    // 3 of the 6 values (-6, 4 and 8) lie outside.
    expect(r.clippedFraction).toBeCloseTo(3 / 6, 9);
  });
});

describe('percentile', () => {
  it('symmetric 99.99 on N(0,1) is about 3.89 and matches the sample quantile of |x|', () => {
    const r = computeRange(gaussStats, { method: 'percentile', percentile: 99.99 });
    const abs = gaussSortedAbs();
    const sample = abs[Math.ceil(0.9999 * abs.length) - 1];
    const w = binWidth(gaussStats.histogram!);
    expect(Math.abs(r.threshold! - sample)).toBeLessThan(2 * w);
    // The population value is 3.8906; 1e6 samples put about 100 values beyond it (±10%).
    expect(Math.abs(r.threshold! - 3.8906)).toBeLessThan(0.06);
    expect(r.min).toBeCloseTo(-r.threshold!, 12);
    expect(r.max).toBeCloseTo(r.threshold!, 12);
    expect(r.clippedFraction).toBeCloseTo(1e-4, 5);
  });

  it('defaults to 99.999 symmetric', () => {
    const r = computeRange(gaussStats, { method: 'percentile' });
    const abs = gaussSortedAbs();
    expect(Math.abs(r.threshold! - abs[Math.ceil(0.99999 * abs.length) - 1])).toBeLessThan(2 * binWidth(gaussStats.histogram!));
  });

  it('per-side on uniform[-1,3) clips each tail separately', () => {
    const stats = statsOf('u', uniform(rng(3), 500_000, -1, 3));
    const r = computeRange(stats, { method: 'percentile', percentile: 99, mode: 'per-side' });
    expect(r.min).toBeCloseTo(-0.96, 2);
    expect(r.max).toBeCloseTo(2.96, 2);
    expect(r.clippedFraction).toBeCloseTo(0.02, 3);
    // Symmetric on the same data: T = 99th percentile of |x| (|x| is uniform on [0,1) with density 1/2,
    // [1,3) with density 1/4), i.e. 1 - F(T) = (3 - T)/4 = 0.01 -> T = 2.96; the negative side is the
    // observed min (about -1), not -2.96.
    const s = computeRange(stats, { method: 'percentile', percentile: 99 });
    expect(s.threshold).toBeCloseTo(2.96, 2);
    expect(s.min).toBe(stats.min);
    expect(s.max).toBeCloseTo(2.96, 2);
  });

  it('per-side on uniform[0,1) extends the low side to 0', () => {
    const r = computeRange(statsOf('u', uniform(rng(4), 100_000, 0, 1)), { method: 'percentile', percentile: 99.9, mode: 'per-side' });
    expect(r.min).toBe(0);
    expect(r.max).toBeCloseTo(0.999, 2);
  });

  it('rejects a percentile outside [50, 100] and an unknown mode', () => {
    for (const percentile of [120, 10, NaN]) {
      try {
        computeRange(gaussStats, { method: 'percentile', percentile });
        expect.unreachable();
      } catch (e) {
        expect(isZeropointError(e) && e.code).toBe('bad-option');
        expect((e as Error).message).toContain(`"${percentile}"`);
      }
    }
    expect(() => computeRange(gaussStats, { method: 'percentile', mode: 'both' as 'symmetric' })).toThrow(/"both"/);
  });
});

describe('entropy', () => {
  it('puts the N(0,1) threshold between 3 and 5.5', () => {
    const r = computeRange(gaussStats, { method: 'entropy' });
    expect(r.threshold).toBeGreaterThan(3);
    expect(r.threshold).toBeLessThan(5.5);
    expect(r.max).toBe(r.threshold);
    expect(r.divergence).toBeGreaterThanOrEqual(0);
  });

  it('gives nearly the max on a uniform distribution', () => {
    const stats = statsOf('u', uniform(rng(5), 200_000, -1, 1));
    const r = computeRange(stats, { method: 'entropy' });
    expect(r.threshold).toBeGreaterThan(0.97 * Math.max(-stats.min, stats.max));
    const p = computeRange(statsOf('p', uniform(rng(6), 200_000, 0, 1)), { method: 'entropy' });
    expect(p.min).toBe(0);
    expect(p.max).toBeGreaterThan(0.97);
  });

  it('clips far outliers: N(0,1) + 10 values at 20, 30 or 50', () => {
    for (const at of [20, 30, 50]) {
      const stats = mergeTensorStats(gaussStats, statsOf('gauss', new Float32Array(10).fill(at)));
      expect(computeRange(stats, { method: 'minmax' }).max).toBe(at);
      const r = computeRange(stats, { method: 'entropy' });
      // The KL search is noisy in the tail (it favours a last group that just reaches the tail), so
      // the threshold wanders between about 4.3 and 6.3 with the seed; it is never near the outliers.
      expect(r.threshold).toBeGreaterThan(3);
      expect(r.threshold).toBeLessThan(7);
      expect(r.clippedFraction).toBeGreaterThanOrEqual(10 / 1_000_010);
    }
  });

  it('with outliers at 100 stops at its smallest candidate, max·M/N, unless N is larger', () => {
    const stats = mergeTensorStats(gaussStats, statsOf('gauss', new Float32Array(10).fill(100)));
    // Candidates are i·max/N for i >= M: with N = 2048, M = 128 the smallest is 100·128/2048 = 6.25.
    expect(computeRange(stats, { method: 'entropy' }).threshold).toBe(6.25);
    const fine = computeRange(stats, { method: 'entropy', targetBins: 8192 });
    expect(fine.threshold).toBeGreaterThan(2.5);
    expect(fine.threshold).toBeLessThan(6);
  });

  it('with N = M (ONNX Runtime 128/128) is minmax', () => {
    const t = entropyThreshold(gaussStats.histogram!, { targetBins: 128, quantizedBins: 128 });
    expect(t.threshold).toBe(Math.max(-gaussStats.min, gaussStats.max));
  });

  it('returns [0, T] for post-ReLU data and ignores the exact zeros', () => {
    const relu = gauss.map((x) => Math.max(0, x));
    const r = computeRange(statsOf('relu', relu), { method: 'entropy' });
    expect(r.min).toBe(0);
    expect(r.max).toBeGreaterThan(3);
    expect(r.max).toBeLessThan(5.5);
    // The zeros do not move the threshold: the positive half alone gives the same.
    const positive = relu.filter((x) => x > 0);
    expect(computeRange(statsOf('pos', positive), { method: 'entropy' }).threshold).toBeCloseTo(r.threshold!, 1);
  });

  it('rejects bad bin counts', () => {
    expect(() => computeRange(gaussStats, { method: 'entropy', quantizedBins: 1 })).toThrow(/"1"/);
    expect(() => computeRange(gaussStats, { method: 'entropy', targetBins: 64 })).toThrow(/"64"/);
  });
});

describe('mse', () => {
  it('the closed-form expected error matches the raw-sample error', () => {
    const h = gaussSmallStats.histogram!;
    const cases: [{ min: number; max: number }, ReturnType<typeof quantGrid>, (x: number) => number][] = [
      [{ min: -4, max: 4 }, quantGrid({ type: 's8', symmetric: true }), s8Symmetric(4)],
      [{ min: -2, max: 2 }, quantGrid({ type: 's8', symmetric: true }), s8Symmetric(2)],
      [{ min: -3, max: 3 }, quantGrid({ type: 'u8', symmetric: true }), u8Symmetric(3)],
      [{ min: -1.5, max: 2.5 }, quantGrid({ type: 'u8' }), u8Asymmetric(-1.5, 2.5)],
      [{ min: -6, max: 5 }, quantGrid({ type: 'u8' }), u8Asymmetric(-6, 5)],
    ];
    for (const [range, grid, quant] of cases) {
      const raw = rawMse(gaussSmall, quant);
      expect(Math.abs(expectedSquaredError(h, range, grid) / raw - 1)).toBeLessThan(0.02);
    }
  });

  it('integrates the in-range rounding error per bin (not scale²/12)', () => {
    // Integers -100..100 on the s8 grid of scale 1 (range ±127) are exactly representable. The histogram
    // only knows each value lies in its bin [k, k + 1/8], so the estimate is (1/8)²/3 ≈ 0.005, far
    // below the scale²/12 ≈ 0.083 a global approximation would give.
    const ints = Float32Array.from({ length: 20_100 }, (_, i) => (i % 201) - 100);
    const stats = statsOf('ints', ints);
    const e = expectedSquaredError(stats.histogram!, { min: -127, max: 127 }, quantGrid({ type: 's8', symmetric: true }));
    expect(e).toBeLessThan(0.01);
    expect(rawMse(ints, s8Symmetric(127))).toBe(0);
    // Half a step off the grid: each value is 0.5 from the grid; its bin [k + 1/2, k + 5/8] averages 0.19.
    const halves = ints.map((x) => x + 0.5).filter((x) => x < 100);
    const h = statsOf('halves', halves).histogram!;
    expect(expectedSquaredError(h, { min: -127, max: 127 }, quantGrid({ type: 's8', symmetric: true }))).toBeGreaterThan(0.15);
  });

  it('s8 symmetric on N(0,1): agrees with a brute-force optimum over the raw samples (about 3.9σ)', () => {
    const r = computeRange(gaussSmallStats, { method: 'mse', type: 's8', symmetric: true });
    const brute = bruteForce(gaussSmall, 3, 5, 0.1, s8Symmetric);
    expect(Math.abs(r.threshold! / brute.t - 1)).toBeLessThan(0.04);
    expect(rawMse(gaussSmall, s8Symmetric(r.threshold!))).toBeLessThan(brute.mse * 1.01);
    expect(r.threshold).toBeGreaterThan(3.6);
    expect(r.threshold).toBeLessThan(4.3);
    expect(r.meanSquaredError).toBeCloseTo(expectedSquaredError(gaussSmallStats.histogram!, r, r.grid!), 12);
  });

  it('u8 symmetric on N(0,1): agrees with a brute-force optimum over the raw samples', () => {
    const r = computeRange(gaussSmallStats, { method: 'mse', type: 'u8', symmetric: true });
    const brute = bruteForce(gaussSmall, 3, 5, 0.1, u8Symmetric);
    expect(Math.abs(r.threshold! / brute.t - 1)).toBeLessThan(0.04);
    expect(rawMse(gaussSmall, u8Symmetric(r.threshold!))).toBeLessThan(brute.mse * 1.01);
  });

  it('u8 asymmetric on N(0,1): a nearly symmetric range no worse than the symmetric optimum', () => {
    const r = computeRange(gaussSmallStats, { method: 'mse' });
    expect(r.grid).toMatchObject({ type: 'u8', symmetric: false, qmin: 0, qmax: 255 });
    // The error is flat near the optimum and the sample tails are not symmetric: nearly, not exactly.
    expect(r.max / -r.min).toBeGreaterThan(0.85);
    expect(r.max / -r.min).toBeLessThan(1.15);
    const sym = computeRange(gaussSmallStats, { method: 'mse', type: 'u8', symmetric: true }).threshold!;
    expect(rawMse(gaussSmall, u8Asymmetric(r.min, r.max))).toBeLessThan(rawMse(gaussSmall, u8Asymmetric(-sym, sym)) * 1.005);
    expect(rawMse(gaussSmall, u8Asymmetric(r.min, r.max))).toBeLessThan(rawMse(gaussSmall, u8Asymmetric(gaussSmallStats.min, gaussSmallStats.max)));
  });

  it('weighs outliers by their mass: 1 outlier at 100 is mostly clipped, 10 mostly kept', () => {
    // Keeping an outlier at 100 costs rounding noise N·(T/127)²/12 on the N Gaussian values; clipping
    // costs (100 - T)² per outlier. The optimum is T = 100·k / (k + N/(12·127²)) for k outliers.
    const n = gauss.length;
    const expected = (k: number) => (100 * k) / (k + n / (12 * 127 * 127));
    const one = computeRange(mergeTensorStats(gaussStats, statsOf('gauss', [100])), { method: 'mse', type: 's8', symmetric: true });
    expect(one.threshold! / expected(1)).toBeCloseTo(1, 1);
    expect(one.threshold).toBeLessThan(20);
    const ten = computeRange(mergeTensorStats(gaussStats, statsOf('gauss', new Float32Array(10).fill(100))), {
      method: 'mse',
      type: 's8',
      symmetric: true,
    });
    expect(ten.threshold! / expected(10)).toBeCloseTo(1, 1);
    expect(ten.threshold).toBeGreaterThan(50);
  });

  it('post-ReLU data gets [0, T] and a zero-aware error', () => {
    const relu = gaussSmall.map((x) => Math.max(0, x));
    const stats = statsOf('relu', relu);
    const r = computeRange(stats, { method: 'mse' });
    expect(r.min).toBe(0);
    // Brute force over T for the u8 asymmetric grid [0, T] on the raw samples.
    const brute = bruteForce(relu, 3, 5, 0.1, (t) => u8Asymmetric(0, t));
    expect(Math.abs(r.max / brute.t - 1)).toBeLessThan(0.04);
    const s = computeRange(stats, { method: 'mse', type: 's8', symmetric: true });
    expect(s.min).toBe(0);
    expect(s.max).toBe(s.threshold);
  });

  it('quantizerFor keeps 0 on the grid', () => {
    const q = quantizerFor(quantGrid({ type: 'u8' }), { min: -1.3, max: 2.9 });
    expect(Number.isInteger(q.zeroPoint)).toBe(true);
    expect(q.lowest).toBeCloseTo(-q.zeroPoint * q.scale, 12);
    expect(quantizerFor(quantGrid({ type: 's8', symmetric: true }), { min: -1, max: 2 })).toMatchObject({ zeroPoint: 0, scale: 2 / 127 });
    expect(quantizerFor(quantGrid({ type: 'u8', symmetric: true }), { min: -1, max: 2 }).zeroPoint).toBe(128);
    expect(() => quantGrid({ type: 'u4' as 'u8' })).toThrow(/"u4"/);
  });
});

describe('computeRange / computeAllRanges', () => {
  it('every method returns a range containing 0, also on strictly positive and negative data', () => {
    const datasets = [gaussSmall, uniform(rng(8), 50_000, 1, 2), uniform(rng(9), 50_000, -3, -1)];
    for (const values of datasets) {
      const all = computeAllRanges(statsOf('t', values));
      expect(Object.keys(all)).toEqual([...RANGE_METHODS]);
      for (const method of RANGE_METHODS) {
        expect(all[method]!.method).toBe(method);
        expect(all[method]!.min).toBeLessThanOrEqual(0);
        expect(all[method]!.max).toBeGreaterThanOrEqual(0);
        expect(all[method]!.min).toBeLessThan(all[method]!.max);
      }
    }
  });

  it('computeAllRanges equals computeRange per method and passes options through', () => {
    const options = { percentile: { percentile: 99.9 }, entropy: { quantizedBins: 64 }, mse: { type: 's8', symmetric: true } } as const;
    const all = computeAllRanges(gaussSmallStats, options);
    const each: RangeOptions[] = [
      { method: 'minmax' },
      { method: 'moving-average' },
      { method: 'percentile', ...options.percentile },
      { method: 'entropy', ...options.entropy },
      { method: 'mse', ...options.mse },
    ];
    for (const o of each) expect(all[o.method]).toEqual(computeRange(gaussSmallStats, o));
  });

  it('clippedFraction of N(0,1) outside [-1, 1] is about 0.3173', () => {
    expect(clippedFraction(gaussStats.histogram!, { min: -1, max: 1 })).toBeCloseTo(0.3173, 2);
    expect(clippedFraction(gaussStats.histogram!, { min: -10, max: 10 })).toBe(0);
  });

  it('a tensor with no finite values is a no-statistics error naming it', () => {
    const empty = statsOf('conv_7', [NaN]);
    try {
      computeRange(empty, { method: 'minmax' });
      expect.unreachable();
    } catch (e) {
      expect(isZeropointError(e) && e.code).toBe('no-statistics');
      expect((e as Error).message).toContain('"conv_7"');
    }
    expect(() => computeAllRanges(empty)).toThrow(/"conv_7"/);
  });

  it('an unknown method is a bad-option error quoting it', () => {
    expect(() => computeRange(gaussStats, { method: 'kl' } as unknown as RangeOptions)).toThrow(/"kl"/);
  });

  it('all-zero data gives [0, 0] for every method', () => {
    const all = computeAllRanges(statsOf('z', new Float32Array(100)));
    for (const method of RANGE_METHODS) expect([all[method]!.min, all[method]!.max]).toEqual([0, 0]);
  });
});
