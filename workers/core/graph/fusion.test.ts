/**
 * The fused kernels the INT8 graph view predicts (fusion.ts) against what onnxruntime really runs:
 * SqueezeNet quantized by the engine, then the graph onnxruntime-node writes after its optimizations
 * (level 'all', as the workbench and the CLI run it). Every predicted QLinear kernel must be there,
 * as many as predicted, and no QDQ pair the prediction dropped may be left.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { feedPlanOf, imageFolderSource, loadSpec } from '../../../cli/pipeline';
import { createNodeRunner } from '../../../cli/runner-node';
import { scanImages } from '../../../cli/images';
import { calibrate } from '../calibration/calibrate';
import { decodeModel } from '../onnx/decode';
import { encodeModel } from '../onnx/encode';
import { prepareModel, quantizeModel } from '../quant/quantize';
import { fusedKernels } from './fusion';
import { graphView } from './view';

async function optimizedOps(bytes: Uint8Array): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'zeropoint-fusion-'));
  try {
    const path = join(dir, 'optimized.onnx');
    const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', optimizedModelFilePath: path, logSeverityLevel: 3 });
    await s.release();
    const ops: Record<string, number> = {};
    for (const n of decodeModel(new Uint8Array(await readFile(path))).graph!.node) ops[n.opType ?? ''] = (ops[n.opType ?? ''] ?? 0) + 1;
    return ops;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('fusedKernels', () => {
  it('SqueezeNet INT8: the QLinear kernels onnxruntime runs', async () => {
    const prepared = prepareModel(decodeModel(new Uint8Array(await readFile('../shared/assets/models/squeezenet1.1-fp32.onnx')))).model;
    const feeds = feedPlanOf(prepared, 'squeezenet', {});
    const { files } = await scanImages('../shared/assets/images/imagenet-calib', { limit: 4 });
    const cal = await calibrate(prepared, createNodeRunner(), imageFolderSource(files, await loadSpec('caffe', feeds.image), feeds));
    const int8 = quantizeModel(prepared, cal.stats).model;
    const view = graphView(int8.graph!, { fused: true });
    const kernels = fusedKernels(view);
    const predicted: Record<string, number> = {};
    for (const k of kernels) predicted[k.kernel] = (predicted[k.kernel] ?? 0) + 1;
    const ops = await optimizedOps(encodeModel(int8));
    expect(predicted.QLinearConv).toBe(26);
    for (const [kernel, count] of Object.entries(predicted)) if (!kernel.startsWith('int8 ')) expect(ops[kernel] ?? 0, kernel).toBe(count);
    // The blocks of the INT8 view are these kernels, and every member is a node of the view.
    expect(view.blocks.map((b) => b.label).sort()).toEqual(kernels.map((k) => k.kernel).sort());
    const ids = new Set(view.nodes.map((n) => n.id));
    for (const k of kernels) for (const m of k.members) expect(ids.has(m)).toBe(true);
    // The pairs a kernel takes in are gone from what onnxruntime runs: fewer Q/DQ than written.
    const written = view.nodes.filter((n) => n.opType === 'DequantizeLinear').length;
    expect(ops.DequantizeLinear ?? 0).toBeLessThan(written);
  });
});
