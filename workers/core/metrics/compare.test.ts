/**
 * Per-layer error, two views (issue 10 item 3), on MNIST run by onnxruntime-node: the accumulated
 * error (INT8 model against FP32 model) and the local error (each tensor's own Q/DQ applied to its
 * FP32 values, as onnxruntime's qdq_loss_debug measures it). The local figures are checked against a
 * recomputation from the FP32 model's own tensors, and the fake quantization against onnxruntime's
 * QuantizeLinear -> DequantizeLinear.
 */
import { describe, expect, it } from 'vitest';
import { readModelFile } from '../../../cli/model-io';
import { readMnist } from '../../../cli/mnist';
import { createNodeRunner } from '../../../cli/runner-node';
import { IMAGES, model as modelPath } from '../../../test/assets';
import { augmentModel } from '../calibration/augment';
import { calibrate, type CalibrationSource } from '../calibration/calibrate';
import { buildModel, node, valueInfo } from '../onnx/build';
import { encodeModel } from '../onnx/encode';
import { makeTensor, runnerTensorToFloat32 } from '../onnx/tensor';
import { DataType } from '../onnx/types';
import { DEFAULT_QUANTIZE_OPTIONS, prepareModel, quantizeModel } from '../quant/quantize';
import { compareModels, fakeQuantize, mappingFromModel } from './compare';
import { addPair, createErrorStats, summarize } from './error';

const runner = createNodeRunner();

describe('local and accumulated error per layer', () => {
  it('local error is the tensor\'s own Q/DQ on its FP32 values; accumulated is the INT8 model against FP32', async () => {
    const fp32 = (await readModelFile(modelPath('mnist.onnx'))).model;
    const prepared = prepareModel(fp32).model;
    const mnist = await readMnist(`${IMAGES}/mnist`, { limit: 12 });
    const digits = (start: number, count: number): CalibrationSource => ({
      count,
      feeds: async (i) => ({ Input3: { type: 'float32', dims: [1, 1, 28, 28], data: Float32Array.from(mnist.images[start + i]) } }),
    });
    const stats = (await calibrate(prepared, runner, digits(0, 8), { collector: { histograms: false } })).stats;
    const q = quantizeModel(prepared, stats, DEFAULT_QUANTIZE_OPTIONS);
    const r = await compareModels(fp32, q.model, runner, digits(8, 4), { mapping: q.mapping });
    const withLocal = r.layers.filter((l) => l.local);
    expect(withLocal.length).toBeGreaterThan(3);
    for (const l of r.layers) expect(l.local === null).toBe(!l.quantized);
    // Recompute one layer's local error from the FP32 model's own tensor.
    const layer = withLocal[1];
    const m = q.mapping.find((x) => x.fp32 === layer.fp32)!;
    const session = await runner.createSession(encodeModel(augmentModel(fp32, [layer.fp32])));
    const stats2 = createErrorStats();
    for (let i = 0; i < 4; i++) {
      const x = runnerTensorToFloat32((await session.run(await digits(8, 4).feeds(i)))[layer.fp32]);
      addPair(stats2, x, fakeQuantize(x, m));
    }
    expect(layer.local!.sqnrDb).toBeCloseTo(summarize(stats2).sqnrDb, 6);
    // The mapping in the model's metadata carries the parameters local error needs.
    expect(mappingFromModel(q.model)!.find((x) => x.fp32 === layer.fp32)).toMatchObject({ scale: m.scale, zeroPoint: m.zeroPoint, type: m.type });
  });

  it('fake quantization is onnxruntime\'s QuantizeLinear -> DequantizeLinear, ties to even and clamps', async () => {
    const values = Float32Array.from([-3, -0.25, -0.05, 0, 0.05, 0.1, 0.15, 0.25, 1.23, 12.7, 25.4, 100]);
    for (const p of [{ scale: 0.1, zeroPoint: 3, type: 'u8' as const }, { scale: 0.1, zeroPoint: 0, type: 's8' as const }]) {
      const model = buildModel({
        opset: 13,
        nodes: [node('QuantizeLinear', ['x', 's', 'z'], ['q']), node('DequantizeLinear', ['q', 's', 'z'], ['y'])],
        initializers: [makeTensor('s', DataType.FLOAT, [], new Float32Array([p.scale])), p.type === 'u8' ? makeTensor('z', DataType.UINT8, [], new Uint8Array([p.zeroPoint])) : makeTensor('z', DataType.INT8, [], new Int8Array([p.zeroPoint]))],
        inputs: [valueInfo('x', [values.length])],
        outputs: [valueInfo('y', [values.length])],
      });
      const ort = runnerTensorToFloat32((await (await runner.createSession(encodeModel(model))).run({ x: { type: 'float32', dims: [values.length], data: values } })).y);
      expect([...fakeQuantize(values, p)]).toEqual([...ort]);
    }
  });
});

describe('FP32 outputs kept between comparisons', () => {
  it('a second comparison with the kept FP32 outputs gives the same figures without running the FP32 model', async () => {
    const fp32 = (await readModelFile(modelPath('mnist.onnx'))).model;
    const prepared = prepareModel(fp32).model;
    const mnist = await readMnist(`${IMAGES}/mnist`, { limit: 12 });
    const digits = (start: number, count: number): CalibrationSource => ({
      count,
      feeds: async (i) => ({ Input3: { type: 'float32', dims: [1, 1, 28, 28], data: Float32Array.from(mnist.images[start + i]) } }),
    });
    const stats = (await calibrate(prepared, runner, digits(0, 8), { collector: { histograms: false } })).stats;
    const q = quantizeModel(prepared, stats, DEFAULT_QUANTIZE_OPTIONS);
    // A runner that counts the sessions it creates (the FP32 one is the model without Q/DQ nodes).
    let sessions = 0;
    const counting = { ...runner, createSession: (bytes: Uint8Array, o?: Parameters<typeof runner.createSession>[1]) => (sessions++, runner.createSession(bytes, o)) };
    const kept = new Map<number, Readonly<Record<string, import('../runner').RunnerTensor>>>();
    const reference = { get: (i: number) => kept.get(i), put: (i: number, t: Readonly<Record<string, import('../runner').RunnerTensor>>) => void kept.set(i, t) };
    const first = await compareModels(prepared, q.model, counting, digits(8, 4), { mapping: q.mapping, reference });
    expect(sessions).toBe(2);
    expect(kept.size).toBe(4);
    sessions = 0;
    const second = await compareModels(prepared, q.model, counting, digits(8, 4), { mapping: q.mapping, reference });
    expect(sessions).toBe(1); // the INT8 session only
    expect(second.outputs).toEqual(first.outputs);
    expect(second.layers).toEqual(first.layers);
    // Another model's mapping that needs a tensor the kept entries lack runs FP32 again.
    kept.set(0, { [prepared.graph!.output[0].name!]: kept.get(0)![prepared.graph!.output[0].name!] });
    sessions = 0;
    await compareModels(prepared, q.model, counting, digits(8, 4), { mapping: q.mapping, reference });
    expect(sessions).toBe(2);
  });
});
