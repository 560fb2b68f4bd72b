/**
 * Bias correction: the predicted shift ε·E[x] against what onnxruntime-node computes with the FP32
 * and the rounded weights; channel means collected in the graph against means computed here; and the
 * whole path (calibrate with channel means -> quantize with biasCorrection) removing the per-channel
 * offset of a QDQ model's layers.
 */
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import { calibrate, type CalibrationSource } from '../calibration/calibrate';
import { augmentForChannelMeans, channelMeanCandidates } from '../calibration/augment';
import { getChannelMean, mergeCalibrationStats } from '../calibration/collector';
import { compareModels } from '../metrics/compare';
import { intAttr, intsAttr } from '../onnx/attributes';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from '../onnx/build';
import { encodeModel } from '../onnx/encode';
import type { Model } from '../onnx/types';
import { weightErrorShift, type CorrectionLayout } from './bias-correction';
import { computeQuantParams, dequantize, quantize } from './params';
import { prepareModel, quantizeModel } from './quantize';

const runner = createNodeRunner();
const rand = seededRandom(3);
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());

/** Per-tensor s8 symmetric rounding: coarse enough that ε·E[x] is clearly non-zero. */
function rounded(w: Float32Array): Float32Array {
  let m = 0;
  for (const v of w) m = Math.max(m, Math.abs(v));
  const p = computeQuantParams({ min: -m, max: m }, { type: 's8', symmetric: true, reduceRange: false });
  return dequantize(quantize(w, p), p);
}

/** Mean over axis 1 of ref - test per channel of a [N, C, ...] tensor. */
function channelMeanDiff(a: Float32Array, b: Float32Array, dims: readonly number[]): number[] {
  const channels = dims[1];
  const inner = dims.slice(2).reduce((x, y) => x * y, 1);
  const out = new Array<number>(channels).fill(0);
  for (let o = 0; o < dims[0]; o++)
    for (let c = 0; c < channels; c++) for (let i = 0; i < inner; i++) out[c] += b[(o * channels + c) * inner + i] - a[(o * channels + c) * inner + i];
  return out.map((s) => s / (dims[0] * inner));
}

async function run(model: Model, x: Float32Array, dims: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const s = await runner.createSession(encodeModel(model));
  try {
    const y = (await s.run({ x: { type: 'float32', dims, data: x } })).y;
    return { data: y.data as Float32Array, dims: y.dims };
  } finally {
    await s.release();
  }
}

/** One-layer model y = op(x, W) with no bias, so the output difference is the weight error's alone. */
function layer(op: string, w: Float32Array, wDims: number[], xDims: number[], attributes = [] as ReturnType<typeof intAttr>[]): Model {
  return buildModel({ opset: 13, nodes: [node(op, ['x', 'w'], ['y'], { attributes })], initializers: [floatTensor('w', wDims, w)], inputs: [valueInfo('x', xDims)], outputs: [valueInfo('y')] });
}

describe('weightErrorShift against onnxruntime', () => {
  // Inputs are a per-channel constant plus noise whose mean over the positions is 0 within float
  // error, so "E[x] per channel" is exact and the prediction must match to float precision.
  function channelInput(dims: number[], axis: number, means: number[]): Float32Array {
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
    const x = new Float32Array(outer * dims[axis] * inner);
    for (let o = 0; o < outer; o++) for (let c = 0; c < dims[axis]; c++) for (let i = 0; i < inner; i++) x[(o * dims[axis] + c) * inner + i] = means[c];
    return x;
  }

  const cases: Array<{ name: string; op: string; wDims: number[]; xDims: number[]; layout: CorrectionLayout; attributes?: ReturnType<typeof intAttr>[] }> = [
    { name: 'Conv 3x3, no padding', op: 'Conv', wDims: [6, 4, 3, 3], xDims: [1, 4, 9, 9], layout: { kind: 'conv', group: 1 } },
    { name: 'grouped Conv (group 2)', op: 'Conv', wDims: [6, 2, 3, 3], xDims: [1, 4, 7, 7], layout: { kind: 'conv', group: 2 }, attributes: [intAttr('group', 2)] },
    { name: 'depthwise Conv', op: 'Conv', wDims: [4, 1, 3, 3], xDims: [1, 4, 7, 7], layout: { kind: 'conv', group: 4 }, attributes: [intAttr('group', 4)] },
    {
      name: 'ConvTranspose 2x2 stride 2',
      op: 'ConvTranspose',
      wDims: [4, 3, 2, 2],
      xDims: [1, 4, 5, 5],
      layout: { kind: 'conv-transpose', group: 1, strides: [2, 2] },
      attributes: [intsAttr('strides', [2, 2])],
    },
  ];
  for (const c of cases) {
    it(`predicts the output mean shift of a ${c.name}`, async () => {
      const w = Float32Array.from({ length: c.wDims.reduce((a, b) => a * b, 1) }, () => gauss() * 0.4);
      const wq = rounded(w);
      const means = Array.from({ length: c.xDims[1] }, () => 1 + gauss());
      const x = channelInput(c.xDims, 1, means);
      const ref = await run(layer(c.op, w, c.wDims, c.xDims, c.attributes), x, c.xDims);
      const test = await run(layer(c.op, wq, c.wDims, c.xDims, c.attributes), x, c.xDims);
      const measured = channelMeanDiff(ref.data, test.data, ref.dims);
      const predicted = weightErrorShift({ weight: w, dequantized: wq, dims: c.wDims, layout: c.layout, inputMean: means });
      expect(measured.some((v) => Math.abs(v) > 1e-3)).toBe(true); // the rounding really moves the means
      for (let o = 0; o < measured.length; o++) expect(predicted[o]).toBeCloseTo(measured[o], 4);
    });
  }

  for (const transB of [false, true]) {
    it(`predicts the output mean shift of a Gemm (transB ${Number(transB)}) on random rows`, async () => {
      const [n, k, rows] = [5, 12, 64];
      const wDims = transB ? [n, k] : [k, n];
      const w = Float32Array.from({ length: n * k }, () => gauss() * 0.4);
      const wq = rounded(w);
      const offsets = Array.from({ length: k }, () => 2 * gauss());
      const x = Float32Array.from({ length: rows * k }, (_, i) => offsets[i % k] + gauss());
      const model = (weight: Float32Array) =>
        buildModel({
          opset: 13,
          nodes: [node('Gemm', ['x', 'w'], ['y'], { attributes: [intAttr('transB', transB ? 1 : 0)] })],
          initializers: [floatTensor('w', wDims, weight)],
          inputs: [valueInfo('x', [rows, k])],
          outputs: [valueInfo('y')],
        });
      const ref = await run(model(w), x, [rows, k]);
      const test = await run(model(wq), x, [rows, k]);
      // Gemm is linear in each row, so the mean of the rows is exact: E over rows of ε·x = ε·mean(x).
      const mean = offsets.map((_, j) => {
        let s = 0;
        for (let r = 0; r < rows; r++) s += x[r * k + j];
        return s / rows;
      });
      const measured = channelMeanDiff(ref.data, test.data, ref.dims);
      const predicted = weightErrorShift({ weight: w, dequantized: wq, dims: wDims, layout: { kind: 'gemm', transB }, inputMean: mean });
      for (let o = 0; o < n; o++) expect(predicted[o]).toBeCloseTo(measured[o], 4);
    });
  }

  it('refuses an input mean of the wrong length, naming both shapes', () => {
    const w = new Float32Array(6 * 4 * 9);
    expect(() => weightErrorShift({ weight: w, dequantized: w, dims: [6, 4, 3, 3], layout: { kind: 'conv', group: 1 }, inputMean: [1, 2, 3] })).toThrow(/3 channels but a weight of shape \[6, 4, 3, 3\] reads 4/);
  });
});

/**
 *   x[1,3,12,12] -> Conv(8, 3x3, pad 1, bias) -> Relu -> Conv(8, 3x3 depthwise, no bias) -> Relu
 *     -> Conv(6, 1x1, bias) -> y
 * Weights with one large value per layer, so per-tensor rounding is coarse for the rest.
 */
function testNet(opset = 13): Model {
  const r = seededRandom(17);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const pads = intsAttr('pads', [1, 1, 1, 1]);
  return buildModel({
    opset,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { attributes: [pads] }),
      node('Relu', ['c1'], ['r1']),
      node('Conv', ['r1', 'w2'], ['c2'], { attributes: [pads, intAttr('group', 8)] }),
      node('Relu', ['c2'], ['r2']),
      node('Conv', ['r2', 'w3', 'b3'], ['y']),
    ],
    initializers: [
      floatTensor('w1', [8, 3, 3, 3], (i) => (i === 0 ? 3 : gauss() * 0.2)),
      floatTensor('b1', [8], () => 0.3 + gauss() * 0.1),
      floatTensor('w2', [8, 1, 3, 3], (i) => (i === 0 ? 4 : gauss() * 0.3)),
      floatTensor('w3', [6, 8, 1, 1], (i) => (i === 0 ? 2 : gauss() * 0.3)),
      floatTensor('b3', [6], () => gauss() * 0.1),
    ],
    inputs: [valueInfo('x', [1, 3, 12, 12])],
    outputs: [valueInfo('y', [1, 6, 12, 12])],
  });
}

/** Image i is the same whichever shard asks for it. Channel offsets differ: E[x] matters per channel. */
function images(count: number, seed: number): CalibrationSource {
  return {
    count,
    feeds: async (i) => {
      const r = seededRandom(seed * 1000 + i);
      return { x: { type: 'float32', dims: [1, 3, 12, 12], data: Float32Array.from({ length: 432 }, (_, j) => [0.8, -0.3, 0.4][Math.floor(j / 144)] + r() - 0.5) } };
    },
  };
}

describe('channel means in calibration', () => {
  it('collects E[x] per channel of every Conv input, the same on the MinMax and histogram paths and at opset 18', async () => {
    const model = prepareModel(testNet()).model;
    expect(channelMeanCandidates(model).map((r) => r.tensor)).toEqual(['x', 'r1', 'r2']);
    const minmax = await calibrate(model, runner, images(6, 5), { channelMeans: true, collector: { histograms: false } });
    const hist = await calibrate(model, runner, images(6, 5), { channelMeans: true });
    const opset18 = await calibrate(prepareModel(testNet(18)).model, runner, images(6, 5), { channelMeans: true, collector: { histograms: false } });
    // The graph input's means computed here.
    const src = images(6, 5);
    const expected = [0, 0, 0];
    for (let i = 0; i < 6; i++) {
      const x = (await src.feeds(i)).x.data as Float32Array;
      for (let j = 0; j < x.length; j++) expected[Math.floor(j / 144)] += x[j] / 144 / 6;
    }
    const got = getChannelMean(minmax.stats, 'x')!;
    for (let c = 0; c < 3; c++) expect(got[c]).toBeCloseTo(expected[c], 5);
    for (const name of ['x', 'r1', 'r2']) {
      const a = getChannelMean(minmax.stats, name)!;
      expect(a.length).toBe(name === 'x' ? 3 : 8);
      expect(Array.from(getChannelMean(hist.stats, name)!)).toEqual(Array.from(a));
      const b = getChannelMean(opset18.stats, name)!;
      for (let c = 0; c < a.length; c++) expect(b[c]).toBeCloseTo(a[c], 6);
    }
    // Post-ReLU means are non-negative.
    expect([...getChannelMean(minmax.stats, 'r1')!].every((v) => v >= 0)).toBe(true);
  });

  it('still calibrates when the graph will not take the ReduceMeans (the means are left out)', async () => {
    const model = prepareModel(testNet()).model;
    const bad = [{ tensor: 'no_such_tensor', rank: 4, axis: 1 }];
    // onnxruntime refuses that graph outright...
    await expect(runner.createSession(encodeModel(augmentForChannelMeans(model, bad).model))).rejects.toThrow();
    // ...and calibration goes on without the means.
    const result = await calibrate(model, runner, images(2, 5), { channelMeans: bad, collector: { histograms: false } });
    expect(result.stats.channelMeans).toBeUndefined();
    expect(Object.keys(result.stats.tensors).length).toBeGreaterThan(0);
  });

  it('merges shards exactly (a pool of workers gives the single-run mean)', async () => {
    const model = prepareModel(testNet()).model;
    const all = await calibrate(model, runner, images(6, 5), { channelMeans: true, collector: { histograms: false } });
    const a = await calibrate(model, runner, images(6, 5), { channelMeans: true, collector: { histograms: false }, range: { start: 0, end: 2 } });
    const b = await calibrate(model, runner, images(6, 5), { channelMeans: true, collector: { histograms: false }, range: { start: 2, end: 6 } });
    const merged = mergeCalibrationStats(a.stats, b.stats);
    const m = getChannelMean(merged, 'r1')!;
    const single = getChannelMean(all.stats, 'r1')!;
    for (let c = 0; c < m.length; c++) expect(m[c]).toBeCloseTo(single[c], 6);
    expect(merged.channelMeans!.r1.runs).toBe(6);
    expect(all.stats.channelMeans!.r1.runs).toBe(6);
  });
});

describe('quantizeModel with biasCorrection', () => {
  it('removes most of the per-channel offset of each corrected layer and adds a bias where a Conv had none', async () => {
    const prepared = prepareModel(testNet()).model;
    const cal = await calibrate(prepared, runner, images(24, 9), { channelMeans: true, collector: { histograms: false } });
    const options = { perChannel: false };
    const plain = quantizeModel(prepared, cal.stats, options);
    const corrected = quantizeModel(prepared, cal.stats, { ...options, biasCorrection: true });
    expect(plain.report.biasCorrection).toBeNull();
    expect(corrected.report.biasCorrection).toEqual({ corrected: 3, added: 1, skipped: [] });
    const added = corrected.report.biases.find((b) => b.added)!;
    expect(added.node).toBe(prepared.graph!.node[2].name);
    // Each shift is ε·E[x]; the corrected bias moved by exactly that much (to int32 precision).
    for (const b of corrected.report.biases) expect(b.shift!.some((v) => Math.abs(v) > 1e-4)).toBe(true);

    // Held-out images: the offset share of each layer's squared error falls.
    const heldOut = images(12, 21);
    const before = await compareModels(prepared, plain.model, runner, heldOut, { mapping: plain.mapping });
    const after = await compareModels(prepared, corrected.model, runner, images(12, 21), { mapping: corrected.mapping });
    const share = (r: typeof before, name: string) => r.layers.find((l) => l.fp32 === name)!;
    for (const name of ['r1', 'r2', 'y']) {
      const b = share(before, name);
      const a = share(after, name);
      expect(a.biasShare).toBeLessThan(b.biasShare);
      expect(a.mse).toBeLessThan(b.mse);
    }
    expect(after.outputs[0].sqnrDb).toBeGreaterThan(before.outputs[0].sqnrDb);
  });

  it('says what to do when the statistics have no channel means', async () => {
    const prepared = prepareModel(testNet()).model;
    const cal = await calibrate(prepared, runner, images(2, 9), { collector: { histograms: false } });
    expect(() => quantizeModel(prepared, cal.stats, { biasCorrection: true })).toThrow(/did not collect them\. Calibrate again with channel means/);
  });
});
