/**
 * histogram-sample.ts (a batch's sample, weighted, with its exact extremes) and sample-graph.ts (the
 * samples onnxruntime picks) on built data; sample-graph.test.ts checks both on shared models.
 */
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from '../onnx/build';
import { encodeModel } from '../onnx/encode';
import { intsAttr } from '../onnx/attributes';
import { addValues, createHistogram } from './histogram';
import { addSampledValues } from './histogram-sample';
import { percentileRange } from './ranges';
import { defaultHistogramSample, sampleGraph } from './sample-graph';

const sum = (a: Float64Array) => a.reduce((s, c) => s + c, 0);

describe('addSampledValues', () => {
  const random = seededRandom(7);
  // A skewed activation: 40% zeros, an exponential body, one outlier.
  const values = Float32Array.from({ length: 200_000 }, () => (random() < 0.4 ? 0 : -Math.log(1 - random())));
  values[123_457] = 40;
  values[99] = -0.5;
  const every = (k: number) => values.filter((_, i) => i % k === 3);

  it('keeps count and extremes exact, and the counts add up to the count', () => {
    const h = createHistogram();
    const sample = every(61);
    const summary = addSampledValues(h, sample, { count: values.length, min: -0.5, max: 40 });
    expect(summary).toEqual({ count: 200_000, nanCount: 0, infCount: 0, min: -0.5, max: 40 });
    expect({ count: h.count, min: h.min, max: h.max }).toEqual({ count: 200_000, min: -0.5, max: 40 });
    expect(sum(h.counts)).toBeCloseTo(200_000, 6);
    // Zeros estimated from the sample's share.
    expect(Math.abs(h.zeroCount / values.length - 0.4)).toBeLessThan(0.02);
  });

  it('puts the 99th percentile where every value binned puts it, within the sample size bound', () => {
    const exact = createHistogram();
    addValues(exact, values);
    const sampled = createHistogram();
    const sample = every(13);
    addSampledValues(sampled, sample, { count: values.length, min: -0.5, max: 40 });
    const a = percentileRange(exact, { percentile: 99 }).max;
    const b = percentileRange(sampled, { percentile: 99 }).max;
    // Hoeffding with n = 15,385 and d = 1e-6: e = 0.021 of rank; the exponential's quantile moves by
    // about e / (1 - p) / 0.6 in value around p = 0.99, well under 30% here.
    expect(Math.abs(a - b) / a).toBeLessThan(0.3);
    expect(Math.abs(a - b) / a).toBeGreaterThan(0); // it is an estimate, not the exact figure
  });

  it('takes the sample min when the min is not measured (a never-negative tensor)', () => {
    const h = createHistogram();
    const relu = values.map((x) => Math.max(0, x));
    addSampledValues(h, relu.filter((_, i) => i % 50 === 1), { count: relu.length, max: 40 });
    expect(h.min).toBe(0);
    expect(h.max).toBe(40);
    expect(sum(h.counts)).toBeCloseTo(relu.length, 6);
  });
});

describe('sampleGraph', () => {
  it('samples an NCHW tensor on an odd grid of every channel and a channels-last one with a step coprime to its channels', async () => {
    const random = seededRandom(3);
    const model = buildModel({
      opset: 13,
      inputs: [valueInfo('x', [1, 8, 64, 64])],
      outputs: [valueInfo('y', [1, 8, 64, 64]), valueInfo('z', [1, 64, 64, 8])],
      initializers: [floatTensor('w', [8, 8, 1, 1], () => random() - 0.5)],
      nodes: [node('Conv', ['x', 'w'], ['y']), node('Transpose', ['y'], ['z'], { attributes: [intsAttr('perm', [0, 2, 3, 1])] })],
    });
    const g = sampleGraph(model, ['y', 'z'], { limit: 4096, inputDims: { x: [1, 8, 64, 64] } });
    const ops = g.model.graph!.node.map((n) => n.opType);
    expect(ops).toContain('MaxPool');
    expect(ops).toContain('Slice');
    expect(g.samples.map((s) => ({ tensor: s.tensor, count: s.count }))).toEqual([
      { tensor: 'y', count: 32768 },
      { tensor: 'z', count: 32768 },
    ]);
    const session = await createNodeRunner({ source: 'histogram-sample.test' }).createSession(encodeModel(g.model), { threads: 1 });
    const x = Float32Array.from({ length: 32768 }, () => random() * 2 - 1);
    const out = await session.run({ x: { type: 'float32', dims: [1, 8, 64, 64], data: x } });
    await session.release();
    const y = out.y.data as Float32Array;
    const z = out.z.data as Float32Array;
    const packed = out[g.samplesOutput].data as Float32Array;
    const [sy, sz] = g.samples;
    // y: rows and columns 0, 3, 6, ... (the smallest odd stride with 8 x 22 x 22 <= 4096) of each channel.
    expect(sy.length).toBe(8 * 22 * 22);
    const grid = [];
    for (let c = 0; c < 8; c++) for (let r = 0; r < 64; r += 3) for (let k = 0; k < 64; k += 3) grid.push(y[c * 4096 + r * 64 + k]);
    expect(Array.from(packed.subarray(sy.offset, sy.offset + sy.length))).toEqual(grid);
    // z: every s-th value, s coprime to 8 channels, so each channel is sampled equally.
    const zs = Array.from(packed.subarray(sz.offset, sz.offset + sz.length));
    const step = Math.ceil(32768 / sz.length);
    expect(step % 2).toBe(1);
    expect(zs).toEqual(Array.from({ length: sz.length }, (_, i) => z[i * step]));
    const perChannel = new Array(8).fill(0);
    for (let i = 0; i < sz.length; i++) perChannel[(i * step) % 8]++;
    expect(Math.max(...perChannel) - Math.min(...perChannel)).toBeLessThanOrEqual(1);
  });
});

describe('defaultHistogramSample', () => {
  it('keeps about 152,020 values per tensor over the calibration set, within 1,024..65,536 an image', () => {
    expect([1, 8, 12, 100, 1000].map(defaultHistogramSample)).toEqual([65536, 19003, 12669, 1521, 1024]);
  });
});
