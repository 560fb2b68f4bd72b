/**
 * The QDQ rewrite on small built graphs, run by onnxruntime-node: structure (what is quantized, how,
 * what keeps its name), numerics against FP32, and that onnxruntime really fuses the QDQ groups into
 * QLinear kernels (read from the optimized model it writes).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import { calibrate, type CalibrationSource } from '../calibration/calibrate';
import { floatAttr, intAttr, intsAttr } from '../onnx/attributes';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from '../onnx/build';
import { decodeModel } from '../onnx/decode';
import { encodeModel } from '../onnx/encode';
import { tensorToArray } from '../onnx/tensor';
import { DataType, type Model } from '../onnx/types';
import { mappingFromModel, mappingToMetadata } from '../metrics/compare';
import { prepareModel, quantizeModel, type QuantizeOptions } from './quantize';

const runner = createNodeRunner();
const rand = seededRandom(7);
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());

/**
 *   x[1,3,16,16] -> Conv(8, 3x3, bias) -> Relu -> MaxPool 2x2 -> Conv(8,1x1) -> Sigmoid -> Mul(x*sig) (SiLU)
 *     -> GlobalAveragePool -> Flatten -> Gemm(10, transB) -> y
 */
function smallCnn(): Model {
  return buildModel({
    opset: 13,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { attributes: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1], floats: [], strings: [], tensors: [], graphs: [] }] }),
      node('Relu', ['c1'], ['r1']),
      node('MaxPool', ['r1'], ['p1'], { attributes: [{ name: 'kernel_shape', type: 7, ints: [2, 2], floats: [], strings: [], tensors: [], graphs: [] }, { name: 'strides', type: 7, ints: [2, 2], floats: [], strings: [], tensors: [], graphs: [] }] }),
      node('Conv', ['p1', 'w2', 'b2'], ['c2']),
      node('Sigmoid', ['c2'], ['s2']),
      node('Mul', ['c2', 's2'], ['m2']),
      node('GlobalAveragePool', ['m2'], ['g']),
      node('Flatten', ['g'], ['f']),
      node('Gemm', ['f', 'w3', 'b3'], ['y'], { attributes: [intAttr('transB', 1)] }),
    ],
    initializers: [
      floatTensor('w1', [8, 3, 3, 3], () => gauss() * 0.3),
      floatTensor('b1', [8], () => gauss() * 0.1),
      // Channels with very different scales: per-channel quantization matters here.
      floatTensor('w2', [8, 8, 1, 1], (i) => gauss() * (Math.floor(i / 8) % 2 ? 0.02 : 0.5)),
      floatTensor('b2', [8], () => gauss() * 0.1),
      floatTensor('w3', [10, 8], () => gauss() * 0.5),
      floatTensor('b3', [10], () => gauss() * 0.1),
    ],
    inputs: [valueInfo('x', [1, 3, 16, 16])],
    outputs: [valueInfo('y', [1, 10])],
  });
}

function randomImages(count: number): CalibrationSource {
  const r = seededRandom(11);
  return {
    count,
    feeds: async () => ({ x: { type: 'float32', dims: [1, 3, 16, 16], data: Float32Array.from({ length: 768 }, () => r() * 2 - 0.5) } }),
  };
}

async function quantized(model: Model, options: Partial<QuantizeOptions> = {}) {
  const prepared = prepareModel(model);
  const cal = await calibrate(prepared.model, runner, randomImages(16));
  const result = quantizeModel(prepared.model, cal.stats, options);
  return { ...result, int8: decodeModel(encodeModel(result.model)) };
}

async function outputs(model: Model, source: CalibrationSource, n: number): Promise<Float32Array[]> {
  const s = await runner.createSession(encodeModel(model));
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i++) out.push((await s.run(await source.feeds(i))).y.data as Float32Array);
  await s.release();
  return out;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
}

/** Op types in the graph onnxruntime actually executes (basic + extended + layout optimizations). */
async function optimizedOps(model: Model): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'zeropoint-opt-'));
  try {
    const path = join(dir, 'optimized.onnx');
    const s = await ort.InferenceSession.create(encodeModel(model), { graphOptimizationLevel: 'all', optimizedModelFilePath: path, logSeverityLevel: 3 });
    await s.release();
    const ops: Record<string, number> = {};
    for (const n of decodeModel(new Uint8Array(await readFile(path))).graph!.node) ops[n.opType ?? ''] = (ops[n.opType ?? ''] ?? 0) + 1;
    return ops;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('QDQ rewrite', () => {
  it('marks, rewrites and keeps graph inputs and outputs as they were', async () => {
    const fp32 = smallCnn();
    const { int8, report, mapping } = await quantized(fp32);
    const g = int8.graph!;
    expect(g.input.map((i) => [i.name, i.type?.tensorType?.elemType])).toEqual([['x', DataType.FLOAT]]);
    expect(g.output.map((o) => [o.name, o.type?.tensorType?.elemType])).toEqual([['y', DataType.FLOAT]]);
    // Relu folded into the first Conv; every other node quantized.
    expect(report.foldedActivations).toBe(1);
    expect(g.node.some((n) => n.opType === 'Relu')).toBe(false);
    expect(report.nodes.every((n) => n.quantized)).toBe(true);

    const init = new Map(g.initializer.map((t) => [t.name, t]));
    const dqOf = (weight: string) => g.node.find((n) => n.opType === 'DequantizeLinear' && n.input[0] === `${weight}_quantized`)!;
    // Weights: int8, per output channel (Conv axis 0, Gemm transB=1 axis 0), symmetric (zero-point 0).
    for (const w of ['w1', 'w2', 'w3']) {
      const dq = dqOf(w);
      expect(init.get(`${w}_quantized`)!.dataType).toBe(DataType.INT8);
      expect(dq.attribute.find((a) => a.name === 'axis')?.i).toBe(0);
      expect([...(tensorToArray(init.get(dq.input[2])!) as Int8Array)].every((z) => z === 0)).toBe(true);
      expect(init.has(w)).toBe(false);
    }
    // Bias: int32, scale = input scale * weight scale, no zero-point input.
    const b1 = dqOf('b1');
    expect(init.get('b1_quantized')!.dataType).toBe(DataType.INT32);
    expect(b1.input).toHaveLength(2);
    const xScale = report.activations.find((a) => a.name === 'x')!.scale;
    const w1Scales = report.weights.find((w) => w.name === 'w1')!.scales;
    const b1Scales = tensorToArray(init.get(b1.input[1])!) as Float32Array;
    b1Scales.forEach((s, c) => expect(s).toBe(Math.fround(xScale * w1Scales[c])));
    // MaxPool output shares its input's parameters; activations are u8 with a zero-point in range.
    const p1 = report.activations.find((a) => a.name === 'p1')!;
    const r1 = report.activations.find((a) => a.name === 'r1')!;
    expect([p1.scale, p1.zeroPoint]).toEqual([r1.scale, r1.zeroPoint]);
    expect(r1.zeroPoint).toBe(0); // post-ReLU range starts at 0
    for (const a of report.activations) expect(a.type).toBe('u8');
    // The mapping points every quantized FP32 tensor at a DequantizeLinear output in the INT8 graph.
    const producers = new Map(g.node.flatMap((n) => n.output.map((o) => [o, n.opType])));
    for (const m of mapping.filter((m) => m.quantized)) expect(producers.get(m.int8)).toBe('DequantizeLinear');
    expect(mapping.find((m) => m.fp32 === 'y')?.int8).toBe('y');
    expect(mapping.some((m) => m.fp32 === 'c1')).toBe(false); // folded away
    // The mapping survives the model's metadata.
    expect(mappingFromModel({ ...int8, metadataProps: [mappingToMetadata(mapping)] })).toEqual(mapping.map((m) => ({ ...m })));
  });

  it('runs close to FP32 and onnxruntime fuses it into QLinear kernels', async () => {
    const fp32 = smallCnn();
    const { int8 } = await quantized(fp32);
    const source = randomImages(8);
    const [a, b] = [await outputs(fp32, source, 8), await outputs(int8, source, 8)];
    for (let i = 0; i < 8; i++) expect(cosine(a[i], b[i])).toBeGreaterThan(0.99);
    const ops = await optimizedOps(int8);
    expect(ops.QLinearConv).toBe(2);
    expect(ops.Conv ?? 0).toBe(0);
    expect(ops.QLinearMul ?? 0).toBe(1);
    expect(ops.QLinearSigmoid ?? 0).toBe(1);
  });

  it('keeps nodes in FP32 by name, by op type and with the first-and-last preset', async () => {
    const byName = await quantized(smallCnn(), { keepNodes: ['c2'] });
    expect(byName.report.nodes.find((n) => n.name === 'c2')).toMatchObject({ quantized: false, reason: 'kept in FP32 by name' });
    expect(byName.int8.graph!.initializer.some((t) => t.name === 'w2')).toBe(true);
    const byOp = await quantized(smallCnn(), { keepOpTypes: ['Gemm'] });
    expect(byOp.report.nodes.find((n) => n.opType === 'Gemm')?.quantized).toBe(false);
    const firstLast = await quantized(smallCnn(), { keepFirstAndLast: true });
    const kept = firstLast.report.nodes.filter((n) => !n.quantized).map((n) => n.name);
    expect(kept).toEqual(['c1', 'y']);
  });

  it('per-tensor weights and s8 activations on request', async () => {
    const { int8, report } = await quantized(smallCnn(), { perChannel: false, activationType: 's8' });
    for (const n of int8.graph!.node.filter((n) => n.opType === 'DequantizeLinear')) expect(n.attribute.find((a) => a.name === 'axis')).toBeUndefined();
    for (const a of report.activations) expect(a.type).toBe('s8');
    const zp = int8.graph!.initializer.find((t) => t.name === 'x_zero_point')!;
    expect(zp.dataType).toBe(DataType.INT8);
  });

  it('refuses a model that is already quantized, saying which format', async () => {
    const { int8 } = await quantized(smallCnn());
    expect(() => prepareModel(int8, { source: 'small.int8.onnx' })).toThrow(/'small.int8.onnx' is already quantized \(QDQ format/);
  });
});

describe('calibrating only what the plan needs', () => {
  it('quantizes exactly the same nodes as calibrating every tensor (pass-through outputs are not observed)', async () => {
    const prepared = prepareModel(smallCnn());
    const options = { activationType: 'u8', activationSymmetric: false, perChannel: true, reduceRange: false, keepNodes: [], keepOpTypes: [], keepFirstAndLast: false } as const;
    const all = await calibrate(prepared.model, runner, randomImages(4));
    const needed = await calibrate(prepared.model, runner, randomImages(4), { plan: options, collector: { histograms: false } });
    expect(Object.keys(needed.stats.tensors).length).toBeLessThan(Object.keys(all.stats.tensors).length);
    expect(needed.stats.tensors.p1).toBeUndefined(); // MaxPool output: shares r1's parameters
    const a = quantizeModel(prepared.model, all.stats, options).report;
    const b = quantizeModel(prepared.model, needed.stats, options).report;
    expect(b.nodes.map((n) => n.quantized)).toEqual(a.nodes.map((n) => n.quantized));
    expect(b.activations.map((x) => [x.name, x.scale, x.zeroPoint])).toEqual(a.activations.map((x) => [x.name, x.scale, x.zeroPoint]));
  });
});

describe('affine folds (affine.ts)', () => {
  /** Paddle-style: Conv (no bias) -> Mul(scale [1,8,1,1]) -> Add(shift [1,8,1,1]) -> Relu -> Conv -> Sub([8,1,1]) -> Add(y). */
  function paddleBlock(): Model {
    return buildModel({
      opset: 13,
      nodes: [
        node('Conv', ['x', 'w1'], ['c1']),
        node('Mul', ['c1', 'scale'], ['m1']),
        node('Add', ['shift', 'm1'], ['a1']),
        node('Relu', ['a1'], ['r1']),
        node('Conv', ['r1', 'w2', 'b2'], ['c2']),
        node('Sub', ['c2', 'off'], ['s2']),
        node('GlobalAveragePool', ['s2'], ['g']),
        node('Flatten', ['g'], ['y']),
      ],
      initializers: [
        floatTensor('w1', [8, 3, 3, 3], () => gauss() * 0.3),
        floatTensor('scale', [1, 8, 1, 1], (i) => 0.05 + 3 * (i % 3)),
        floatTensor('shift', [1, 8, 1, 1], () => gauss()),
        floatTensor('w2', [8, 8, 1, 1], () => gauss() * 0.3),
        floatTensor('b2', [8], () => gauss() * 0.1),
        floatTensor('off', [8, 1, 1], () => gauss()),
      ],
      inputs: [valueInfo('x', [1, 3, 16, 16])],
      outputs: [valueInfo('y', [1, 8])],
    });
  }

  it('folds per-channel Mul, Add and Sub into the Conv before them; the Q clamps the Relu; onnxruntime runs two QLinearConv', async () => {
    const fp32 = paddleBlock();
    const { int8, report } = await quantized(fp32);
    const g = int8.graph!;
    expect(g.node.filter((n) => ['Mul', 'Add', 'Sub', 'Relu'].includes(n.opType ?? ''))).toEqual([]);
    expect(report.nodes.filter((n) => ['Mul', 'Add', 'Sub'].includes(n.opType)).every((n) => n.quantized)).toBe(true);
    // The first Conv got a bias (the shift) and writes the Relu's output name through its Q/DQ.
    const c1 = g.node.find((n) => n.opType === 'Conv' && n.input[0].startsWith('x_'))!;
    expect(c1.output).toEqual(['r1']);
    expect(c1.input).toHaveLength(3);
    const ops = await optimizedOps(int8);
    expect(ops.QLinearConv).toBe(2);
    const source = randomImages(8);
    const [a, b] = [await outputs(fp32, source, 8), await outputs(int8, source, 8)];
    for (let i = 0; i < 8; i++) expect(cosine(a[i], b[i])).toBeGreaterThan(0.995);
  });

  it("folds a BatchNormalization after a ConvTranspose's bias Add (Paddle's DBNet head) into the ConvTranspose; the Q clamps the Relu", async () => {
    // x -> Conv -> Relu -> ConvTranspose(no bias) -> Add(bias [1,8,1,1]) -> BatchNormalization -> Relu -> GlobalAveragePool -> y
    const fp32 = buildModel({
      opset: 13,
      nodes: [
        node('Conv', ['x', 'w1', 'b1'], ['c1']),
        node('Relu', ['c1'], ['r1']),
        node('ConvTranspose', ['r1', 'wt'], ['t'], { attributes: [intsAttr('strides', [2, 2]), intsAttr('kernel_shape', [2, 2])] }),
        node('Add', ['t', 'bias'], ['tb']),
        node('BatchNormalization', ['tb', 'gamma', 'beta', 'mean', 'var'], ['bn'], { attributes: [floatAttr('epsilon', 1e-5)] }),
        node('Relu', ['bn'], ['r2']),
        node('GlobalAveragePool', ['r2'], ['g']),
        node('Flatten', ['g'], ['y']),
      ],
      initializers: [
        floatTensor('w1', [8, 3, 3, 3], () => gauss() * 0.3),
        floatTensor('b1', [8], () => gauss() * 0.1),
        // ConvTranspose weight [C_in, C_out, kH, kW]
        floatTensor('wt', [8, 8, 2, 2], () => gauss() * 0.3),
        floatTensor('bias', [1, 8, 1, 1], () => gauss() * 0.2),
        floatTensor('gamma', [8], (i) => 0.2 + 2 * (i % 3)),
        floatTensor('beta', [8], () => gauss() * 0.5),
        floatTensor('mean', [8], () => gauss() * 0.2),
        floatTensor('var', [8], () => 0.1 + Math.abs(gauss())),
      ],
      inputs: [valueInfo('x', [1, 3, 16, 16])],
      outputs: [valueInfo('y', [1, 8])],
    });
    const { int8, report } = await quantized(fp32);
    // Not left in FP32 between two Q/DQ pairs: gone, with the Add and the Relu after it.
    expect(report.nodes.find((n) => n.opType === 'BatchNormalization')).toMatchObject({ quantized: true });
    expect(int8.graph!.node.filter((n) => ['BatchNormalization', 'Add', 'Relu'].includes(n.opType ?? ''))).toEqual([]);
    const ct = int8.graph!.node.find((n) => n.opType === 'ConvTranspose')!;
    expect(ct.input).toHaveLength(3);
    expect(ct.output).toEqual(['r2']);
    const source = randomImages(8);
    const [a, b] = [await outputs(fp32, source, 8), await outputs(int8, source, 8)];
    for (let i = 0; i < 8; i++) expect(cosine(a[i], b[i])).toBeGreaterThan(0.995);
  });

  it('leaves a constant that varies along a spatial axis as an Add', async () => {
    const m = paddleBlock();
    const graph = m.graph!;
    const wide = { ...m, graph: { ...graph, initializer: graph.initializer.map((t) => (t.name === 'shift' ? floatTensor('shift', [1, 1, 1, 14], () => gauss()) : t)) } };
    const { int8 } = await quantized(wide);
    expect(int8.graph!.node.some((n) => n.opType === 'Add')).toBe(true);
  });
});

