import { describe, expect, it } from 'vitest';
import type { CalibrationRecord } from './contracts';
import { createCalibrationStats, updateCalibrationStats, createTensorStats, updateTensorStats } from './core/calibration/collector';
import { computeAllRanges, computeRange } from './core/calibration/ranges';
import { indexGraph } from './core/graph/graph';
import { clipMetrics, perChannelLesson } from './core/learn/lessons';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from './core/onnx/build';
import { tensorToFloat32 } from './core/onnx/tensor';
import { learnApi, type LearnModel } from './learn';

// A Conv whose output channels differ in size by 100x (channel 1 is tiny), then a Relu.
const rand = seededRandom(5);
const weight = floatTensor('w', [4, 2, 3, 3], (i) => (rand() - 0.5) * (i >= 18 && i < 36 ? 0.01 : 1));
const model = buildModel({
  opset: 13,
  nodes: [node('Conv', ['x', 'w'], ['c'], { name: 'conv' }), node('Relu', ['c'], ['r'], { name: 'relu' })],
  initializers: [weight],
  inputs: [valueInfo('x', [1, 2, 8, 8])],
  outputs: [valueInfo('r', [1, 4, 6, 6])],
});
const graph = model.graph!;
const learnModel: LearnModel = { name: 'tiny.onnx', parameters: 72, graph, index: indexGraph(graph) };

function calibration(images: number): CalibrationRecord {
  const stats = createCalibrationStats();
  const r = seededRandom(9);
  for (let k = 0; k < images; k++) {
    updateCalibrationStats(stats, 'c', Float32Array.from({ length: 144 }, () => (r() - 0.4) * 10));
    updateCalibrationStats(stats, 'r', Float32Array.from({ length: 144 }, () => Math.max(0, (r() - 0.4) * 10)));
  }
  return {
    stats,
    shapes: { c: [1, 4, 6, 6], r: [1, 4, 6, 6] },
    meta: { images, skippedImages: [], skippedTensors: [], spec: null as never, geometry: null as never, workers: 1, elapsedMs: 1 },
  };
}

describe('learnApi (the model worker’s Learn mode door)', () => {
  it('lists the activations with histograms and the Conv weights with their channel spread', async () => {
    const api = learnApi({ model: () => learnModel, calibration: () => calibration(3) });
    const catalog = await api.learnCatalog();
    expect(catalog.images).toBe(3);
    expect(catalog.activations.map((a) => [a.tensor, a.opType, a.node])).toEqual([
      ['c', 'Conv', 'conv'],
      ['r', 'Relu', 'relu'],
    ]);
    expect(catalog.weights).toHaveLength(1);
    expect(catalog.weights[0]).toMatchObject({ node: 'conv', weight: 'w', dims: [4, 2, 3, 3] });
    expect(catalog.weights[0].channelSpread).toBeGreaterThan(20);
    // Before calibration: the weights only.
    const bare = await learnApi({ model: () => learnModel, calibration: () => null }).learnCatalog();
    expect(bare.activations).toEqual([]);
    expect(bare.weights).toHaveLength(1);
  });

  it('serves a tensor’s statistics and every method’s range for the grid', async () => {
    const record = calibration(3);
    const api = learnApi({ model: () => learnModel, calibration: () => record });
    const d = await api.learnTensor('r', { type: 's8', symmetric: true });
    expect(d.stats.count).toBe(3 * 144);
    expect(d.ranges).toEqual(computeAllRanges(record.stats.tensors.r, { percentile: { percentile: 99.999, mode: 'symmetric' }, entropy: {}, mse: { type: 's8', symmetric: true } }));
    expect(d.view.counts.reduce((s, c) => s + c, 0)).toBe(d.stats.count);
    await expect(api.learnTensor('nope', { type: 'u8', symmetric: false })).rejects.toMatchObject({ code: 'no-statistics' });
  });

  it('quantizes a weight per tensor and per channel (lesson 4)', async () => {
    const api = learnApi({ model: () => learnModel, calibration: () => null });
    const d = await api.learnWeight('conv');
    expect(d.channels).toEqual(perChannelLesson(tensorToFloat32(weight), [4, 2, 3, 3]));
    expect(d.channels[1].perChannelSqnrDb).toBeGreaterThan(d.channels[1].perTensorSqnrDb + 20);
    expect(d.stats.count).toBe(72);
    await expect(api.learnWeight('relu')).rejects.toMatchObject({ code: 'bad-option' });
  });

  it('applies the range of each snapshot to the full-set histogram (lesson 5)', async () => {
    const record = calibration(4);
    const api = learnApi({ model: () => learnModel, calibration: () => record });
    const snap = createTensorStats('r');
    updateTensorStats(snap, Float32Array.from({ length: 144 }, (_, i) => (i % 12) / 3));
    const rows = await api.learnGrowth('r', [{ images: 1, stats: snap }], { method: 'minmax' });
    const range = computeRange(snap, { method: 'minmax' });
    expect(rows[0].range).toEqual(range);
    const m = clipMetrics(record.stats.tensors.r.histogram!, range, 'u8', false);
    expect(rows[0]).toMatchObject({ images: 1, sqnrDb: m.sqnrDb, mse: m.mse, clippedFraction: m.clippedFraction });
    expect(rows[0].clippedFraction).toBeGreaterThan(0); // one image saw less than the full set
  });
});
