import { describe, expect, it } from 'vitest';
import {
  addClassification,
  addPair,
  createAgreementStats,
  createErrorStats,
  mergeAgreementStats,
  mergeErrorStats,
  summarize,
  summarizeAgreement,
  topK,
} from './error';
import { codeOf } from '../../../test/error-code';

const F = (...v: number[]) => new Float32Array(v);


describe('error statistics', () => {
  it('computes SQNR, cosine, MSE, max and mean abs error', () => {
    // ref [1,2,3,4], test [1,2,3,5]: Σref² = 30, Σtest² = 39, Σref·test = 34, Σerr² = 1, Σ|err| = 1
    const s = createErrorStats();
    addPair(s, F(1, 2, 3, 4), F(1, 2, 3, 5));
    const r = summarize(s);
    expect(r.count).toBe(4);
    expect(r.samples).toBe(1);
    expect(r.sqnrDb).toBeCloseTo(14.771212547196624, 12); // 10·log10(30 / 1)
    expect(r.cosine).toBeCloseTo(0.9939990885479664, 14); // 34 / sqrt(30 · 39)
    expect(r.meanSampleCosine).toBe(r.cosine);
    expect(r.mse).toBe(0.25);
    expect(r.meanAbs).toBe(0.25);
    expect(r.maxAbs).toBe(1);
    expect(r.nonFinite).toBe(0);
  });

  it('is Infinity dB and cosine exactly 1 for identical tensors', () => {
    const s = createErrorStats();
    const x = F(0.1, -0.7, 3.3, 1e-3, 123.456);
    addPair(s, x, x.slice());
    const r = summarize(s);
    expect(r.sqnrDb).toBe(Infinity);
    expect(r.cosine).toBe(1);
    expect(r.mse).toBe(0);
    expect(r.maxAbs).toBe(0);
  });

  it('handles all-zero tensors', () => {
    const both = createErrorStats();
    addPair(both, F(0, 0), F(0, 0));
    expect(summarize(both)).toMatchObject({ sqnrDb: Infinity, cosine: 1, mse: 0 });
    const refZero = createErrorStats();
    addPair(refZero, F(0, 0), F(1, 0));
    expect(summarize(refZero)).toMatchObject({ sqnrDb: -Infinity, cosine: 0, mse: 0.5, maxAbs: 1 });
    const opposite = createErrorStats();
    addPair(opposite, F(1, 2), F(-1, -2));
    expect(summarize(opposite).cosine).toBe(-1);
  });

  it('reports NaN while empty', () => {
    const r = summarize(createErrorStats());
    expect(r.count).toBe(0);
    for (const k of ['sqnrDb', 'cosine', 'meanSampleCosine', 'mse', 'maxAbs', 'meanAbs'] as const) expect(r[k]).toBeNaN();
  });

  it('skips and counts non-finite pairs', () => {
    const s = createErrorStats();
    addPair(s, F(1, NaN, 2, 3), F(1, 5, Infinity, 3));
    const r = summarize(s);
    expect(r.count).toBe(2);
    expect(r.nonFinite).toBe(2);
    expect(r.sqnrDb).toBe(Infinity);
  });

  it('keeps global and mean-per-sample cosine apart', () => {
    const s = createErrorStats();
    addPair(s, F(1, 2), F(1, 2)); // cosine 1
    addPair(s, F(3, 4), F(3, 5)); // 29 / (5 · sqrt(34)) = 0.9946917938265513
    const r = summarize(s);
    expect(r.samples).toBe(2);
    expect(r.meanSampleCosine).toBeCloseTo(0.9973458969132756, 14);
    expect(r.cosine).toBeCloseTo(0.9939990885479664, 14); // same sums as one [1,2,3,4] vs [1,2,3,5] sample
  });

  it('merges shards to the same result as one stream', () => {
    const a = createErrorStats();
    const b = createErrorStats();
    const all = createErrorStats();
    addPair(a, F(1, 2), F(1, 2));
    addPair(b, F(3, 4), F(3, 5));
    addPair(all, F(1, 2), F(1, 2));
    addPair(all, F(3, 4), F(3, 5));
    const m = mergeErrorStats(a, b);
    expect(m).toEqual(all);
    expect(summarize(mergeErrorStats(createErrorStats(), m))).toEqual(summarize(all));
    expect(a.count).toBe(2); // inputs untouched
  });

  it('is plain data that survives structuredClone', () => {
    const s = createErrorStats({ histogramBins: 8 });
    addPair(s, F(1, 2, 3), F(1.5, 2, 2));
    const c = structuredClone(s);
    expect(c).toEqual(s);
    expect(summarize(c)).toEqual(summarize(s));
  });

  it('rejects tensors of different sizes', () => {
    expect(codeOf(() => addPair(createErrorStats(), F(1, 2), F(1)))).toBe('bad-option');
  });
});

describe('error histogram', () => {
  it('bins the differences ref - test', () => {
    const s = createErrorStats({ histogramBins: 16 });
    addPair(s, F(1, 2, 3, 4), F(1, 2, 3, 5));
    const h = s.histogram!;
    expect(h.count).toBe(4);
    expect(h.zeroCount).toBe(3);
    expect(h.min).toBe(-1);
    expect(h.max).toBe(0);
    expect(h.sum).toBe(-1);
  });

  it('streams tensors larger than its scratch chunk', () => {
    const n = 40000;
    const ref = new Float32Array(n);
    const test = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      ref[i] = i / 1000;
      test[i] = ref[i] - (i % 2 === 0 ? 0.25 : -0.5); // differences +0.25 / -0.5
    }
    const s = createErrorStats({ histogramBins: 64 });
    addPair(s, ref, test);
    const h = s.histogram!;
    expect(h.count).toBe(n);
    expect(h.min).toBeCloseTo(-0.5, 5);
    expect(h.max).toBeCloseTo(0.25, 5);
    expect(h.sum).toBeCloseTo((n / 2) * 0.25 - (n / 2) * 0.5, 1);
    expect(summarize(s).maxAbs).toBeCloseTo(0.5, 5);
  });

  it('counts non-finite differences in the histogram', () => {
    const s = createErrorStats({ histogramBins: 4 });
    addPair(s, F(1, NaN, Infinity), F(1, 0, 0));
    expect(s.histogram!.nanCount).toBe(1);
    expect(s.histogram!.infCount).toBe(1);
    expect(s.histogram!.count).toBe(1);
  });

  it('merges histograms, treating an untouched stats object without one as neutral', () => {
    const a = createErrorStats({ histogramBins: 8 });
    const b = createErrorStats({ histogramBins: 8 });
    addPair(a, F(1, 2), F(0, 2));
    addPair(b, F(5), F(7));
    const m = mergeErrorStats(a, b);
    expect(m.histogram!.count).toBe(3);
    expect(m.histogram!.min).toBe(-2);
    expect(m.histogram!.max).toBe(1);
    expect(mergeErrorStats(createErrorStats(), a).histogram).toEqual(a.histogram);
    const plain = createErrorStats();
    addPair(plain, F(1), F(1));
    expect(codeOf(() => mergeErrorStats(a, plain))).toBe('bad-option');
  });
});

describe('topK', () => {
  it('returns indices of the largest values, largest first, ties to the lower index', () => {
    const v = [0.1, 0.5, 0.5, NaN, 0.9, -1];
    expect(topK(v, 1)).toEqual([4]);
    expect(topK(v, 3)).toEqual([4, 1, 2]);
    expect(topK(v, 10)).toEqual([4, 1, 2, 0, 5, 3]); // NaN last
    expect(topK(v, 0)).toEqual([]);
    expect(topK(F(3, 1, 2), 2)).toEqual([0, 2]);
    expect(topK([-Infinity, -Infinity], 1)).toEqual([0]);
  });

  it('matches a full sort on random data', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const v = Array.from({ length: 1000 }, () => Math.floor(rand() * 50));
    const sorted = v.map((x, i) => i).sort((i, j) => v[j] - v[i] || i - j);
    expect(topK(v, 5)).toEqual(sorted.slice(0, 5));
    expect(topK(v, 37)).toEqual(sorted.slice(0, 37));
  });

  it('rejects invalid k', () => {
    expect(codeOf(() => topK([1], -1))).toBe('bad-option');
    expect(codeOf(() => topK([1], 1.5))).toBe('bad-option');
  });
});

describe('classification agreement', () => {
  it('counts top-1/top-5 agreement and accuracy of both models', () => {
    const s = createAgreementStats();
    // 1: both pick class 1, label 1
    addClassification(s, [0.1, 0.7, 0.2], [0.2, 0.6, 0.2], 1);
    // 2: ref top-1 is 5, test ranks 5 last (outside its top-5); label 0: only test is right
    addClassification(s, [0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], 0);
    // 3: test swaps the top two: top-1 disagrees, but ref's top-1 is in test's top-5; no label
    addClassification(s, [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 5, 4]);
    expect(s).toEqual({ count: 3, top1Agree: 1, top5Agree: 2, labeled: 2, refTop1Correct: 1, refTop5Correct: 1, testTop1Correct: 2, testTop5Correct: 2 });
    const r = summarizeAgreement(s);
    expect(r.top1Agreement).toBeCloseTo(1 / 3, 15);
    expect(r.top5Agreement).toBeCloseTo(2 / 3, 15);
    expect(r.labeled).toBe(2);
    expect(r.reference).toEqual({ top1: 0.5, top5: 0.5 });
    expect(r.test).toEqual({ top1: 1, top5: 1 });
  });

  it('gives NaN rates without samples or labels', () => {
    const empty = summarizeAgreement(createAgreementStats());
    expect(empty.top1Agreement).toBeNaN();
    const s = createAgreementStats();
    addClassification(s, F(1, 2), F(1, 2));
    const r = summarizeAgreement(s);
    expect(r.top1Agreement).toBe(1);
    expect(r.reference.top1).toBeNaN();
    expect(r.test.top5).toBeNaN();
  });

  it('merges and survives structuredClone', () => {
    const a = createAgreementStats();
    const b = createAgreementStats();
    addClassification(a, [1, 0], [1, 0], 0);
    addClassification(b, [1, 0], [0, 1], 1);
    const m = mergeAgreementStats(a, b);
    expect(m).toEqual({ count: 2, top1Agree: 1, top5Agree: 2, labeled: 2, refTop1Correct: 1, refTop5Correct: 2, testTop1Correct: 2, testTop5Correct: 2 });
    expect(structuredClone(m)).toEqual(m);
  });

  it('rejects bad labels and mismatched class counts', () => {
    expect(codeOf(() => addClassification(createAgreementStats(), [1, 2], [1, 2], 2))).toBe('bad-labels');
    expect(codeOf(() => addClassification(createAgreementStats(), [1, 2], [1, 2], -1))).toBe('bad-labels');
    expect(codeOf(() => addClassification(createAgreementStats(), [1, 2], [1, 2], 0.5))).toBe('bad-labels');
    expect(codeOf(() => addClassification(createAgreementStats(), [1, 2], [1, 2, 3]))).toBe('bad-option');
    expect(codeOf(() => addClassification(createAgreementStats(), [], []))).toBe('bad-option');
  });
});
