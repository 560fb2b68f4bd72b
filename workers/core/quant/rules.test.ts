/**
 * The plan's accuracy rules on small built models (issue 9): what is marked, what is kept and why
 * (the reason is data in the plan), without onnxruntime: ranges are given, not calibrated.
 *   - saturation-aware ranges (saturation.ts): SiLU, HardSigmoid, Sigmoid, hard swish (x * Clip(x + 3, 0, 6)) inputs;
 *   - the output head (final Sigmoid/Softmax, Concat of boxes and scores, data movement to the output);
 *   - tensors no quantized op reads stay float (graph outputs, inputs of FP32 ops);
 *   - explicit FP32 decisions for ops of current vision models (operators/float.ts);
 *   - sum-preserving weight rounding (sum-rounding.ts).
 */
import { describe, expect, it } from 'vitest';
import { floatAttr } from '../onnx/attributes';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from '../onnx/build';
import { makeTensor, tensorToFloat32 } from '../onnx/tensor';
import { DataType, type Model } from '../onnx/types';
import { planQuantization, type PlanOptions, type QuantPlan } from './plan';
import { quantizePerAxis, computePerChannelParams } from './params';
import { quantizeModel } from './quantize';
import { preserveGroupSums, roundingGroups } from './sum-rounding';
import type { CalibrationStats } from '../calibration/collector';

const OPTIONS: PlanOptions = { activationType: 'u8', activationSymmetric: false, perChannel: true, reduceRange: false, keepNodes: [], keepOpTypes: [], keepFirstAndLast: false };
const rand = seededRandom(3);
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());

function plan(model: Model, ranges: Record<string, [number, number]>, fallback: [number, number] = [-1, 1]): QuantPlan {
  const inputs = new Set(model.graph!.initializer.map((t) => t.name));
  return planQuantization(model.graph!, { rangeOf: (n) => (inputs.has(n) ? undefined : { min: (ranges[n] ?? fallback)[0], max: (ranges[n] ?? fallback)[1] }) }, OPTIONS);
}
const decision = (p: QuantPlan, name: string) => p.decisions.find((d) => d.name === name)!;
const conv = (x: string, w: string, y: string, c: number, cin: number) => ({ n: node('Conv', [x, w], [y]), w: floatTensor(w, [c, cin, 1, 1], () => gauss() * 0.3) });

describe('saturation-aware ranges', () => {
  it('a SiLU input (x * Sigmoid(x)) is quantized on [-8, max], a HardSigmoid input on its linear part, with the reason as data', () => {
    const c1 = conv('x', 'w1', 'c1', 4, 3);
    const c2 = conv('m1', 'w2', 'c2', 4, 4);
    const c3 = conv('h', 'w3', 'y', 4, 4);
    const model = buildModel({
      opset: 13,
      nodes: [c1.n, node('Sigmoid', ['c1'], ['s1']), node('Mul', ['c1', 's1'], ['m1']), c2.n, node('HardSigmoid', ['c2'], ['hs'], { attributes: [floatAttr('alpha', 0.2), floatAttr('beta', 0.5)] }), node('Mul', ['c2', 'hs'], ['h']), c3.n],
      initializers: [c1.w, c2.w, c3.w],
      inputs: [valueInfo('x', [1, 3, 8, 8])],
      outputs: [valueInfo('y', [1, 4, 8, 8])],
    });
    const p = plan(model, { x: [0, 255], c1: [-171.6, 33.2], s1: [0, 1], m1: [-0.28, 33.2], c2: [-20, 20], hs: [0, 1], h: [-0.4, 20] });
    const a = p.activations.get('c1')!;
    expect(a.range).toEqual({ min: -8, max: 33.2 });
    expect(a.narrowed!.calibrated).toEqual({ min: -171.6, max: 33.2 });
    expect(a.narrowed!.reason).toMatch(/x \* Sigmoid\(x\) \(SiLU\)/);
    // One u8 step: 0.80 over the calibrated range, 0.16 over the narrowed one.
    expect(a.params.scale).toBeCloseTo(41.2 / 255, 5);
    // HardSigmoid(0.2, 0.5) is flat outside [-2.5, 2.5], but the Mul reads c2 itself for x > 2.5.
    const b = p.activations.get('c2')!;
    expect(b.range).toEqual({ min: -2.5, max: 20 });
    expect(b.narrowed!.reason).toMatch(/HardSigmoid/);
    // Tensors read by non-saturating ops keep their calibrated range.
    expect(p.activations.get('m1')!.range).toEqual({ min: -0.28, max: 33.2 });
    expect(p.activations.get('m1')!.narrowed).toBeUndefined();
  });

  it('a hard swish written as x * Clip(x + 3, 0, 6) / 6 (PaddlePaddle, opset < 14) quantizes its input on [-3, max]', () => {
    const scalar = (name: string, v: number) => makeTensor(name, DataType.FLOAT, [], new Float32Array([v]));
    const hardSwish = (clipLo: number) => {
      const c1 = conv('x', 'w1', 'c1', 4, 3);
      const c2 = conv('hs', 'w2', 'y', 4, 4);
      return buildModel({
        opset: 13,
        nodes: [c1.n, node('Add', ['c1', 'three'], ['a']), node('Clip', ['a', 'lo', 'six'], ['r6']), node('Mul', ['c1', 'r6'], ['m']), node('Div', ['m', 'six'], ['hs']), c2.n],
        initializers: [c1.w, c2.w, scalar('three', 3), scalar('lo', clipLo), scalar('six', 6)],
        inputs: [valueInfo('x', [1, 3, 8, 8])],
        outputs: [valueInfo('y', [1, 4, 8, 8])],
      });
    };
    const ranges: Record<string, [number, number]> = { x: [0, 255], c1: [-7.68, 3.5], a: [-4.68, 6.5], r6: [0, 6], m: [-2.25, 21], hs: [-0.375, 3.5] };
    // Below -3 the Clip gives 0, so x * 0 = 0 and the Add's codes clamp at the Clip's edge: 65% of the codes were spent there.
    const a = plan(hardSwish(0), ranges).activations.get('c1')!;
    expect(a.range).toEqual({ min: -3, max: 3.5 });
    expect(a.narrowed!.reason).toMatch(/x \* Clip\(x \+ c, 0, M\) \(hard swish\)/);
    expect(a.narrowed!.reason).toMatch(/x \+ c -> Clip/);
    expect(a.params.scale).toBeCloseTo(6.5 / 255, 6);
    // With a Clip from -1, x * Clip(...) is -x below -4, not flat: the full range stays.
    expect(plan(hardSwish(-1), ranges).activations.get('c1')!.range).toEqual({ min: -7.68, max: 3.5 });
  });

  it('a tensor also read by a Conv (or a graph output) keeps its full range', () => {
    const c1 = conv('x', 'w1', 'c1', 4, 3);
    const c2 = conv('c1', 'w2', 'y', 4, 4);
    const model = buildModel({
      opset: 13,
      nodes: [c1.n, node('Sigmoid', ['c1'], ['s1']), c2.n, node('Mul', ['y', 's1'], ['z'])],
      initializers: [c1.w, c2.w],
      inputs: [valueInfo('x', [1, 3, 8, 8])],
      outputs: [valueInfo('z', [1, 4, 8, 8])],
    });
    const p = plan(model, { c1: [-50, 50] });
    expect(p.activations.get('c1')!.range).toEqual({ min: -50, max: 50 });
  });
});

describe('the output head and tensors no quantized op reads', () => {
  /** YOLO-style head: box Conv and score Conv -> Sigmoid, concatenated, reshaped, transposed to the output. */
  function yoloHead(): Model {
    const body = conv('x', 'wb', 'f', 8, 3);
    const box = conv('f', 'w1', 'box', 4, 8);
    const obj = conv('f', 'w2', 'objl', 1, 8);
    return buildModel({
      opset: 13,
      nodes: [
        body.n,
        node('Relu', ['f'], ['fr']),
        { ...box.n, input: ['fr', 'w1'] },
        { ...obj.n, input: ['fr', 'w2'] },
        node('Sigmoid', ['objl'], ['obj']),
        node('Concat', ['box', 'obj'], ['cat'], { attributes: [{ name: 'axis', type: 2, i: 1, ints: [], floats: [], strings: [], tensors: [], graphs: [] }] }),
        node('Reshape', ['cat', 'shape'], ['flat']),
        node('Transpose', ['flat'], ['output']),
      ],
      initializers: [body.w, box.w, obj.w, makeTensor('shape', DataType.INT64, [3], BigInt64Array.from([1n, 5n, -1n]))],
      inputs: [valueInfo('x', [1, 3, 8, 8])],
      outputs: [valueInfo('output', [1, 64, 5])],
    });
  }

  it('keeps the final Sigmoid, the Concat of boxes and scores and the data movement to the output in FP32, with reasons', () => {
    const p = plan(yoloHead(), { x: [0, 255], f: [-3, 9], fr: [0, 9], box: [-40, 190], objl: [-130, 12], obj: [0, 1], cat: [-40, 190] });
    expect(decision(p, 'obj')).toMatchObject({ quantized: false, reason: expect.stringMatching(/^final Sigmoid of the output/) });
    expect(decision(p, 'cat')).toMatchObject({ quantized: false, reason: expect.stringMatching(/^output head .*one INT8 scale never covers boxes and scores together/) });
    expect(decision(p, 'flat').quantized).toBe(false);
    expect(decision(p, 'output').quantized).toBe(false);
    // The Convs stay quantized (INT8 weights, quantized input); their outputs stay float: nothing quantized reads them.
    expect(decision(p, 'box').quantized).toBe(true);
    expect(decision(p, 'objl').quantized).toBe(true);
    expect(p.activations.has('fr')).toBe(true);
    for (const t of ['box', 'objl', 'obj', 'cat', 'flat', 'output']) expect(p.activations.has(t), t).toBe(false);
    expect(p.floatTensors.find((t) => t.name === 'objl')!.reason).toMatch(/read only by ops kept in FP32 \(Sigmoid\)/);
  });

  /**
   * YOLOv8-style head: box logits (4 x 16 bins) -> Softmax over the bins -> 1x1 Conv with weights 0..15
   * (DFL: the expected distance) -> grid Sub/Add -> stride Mul, beside the class scores -> Sigmoid, into
   * one output. A residual Add inside the body (read by a Conv too) is not part of the head.
   */
  function dflHead(): Model {
    const body = conv('x', 'wb', 'f', 8, 3);
    const inner = conv('r', 'wi', 'g', 8, 8);
    const box = conv('g', 'w1', 'boxl', 64, 8);
    const cls = conv('g', 'w2', 'clsl', 2, 8);
    const int64 = (name: string, v: bigint[]) => makeTensor(name, DataType.INT64, [v.length], BigInt64Array.from(v));
    const axis1 = { name: 'axis', type: 2, i: 1, ints: [], floats: [], strings: [], tensors: [], graphs: [] };
    return buildModel({
      opset: 13,
      nodes: [
        body.n,
        node('Add', ['f', 'x8'], ['r']),
        inner.n,
        node('Add', ['g', 'r'], ['g2']),
        { ...box.n, input: ['g2', 'w1'] },
        node('Add', ['boxl', 'bb'], ['boxb']),
        { ...cls.n, input: ['g2', 'w2'] },
        node('Reshape', ['boxb', 'dflshape'], ['bins']),
        node('Transpose', ['bins'], ['binsT'], { attributes: [{ name: 'perm', type: 7, i: 0, ints: [0, 2, 1, 3], floats: [], strings: [], tensors: [], graphs: [] }] }),
        node('Softmax', ['binsT'], ['p'], { attributes: [axis1] }),
        node('Conv', ['p', 'proj'], ['dist']),
        node('Reshape', ['dist', 'distshape'], ['d']),
        node('Sub', ['grid', 'd'], ['xy']),
        node('Mul', ['xy', 'stride'], ['boxes']),
        node('Sigmoid', ['clsl'], ['scores']),
        node('Reshape', ['scores', 'clsshape'], ['s']),
        node('Concat', ['boxes', 's'], ['output'], { attributes: [axis1] }),
      ],
      initializers: [
        body.w,
        inner.w,
        floatTensor('w1', [64, 8, 1, 1], () => gauss() * 0.3),
        cls.w,
        floatTensor('x8', [1, 8, 1, 1], () => 0.1),
        floatTensor('bb', [1, 64, 1, 1], () => gauss()),
        floatTensor('proj', [1, 16, 1, 1], (i) => i),
        floatTensor('grid', [1, 4, 64], () => 3),
        floatTensor('stride', [1], () => 8),
        int64('dflshape', [1n, 4n, 16n, 64n]),
        int64('distshape', [1n, 4n, 64n]),
        int64('clsshape', [1n, 2n, 64n]),
      ],
      inputs: [valueInfo('x', [1, 3, 8, 8])],
      outputs: [valueInfo('output', [1, 6, 64])],
    });
  }

  it('keeps the DFL expectation, the grid and stride arithmetic and the Softmax over bins in FP32; the body, its residual Adds and the head convs stay INT8', () => {
    const p = plan(dflHead(), { x: [0, 1], f: [-3, 9], r: [-3, 9], g: [-4, 8], g2: [-6, 14], boxl: [-9, 12], boxb: [-9, 12], clsl: [-14, 4] });
    expect(decision(p, 'dist')).toMatchObject({ quantized: false, reason: expect.stringMatching(/^expectation over a Softmax's bins .*DFL\/GFL box decoding/) });
    expect(decision(p, 'p')).toMatchObject({ quantized: false, reason: expect.stringMatching(/^Softmax over bins in the output head/) });
    for (const t of ['xy', 'boxes']) expect(decision(p, t)).toMatchObject({ quantized: false, reason: expect.stringMatching(/^box\/score decoding in the output head/) });
    expect(decision(p, 'scores').reason).toMatch(/^(final Sigmoid|output head)/);
    // The layers and the residual stream are not decoding: INT8, and the box conv keeps its bias Add as a fold.
    for (const t of ['f', 'r', 'g', 'g2', 'boxl', 'clsl']) expect(decision(p, t).quantized, t).toBe(true);
    expect(decision(p, 'boxb').reason ?? '').not.toMatch(/decoding/);
    for (const t of ['p', 'dist', 'xy', 'boxes']) expect(p.activations.has(t), t).toBe(false);
  });

  it('a graph output gets no Q/DQ, a folded Relu at the output keeps its Q (the Q is the Relu)', () => {
    const c1 = conv('x', 'w1', 'y1', 4, 3);
    const c2 = conv('x', 'w2', 'c2', 4, 3);
    const model = buildModel({
      opset: 13,
      nodes: [c1.n, c2.n, node('Relu', ['c2'], ['y2'])],
      initializers: [c1.w, c2.w],
      inputs: [valueInfo('x', [1, 3, 8, 8])],
      outputs: [valueInfo('y1', [1, 4, 8, 8]), valueInfo('y2', [1, 4, 8, 8])],
    });
    const p = plan(model, { y1: [-5, 5], c2: [-5, 5], y2: [0, 5] });
    expect(p.activations.has('y1')).toBe(false);
    expect(p.floatTensors).toContainEqual({ name: 'y1', reason: 'graph output: a Q/DQ on it would only round the result' });
    expect(p.folds.map((f) => f.to)).toEqual(['y2']);
    expect(p.activations.has('y2')).toBe(true);
  });
});

describe('ops of current vision models: explicit decisions', () => {
  it('attention: both MatMuls quantized (QLinearMatMul), Softmax in FP32 and its logits float; LayerNorm primitives in FP32 with reasons', () => {
    const model = buildModel({
      opset: 13,
      nodes: [
        node('MatMul', ['x', 'wq'], ['q']),
        node('MatMul', ['x', 'wk'], ['k']),
        node('Transpose', ['k'], ['kt'], { attributes: [{ name: 'perm', type: 7, ints: [0, 2, 1], floats: [], strings: [], tensors: [], graphs: [] }] }),
        node('MatMul', ['q', 'kt'], ['logits']),
        node('Softmax', ['logits'], ['attn']),
        node('MatMul', ['attn', 'q'], ['ctx']),
        node('ReduceMean', ['ctx'], ['mu']),
        node('Sub', ['ctx', 'mu'], ['d']),
        node('Pow', ['d', 'two'], ['d2']),
        node('ReduceMean', ['d2'], ['var']),
        node('Sqrt', ['var'], ['std']),
        node('Div', ['d', 'std'], ['n']),
        node('MatMul', ['n', 'wo'], ['y']),
      ],
      initializers: [floatTensor('wq', [8, 8], () => gauss()), floatTensor('wk', [8, 8], () => gauss()), floatTensor('wo', [8, 8], () => gauss()), floatTensor('two', [], [2])],
      inputs: [valueInfo('x', [1, 4, 8])],
      outputs: [valueInfo('y', [1, 4, 8])],
    });
    const p = plan(model, {});
    expect(decision(p, 'logits').quantized).toBe(true); // two activations, both u8
    expect(p.activations.has('q') && p.activations.has('kt')).toBe(true);
    expect(decision(p, 'attn')).toMatchObject({ quantized: false, reason: expect.stringMatching(/^Softmax: exponentials of 8-bit logits are coarse/) });
    expect(p.activations.has('logits')).toBe(false);
    expect(p.activations.has('attn')).toBe(true); // read by the quantized P*V MatMul
    for (const [name, op] of [['mu', 'ReduceMean'], ['d2', 'Pow'], ['std', 'Sqrt']] as const) expect(decision(p, name).reason, op).toMatch(/LayerNorm/);
    expect(decision(p, 'd').reason).toMatch(/^Sub: no INT8 kernel/);
    expect(decision(p, 'n').reason).toMatch(/^Div: no INT8 kernel/);
    expect(p.activations.has('ctx')).toBe(false); // read only by FP32 ops
    expect(p.activations.has('n')).toBe(true); // read by the quantized output MatMul
  });

  it('GridSample, TopK, Where, Einsum, Erf, PRelu, Mish, InstanceNormalization, LayerNormalization each have their reason', () => {
    const ops = ['GridSample', 'TopK', 'Where', 'Einsum', 'Erf', 'PRelu', 'Mish', 'InstanceNormalization', 'LayerNormalization', 'Gelu'];
    const model = buildModel({ opset: 13, nodes: ops.map((op) => node(op, ['x'], [op.toLowerCase()])), inputs: [valueInfo('x', [1, 4])], outputs: ops.map((op) => valueInfo(op.toLowerCase(), [1, 4])) });
    const p = plan(model, {});
    for (const op of ops) {
      const d = decision(p, op.toLowerCase());
      expect(d.quantized).toBe(false);
      expect(d.reason, op).not.toMatch(/^no INT8 quantizer/);
      expect(d.reason, op).toMatch(/FP32/);
    }
  });
});

describe('sum-preserving weight rounding', () => {
  it('each 3x3 kernel slice sums to within half a step of its exact sum; every code stays a neighbour of its exact value', () => {
    const dims = [16, 1, 3, 3]; // depthwise
    const w = Float32Array.from({ length: 16 * 9 }, () => gauss() * 0.2);
    const p = computePerChannelParams(w, dims, 0, { type: 's8', symmetric: true, reduceRange: false });
    const q = quantizePerAxis(w, dims, 0, p);
    const before = Array.from({ length: 16 }, (_, c) => Math.abs(Array.from(q.slice(c * 9, c * 9 + 9)).reduce((a: number, v: number, j: number) => a + v - w[c * 9 + j] / p.scales[c], 0)));
    const groups = roundingGroups(dims, 0)!;
    expect(groups).toMatchObject({ count: 16, size: 9 });
    const moved = preserveGroupSums(w, q, groups, (i) => p.scales[Math.floor(i / 9)], () => 0, -127, 127);
    expect(moved).toBeGreaterThan(0);
    for (let c = 0; c < 16; c++) {
      let err = 0;
      for (let j = 0; j < 9; j++) {
        const exact = w[c * 9 + j] / p.scales[c];
        expect(Math.abs(q[c * 9 + j] - exact)).toBeLessThan(1);
        err += q[c * 9 + j] - exact;
      }
      expect(Math.abs(err)).toBeLessThanOrEqual(0.5 + 1e-6);
    }
    expect(Math.max(...before)).toBeGreaterThan(0.5); // there was something to fix
  });

  it('is the default in quantizeModel; weightRounding nearest rounds each weight alone', () => {
    const dims = [8, 1, 3, 3];
    const model = buildModel({
      opset: 13,
      nodes: [node('Conv', ['x', 'w'], ['c'], { attributes: [{ name: 'group', type: 2, i: 8, ints: [], floats: [], strings: [], tensors: [], graphs: [] }] }), node('Relu', ['c'], ['y'])],
      initializers: [floatTensor('w', dims, () => gauss() * 0.2)],
      inputs: [valueInfo('x', [1, 8, 6, 6])],
      outputs: [valueInfo('y', [1, 8, 4, 4])],
    });
    const stats = { tensors: { x: { min: 0, max: 1, count: 1 }, c: { min: -2, max: 2, count: 1 }, y: { min: 0, max: 2, count: 1 } } } as unknown as CalibrationStats;
    const w = tensorToFloat32(model.graph!.initializer[0]);
    const sumError = (m: Model) => {
      const q = m.graph!.initializer.find((t) => t.name?.startsWith('w_quantized'))!;
      const s = tensorToFloat32(m.graph!.initializer.find((t) => t.name?.startsWith('w_scale'))!);
      const codes = Int8Array.from(new Int8Array(q.rawData!.buffer, q.rawData!.byteOffset, q.rawData!.length));
      return Math.max(...Array.from({ length: 8 }, (_, c) => Math.abs(Array.from({ length: 9 }, (_, j) => codes[c * 9 + j] - w[c * 9 + j] / s[c]).reduce((a, b) => a + b, 0))));
    };
    expect(sumError(quantizeModel(model, stats).model)).toBeLessThanOrEqual(0.5 + 1e-6);
    expect(sumError(quantizeModel(model, stats, { weightRounding: 'nearest' }).model)).toBeGreaterThan(0.5);
  });
});
