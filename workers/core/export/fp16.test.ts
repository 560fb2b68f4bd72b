/**
 * FP16 export on small built models, run in onnxruntime-node: the rules (kept FP32 with a reason,
 * Casts at the islands, float32 I/O unless asked), constants float16 cannot hold, Resize's float32
 * scales, subgraphs, sum-preserving rounding, the storage twin; and what onnxruntime's CPU does with a
 * float16 model (it computes in float32 between its own Casts and keeps no rounding between them).
 */
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import { intAttr } from '../onnx/attributes';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from '../onnx/build';
import { decodeModel } from '../onnx/decode';
import { encodeModel } from '../onnx/encode';
import { float16ToFloat32, float32ToFloat16, makeTensor, runnerTensorToFloat32, tensorToFloat32 } from '../onnx/tensor';
import { AttributeType, DataType, type Model } from '../onnx/types';
import type { Feeds } from '../runner';
import { convertToFloat16 } from './fp16';
import { preserveFloat16Sums } from './fp16-rounding';
import { FP16_OP_RULES } from './fp16-rules';
import { float16StorageTwin } from './fp16-storage';
import { formatOfModel } from './formats';
import { mappingFromModel } from '../metrics/compare';
import { roundingGroups } from '../quant/sum-rounding';

const runner = createNodeRunner();
const rand = seededRandom(11);
const H = DataType.FLOAT16;
const F = DataType.FLOAT;

async function run(model: Model, feeds: Feeds) {
  const s = await runner.createSession(encodeModel(model));
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let x = 0;
  let y = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    x += a[i] * a[i];
    y += b[i] * b[i];
  }
  return d / Math.sqrt(x * y);
}

/** x -> Conv -> Sigmoid -> Conv -> Exp -> Mul(0.5) -> y, with a Softmax side output. */
function detectorHead(): Model {
  const rand = seededRandom(5);
  return buildModel({
    opset: 13,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { attributes: [] }),
      node('Sigmoid', ['c1'], ['s1']),
      node('Conv', ['s1', 'w2'], ['c2']),
      node('Exp', ['c2'], ['e']),
      node('Mul', ['e', 'half'], ['y']),
      node('Softmax', ['c2'], ['p'], { attributes: [intAttr('axis', 1)] }),
    ],
    initializers: [
      floatTensor('w1', [8, 3, 3, 3], () => rand() - 0.5),
      floatTensor('b1', [8], () => rand() - 0.5),
      floatTensor('w2', [4, 8, 1, 1], () => rand() - 0.5),
      floatTensor('half', [], [0.5]),
    ],
    inputs: [valueInfo('x', [1, 3, 8, 8])],
    outputs: [valueInfo('y', [1, 4, 6, 6]), valueInfo('p', [1, 4, 6, 6])],
  });
}

const input = (dims: number[], scale = 1): Feeds => ({ x: { type: 'float32', dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (rand() - 0.5) * scale) } });

describe('convertToFloat16', () => {
  it('converts convs and activations, keeps Exp and Softmax FP32 with their reasons behind Casts, float32 I/O, and agrees with FP32', async () => {
    const fp32 = detectorHead();
    const { model, report, mapping } = convertToFloat16(fp32, { inputRanges: { x: { min: -1, max: 1 } } });
    const kept = Object.fromEntries(report.nodes.filter((d) => !d.converted).map((d) => [d.opType, d.reason]));
    expect(kept.Exp).toBe(FP16_OP_RULES.Exp.reason);
    expect(kept.Softmax).toBe(FP16_OP_RULES.Softmax.reason);
    expect(report.nodes.filter((d) => d.converted).map((d) => d.opType).sort()).toEqual(['Conv', 'Conv', 'Mul', 'Sigmoid']);
    // Casts: x in, c2 to the FP32 island (one shared Cast for Exp and Softmax), e back to float16, y out.
    expect(report.casts).toBe(4);
    expect(model.graph!.node.filter((n) => n.opType === 'Cast')).toHaveLength(4);
    expect(report.graphInputs).toEqual([{ name: 'x', type: 'float32' }]);
    expect(report.graphOutputs).toEqual([{ name: 'y', type: 'float32' }, { name: 'p', type: 'float32' }]);
    expect(model.graph!.initializer.find((t) => t.name === 'w1')!.dataType).toBe(H);
    // The format and the mapping travel in the metadata; mapped twins exist in the graph.
    const decoded = decodeModel(encodeModel(model));
    expect(formatOfModel(decoded)).toBe('fp16');
    expect(mappingFromModel(decoded)!.map((m) => m.fp32)).toEqual(mapping.map((m) => m.fp32));
    expect(mapping.find((m) => m.fp32 === 'y')!.int8).toBe('y_fp16');
    const feeds = input([1, 3, 8, 8]);
    const [a, b] = [await run(fp32, feeds), await run(decoded, feeds)];
    expect(b.y.type).toBe('float32');
    for (const name of ['y', 'p']) expect(cosine(a[name].data as Float32Array, b[name].data as Float32Array)).toBeGreaterThan(0.9999);
  });

  it("io: 'float16' makes the float inputs and outputs float16", async () => {
    const { model, report } = convertToFloat16(detectorHead(), { io: 'float16', inputRanges: { x: { min: -1, max: 1 } } });
    expect(report.graphInputs).toEqual([{ name: 'x', type: 'float16' }]);
    expect(report.graphOutputs.map((o) => o.type)).toEqual(['float16', 'float16']);
    const feeds = input([1, 3, 8, 8]);
    const out = await run(model, { x: { type: 'float16', dims: [1, 3, 8, 8], data: float32ToFloat16(feeds.x.data as Float32Array) } });
    expect(out.y.type).toBe('float16');
    const ref = await run(detectorHead(), feeds);
    expect(cosine(ref.y.data as Float32Array, runnerTensorToFloat32(out.y))).toBeGreaterThan(0.999);
  });

  it('keeps the first layer FP32 on 0..255 pixels (or an unknown range), converts it on normalized input', () => {
    const first = (options: Parameters<typeof convertToFloat16>[1]) => convertToFloat16(detectorHead(), options).report.nodes.find((d) => d.name === 'c1')!;
    expect(first({ inputRanges: { x: { min: 0, max: 255 } } }).reason).toMatch(/first layer on an input of range \[0, 255\]/);
    expect(first({}).reason).toMatch(/range was not given/);
    expect(first({ inputRanges: { x: { min: -2.2, max: 2.7 } } }).converted).toBe(true);
  });

  it('keeps a node FP32 with a constant beyond 65504 or an epsilon float16 rounds off; Resize keeps float32 scales', async () => {
    const m = buildModel({
      opset: 13,
      nodes: [
        node('Mul', ['x', 'big'], ['m']),
        node('Add', ['m', 'eps'], ['a']),
        node('Relu', ['a'], ['r']),
        node('Resize', ['r', '', 'scales'], ['y'], { attributes: [{ name: 'mode', type: AttributeType.STRING, s: new TextEncoder().encode('linear'), floats: [], ints: [], strings: [], tensors: [], graphs: [] }] }),
        node('Sigmoid', ['y'], ['z']),
      ],
      initializers: [floatTensor('big', [], [1e5]), floatTensor('eps', [], [1e-9]), floatTensor('scales', [4], [1, 1, 2, 2])],
      inputs: [valueInfo('x', [1, 2, 4, 4])],
      outputs: [valueInfo('z', [1, 2, 8, 8])],
    });
    const { model, report } = convertToFloat16(m, { inputRanges: { x: { min: -1, max: 1 } } });
    const reason = (name: string) => report.nodes.find((d) => d.name === name)!.reason;
    expect(reason('m')).toMatch(/constant 'big' holds 1\.000e\+5, beyond float16's largest value 65504/);
    expect(reason('a')).toMatch(/constant 'eps' = 1\.000e-9 becomes 0\.000 in float16/);
    expect(model.graph!.initializer.find((t) => t.name === 'scales')!.dataType).toBe(F);
    expect(model.graph!.initializer.find((t) => t.name === 'big')!.dataType).toBe(F);
    const feeds = input([1, 2, 4, 4], 2);
    const [a, b] = [await run(m, feeds), await run(model, feeds)];
    expect(cosine(a.z.data as Float32Array, b.z.data as Float32Array)).toBeGreaterThan(0.9999);
  });

  it('keeps an If FP32 and the outer tensors its branches read float32', async () => {
    const branch = (op: string) => ({ name: op, node: [node(op, ['c'], [`${op}_out`])], initializer: [], input: [], output: [valueInfo(`${op}_out`, [1, 2, 4, 4])], valueInfo: [] });
    const graphAttr = (name: string, g: ReturnType<typeof branch>) => ({ name, type: AttributeType.GRAPH, g, floats: [], ints: [], strings: [], tensors: [], graphs: [] });
    const m = buildModel({
      opset: 13,
      nodes: [node('Conv', ['x', 'w'], ['c']), node('If', ['cond'], ['y'], { attributes: [graphAttr('then_branch', branch('Relu')), graphAttr('else_branch', branch('Sigmoid'))] })],
      initializers: [floatTensor('w', [2, 2, 1, 1], () => rand() - 0.5), makeTensor('cond', DataType.BOOL, [], new Uint8Array([1]))],
      inputs: [valueInfo('x', [1, 2, 4, 4])],
      outputs: [valueInfo('y', [1, 2, 4, 4])],
    });
    const { model, report } = convertToFloat16(m, { inputRanges: { x: { min: -1, max: 1 } } });
    expect(report.nodes.find((d) => d.opType === 'If')!.reason).toMatch(/has a subgraph/);
    expect(report.nodes.find((d) => d.opType === 'Conv')!.converted).toBe(true);
    const feeds = input([1, 2, 4, 4]);
    const [a, b] = [await run(m, feeds), await run(model, feeds)];
    expect(cosine(a.y.data as Float32Array, b.y.data as Float32Array)).toBeGreaterThan(0.9999);
  });

  it('sum-preserving rounding brings each kernel\'s sum of float16 errors below nearest rounding\'s, each weight still a neighbour', () => {
    const dims = [16, 1, 3, 3];
    const values = Float32Array.from({ length: 144 }, () => (rand() - 0.5) * 100);
    const nearest = float32ToFloat16(values);
    const adjusted = nearest.slice();
    const moved = preserveFloat16Sums(values, adjusted, roundingGroups(dims, 0)!);
    expect(moved).toBeGreaterThan(0);
    const a = float16ToFloat32(nearest);
    const b = float16ToFloat32(adjusted);
    let before = 0;
    let after = 0;
    for (let c = 0; c < 16; c++) {
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < 9; k++) {
        const i = c * 9 + k;
        s0 += a[i] - values[i];
        s1 += b[i] - values[i];
        // one float16 step at most (below 2^-10 relative)
        expect(Math.abs(b[i] - values[i])).toBeLessThanOrEqual(Math.abs(values[i]) * 2 ** -10 + 1e-7);
      }
      before += Math.abs(s0);
      after += Math.abs(s1);
    }
    expect(after).toBeLessThan(before / 3);
  });

  it('every FP32 rule of the table has a reason, and every op kept for no rule says so', () => {
    for (const [op, rule] of Object.entries(FP16_OP_RULES)) if (rule.kind === 'fp32') expect(rule.reason, op).toMatch(/FP32|float32/);
    const m = buildModel({ opset: 13, nodes: [node('Atan', ['x'], ['y'])], inputs: [valueInfo('x', [2])], outputs: [valueInfo('y', [2])] });
    expect(convertToFloat16(m).report.nodes[0].reason).toBe("no float16 rule for op 'Atan' (not checked in float16): kept in FP32");
  });
});

describe('onnxruntime CPU and float16 models', () => {
  // 1 + 2^-12 is 1 in float16: a float16 add chain gives 0, float32 arithmetic gives 2^-12.
  const chain = (type: number, nodes: ReturnType<typeof node>[]) =>
    buildModel({
      opset: 13,
      nodes,
      initializers: [makeTensor('c', type, [], type === H ? float32ToFloat16(new Float32Array([2 ** -12])) : new Float32Array([2 ** -12])), makeTensor('d', type, [], type === H ? float32ToFloat16(new Float32Array([-1])) : new Float32Array([-1]))],
      inputs: [valueInfo('x', [1], type)],
      outputs: [valueInfo('z', [1], type)],
    });

  it('computes ops without a float16 kernel in float32 between its own Casts, with no float16 rounding between them', async () => {
    const m = chain(H, [node('Add', ['x', 'c'], ['y']), node('Add', ['y', 'd'], ['z'])]);
    const out = await run(m, { x: { type: 'float16', dims: [1], data: float32ToFloat16(new Float32Array([1])) } });
    expect(runnerTensorToFloat32(out.z)[0]).toBe(2 ** -12);
  });

  it('keeps the rounding of explicit Casts, which the storage twin uses', async () => {
    const m = chain(F, [node('Add', ['x', 'c'], ['y']), node('Cast', ['y'], ['yh'], { attributes: [intAttr('to', H)] }), node('Cast', ['yh'], ['yf'], { attributes: [intAttr('to', F)] }), node('Add', ['yf', 'd'], ['z'])]);
    const out = await run(m, { x: { type: 'float32', dims: [1], data: new Float32Array([1]) } });
    expect(runnerTensorToFloat32(out.z)[0]).toBe(0);
    // The storage twin of a float16 model rounds every float16 tensor: the same 0.
    const fp16 = chain(H, [node('Add', ['x', 'c'], ['y']), node('Add', ['y', 'd'], ['z'])]);
    const twin = float16StorageTwin(fp16);
    expect(twin.graph!.node.filter((n) => n.opType === 'Cast')).toHaveLength(4);
    const t = await run(twin, { x: { type: 'float32', dims: [1], data: new Float32Array([1]) } });
    expect(runnerTensorToFloat32(t.z)[0]).toBe(0);
    expect(tensorToFloat32(twin.graph!.initializer[0])[0]).toBe(2 ** -12);
  });
});
