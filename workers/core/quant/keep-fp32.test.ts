/**
 * Keep-FP32 that means it (issue 10 item 1), on a real model: a node kept in FP32 reads the float
 * tensors its producers write (never their rounded DQ copies, even when a quantized neighbour reads
 * the same tensor through a Q/DQ pair), reads its float weight, and writes a float output that gets a
 * Q/DQ only because a quantized consumer reads it. Its own output then matches FP32 given the same
 * input, computed by onnxruntime-node.
 */
import { describe, expect, it } from 'vitest';
import { readModelFile } from '../../../cli/model-io';
import { feedPlanOf, imageFolderSource } from '../../../cli/pipeline';
import { createNodeRunner } from '../../../cli/runner-node';
import { listImages } from '../../../cli/images';
import { IMAGES, model as modelPath } from '../../../test/assets';
import { augmentModel, calibrationCandidates } from '../calibration/augment';
import { calibrate } from '../calibration/calibrate';
import { indexGraph } from '../graph/graph';
import { buildModel, valueInfo } from '../onnx/build';
import { encodeModel } from '../onnx/encode';
import { runnerTensorToFloat32 } from '../onnx/tensor';
import { resolveSpec } from '../preprocess/spec';
import { DEFAULT_QUANTIZE_OPTIONS, prepareModel, quantizeModel } from './quantize';

const runner = createNodeRunner();

describe('keep FP32 on a real model (Yolo-FastestV2)', () => {
  it("a kept Conv reads float inputs and weight, its output is Q/DQ'd for its quantized consumers only, and it computes what FP32 computes", async () => {
    const prepared = prepareModel((await readModelFile(modelPath('yolo-fastestv2.onnx'))).model, { source: 'yolo-fastestv2.onnx' }).model;
    const index = indexGraph(prepared.graph!);
    // A Conv whose input other (quantized) nodes read too, and whose output a quantized node reads.
    const kept = prepared.graph!.node.find(
      (n) => n.opType === 'Conv' && (index.consumers.get(n.input[0])?.length ?? 0) >= 2 && (index.consumers.get(n.output[0]) ?? []).some((c) => c.node.opType === 'Conv'),
    )!;
    expect(kept, 'a Conv with a shared input').toBeDefined();
    const [x, w] = kept.input;
    const y = kept.output[0];

    const plan = feedPlanOf(prepared, 'yolo-fastestv2.onnx');
    const spec = resolveSpec('unit', { channels: 3, layout: 'nchw' });
    const images = (await listImages(`${IMAGES}/coco-train/images`)).slice(0, 4);
    const stats = (await calibrate(prepared, runner, imageFolderSource(images.slice(0, 3), spec, plan), { collector: { histograms: false } })).stats;
    const plain = quantizeModel(prepared, stats, DEFAULT_QUANTIZE_OPTIONS);
    const keep = quantizeModel(prepared, stats, { ...DEFAULT_QUANTIZE_OPTIONS, keepNodes: [kept.name!] });
    expect(keep.report.nodes.find((d) => d.name === kept.name)).toMatchObject({ quantized: false, reason: 'kept in FP32 by name' });

    // Plain INT8: the Conv reads DQ outputs. Kept: it reads x and w themselves.
    const plainConv = plain.model.graph!.node.find((n) => n.name === kept.name)!;
    expect(plainConv.input[0]).not.toBe(x);
    expect(plainConv.input[1]).not.toBe(w);
    const keptConv = keep.model.graph!.node.find((n) => n.name === kept.name)!;
    expect(keptConv.input.slice(0, 2)).toEqual([x, w]);
    expect(keep.model.graph!.initializer.some((t) => t.name === w)).toBe(true);
    const int8 = indexGraph(keep.model.graph!);
    // x still has its Q/DQ pair for the quantized nodes that read it; only those read the DQ output.
    const xq = int8.consumers.get(x)!.find((c) => c.node.opType === 'QuantizeLinear');
    expect(xq, `Q on ${x}`).toBeDefined();
    const xdq = int8.consumers.get(xq!.node.output[0])![0].node.output[0];
    expect(int8.consumers.get(xdq)!.length).toBeGreaterThan(0);
    expect(int8.consumers.get(xdq)!.every((c) => c.node.name !== kept.name)).toBe(true);
    // y is written float by the kept Conv, then Q/DQ'd for its quantized consumer(s).
    expect(keptConv.output[0]).toBe(y);
    const yq = int8.consumers.get(y)!.filter((c) => c.node.opType === 'QuantizeLinear');
    expect(yq).toHaveLength(1);
    expect(keep.mapping.find((m) => m.fp32 === y)?.quantized).toBeDefined();

    // Its output equals FP32's Conv applied to the same (INT8-model) input, to float rounding.
    const session = await runner.createSession(encodeModel(augmentModel(keep.model, [x, y])), { optimization: 'disabled' });
    const feeds = await imageFolderSource(images.slice(3), spec, plan).feeds(0);
    const out = await session.run(feeds);
    const xs = out[x];
    const alone = buildModel({
      opset: 13,
      nodes: [{ ...kept, input: ['x', ...kept.input.slice(1)], output: ['y'] }],
      initializers: prepared.graph!.initializer.filter((t) => kept.input.includes(t.name!)),
      inputs: [valueInfo('x', [...xs.dims])],
      outputs: [valueInfo('y')],
    });
    const ref = runnerTensorToFloat32((await (await runner.createSession(encodeModel(alone), { optimization: 'disabled' })).run({ x: xs })).y);
    const got = runnerTensorToFloat32(out[y]);
    let maxRef = 0;
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(ref[i]));
      maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
    }
    expect(maxDiff / maxRef).toBeLessThan(1e-5);
    // Calibration observed what the kept node's neighbours need.
    expect(calibrationCandidates(prepared, { ...DEFAULT_QUANTIZE_OPTIONS, keepNodes: [kept.name!] })).toContain(y);
  });
});
