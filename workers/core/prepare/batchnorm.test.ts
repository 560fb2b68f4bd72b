/**
 * BatchNormalization folding: for each producer (Conv with and without bias and groups, ConvTranspose
 * with groups, Gemm with transB / C / alpha / beta) the folded graph gives onnxruntime-node's outputs
 * for the original within float32 rounding, and the cases that must not fold are left alone.
 */
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import type { RunnerTensor } from '../runner';
import { floatAttr, intAttr, intsAttr } from '../onnx/attributes';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from '../onnx/build';
import { encodeModel } from '../onnx/encode';
import { numel } from '../onnx/tensor';
import type { Attribute, Model, Node, TensorProto } from '../onnx/types';
import { prepareModel } from '../quant/quantize';
import { foldBatchNorms } from './batchnorm';

const runner = createNodeRunner({ source: 'batchnorm.test' });
const rand = seededRandom(11);

type Level = 'disabled' | 'all';

async function run(model: Model, feeds: Record<string, RunnerTensor>, optimization: Level = 'disabled'): Promise<Record<string, RunnerTensor>> {
  const s = await runner.createSession(encodeModel(model), { optimization, threads: 1 });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** max |a - b| / max |a| over every output. */
async function relDiff(a: Model, b: Model, feeds: Record<string, RunnerTensor>, optimization: Level = 'disabled'): Promise<number> {
  const [ra, rb] = [await run(a, feeds, optimization), await run(b, feeds, optimization)];
  let worst = 0;
  for (const [k, t] of Object.entries(ra)) {
    const [x, y] = [t.data as Float32Array, rb[k].data as Float32Array];
    expect([...rb[k].dims]).toEqual([...t.dims]);
    let maxA = 0;
    let maxD = 0;
    for (let i = 0; i < x.length; i++) {
      maxA = Math.max(maxA, Math.abs(x[i]));
      maxD = Math.max(maxD, Math.abs(x[i] - y[i]));
    }
    worst = Math.max(worst, maxD / maxA);
  }
  return worst;
}

const params = (prefix: string, c: number): TensorProto[] => [
  floatTensor(`${prefix}_gamma`, [c], () => 0.5 + rand()),
  floatTensor(`${prefix}_beta`, [c], () => rand() - 0.5),
  floatTensor(`${prefix}_mean`, [c], () => rand() - 0.5),
  floatTensor(`${prefix}_var`, [c], () => 0.1 + rand()),
];
const bnNode = (x: string, y: string, prefix = 'bn', attributes: Attribute[] = [floatAttr('epsilon', 1e-3)]): Node =>
  node('BatchNormalization', [x, `${prefix}_gamma`, `${prefix}_beta`, `${prefix}_mean`, `${prefix}_var`], [y], { attributes, name: prefix });
const feed = (dims: number[]): RunnerTensor => ({ type: 'float32', dims, data: Float32Array.from({ length: numel(dims) }, () => rand() * 2 - 1) });

interface Case {
  readonly label: string;
  readonly producer: Node;
  readonly weights: TensorProto[];
  readonly input: number[];
  readonly channels: number;
}

const CASES: Case[] = [
  { label: 'Conv with bias', producer: node('Conv', ['x', 'w', 'b'], ['t'], { attributes: [intsAttr('pads', [1, 1, 1, 1])], name: 'conv' }), weights: [floatTensor('w', [4, 3, 3, 3], () => rand() - 0.5), floatTensor('b', [4], () => rand())], input: [2, 3, 6, 6], channels: 4 },
  { label: 'Conv without bias', producer: node('Conv', ['x', 'w'], ['t'], { name: 'conv' }), weights: [floatTensor('w', [5, 3, 1, 1], () => rand() - 0.5)], input: [1, 3, 4, 4], channels: 5 },
  { label: 'grouped Conv (group 2)', producer: node('Conv', ['x', 'w', 'b'], ['t'], { attributes: [intAttr('group', 2)], name: 'conv' }), weights: [floatTensor('w', [6, 2, 3, 3], () => rand() - 0.5), floatTensor('b', [6], () => rand())], input: [1, 4, 5, 5], channels: 6 },
  { label: 'depthwise Conv 1-D', producer: node('Conv', ['x', 'w'], ['t'], { attributes: [intAttr('group', 3)], name: 'conv' }), weights: [floatTensor('w', [3, 1, 3], () => rand() - 0.5)], input: [2, 3, 9], channels: 3 },
  { label: 'ConvTranspose', producer: node('ConvTranspose', ['x', 'w', 'b'], ['t'], { attributes: [intsAttr('strides', [2, 2])], name: 'deconv' }), weights: [floatTensor('w', [3, 4, 2, 2], () => rand() - 0.5), floatTensor('b', [4], () => rand())], input: [1, 3, 4, 4], channels: 4 },
  { label: 'grouped ConvTranspose (group 2, 3 outputs per group)', producer: node('ConvTranspose', ['x', 'w'], ['t'], { attributes: [intAttr('group', 2)], name: 'deconv' }), weights: [floatTensor('w', [4, 3, 3, 3], () => rand() - 0.5)], input: [1, 4, 4, 4], channels: 6 },
  { label: 'Gemm with C [N]', producer: node('Gemm', ['x', 'w', 'c'], ['t'], { name: 'fc' }), weights: [floatTensor('w', [8, 5], () => rand() - 0.5), floatTensor('c', [5], () => rand())], input: [3, 8], channels: 5 },
  { label: 'Gemm transB, alpha, beta, scalar C', producer: node('Gemm', ['x', 'w', 'c'], ['t'], { attributes: [intAttr('transB', 1), floatAttr('alpha', 0.5), floatAttr('beta', 2)], name: 'fc' }), weights: [floatTensor('w', [5, 8], () => rand() - 0.5), floatTensor('c', [], [0.3])], input: [3, 8], channels: 5 },
  { label: 'Gemm transB without C', producer: node('Gemm', ['x', 'w'], ['t'], { attributes: [intAttr('transB', 1)], name: 'fc' }), weights: [floatTensor('w', [5, 8], () => rand() - 0.5)], input: [2, 8], channels: 5 },
  { label: 'Gemm with C [1,N]', producer: node('Gemm', ['x', 'w', 'c'], ['t'], { attributes: [floatAttr('beta', 0.5)], name: 'fc' }), weights: [floatTensor('w', [8, 5], () => rand() - 0.5), floatTensor('c', [1, 5], () => rand())], input: [2, 8], channels: 5 },
];

describe('foldBatchNorms', () => {
  for (const c of CASES) {
    it(`${c.label} + BatchNormalization -> one ${c.producer.opType}, same outputs`, async () => {
      const model = buildModel({
        opset: 13,
        nodes: [c.producer, bnNode('t', 'n'), node('Relu', ['n'], ['y'])],
        initializers: [...c.weights, ...params('bn', c.channels)],
        inputs: [valueInfo('x', c.input)],
        outputs: [valueInfo('y')],
      });
      const { model: folded, folded: report } = foldBatchNorms(model);
      expect(report).toEqual([{ batchNorm: 'bn', into: c.producer.name, opType: c.producer.opType }]);
      const g = folded.graph!;
      expect(g.node.map((n) => n.opType)).toEqual([c.producer.opType, 'Relu']);
      expect(g.node[0].output).toEqual(['n']);
      // the BN parameters and the original weight are gone; the producer has a bias now
      expect(g.initializer.map((t) => t.name).sort()).toEqual([...g.node[0].input.slice(1)].sort());
      expect(g.node[0].input).toHaveLength(3);
      const feeds = { x: feed(c.input) };
      expect(await relDiff(model, folded, feeds)).toBeLessThanOrEqual(1e-6);
      // onnxruntime folds Conv + BN itself at its default level, with the same float32 steps: bit-identical
      if (c.producer.opType === 'Conv') expect(await relDiff(model, folded, feeds, 'all')).toBe(0);
    });
  }

  it('folds a chain of two BatchNormalizations into one Conv', async () => {
    const model = buildModel({
      opset: 13,
      nodes: [node('Conv', ['x', 'w'], ['t'], { name: 'conv' }), bnNode('t', 'n1', 'bn1'), bnNode('n1', 'y', 'bn2')],
      initializers: [floatTensor('w', [4, 3, 1, 1], () => rand()), ...params('bn1', 4), ...params('bn2', 4)],
      inputs: [valueInfo('x', [1, 3, 4, 4])],
      outputs: [valueInfo('y')],
    });
    const { model: folded } = foldBatchNorms(model);
    expect(folded.graph!.node.map((n) => n.opType)).toEqual(['Conv']);
    expect(await relDiff(model, folded, { x: feed([1, 3, 4, 4]) })).toBeLessThanOrEqual(1e-6);
  });

  it('leaves a BN whose input is read elsewhere, a graph output, computed parameters, training mode, or no Conv before it', () => {
    const conv = node('Conv', ['x', 'w'], ['t'], { name: 'conv' });
    const base = { initializers: [floatTensor('w', [4, 3, 1, 1], () => rand()), ...params('bn', 4)], inputs: [valueInfo('x', [1, 3, 4, 4])] };
    const cases: Model[] = [
      buildModel({ opset: 13, ...base, nodes: [conv, bnNode('t', 'y'), node('Relu', ['t'], ['r'])], outputs: [valueInfo('y'), valueInfo('r')] }),
      buildModel({ opset: 13, ...base, nodes: [conv, bnNode('t', 'y')], outputs: [valueInfo('y'), valueInfo('t')] }),
      buildModel({ opset: 13, ...base, initializers: base.initializers.filter((t) => t.name !== 'bn_mean'), inputs: [...base.inputs, valueInfo('bn_mean', [4])], nodes: [conv, bnNode('t', 'y')], outputs: [valueInfo('y')] }),
      buildModel({ opset: 15, ...base, nodes: [conv, bnNode('t', 'y', 'bn', [intAttr('training_mode', 1)])], outputs: [valueInfo('y')] }),
      buildModel({ opset: 13, ...base, nodes: [node('Add', ['x', 'x'], ['t']), bnNode('t', 'y')], inputs: [valueInfo('x', [1, 4, 4, 4])], outputs: [valueInfo('y')] }),
    ];
    for (const m of cases) expect(foldBatchNorms(m).folded).toEqual([]);
  });

  it('prepareModel folds them and says so', () => {
    const model = buildModel({
      opset: 9,
      nodes: [node('Conv', ['x', 'w'], ['t'], { name: 'conv_1' }), bnNode('t', 'y', 'bn_1')],
      initializers: [floatTensor('w', [4, 3, 1, 1], () => rand()), ...params('bn_1', 4)],
      inputs: [valueInfo('x', [1, 3, 4, 4])],
      outputs: [valueInfo('y')],
    });
    const prepared = prepareModel(model);
    expect(prepared.model.graph!.node.map((n) => n.opType)).toEqual(['Conv']);
    expect(prepared.notes.join(' ')).toContain('1 BatchNormalization node(s) folded into the Conv/ConvTranspose/Gemm before them (bn_1 into conv_1)');
  });
});
