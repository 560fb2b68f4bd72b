import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../errors';
import {
  absHistogram,
  addValues,
  addValuesTwoPass,
  binCenter,
  binEdges,
  binIndexOf,
  binLowEdge,
  binWidth,
  cdfQuantile,
  createHistogram,
  fractionOutside,
  histogramMoments,
  mergeHistograms,
  type Histogram,
} from './histogram';
import { seededRandom } from '../onnx/build';

const rng = seededRandom;

function gaussian(random: () => number, n: number, sigma = 1, mean = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = mean + sigma * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = mean + sigma * r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

function uniform(random: () => number, n: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * random();
  return out;
}

function sumCounts(h: Histogram): number {
  let s = 0;
  for (const c of h.counts) s += c;
  return s;
}

/** Counts obtained by binning every raw value directly at h's exponent and offset. */
function expectedCounts(h: Histogram, values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(h.counts.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) continue;
    const j = binIndexOf(x, h.exponent) - h.offset;
    if (!(j >= 0 && j < h.counts.length)) throw new Error(`value ${x} falls outside the bins (slot ${j})`);
    out[j]++;
  }
  return out;
}

/** The fields that must match exactly between two histograms of the same data. */
function exactPart(h: Histogram) {
  return {
    counts: Array.from(h.counts),
    exponent: h.exponent,
    offset: h.offset,
    count: h.count,
    zeroCount: h.zeroCount,
    nanCount: h.nanCount,
    infCount: h.infCount,
    min: h.min,
    max: h.max,
    minAbs: h.minAbs,
  };
}

function concat(chunks: Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

describe('histogram', () => {
  it('counts sum to count, NaN and infinities are skipped and counted', () => {
    const h = createHistogram();
    const values = gaussian(rng(1), 10_000);
    values[5] = NaN;
    values[6] = Infinity;
    values[7] = -Infinity;
    values[8] = NaN;
    const summary = addValues(h, values);
    expect(summary).toMatchObject({ count: 9_996, nanCount: 2, infCount: 2 });
    expect(h.count).toBe(9_996);
    expect(h.nanCount).toBe(2);
    expect(h.infCount).toBe(2);
    expect(sumCounts(h)).toBe(9_996);
    expect(h.counts.length).toBe(2048);
    let min = Infinity;
    let max = -Infinity;
    for (const x of values) if (Number.isFinite(x)) ((min = Math.min(min, x)), (max = Math.max(max, x)));
    expect(h.min).toBe(min);
    expect(h.max).toBe(max);
    expect(summary.min).toBe(min);
    expect(summary.max).toBe(max);
    // Width is a power of two and the data uses more than half of the bins (canonical exponent).
    const used = binIndexOf(max, h.exponent) - binIndexOf(min, h.exponent) + 1;
    expect(used).toBeLessThanOrEqual(2048);
    expect(used).toBeGreaterThan(1024);
    expect(Math.log2(binWidth(h))).toBe(h.exponent);
  });

  it('a batch of only NaN leaves the histogram empty', () => {
    const h = createHistogram({ bins: 16 });
    expect(addValues(h, [NaN, NaN])).toMatchObject({ count: 0, nanCount: 2, min: Infinity, max: -Infinity });
    expect(h.count).toBe(0);
    expect(h.nanCount).toBe(2);
    expect(sumCounts(h)).toBe(0);
    expect(Number.isNaN(cdfQuantile(h, 0.5))).toBe(true);
  });

  it('growing the range keeps every value in the right bin', () => {
    const random = rng(2);
    const h = createHistogram({ bins: 256 });
    const seen: Float32Array[] = [];
    // Start tiny and positive, then grow upward and downward, crossing 0, by many powers of two.
    for (let k = 0; k < 30; k++) {
      const lo = k < 5 ? 3 : -(2 ** (k - 10));
      const hi = 3.5 + 2 ** (k - 8);
      const batch = uniform(random, 500, lo, hi);
      seen.push(batch);
      addValues(h, batch);
      // Checked after every batch, not only at the end.
      expect(Array.from(h.counts)).toEqual(Array.from(expectedCounts(h, concat(seen))));
    }
    const all = concat(seen);
    expect(h.count).toBe(all.length);
    let outside = 0;
    for (const x of all) {
      const lo = binLowEdge(h, binIndexOf(x, h.exponent) - h.offset);
      if (!(x >= lo && x <= lo + binWidth(h))) outside++;
    }
    expect(outside).toBe(0);
  });

  it('puts values exactly on edges on the side facing away from 0 for negatives', () => {
    const h = createHistogram({ bins: 16 });
    addValues(h, [-4, -3, -1, 0, 1, 3, 3.5]);
    // Indices -5..3 need 9 bins at width 1; width 1/2 would need 17.
    expect(h.exponent).toBe(0);
    // bins (absolute): -5:(-5,-4] -4:(-4,-3] -3:(-3,-2] -2:(-2,-1] -1:(-1,0)  0:[0,1) ... 3:[3,4)
    expect(h.offset).toBe(-5);
    expect(Array.from(h.counts.subarray(0, 9))).toEqual([1, 1, 0, 1, 0, 1, 1, 0, 2]);
    expect(h.counts[binIndexOf(-1, 0) - h.offset]).toBe(1);
    expect(binIndexOf(-1, 0)).toBe(-2);
    expect(binIndexOf(-0.5, 0)).toBe(-1);
    expect(binIndexOf(3.5, 0)).toBe(3);
  });

  it('merging chunks equals one histogram over all data, exactly and in any order', () => {
    const random = rng(3);
    const chunks = [
      gaussian(random, 3000, 0.01),
      uniform(random, 2000, 5, 6),
      gaussian(random, 4000, 3, -2),
      new Float32Array([0, -0, 0, 1e-30, -7.25]),
      uniform(random, 1000, -40, -39),
      gaussian(random, 500, 1e-3, 1),
    ];
    const all = concat(chunks);
    const whole = createHistogram();
    addValues(whole, all);

    const parts = chunks.map((c) => {
      const h = createHistogram();
      addValues(h, c);
      return h;
    });
    const leftFold = parts.reduce((acc, h) => mergeHistograms(acc, h), createHistogram());
    const rightFold = [...parts].reverse().reduce((acc, h) => mergeHistograms(h, acc), createHistogram());
    const tree = mergeHistograms(mergeHistograms(parts[5], parts[0]), mergeHistograms(mergeHistograms(parts[2], parts[4]), mergeHistograms(parts[3], parts[1])));
    // Streaming the chunks into one histogram (the range grows batch by batch) gives the same.
    const streamed = createHistogram();
    for (const c of chunks) addValues(streamed, c);

    for (const h of [leftFold, rightFold, tree, streamed]) {
      expect(exactPart(h)).toEqual(exactPart(whole));
      expect(h.sum).toBeCloseTo(whole.sum, 6);
      expect(h.sumSq).toBeCloseTo(whole.sumSq, 4);
    }
    expect(whole.zeroCount).toBe(3);
    expect(Object.is(whole.min, -40) || whole.min > -40).toBe(true);
  });

  it('merge is pure and rejects a different number of bins', () => {
    const a = createHistogram({ bins: 64 });
    addValues(a, [1, 2, 3]);
    const b = createHistogram({ bins: 64 });
    addValues(b, [-100, 50]);
    const before = exactPart(a);
    const m = mergeHistograms(a, b);
    expect(exactPart(a)).toEqual(before);
    expect(m.count).toBe(5);
    expect(m.min).toBe(-100);
    try {
      mergeHistograms(a, createHistogram({ bins: 32 }));
      expect.unreachable();
    } catch (e) {
      expect(isZeropointError(e) && e.code).toBe('bad-option');
      expect((e as Error).message).toContain('"64"');
    }
  });

  it('memory stays fixed after 1000 batches', () => {
    const random = rng(4);
    const h = createHistogram();
    const first = h.counts.length;
    for (let k = 0; k < 1000; k++) addValues(h, gaussian(random, 64, 1 + k / 100));
    expect(h.counts.length).toBe(first);
    expect(h.counts.byteLength).toBe(2048 * 8);
    expect(h.count).toBe(64_000);
    expect(sumCounts(h)).toBe(64_000);
  });

  it('folds exactly into a histogram of |x|, edge values included', () => {
    const random = rng(5);
    const values = concat([gaussian(random, 5000, 2), new Float32Array([-1, -0.5, -2, 2, 0, -0, -8, 8, 0.25, -0.25])]);
    const h = createHistogram({ bins: 512 });
    addValues(h, values);
    const a = absHistogram(h);
    expect(a.exponent).toBe(h.exponent);
    const abs = Array.from(values, Math.abs);
    expect(Array.from(a.counts)).toEqual(Array.from(expectedCounts(a, abs)));
    expect(a.count).toBe(h.count);
    expect(a.zeroCount).toBe(2);
    expect(a.min).toBe(0);
    expect(a.max).toBe(Math.max(...abs));
    expect(a.sum).toBeCloseTo(abs.reduce((s, x) => s + x, 0), 6);
    // Negative-only data: min|x| is exact too.
    const neg = createHistogram({ bins: 64 });
    addValues(neg, [-3, -5, -4.5]);
    const na = absHistogram(neg);
    expect([na.min, na.max]).toEqual([3, 5]);
    expect(Array.from(na.counts)).toEqual(Array.from(expectedCounts(na, [3, 5, 4.5])));
  });

  it('handles constant data, zeros and -0 canonically', () => {
    const z = createHistogram({ bins: 16 });
    addValues(z, [-0, -0]);
    const p = createHistogram({ bins: 16 });
    addValues(p, [0, 0]);
    expect(exactPart(z)).toEqual(exactPart(p));
    expect(Object.is(z.min, 0)).toBe(true);
    expect(z.zeroCount).toBe(2);

    const c = createHistogram({ bins: 16 });
    addValues(c, new Float32Array(100).fill(5));
    expect([c.min, c.max, c.count]).toEqual([5, 5, 100]);
    expect(cdfQuantile(c, 0.5)).toBe(5);
    // A constant batch followed by a wide one: still exact.
    addValues(c, [-1000, 1000]);
    const direct = createHistogram({ bins: 16 });
    addValues(direct, [...new Array<number>(100).fill(5), -1000, 1000]);
    expect(exactPart(c)).toEqual(exactPart(direct));
  });

  it('cdfQuantile interpolates within bins and returns exact extremes', () => {
    const values = uniform(rng(6), 200_000, -1, 3);
    const h = createHistogram();
    addValues(h, values);
    expect(cdfQuantile(h, 0)).toBe(h.min);
    expect(cdfQuantile(h, 1)).toBe(h.max);
    const sorted = Float64Array.from(values).sort();
    for (const q of [0.001, 0.01, 0.25, 0.5, 0.9, 0.999]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1];
      expect(Math.abs(cdfQuantile(h, q) - exact)).toBeLessThan(binWidth(h));
    }
    expect(() => cdfQuantile(h, 1.5)).toThrow(/"1.5"/);
  });

  it('treats exact zeros as a point mass (post-ReLU data)', () => {
    const random = rng(7);
    const g = gaussian(random, 100_000);
    const relu = g.map((x) => Math.max(0, x));
    const h = createHistogram();
    addValues(h, relu);
    expect(h.zeroCount).toBeGreaterThan(49_000);
    // Below the zero fraction, the quantile is exactly 0.
    expect(cdfQuantile(h, 0.45)).toBe(0);
    expect(cdfQuantile(h, 0.75)).toBeCloseTo(0.674, 1);
    expect(fractionOutside(h, { min: 0, max: 1 })).toBeCloseTo(0.1587, 2);
  });

  it('fractionOutside matches the raw fraction', () => {
    const values = gaussian(rng(8), 200_000);
    const h = createHistogram();
    addValues(h, values);
    let raw = 0;
    for (const x of values) if (x < -1 || x > 1.5) raw++;
    expect(fractionOutside(h, { min: -1, max: 1.5 })).toBeCloseTo(raw / values.length, 3);
    expect(fractionOutside(h, { min: h.min, max: h.max })).toBe(0);
  });

  it('bin helpers agree with each other', () => {
    const h = createHistogram({ bins: 32 });
    addValues(h, [-3, 7.5]);
    const edges = binEdges(h);
    expect(edges.length).toBe(33);
    expect(edges[0]).toBe(binLowEdge(h, 0));
    expect(edges[5] - edges[4]).toBe(binWidth(h));
    expect(binCenter(h, 4)).toBe((edges[4] + edges[5]) / 2);
    expect(edges).toContain(0);
  });

  it('survives structuredClone and keeps working', () => {
    const h = createHistogram({ bins: 128 });
    addValues(h, gaussian(rng(9), 1000));
    const copy = structuredClone(h);
    expect(copy.counts).toBeInstanceOf(Float64Array);
    expect(exactPart(copy)).toEqual(exactPart(h));
    addValues(copy, [100]);
    expect(copy.max).toBe(100);
    expect(h.max).toBeLessThan(100);
  });

  it('moments', () => {
    const h = createHistogram();
    addValues(h, gaussian(rng(10), 100_000, 2, 1));
    const { mean, std } = histogramMoments(h);
    expect(mean).toBeCloseTo(1, 1);
    expect(std).toBeCloseTo(2, 1);
  });

  it('rejects bad bins with a quoted value', () => {
    for (const bins of [0, 1, 2.5, 1 << 21]) {
      try {
        createHistogram({ bins });
        expect.unreachable();
      } catch (e) {
        expect(isZeropointError(e) && e.code).toBe('bad-option');
        expect((e as Error).message).toContain(`"${bins}"`);
      }
    }
  });

  it('one pass over float32 batches gives the two-pass histogram, count for count', () => {
    // Batches that grow the range (set-aside values re-binned after the widening), long ones (two
    // count lanes), short ones, edges, zeros, -0, NaN and infinities, with few bins and many.
    const random = rng(17);
    for (let trial = 0; trial < 400; trial++) {
      const bins = [2048, 16, 7, 2][trial % 4];
      const a = createHistogram({ bins });
      const b = createHistogram({ bins });
      for (let k = 0; k < 1 + (trial % 5); k++) {
        const n = trial % 7 === 0 ? 40_000 : Math.floor(random() * 300);
        const scale = 10 ** (random() * 8 - 4) * (k + 1);
        const shift = random() < 0.3 ? scale * 3 * (random() - 0.5) : 0;
        const edge = 2 ** Math.floor(random() * 10 - 5);
        const v = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const r = random();
          v[i] = r < 0.02 ? NaN : r < 0.03 ? (random() < 0.5 ? Infinity : -Infinity) : r < 0.1 ? 0 : r < 0.12 ? -0 : r < 0.25 ? Math.round((random() - 0.5) * 20) * edge : (random() - 0.5) * scale + shift;
        }
        expect(addValues(a, v)).toEqual(addValuesTwoPass(b, v));
      }
      expect({ ...a, counts: [...a.counts], sum: 0, sumAbs: 0, sumSq: 0 }).toEqual({ ...b, counts: [...b.counts], sum: 0, sumAbs: 0, sumSq: 0 });
      expect(Object.is(a.min, b.min) && Object.is(a.max, b.max)).toBe(true);
      for (const key of ['sum', 'sumAbs', 'sumSq'] as const) expect(Math.abs(a[key] - b[key])).toBeLessThanOrEqual(1e-9 * Math.max(1, b.sumSq, b.sumAbs));
    }
  });
});
