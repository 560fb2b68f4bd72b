/**
 * Sampled histograms (sample-graph.ts, histogram-sample.ts) against every value binned, on shared
 * detectors with real images: the count and extremes (so MinMax and moving-average ranges) stay
 * exact; the INT8 models that the percentile, entropy and MSE ranges of both give agree with FP32
 * equally well on held-out images; the sampled ranges differ from the exact ones less than the exact
 * ranges of two different sets of calibration images differ.
 */
import { describe, expect, it } from 'vitest';
import { CALIBRATION_CASES, loadCase } from '../../../bench/calibration-cases';
import { createNodeRunner } from '../../../cli/runner-node';
import { encodeModel } from '../onnx/encode';
import type { Model } from '../onnx/types';
import { DEFAULT_QUANTIZE_OPTIONS, quantizeModel } from '../quant/quantize';
import type { Feeds } from '../runner';
import { addPair, createErrorStats, summarize } from '../metrics/error';
import { calibrate } from './calibrate';
import { computeRange, medianRangeMove } from './ranges';

const runner = createNodeRunner({ source: 'sample-graph.test' });
const CALIBRATE = 8;
const HELD_OUT = 4;

async function outputsOf(model: Model, feeds: readonly Feeds[]): Promise<Float32Array[][]> {
  const session = await runner.createSession(encodeModel(model), { optimization: 'all', threads: 1 });
  try {
    const out: Float32Array[][] = [];
    for (const f of feeds) {
      const r = await session.run(f);
      out.push(model.graph!.output.map((o) => r[o.name!].data as Float32Array));
    }
    return out;
  } finally {
    await session.release();
  }
}

/** The worst output's cosine to FP32 over the held-out images (all images of an output as one vector). */
function worstCosine(ref: Float32Array[][], test: Float32Array[][]): number {
  let worst = 1;
  for (let o = 0; o < ref[0].length; o++) {
    const stats = createErrorStats();
    for (let i = 0; i < ref.length; i++) addPair(stats, ref[i][o], test[i][o]);
    worst = Math.min(worst, summarize(stats).cosine);
  }
  return worst;
}

describe('sampled histograms agree with every value binned (shared detectors, 8 calibration + 4 held-out images)', () => {
  for (const id of ['fastestdet', 'yolo-fastestv2']) {
    it(id, { timeout: 300_000 }, async () => {
      const c = CALIBRATION_CASES.find((x) => x.id === id)!;
      const { model, feeds } = await loadCase(c, 2 * CALIBRATE + HELD_OUT);
      const source = (list: readonly Feeds[]) => ({ count: list.length, feeds: async (i: number) => list[i] });
      const calib = feeds.slice(0, CALIBRATE);
      const options = { threads: 1, plan: DEFAULT_QUANTIZE_OPTIONS };
      const exact = await calibrate(model, runner, source(calib), { ...options, histogramSample: 0 });
      const sampled = await calibrate(model, runner, source(calib), options);
      const otherImages = await calibrate(model, runner, source(feeds.slice(CALIBRATE, 2 * CALIBRATE)), { ...options, histogramSample: 0 });
      const tensors = Object.values(sampled.stats.tensors);
      expect(tensors.filter((t) => t.sampledValues).length).toBeGreaterThan(tensors.length / 2);
      for (const t of tensors) {
        const e = exact.stats.tensors[t.name];
        expect({ name: t.name, count: t.count, max: t.max, batches: t.batches }).toEqual({ name: t.name, count: e.count, max: e.max, batches: e.batches });
        expect(computeRange(t, { method: 'minmax' })).toEqual(computeRange(e, { method: 'minmax' }));
      }
      const heldOut = feeds.slice(2 * CALIBRATE);
      const fp32 = await outputsOf(model, heldOut);
      const lines: string[] = [];
      for (const method of ['percentile', 'entropy', 'mse'] as const) {
        const e = worstCosine(fp32, await outputsOf(quantizeModel(model, exact.stats, { method }).model, heldOut));
        const s = worstCosine(fp32, await outputsOf(quantizeModel(model, sampled.stats, { method }).model, heldOut));
        const sampling = medianRangeMove(exact.stats, sampled.stats, method);
        const images = medianRangeMove(exact.stats, otherImages.stats, method);
        lines.push(`${method}: worst output cosine ${e.toFixed(4)} every value, ${s.toFixed(4)} sampled; median range move ${(100 * sampling).toFixed(2)}% sampled, ${(100 * images).toFixed(2)}% other images`);
        expect(Math.abs(s - e)).toBeLessThan(0.01);
        expect(sampling).toBeLessThan(images);
      }
      console.log(`${id}\n  ${lines.join('\n  ')}`);
    });
  }
});

describe('tensors the shape inference cannot size', () => {
  it('are sized by the first image and sampled from the second on (M-LSD, a TF-converted model)', { timeout: 120_000 }, async () => {
    const c = CALIBRATION_CASES.find((x) => x.id === 'mlsd-tiny-512')!;
    const { model, feeds } = await loadCase(c, 3);
    const source = { count: feeds.length, feeds: async (i: number) => feeds[i] };
    const result = await calibrate(model, runner, source, { threads: 1, plan: DEFAULT_QUANTIZE_OPTIONS });
    const tensors = Object.values(result.stats.tensors);
    const sampled = tensors.filter((t) => t.sampledValues);
    // The first image's graph samples 8 of 59 (the ones inference sizes); the refined one most.
    expect(sampled.length).toBeGreaterThan(tensors.length / 2);
    // Every tensor saw every image, whatever graph observed it.
    expect(new Set(tensors.map((t) => t.batches))).toEqual(new Set([3]));
  });
});
