/**
 * Constant folding and Constant nodes -> initializers. The kernels of ./evaluate.ts are checked bit
 * for bit against onnxruntime-node's (the same op, fed the same values as graph inputs), including the
 * edge cases they must decline; the passes are checked on graphs whose folded form must give
 * bit-identical outputs.
 */
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import type { RunnerTensor } from '../runner';
import { floatAttr, floatsAttr, intAttr, intsAttr, tensorAttr } from '../onnx/attributes';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from '../onnx/build';
import { encodeModel } from '../onnx/encode';
import { elementTypeOf, floatToHalf, makeTensor, tensorProtoToRunner, tensorToArray, type TypedArray } from '../onnx/tensor';
import { DataType, type Attribute, type Model, type Node, type TensorProto } from '../onnx/types';
import { prepareModel } from '../quant/quantize';
import { constantsToInitializers } from './constants';
import { evaluate, valueOf, type Value } from './evaluate';
import { foldConstants } from './fold';

const runner = createNodeRunner({ source: 'fold.test' });
const rand = seededRandom(5);

async function run(model: Model, feeds: Record<string, RunnerTensor>, optimization: 'disabled' | 'all' = 'disabled'): Promise<Record<string, RunnerTensor>> {
  const s = await runner.createSession(encodeModel(model), { optimization, threads: 1 });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

const int64 = (name: string, values: number[], dims = [values.length]) => makeTensor(name, DataType.INT64, dims, BigInt64Array.from(values, BigInt));
const int32 = (name: string, values: number[], dims = [values.length]) => makeTensor(name, DataType.INT32, dims, Int32Array.from(values));
const f32 = (name: string, values: number[], dims = [values.length]) => makeTensor(name, DataType.FLOAT, dims, Float32Array.from(values));
const f64 = (name: string, values: number[], dims = [values.length]) => makeTensor(name, DataType.DOUBLE, dims, Float64Array.from(values));
const u8 = (name: string, values: number[], dims = [values.length]) => makeTensor(name, DataType.UINT8, dims, Uint8Array.from(values));
const bool = (name: string, values: number[], dims = [values.length]) => makeTensor(name, DataType.BOOL, dims, Uint8Array.from(values));
const f16 = (name: string, values: number[], dims = [values.length]) => makeTensor(name, DataType.FLOAT16, dims, Uint16Array.from(values, floatToHalf));

/** Equal bit for bit, except that any NaN equals any NaN (payloads differ between libms). */
function sameValues(a: TypedArray, b: TypedArray): string | undefined {
  if (a.length !== b.length) return `${a.length} vs ${b.length} values`;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i], b[i]];
    if (typeof x === 'number' && Number.isNaN(x) && typeof y === 'number' && Number.isNaN(y)) continue;
    if (!Object.is(x, y)) return `[${i}] ${String(y)} vs onnxruntime ${String(x)}`;
  }
  return undefined;
}

interface KernelCase {
  readonly label: string;
  readonly op: string;
  readonly inputs: TensorProto[];
  readonly attributes?: Attribute[];
  readonly opset?: number;
}

const F = [0, -0, 1.5, -2.7, 3.3e-8, 1e30, -7, 0.1, 65519, 2.5];
const CASES: KernelCase[] = [
  { label: 'Add float32 broadcast [2,3,4] + [4]', op: 'Add', inputs: [f32('a', Array.from({ length: 24 }, () => rand() * 10 - 5), [2, 3, 4]), f32('b', [0.1, -0.2, 1e-7, 3e5])] },
  { label: 'Sub float32 broadcast [3,1] - [1,4]', op: 'Sub', inputs: [f32('a', [1.1, 2.2, 3.3], [3, 1]), f32('b', [0.7, 1e-8, -5, 1 / 3], [1, 4])] },
  { label: 'Mul float32 with a scalar', op: 'Mul', inputs: [f32('a', F), f32('b', [1 / 3], [])] },
  { label: 'Div float32 (by 0 gives inf/nan)', op: 'Div', inputs: [f32('a', [1, -1, 0, 7, 1e-30, 3]), f32('b', [0, 0, 0, 3, 7, -0])] },
  { label: 'Div float64', op: 'Div', inputs: [f64('a', [1, 2, 3, 10]), f64('b', [3, 7, 9, 3])] },
  { label: 'Add int64', op: 'Add', inputs: [int64('a', [1, -5, 2 ** 40, 7]), int64('b', [2, 3, -(2 ** 41), -9])] },
  { label: 'Div int64 truncates toward zero', op: 'Div', inputs: [int64('a', [-7, 7, -7, 7, 0]), int64('b', [2, 2, -2, -2, 5])] },
  { label: 'Mul int32 wraps', op: 'Mul', inputs: [int32('a', [65536, -3, 123456789]), int32('b', [65536, 7, 1000])] },
  { label: 'Div int32 truncates', op: 'Div', inputs: [int32('a', [-9, 9, 2147483647]), int32('b', [4, -4, 3])] },
  { label: 'Cast float32 -> int32 (trunc)', op: 'Cast', inputs: [f32('a', [1.9, -1.9, 0, -0, 2147483520, -2147483648])], attributes: [intAttr('to', DataType.INT32)] },
  { label: 'Cast float32 -> int64', op: 'Cast', inputs: [f32('a', [1.9, -1.9, 1e15, -3e12])], attributes: [intAttr('to', DataType.INT64)] },
  { label: 'Cast float32 -> uint8', op: 'Cast', inputs: [f32('a', [0, 1.5, 254.9, 255])], attributes: [intAttr('to', DataType.UINT8)] },
  { label: 'Cast float32 -> bool', op: 'Cast', inputs: [f32('a', [0, -0, 1e-30, -2, NaN])], attributes: [intAttr('to', DataType.BOOL)] },
  { label: 'Cast float32 -> float16 (ties to even)', op: 'Cast', inputs: [f32('a', [1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519, 65520, 1e-8, -2.5e-5, 1 / 3])], attributes: [intAttr('to', DataType.FLOAT16)] },
  { label: 'Cast float16 -> float32', op: 'Cast', inputs: [f16('a', [1 / 3, -2, 65504, 6e-8])], attributes: [intAttr('to', DataType.FLOAT)] },
  { label: 'Cast float64 -> float32', op: 'Cast', inputs: [f64('a', [1 / 3, 1e40, -1e-50, 0.1])], attributes: [intAttr('to', DataType.FLOAT)] },
  { label: 'Cast int64 -> int32 wraps', op: 'Cast', inputs: [int64('a', [2 ** 40 + 5, -1, 2 ** 31])], attributes: [intAttr('to', DataType.INT32)] },
  { label: 'Cast int64 -> float32', op: 'Cast', inputs: [int64('a', [2 ** 53, 16777217, -3])], attributes: [intAttr('to', DataType.FLOAT)] },
  { label: 'Cast int32 -> uint8 wraps', op: 'Cast', inputs: [int32('a', [-1, 256, 300])], attributes: [intAttr('to', DataType.UINT8)] },
  { label: 'Cast uint8 -> int64', op: 'Cast', inputs: [u8('a', [0, 255, 17])], attributes: [intAttr('to', DataType.INT64)] },
  { label: 'Cast bool -> float32', op: 'Cast', inputs: [bool('a', [0, 1, 1])], attributes: [intAttr('to', DataType.FLOAT)] },
  { label: 'Concat int64 axis 0 (one input empty)', op: 'Concat', inputs: [int64('a', [1, 2]), int64('b', []), int64('c', [-1])], attributes: [intAttr('axis', 0)] },
  { label: 'Concat float32 axis -1', op: 'Concat', inputs: [f32('a', [1, 2, 3, 4], [2, 2]), f32('b', [5, 6], [2, 1])], attributes: [intAttr('axis', -1)] },
  { label: 'Gather axis 0, scalar index', op: 'Gather', inputs: [int64('a', [4, 3, 640, 640]), int64('i', [2], [])] },
  { label: 'Gather axis 1, negative indices', op: 'Gather', inputs: [f32('a', [1, 2, 3, 4, 5, 6], [2, 3]), int32('i', [-1, 0, 2, 2], [2, 2])], attributes: [intAttr('axis', 1)] },
  { label: 'Slice negative start, INT64 max end', op: 'Slice', inputs: [int64('a', [1, 3, 48, 320]), int64('s', [-2]), int64('e', [2 ** 63]), int64('ax', [0])] },
  { label: 'Slice 2-D with steps -1 and 2', op: 'Slice', inputs: [f32('a', Array.from({ length: 20 }, (_, i) => i), [4, 5]), int64('s', [-1, 0]), int64('e', [-(2 ** 63), 5]), int64('ax', [0, 1]), int64('st', [-1, 2])] },
  { label: 'Slice empty result', op: 'Slice', inputs: [f32('a', [1, 2, 3]), int64('s', [2]), int64('e', [1])] },
  { label: 'Transpose default perm', op: 'Transpose', inputs: [f32('a', Array.from({ length: 24 }, (_, i) => i), [2, 3, 4])] },
  { label: 'Transpose perm [1,2,0] int64', op: 'Transpose', inputs: [int64('a', Array.from({ length: 24 }, (_, i) => i), [2, 3, 4])], attributes: [intsAttr('perm', [1, 2, 0])] },
  { label: 'Reshape with 0 and -1', op: 'Reshape', inputs: [f32('a', Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]), int64('s', [0, -1])] },
  { label: 'Flatten axis 0', op: 'Flatten', inputs: [f32('a', [1, 2, 3, 4, 5, 6], [1, 2, 3])], attributes: [intAttr('axis', 0)] },
  { label: 'Squeeze without axes', op: 'Squeeze', inputs: [f32('a', [1, 2, 3], [1, 3, 1])] },
  { label: 'Unsqueeze negative axes', op: 'Unsqueeze', inputs: [int64('a', [7, 8]), int64('ax', [-1, 0])] },
  { label: 'Shape start/end (opset 15)', op: 'Shape', inputs: [f32('a', new Array<number>(24).fill(0), [2, 3, 4])], attributes: [intAttr('start', -2)], opset: 15 },
  { label: 'Identity bool', op: 'Identity', inputs: [bool('a', [1, 0, 1])] },
];

describe('evaluate gives onnxruntime-node\'s bits', () => {
  for (const c of CASES) {
    it(c.label, async () => {
      const n = node(c.op, c.inputs.map((t) => t.name!), ['y'], { attributes: c.attributes ?? [] });
      const got = evaluate(n, c.inputs.map((t) => valueOf(t)), c.opset ?? 13)?.[0];
      expect(got, 'evaluate declined').toBeDefined();
      // The output is declared with the type evaluate gives: onnxruntime refuses the model if it is not the op's.
      const model = buildModel({ opset: c.opset ?? 13, nodes: [n], inputs: c.inputs.map((t) => valueInfo(t.name!, t.dims, t.dataType)), outputs: [valueInfo('y', undefined, got!.dataType)] });
      const feeds = Object.fromEntries(c.inputs.map((t) => [t.name!, tensorProtoToRunner(t)]));
      const expected = (await run(model, feeds)).y;
      expect(elementTypeOf(got!.dataType)).toBe(expected.type);
      expect([...got!.dims]).toEqual([...expected.dims]);
      expect(sameValues(expected.data as TypedArray, got!.data)).toBeUndefined();
    });
  }

  it('declines what onnxruntime might compute differently (or not at all)', () => {
    const decline = (op: string, inputs: TensorProto[], attributes: Attribute[] = []) => evaluate(node(op, inputs.map((t) => t.name!), ['y'], { attributes }), inputs.map((t) => valueOf(t)), 13);
    expect(decline('Div', [int64('a', [1, 2]), int64('b', [1, 0])])).toBeUndefined(); // integer division by zero
    expect(decline('Div', [int32('a', [-(2 ** 31)]), int32('b', [-1])])).toBeUndefined(); // INT_MIN / -1
    expect(decline('Cast', [f32('a', [3e9])], [intAttr('to', DataType.INT32)])).toBeUndefined(); // out of range: UB in C++
    expect(decline('Cast', [f32('a', [NaN])], [intAttr('to', DataType.INT64)])).toBeUndefined();
    expect(decline('Cast', [int64('a', [2 ** 53 + 2])], [intAttr('to', DataType.FLOAT)])).toBeUndefined(); // two roundings in JS
    expect(decline('Cast', [int32('a', [1])], [intAttr('to', DataType.FLOAT16)])).toBeUndefined();
    expect(decline('Gather', [int64('a', [1, 2]), int64('i', [2])])).toBeUndefined(); // index out of range
    expect(decline('Add', [f16('a', [1]), f16('b', [2])])).toBeUndefined(); // float16 arithmetic
    expect(decline('Add', [u8('a', [1]), u8('b', [2])])).toBeUndefined();
    expect(decline('Add', [f32('a', [1]), int64('b', [2])])).toBeUndefined(); // mixed types: invalid
    expect(decline('Pow', [f32('a', [2]), f32('b', [0.5])])).toBeUndefined(); // libm-dependent
    expect(decline('Reshape', [f32('a', [1, 2, 3]), int64('s', [2, -1])])).toBeUndefined();
  });
});

/**
 * Bit-identical outputs. Both run with onnxruntime's optimizations on, so the original's constant chain
 * is folded there too: a MatMul whose weight is a constant initializer is prepacked and sums in another
 * order than one whose weight is computed at run time (a 1e-7 difference that is not the fold's).
 */
async function sameOutputs(original: Model, folded: Model, feeds: Record<string, RunnerTensor>): Promise<void> {
  const a = await run(original, feeds, 'all');
  const b = await run(folded, feeds, 'all');
  for (const [k, t] of Object.entries(a)) expect(sameValues(t.data as TypedArray, b[k].data as TypedArray), k).toBeUndefined();
}

describe('foldConstants', () => {
  it('folds Transpose -> Reshape -> Unsqueeze -> Squeeze -> Flatten -> Identity chains of a weight; outputs are bit-identical', async () => {
    // w [2,3,4,5] -> Transpose(perm 3,1,0,2) [5,3,2,4] -> Reshape(0,-1) [5,24] -> Unsqueeze(0) [1,5,24]
    //   -> Squeeze(0) [5,24] -> Flatten(axis 1) [5,24] -> Identity -> Transpose() [24,5]: y = x[1,24] · W
    const model = buildModel({
      opset: 13,
      nodes: [
        node('Transpose', ['w'], ['t'], { attributes: [intsAttr('perm', [3, 1, 0, 2])] }),
        node('Reshape', ['t', 'shape'], ['r']),
        node('Unsqueeze', ['r', 'ax0'], ['u']),
        node('Squeeze', ['u', 'ax0'], ['s']),
        node('Flatten', ['s'], ['f'], { attributes: [intAttr('axis', 1)] }),
        node('Identity', ['f'], ['i']),
        node('Transpose', ['i'], ['w2']),
        node('MatMul', ['x', 'w2'], ['y']),
      ],
      initializers: [floatTensor('w', [2, 3, 4, 5], () => rand() - 0.5), int64('shape', [0, -1]), int64('ax0', [0])],
      inputs: [valueInfo('x', [1, 24])],
      outputs: [valueInfo('y', [1, 5])],
    });
    const { model: folded, folded: names, byOp } = foldConstants(model);
    expect(names).toHaveLength(7);
    expect(byOp).toEqual({ Transpose: 2, Reshape: 1, Unsqueeze: 1, Squeeze: 1, Flatten: 1, Identity: 1 });
    expect(folded.graph!.node.map((n) => n.opType)).toEqual(['MatMul']);
    expect(folded.graph!.initializer.find((t) => t.name === 'w2')!.dims).toEqual([24, 5]);
    // The original weight and the shape/axes constants are gone.
    expect(folded.graph!.initializer.map((t) => t.name)).toEqual(['w2']);
    await sameOutputs(model, folded, { x: { type: 'float32', dims: [1, 24], data: Float32Array.from({ length: 24 }, () => rand() * 2 - 1) } });
  });

  it('folds a Paddle-style shape subgraph (Shape of a constant, Gather, Unsqueeze, Concat, Cast, Mul) down to the Reshape target', async () => {
    //  k [2,12] --Shape--> [2,12] --Gather(1)--> 12 --Unsqueeze--> [12] --Concat([-1], ., [2])--> [-1,12,2]
    //    --Cast(float)--Mul(1)--Cast(int64)--> target --> Reshape(x, target)
    const model = buildModel({
      opset: 13,
      nodes: [
        node('Shape', ['k'], ['ks']),
        node('Gather', ['ks', 'one'], ['k1'], { attributes: [intAttr('axis', 0)] }),
        node('Unsqueeze', ['k1', 'ax0'], ['k1u']),
        node('Concat', ['minus1', 'k1u', 'two'], ['target64'], { attributes: [intAttr('axis', 0)] }),
        node('Cast', ['target64'], ['tf'], { attributes: [intAttr('to', DataType.FLOAT)] }),
        node('Mul', ['tf', 'unit'], ['tm']),
        node('Cast', ['tm'], ['target'], { attributes: [intAttr('to', DataType.INT64)] }),
        node('Reshape', ['x', 'target'], ['y']),
      ],
      initializers: [floatTensor('k', [2, 12], () => 0), int64('one', [1], []), int64('ax0', [0]), int64('minus1', [-1]), int64('two', [2]), f32('unit', [1], [])],
      inputs: [valueInfo('x', ['n', 24])],
      outputs: [valueInfo('y')],
    });
    const { model: folded, folded: names } = foldConstants(model);
    expect(names).toHaveLength(7);
    expect(folded.graph!.node.map((n) => n.opType)).toEqual(['Reshape']);
    expect(Array.from(tensorToArray(folded.graph!.initializer.find((t) => t.name === 'target')!) as BigInt64Array, Number)).toEqual([-1, 12, 2]);
    expect(folded.graph!.initializer.map((t) => t.name)).toEqual(['target']);
    await sameOutputs(model, folded, { x: { type: 'float32', dims: [3, 24], data: Float32Array.from({ length: 72 }, () => rand()) } });
  });

  it('folds Shape of a graph input whose shape is declared in full, not of one with a symbolic dimension', () => {
    const build = (dims: (number | string)[]) =>
      buildModel({
        opset: 13,
        nodes: [node('Shape', ['x'], ['xs']), node('Reshape', ['w', 'xs'], ['r']), node('Add', ['x', 'r'], ['y'])],
        initializers: [floatTensor('w', [4], () => 1)],
        inputs: [valueInfo('x', dims)],
        outputs: [valueInfo('y')],
      });
    expect(foldConstants(build([1, 4])).folded).toEqual(['xs', 'r']);
    expect(foldConstants(build(['n', 4])).folded).toEqual([]);
  });

  it('leaves a node with a computed operand, one whose output is a graph output, and one that would grow a tensor past the limit', () => {
    const model = buildModel({
      opset: 13,
      nodes: [node('Add', ['x', 'w'], ['a']), node('Reshape', ['w', 'shape'], ['z']), node('Mul', ['col', 'row'], ['big']), node('Add', ['a', 'big'], ['y'])],
      initializers: [floatTensor('w', [4], () => 1), int64('shape', [2, 2]), floatTensor('col', [100, 1], () => 1), floatTensor('row', [1, 100], () => 2)],
      inputs: [valueInfo('x', ['n', 4])],
      outputs: [valueInfo('y'), valueInfo('z', [2, 2])],
    });
    expect(foldConstants(model).folded).toEqual([]);
  });

  it('prepareModel folds MNIST-style Reshape(weight) -> MatMul and says so', () => {
    const model = buildModel({
      opset: 13,
      nodes: [node('Reshape', ['w', 'shape'], ['wr'], { name: 'Times_reshape1' }), node('MatMul', ['x', 'wr'], ['y'])],
      initializers: [floatTensor('w', [4, 2, 2, 10], () => rand()), int64('shape', [16, 10])],
      inputs: [valueInfo('x', [1, 16])],
      outputs: [valueInfo('y', [1, 10])],
    });
    const prepared = prepareModel(model);
    expect(prepared.model.graph!.node.map((n) => n.opType)).toEqual(['MatMul']);
    expect(prepared.notes.join(' ')).toContain('1 node(s) computing only from constants folded into initializers (Times_reshape1; Reshape 1)');
    expect(prepared.simplified.folded).toEqual(['Times_reshape1']);
  });
});

describe('constantsToInitializers', () => {
  const constant = (out: string, a: Attribute): Node => node('Constant', [], [out], { attributes: [a], name: `c_${out}` });

  it('turns value, value_float(s) and value_int(s) into initializers; outputs are bit-identical', async () => {
    const model = buildModel({
      opset: 13,
      nodes: [
        constant('w', tensorAttr('value', f32('w', [0.5, -1, 2, 4]))),
        constant('s', { name: 'value_float', type: 1, f: 0.25, floats: [], ints: [], strings: [], tensors: [], graphs: [] }),
        constant('b', floatsAttr('value_floats', [1, 2, 3, 4])),
        constant('shape', { name: 'value_ints', type: 7, ints: [2, 2], floats: [], strings: [], tensors: [], graphs: [] }),
        constant('k', intAttr('value_int', 3)),
        node('Mul', ['x', 'w'], ['m']),
        node('Mul', ['m', 's'], ['m2']),
        node('Add', ['m2', 'b'], ['a']),
        node('Reshape', ['a', 'shape'], ['r']),
        node('Cast', ['k'], ['kf'], { attributes: [intAttr('to', DataType.FLOAT)] }),
        node('Add', ['r', 'kf'], ['y']),
      ],
      inputs: [valueInfo('x', ['n'])],
      outputs: [valueInfo('y')],
    });
    const { model: converted, converted: names } = constantsToInitializers(model);
    expect(names).toEqual(['c_w', 'c_s', 'c_b', 'c_shape', 'c_k']);
    expect(converted.graph!.node.map((n) => n.opType)).toEqual(['Mul', 'Mul', 'Add', 'Reshape', 'Cast', 'Add']);
    const init = (name: string) => converted.graph!.initializer.find((t) => t.name === name)!;
    expect([init('s').dataType, init('s').dims]).toEqual([DataType.FLOAT, []]);
    expect([init('k').dataType, init('k').dims]).toEqual([DataType.INT64, []]);
    expect(Array.from(tensorToArray(init('shape')) as BigInt64Array, Number)).toEqual([2, 2]);
    await sameOutputs(model, converted, { x: { type: 'float32', dims: [4], data: Float32Array.from([1, 2, 3, 4]) } });
  });

  it('keeps a Constant that is a graph output, and lists new initializers as inputs in an IR 3 model', () => {
    const model = buildModel({
      opset: 7,
      irVersion: 3,
      nodes: [constant('out', floatAttr('value_float', 1)), constant('w', floatAttr('value_float', 2)), node('Mul', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', [1])],
      outputs: [valueInfo('out'), valueInfo('y')],
    });
    // floatAttr makes a FLOAT attribute named value_float
    const { model: converted, converted: names } = constantsToInitializers(model);
    expect(names).toEqual(['c_w']);
    expect(converted.graph!.input.map((v) => v.name)).toEqual(['x', 'w']);
  });
});
