/**
 * The preparation passes together: Resize inputs in the opset-13 form for models already at 13+,
 * dead nodes removed, and the report / notes of simplifyModel.
 */
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import type { RunnerTensor } from '../runner';
import { stringAttr, tensorAttr } from '../onnx/attributes';
import { buildModel, floatTensor, node, valueInfo } from '../onnx/build';
import { encodeModel } from '../onnx/encode';
import { makeTensor } from '../onnx/tensor';
import { DataType, type Model } from '../onnx/types';
import { prepareModel } from '../quant/quantize';
import { omitEmptyResizeInputs } from './resize';
import { removeDeadNodes, simplifyModel } from './simplify';

const runner = createNodeRunner({ source: 'simplify.test' });
const x: RunnerTensor = { type: 'float32', dims: [1, 2, 3, 4], data: Float32Array.from({ length: 24 }, (_, i) => i / 7) };

async function outputs(model: Model): Promise<Float32Array> {
  const s = await runner.createSession(encodeModel(model), { optimization: 'disabled', threads: 1 });
  try {
    return (await s.run({ x })).y.data as Float32Array;
  } finally {
    await s.release();
  }
}

const sizes = makeTensor('sizes', DataType.INT64, [4], BigInt64Array.from([1n, 2n, 6n, 8n]));
const emptyRoi = floatTensor('roi', [0], []);
const emptyScales = floatTensor('scales', [0], []);
const nearest = [stringAttr('mode', 'nearest'), stringAttr('coordinate_transformation_mode', 'asymmetric'), stringAttr('nearest_mode', 'floor')];

describe("Resize at opset >= 13 with an opset-11 export's empty roi/scales", () => {
  for (const opset of [13, 18]) {
    it(`opset ${opset}: empty roi/scales initializers next to sizes become '' and go; outputs identical`, async () => {
      const model = buildModel({
        opset,
        nodes: [node('Resize', ['x', 'roi', 'scales', 'sizes'], ['y'], { attributes: nearest, name: 'Resize_0' })],
        initializers: [emptyRoi, emptyScales, sizes],
        inputs: [valueInfo('x', [1, 2, 3, 4])],
        outputs: [valueInfo('y')],
      });
      const prepared = prepareModel(model);
      expect(prepared.model.graph!.node[0].input).toEqual(['x', '', '', 'sizes']);
      expect(prepared.model.graph!.initializer.map((t) => t.name)).toEqual(['sizes']);
      expect(prepared.notes.join(' ')).toContain("1 Resize node(s) (Resize_0): empty roi/scales inputs made ''");
      expect(Array.from(await outputs(prepared.model))).toEqual(Array.from(await outputs(model)));
    });
  }

  it("as Constant nodes (NanoDet style) too, and an empty roi before real scales; trailing '' dropped", async () => {
    const model = buildModel({
      opset: 13,
      nodes: [
        node('Constant', [], ['roi'], { attributes: [tensorAttr('value', emptyRoi)] }),
        node('Constant', [], ['scales'], { attributes: [tensorAttr('value', emptyScales)] }),
        node('Resize', ['x', 'roi', 'scales', 'sizes'], ['r'], { attributes: nearest }),
        node('Resize', ['r', 'roi', 'half'], ['y'], { attributes: [stringAttr('mode', 'linear')] }),
      ],
      initializers: [sizes, floatTensor('half', [4], [1, 1, 0.5, 0.5])],
      inputs: [valueInfo('x', [1, 2, 3, 4])],
      outputs: [valueInfo('y')],
    });
    const { model: simplified, report } = simplifyModel(model);
    expect(simplified.graph!.node.map((n) => n.input)).toEqual([
      ['x', '', '', 'sizes'],
      ['r', '', 'half'],
    ]);
    expect(report.constants).toHaveLength(2);
    expect(report.resizes).toEqual(['r', 'y']);
    expect(Array.from(await outputs(simplified))).toEqual(Array.from(await outputs(model)));
    // a '' at the end is dropped
    const trailing = omitEmptyResizeInputs(buildModel({ opset: 13, nodes: [node('Resize', ['x', 'roi', 'half'], ['y'])], initializers: [emptyRoi, floatTensor('half', [4], [1, 1, 2, 2])], inputs: [valueInfo('x')], outputs: [valueInfo('y')] }));
    expect(trailing.model.graph!.node[0].input).toEqual(['x', '', 'half']);
  });

  it('leaves tf_crop_and_resize (it reads roi), models below opset 13 (roi/scales still required there) and real scales', () => {
    const crop = buildModel({
      opset: 13,
      nodes: [node('Resize', ['x', 'roi', 'scales', 'sizes'], ['y'], { attributes: [stringAttr('coordinate_transformation_mode', 'tf_crop_and_resize')] })],
      initializers: [emptyRoi, emptyScales, sizes],
      inputs: [valueInfo('x')],
      outputs: [valueInfo('y')],
    });
    expect(omitEmptyResizeInputs(crop).model.graph!.node[0].input).toEqual(['x', 'roi', '', 'sizes']);
    const old = buildModel({ opset: 12, nodes: [node('Resize', ['x', 'roi', 'scales', 'sizes'], ['y'])], initializers: [emptyRoi, emptyScales, sizes], inputs: [valueInfo('x')], outputs: [valueInfo('y')] });
    expect(omitEmptyResizeInputs(old).rewritten).toEqual([]);
    const real = buildModel({ opset: 13, nodes: [node('Resize', ['x', '', 'half'], ['y'])], initializers: [floatTensor('half', [4], [1, 1, 2, 2])], inputs: [valueInfo('x')], outputs: [valueInfo('y')] });
    expect(omitEmptyResizeInputs(real).rewritten).toEqual([]);
  });
});

describe('removeDeadNodes', () => {
  it('removes chains nothing reads, keeps what a graph output or a subgraph needs', () => {
    const body = { name: 'then', node: [node('Relu', ['k'], ['t'])], initializer: [], input: [], output: [valueInfo('t')], valueInfo: [] };
    const graphAttr = (name: string) => ({ name, type: 5, g: body, floats: [], ints: [], strings: [], tensors: [], graphs: [] });
    const model = buildModel({
      opset: 13,
      nodes: [
        node('Relu', ['x'], ['dead1']),
        node('Neg', ['dead1'], ['dead2']),
        node('Sigmoid', ['x'], ['k']), // read only inside the If bodies
        node('If', ['cond'], ['y'], { attributes: [graphAttr('then_branch'), graphAttr('else_branch')] }),
      ],
      inputs: [valueInfo('x', [1]), valueInfo('cond', [], DataType.BOOL)],
      outputs: [valueInfo('y')],
    });
    const { model: pruned, removed } = removeDeadNodes(model);
    expect(removed).toEqual(['dead1', 'dead2']);
    expect(pruned.graph!.node.map((n) => n.opType)).toEqual(['Sigmoid', 'If']);
  });
});
