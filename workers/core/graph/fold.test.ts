/**
 * Constant folding of data-movement nodes: the folded model gives bit-identical outputs in
 * onnxruntime-node, the weight behind a Reshape/Transpose becomes a quantizable initializer, and a
 * node with a computed (non-constant) operand is left alone.
 */
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import { intAttr, intsAttr } from '../onnx/attributes';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from '../onnx/build';
import { encodeModel } from '../onnx/encode';
import { makeTensor } from '../onnx/tensor';
import { DataType, type Model } from '../onnx/types';
import { prepareModel } from '../quant/quantize';
import { foldConstantDataMovement } from './fold';

const runner = createNodeRunner();
const rand = seededRandom(5);

async function outputs(model: Model, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const s = await runner.createSession(encodeModel(model));
  try {
    return (await s.run({ x: { type: 'float32', dims, data: x } })).y.data as Float32Array;
  } finally {
    await s.release();
  }
}

const int64 = (name: string, values: number[]) => makeTensor(name, DataType.INT64, [values.length], BigInt64Array.from(values, BigInt));

describe('foldConstantDataMovement', () => {
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
    const { model: folded, folded: names } = foldConstantDataMovement(model);
    expect(names).toHaveLength(7);
    expect(folded.graph!.node.map((n) => n.opType)).toEqual(['MatMul']);
    const w2 = folded.graph!.initializer.find((t) => t.name === 'w2')!;
    expect(w2.dims).toEqual([24, 5]);
    // The original weight and the shape/axes constants are gone.
    expect(folded.graph!.initializer.map((t) => t.name)).toEqual(['w2']);
    const x = Float32Array.from({ length: 24 }, () => rand() * 2 - 1);
    expect(Array.from(await outputs(folded, x, [1, 24]))).toEqual(Array.from(await outputs(model, x, [1, 24])));
  });

  it('leaves a Reshape whose shape is computed, and one whose output is a graph output', () => {
    const model = buildModel({
      opset: 13,
      nodes: [node('Shape', ['x'], ['xs']), node('Reshape', ['w', 'xs'], ['r']), node('Add', ['x', 'r'], ['y']), node('Reshape', ['w', 'shape'], ['z'])],
      initializers: [floatTensor('w', [4], () => 1), int64('shape', [2, 2])],
      inputs: [valueInfo('x', [4])],
      outputs: [valueInfo('y', [4]), valueInfo('z', [2, 2])],
    });
    expect(foldConstantDataMovement(model).folded).toEqual([]);
  });

  it("prepareModel folds MNIST-style Reshape(weight) -> MatMul and says so", () => {
    const model = buildModel({
      opset: 13,
      nodes: [node('Reshape', ['w', 'shape'], ['wr'], { name: 'Times_reshape1' }), node('MatMul', ['x', 'wr'], ['y'])],
      initializers: [floatTensor('w', [4, 2, 2, 10], () => rand()), int64('shape', [16, 10])],
      inputs: [valueInfo('x', [1, 16])],
      outputs: [valueInfo('y', [1, 10])],
    });
    const prepared = prepareModel(model);
    expect(prepared.model.graph!.node.map((n) => n.opType)).toEqual(['MatMul']);
    expect(prepared.notes.join(' ')).toContain('1 constant data-movement node(s) folded into initializers (Times_reshape1)');
  });
});
