/**
 * Weight-only INT8 on a small built model: int8 per-channel weights behind DequantizeLinear written by
 * the INT8 rewriter, no QuantizeLinear (activations stay float), float biases, the mapping and format
 * in the metadata, outputs close to FP32 in onnxruntime-node.
 */
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import { attrInt, intAttr } from '../onnx/attributes';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from '../onnx/build';
import { decodeModel } from '../onnx/decode';
import { encodeModel } from '../onnx/encode';
import { DataType } from '../onnx/types';
import { mappingFromModel } from '../metrics/compare';
import { formatOfModel } from './formats';
import { exportWeightOnly } from './weight-only';

const rand = seededRandom(4);

describe('exportWeightOnly', () => {
  it('int8 weights per output channel behind DequantizeLinear, float activations and biases, agreeing with FP32', async () => {
    const m = buildModel({
      opset: 13,
      nodes: [node('Conv', ['x', 'w', 'b'], ['c']), node('Relu', ['c'], ['r']), node('Flatten', ['r'], ['f'], { attributes: [intAttr('axis', 1)] }), node('Gemm', ['f', 'g', 'gb'], ['y'], { attributes: [intAttr('transB', 1)] })],
      initializers: [floatTensor('w', [4, 3, 3, 3], () => rand() - 0.5), floatTensor('b', [4], () => rand()), floatTensor('g', [5, 64], () => rand() - 0.5), floatTensor('gb', [5], () => rand())],
      inputs: [valueInfo('x', [1, 3, 6, 6])],
      outputs: [valueInfo('y', [1, 5])],
    });
    const { model, report, mapping } = exportWeightOnly(m);
    const nodes = model.graph!.node;
    expect(nodes.filter((n) => n.opType === 'QuantizeLinear')).toHaveLength(0);
    const dq = nodes.filter((n) => n.opType === 'DequantizeLinear');
    expect(dq.map((n) => n.input[0]).sort()).toEqual(['g_quantized', 'w_quantized']);
    expect(dq.map((n) => attrInt(n, 'axis', 1)).sort()).toEqual([0, 0]);
    expect(model.graph!.initializer.find((t) => t.name === 'w_quantized')!.dataType).toBe(DataType.INT8);
    expect(model.graph!.initializer.find((t) => t.name === 'b')!.dataType).toBe(DataType.FLOAT);
    expect(report.convertedNodes).toBe(2);
    expect(report.nodes.find((d) => d.opType === 'Relu')!.reason).toMatch(/no weight/);
    expect(report.int8Values).toBe(4 * 27 + 5 * 64);
    const decoded = decodeModel(encodeModel(model));
    expect(formatOfModel(decoded)).toBe('int8-weights');
    expect(mappingFromModel(decoded)).toEqual(mapping.map((x) => ({ fp32: x.fp32, int8: x.int8, quantized: undefined, scale: undefined, zeroPoint: undefined, type: undefined })));
    expect(mapping.every((x) => x.fp32 === x.int8)).toBe(true);
    const runner = createNodeRunner();
    const feeds = { x: { type: 'float32' as const, dims: [1, 3, 6, 6], data: Float32Array.from({ length: 108 }, () => rand()) } };
    const [a, b] = await Promise.all([m, decoded].map(async (x) => (await runner.createSession(encodeModel(x))).run(feeds)));
    const ya = a.y.data as Float32Array;
    const yb = b.y.data as Float32Array;
    for (let i = 0; i < 5; i++) expect(Math.abs(ya[i] - yb[i])).toBeLessThan(0.02 * Math.max(1, Math.abs(ya[i])));
  });
});
