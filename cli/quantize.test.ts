/**
 * The engine end to end on real models and real images, with onnxruntime-node running both the FP32
 * and the INT8 model (nothing mocked): the quality bars of the engine issue.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGES, model } from '../test/assets';
import { calibrate } from '../workers/core/calibration/calibrate';
import { compareModels } from '../workers/core/metrics/compare';
import { decodeModel } from '../workers/core/onnx/decode';
import { encodeModel } from '../workers/core/onnx/encode';
import type { Model } from '../workers/core/onnx/types';
import { prepareModel, quantizeModel, type QuantizeOptions } from '../workers/core/quant/quantize';
import type { CalibrationSource } from '../workers/core/calibration/calibrate';
import { listImages, writePng } from './images';
import { readMnist } from './mnist';
import type { InputGeometry, PreprocessSpec } from '../workers/core/preprocess/spec';
import { resolveSpec } from '../workers/core/preprocess/spec';
import { imageFolderSource, imageInput, loadSpec, readLabels } from './pipeline';
import { createNodeRunner } from './runner-node';

const runner = createNodeRunner();

async function load(name: string): Promise<Model> {
  return decodeModel(new Uint8Array(await readFile(model(name))), { source: name });
}

async function quantizeWith(fp32: Model, source: CalibrationSource, options: Partial<QuantizeOptions> = {}) {
  const prepared = prepareModel(fp32);
  const cal = await calibrate(prepared.model, runner, source, { collector: { histograms: !!options.method && options.method !== 'minmax' } });
  const result = quantizeModel(prepared.model, cal.stats, options);
  // Re-decode the written bytes: what is checked is what a user downloads.
  const bytes = encodeModel(result.model);
  return { ...result, prepared, bytes, int8: decodeModel(bytes), stats: cal.stats };
}

describe('SqueezeNet 1.1 (opset 7, caffe preprocessing) on ImageNet', () => {
  let fp32: Model;
  let calib: CalibrationSource;
  let val: CalibrationSource;
  let labels: Map<string, number>;
  let valFiles: string[];
  let geometry: InputGeometry;
  let spec: PreprocessSpec;
  beforeAll(async () => {
    fp32 = await load('squeezenet1.1-fp32.onnx');
    geometry = imageInput(prepareModel(fp32).model, 'squeezenet');
    spec = await loadSpec('caffe', geometry);
    calib = imageFolderSource(await listImages(`${IMAGES}/imagenet-calib`, { limit: 100 }), spec, geometry);
    valFiles = await listImages(`${IMAGES}/imagenet-val/images`);
    val = imageFolderSource(valFiles, spec, geometry);
    labels = await readLabels(`${IMAGES}/imagenet-val/labels.csv`);
  });

  // Accuracy on all 300 images; per-layer statistics (a pass in JavaScript over every tensor) on the first 20.
  const evaluate = (int8: Model, mapping: NonNullable<Parameters<typeof compareModels>[4]>['mapping']) =>
    compareModels(fp32, int8, runner, val, { mapping, layers: [], labels: (i) => labels.get(basename(valFiles[i])) });
  const perLayer = (int8: Model, mapping: NonNullable<Parameters<typeof compareModels>[4]>['mapping']) =>
    compareModels(fp32, int8, runner, imageFolderSource(valFiles.slice(0, 20), spec, geometry), { mapping });

  it('default (MinMax, per-channel s8 weights, u8 activations): top-1 within 1.0 point of FP32, file <= 30%', async () => {
    const q = await quantizeWith(fp32, calib);
    const fp32Size = (await readFile(model('squeezenet1.1-fp32.onnx'))).length;
    expect(q.bytes.length / fp32Size).toBeLessThanOrEqual(0.3);
    const minmax = await evaluate(q.int8, q.mapping);
    const a = minmax.agreement!;
    console.log(`squeezenet minmax: FP32 top-1 ${(a.reference.top1 * 100).toFixed(2)}%, INT8 ${(a.test.top1 * 100).toFixed(2)}%, agreement ${(a.top1Agreement * 100).toFixed(1)}%, size ${(q.bytes.length / fp32Size * 100).toFixed(1)}%`);
    expect(a.labeled).toBe(300);
    expect(a.reference.top1 - a.test.top1).toBeLessThanOrEqual(0.01);
    // Every conv is quantized and the Relus folded into them.
    expect(q.report.nodes.filter((n) => n.opType === 'Conv').every((n) => n.quantized)).toBe(true);
    expect(q.report.foldedActivations).toBeGreaterThan(20);
    // Per-layer comparison reaches every quantized conv output through the mapping.
    const layers = (await perLayer(q.int8, q.mapping)).layers;
    expect(layers.length).toBeGreaterThanOrEqual(35);
    expect(Math.min(...layers.map((l) => l.sqnrDb))).toBeGreaterThan(10);
  });

  // One test per method (each calibrates 100 images with histograms), then the best of them.
  const methodTop1 = new Map<string, number>();
  let referenceTop1 = NaN;
  for (const method of ['percentile', 'entropy', 'mse'] as const) {
    it(`${method}: top-1 measured on the 300 images`, async () => {
      const q = await quantizeWith(fp32, calib, { method });
      const r = await evaluate(q.int8, undefined);
      methodTop1.set(method, r.agreement!.test.top1);
      referenceTop1 = r.agreement!.reference.top1;
      expect(r.agreement!.labeled).toBe(300);
    });
  }

  it('the best calibration method: top-1 within 0.5 point of FP32', () => {
    expect(methodTop1.size).toBe(3);
    console.log(`squeezenet methods: FP32 ${(referenceTop1 * 100).toFixed(2)}%, ${[...methodTop1].map(([m, v]) => `${m} ${(v * 100).toFixed(2)}%`).join(', ')}`);
    expect(referenceTop1 - Math.max(...methodTop1.values())).toBeLessThanOrEqual(0.005);
  });

  it('FP16 SqueezeNet is calibrated through an FP32 copy and gives a float32 INT8 model', async () => {
    const fp16 = await load('squeezenet1.1-fp16.onnx');
    const q = await quantizeWith(fp16, calib);
    expect(q.prepared.widened).toEqual({ inputs: ['data_0'], outputs: ['softmaxout_1'] });
    expect(q.int8.graph!.input[0].type?.tensorType?.elemType).toBe(1);
    const r = await compareModels(fp16, q.int8, runner, imageFolderSource(valFiles.slice(0, 50), spec, geometry), {});
    expect(r.agreement!.top1Agreement).toBeGreaterThan(0.85);
  });
});

describe('MNIST (opset 7, raw gray pixels)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zeropoint-mnist-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('calibrated on 100 digits written as PNG, top-1 drop on all 10,000 <= 0.2 point', async () => {
    const mnist = await readMnist(`${IMAGES}/mnist`);
    for (let i = 0; i < 100; i++) await writePng(join(dir, `digit-${String(i).padStart(3, '0')}.png`), { width: 28, height: 28, data: mnist.images[i] });
    const fp32 = await load('mnist.onnx');
    const geometry = imageInput(prepareModel(fp32).model, 'mnist');
    const spec = await loadSpec('raw', geometry);
    const q = await quantizeWith(fp32, imageFolderSource(await listImages(dir), spec, geometry));
    // Evaluate straight from the IDX pixels (the same 0..255 gray values the PNGs hold).
    const all: CalibrationSource = {
      count: mnist.images.length,
      feeds: async (i) => ({ [geometry.name]: { type: 'float32', dims: [1, 1, 28, 28], data: Float32Array.from(mnist.images[i]) } }),
    };
    const r = await compareModels(fp32, q.int8, runner, all, { labels: (i) => mnist.labels[i] });
    const a = r.agreement!;
    console.log(`mnist: FP32 top-1 ${(a.reference.top1 * 100).toFixed(2)}%, INT8 ${(a.test.top1 * 100).toFixed(2)}%`);
    expect(a.labeled).toBe(10_000);
    expect(a.reference.top1).toBeCloseTo(0.9891, 3);
    expect(a.reference.top1 - a.test.top1).toBeLessThanOrEqual(0.002);
  });
});

describe('detectors quantize without error and keep every output close to FP32 on COCO images', () => {
  const cases = [
    { file: 'fastestdet.onnx', preset: 'unit' },
    { file: 'yolo-fastestv2.onnx', preset: 'unit' },
    { file: 'ultraface-rfb-320.onnx', preset: { color: 'rgb', scale: 1 / 128, mean: [127 / 128, 127 / 128, 127 / 128], std: [1, 1, 1], resize: 'stretch' } },
    { file: 'yolov8n-fp32-topology.onnx', preset: 'yolo' },
  ];
  for (const c of cases) {
    it(`${c.file}: cosine >= 0.99 per output`, async () => {
      const fp32 = await load(c.file);
      const prepared = prepareModel(fp32);
      const geometry = imageInput(prepared.model, c.file);
      const spec = typeof c.preset === 'string' ? await loadSpec(c.preset, geometry) : resolveSpec(c.preset as never, { channels: 3 });
      const files = await listImages(`${IMAGES}/coco-train/images`);
      const q = await quantizeWith(fp32, imageFolderSource(files.slice(0, 16), spec, geometry));
      const r = await compareModels(fp32, q.int8, runner, imageFolderSource(files.slice(100, 108), spec, geometry), {});
      console.log(`${c.file}: ${r.outputs.map((o) => `${o.name} cos ${o.cosine.toFixed(4)} sqnr ${o.sqnrDb.toFixed(1)}`).join('; ')}; ${q.report.quantizedNodes}/${q.report.nodes.length} nodes`);
      for (const o of r.outputs) expect(o.cosine).toBeGreaterThanOrEqual(0.99);
    });
  }
});

describe('bias correction on a real detector (FastestDet: depthwise convs, calibrated on 16 COCO images, measured on 8 others)', () => {
  it('raises the output SQNR and removes most of the per-channel offset, per channel and per tensor', async () => {
    const fp32 = await load('fastestdet.onnx');
    const prepared = prepareModel(fp32);
    const geometry = imageInput(prepared.model, 'fastestdet.onnx');
    const spec = await loadSpec('unit', geometry);
    const files = await listImages(`${IMAGES}/coco-train/images`);
    const cal = await calibrate(prepared.model, runner, imageFolderSource(files.slice(0, 16), spec, geometry), { channelMeans: true, collector: { histograms: false } });
    const measure = async (options: Partial<QuantizeOptions>) => {
      const q = quantizeModel(prepared.model, cal.stats, options);
      const r = await compareModels(prepared.model, q.model, runner, imageFolderSource(files.slice(100, 108), spec, geometry), { mapping: q.mapping });
      const layers = r.layers.filter((l) => l.quantized && Number.isFinite(l.biasShare));
      return { sqnr: r.outputs[0].sqnrDb, cosine: r.outputs[0].cosine, offset: layers.reduce((a, l) => a + l.biasShare, 0) / layers.length, report: q.report };
    };
    for (const perChannel of [true, false]) {
      // Bias correction against plain rounding (the default's sum-preserving rounding removes most of the same shift without data).
      const before = await measure({ perChannel, weightRounding: 'nearest' });
      const after = await measure({ perChannel, biasCorrection: true, weightRounding: 'nearest' });
      console.log(
        `FastestDet ${perChannel ? 'per-channel' : 'per-tensor'} weights: output SQNR ${before.sqnr.toFixed(2)} -> ${after.sqnr.toFixed(2)} dB, cosine ${before.cosine.toFixed(4)} -> ${after.cosine.toFixed(4)}, mean offset share ${(100 * before.offset).toFixed(1)}% -> ${(100 * after.offset).toFixed(1)}%`,
      );
      expect(after.report.biasCorrection!.corrected).toBe(after.report.biases.length);
      expect(after.report.biasCorrection!.skipped).toEqual([]);
      expect(after.sqnr - before.sqnr).toBeGreaterThan(perChannel ? 0.5 : 2);
      expect(after.offset).toBeLessThan(before.offset / 2);
    }
  });
});
