/**
 * The fast calibration paths against the straightforward ones (calibrate's `reference`), on every
 * shared FP32 model with real images: the packed in-graph MinMax (minmax-graph.ts) and the one-pass
 * binning with implied Concats must give the same ranges, exactly, by every method; counts, shapes,
 * extremes and histograms equal (a min the graph implies is 0 where the measured one is >= 0).
 * One exception, by construction: a tensor derived through an op whose onnxruntime kernel jitters by
 * a few ulps over floats (Sigmoid, Tanh: minmax-derive.ts KERNEL_JITTER) may differ by that much
 * (within 1e-6 relative), and so may what derives from it or concatenates it.
 * The histogram path is compared with every value binned (`histogramSample: 0`); sample-graph.test.ts
 * compares the default, sampled one with it.
 * bench/calibration.ts measures what they cost.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { listImages } from '../../../cli/images';
import { readMnist } from '../../../cli/mnist';
import { feedPlanOf, imageFolderSource, isPreset } from '../../../cli/pipeline';
import { createNodeRunner } from '../../../cli/runner-node';
import { IMAGES, model as modelPath } from '../../../test/assets';
import { decodeModel } from '../onnx/decode';
import type { Model } from '../onnx/types';
import { imageToTensor } from '../preprocess/image';
import { parseSpecJson, resolveSpec, type PresetName } from '../preprocess/spec';
import { DEFAULT_QUANTIZE_OPTIONS, prepareModel } from '../quant/quantize';
import type { Feeds } from '../runner';
import { calibrationCandidates } from './augment';
import { calibrate, type CalibrationResult } from './calibrate';
import { jitteredReadings } from './minmax-derive';
import { minMaxGraph } from './minmax-graph';
import { computeRange, type RangeMethod } from './ranges';

const S255 = '0.00392156862745098';
const PADDLE = `{"color":"bgr","scale":${S255},"mean":[0.5,0.5,0.5],"std":[0.5,0.5,0.5],"resize":"stretch","layout":"nchw"}`;

interface Row {
  readonly file: string;
  readonly spec: string;
  readonly images: 'coco' | 'imagenet' | 'mnist';
  readonly size?: { width: number; height: number };
  /** Also compare the histogram path (the rest: MinMax only, to keep the suite's time). */
  readonly histograms?: true;
}

const ROWS: Row[] = [
  { file: 'mnist.onnx', spec: 'raw', images: 'mnist', histograms: true },
  { file: 'squeezenet1.1-fp32.onnx', spec: 'caffe', images: 'imagenet', histograms: true },
  { file: 'squeezenet1.1-fp16.onnx', spec: 'caffe', images: 'imagenet' },
  { file: 'fastestdet.onnx', spec: 'unit', images: 'coco', histograms: true },
  { file: 'yolo-fastestv2.onnx', spec: `{"color":"bgr","scale":${S255},"mean":[0,0,0],"std":[1,1,1],"resize":"stretch","layout":"nchw"}`, images: 'coco', histograms: true },
  { file: 'ultraface-rfb-320.onnx', spec: '{"color":"rgb","scale":1,"mean":[127,127,127],"std":[128,128,128],"resize":"stretch","layout":"nchw"}', images: 'coco', histograms: true },
  { file: 'super-resolution.onnx', spec: `{"color":"gray","scale":${S255},"mean":[0],"std":[1],"resize":"stretch","layout":"nchw"}`, images: 'coco' },
  { file: 'yolov8n-fp32-topology.onnx', spec: 'yolo', images: 'coco' },
  { file: 'lw-person-det-192.onnx', spec: '{"color":"bgr","scale":1,"mean":[0,0,0],"std":[1,1,1],"resize":"letterbox","pad":114,"align":"top-left","layout":"nchw"}', images: 'coco' },
  { file: 'scrfd-500m-kps.onnx', spec: '{"color":"rgb","scale":1,"mean":[127.5,127.5,127.5],"std":[128,128,128],"resize":"letterbox","pad":0,"align":"top-left","layout":"nchw"}', images: 'coco' },
  { file: 'yunet-120x160.onnx', spec: '{"color":"rgb","scale":1,"mean":[0,0,0],"std":[1,1,1],"resize":"stretch","layout":"nchw"}', images: 'coco', histograms: true },
  { file: 'deimv2-femto-416.onnx', spec: `{"color":"rgb","scale":${S255},"mean":[0,0,0],"std":[1,1,1],"resize":"stretch","layout":"nchw"}`, images: 'coco' },
  { file: 'ppocrv3-det.onnx', spec: `{"color":"bgr","scale":${S255},"mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225],"resize":"stretch","layout":"nchw"}`, images: 'coco', size: { width: 640, height: 640 } },
  { file: 'ppocr-cls-v2.onnx', spec: PADDLE, images: 'coco', size: { width: 192, height: 48 } },
  { file: 'ppocrv4-rec.onnx', spec: PADDLE, images: 'coco', size: { width: 320, height: 48 } },
  { file: 'deeplabv3-mnv2-257.onnx', spec: '{"color":"rgb","scale":1,"mean":[127.5,127.5,127.5],"std":[127.5,127.5,127.5],"resize":"stretch","layout":"nhwc"}', images: 'coco' },
  { file: 'mlsd-tiny-512.onnx', spec: 'raw', images: 'coco' },
  { file: 'tbefn-240x320.onnx', spec: `{"color":"rgb","scale":${S255},"mean":[0,0,0],"std":[1,1,1],"resize":"stretch","layout":"nchw"}`, images: 'coco' },
  { file: 'fns-candy.onnx', spec: '{"color":"rgb","scale":1,"mean":[0,0,0],"std":[1,1,1],"resize":"stretch","layout":"nchw"}', images: 'coco' },
];

const IMAGE_COUNT = 2;
const runner = createNodeRunner({ source: 'calibrate.test' });

async function load(row: Row): Promise<{ model: Model; feeds: Feeds[] }> {
  const model = prepareModel(decodeModel(new Uint8Array(await readFile(modelPath(row.file))), { source: row.file }), { source: row.file }).model;
  const plan = feedPlanOf(model, row.file, row.size ?? {});
  const spec = resolveSpec(isPreset(row.spec) ? (row.spec as PresetName) : parseSpecJson(row.spec, 'spec'), { channels: plan.image.channels, layout: plan.image.layout });
  if (row.images === 'mnist') {
    const set = await readMnist(`${IMAGES}/mnist`, { limit: IMAGE_COUNT });
    return {
      model,
      feeds: set.images.map((digit) => {
        const rgba = new Uint8Array(digit.length * 4).map((_, i) => (i % 4 === 3 ? 255 : digit[i >> 2]));
        const t = imageToTensor({ width: set.width, height: set.height, data: rgba }, spec, plan.image);
        return { [plan.image.name]: { type: 'float32', dims: t.dims, data: t.data } } satisfies Feeds;
      }),
    };
  }
  const files = await listImages(`${IMAGES}/${row.images === 'coco' ? 'coco-train/images' : 'imagenet-calib'}`, { limit: IMAGE_COUNT });
  const source = imageFolderSource(files, spec, plan);
  return { model, feeds: await Promise.all(files.map((_, i) => source.feeds(i))) };
}

/** Equal, or within KERNEL_JITTER's few ulps for the tensors in `near`. */
function same(a: number, b: number, near: boolean): boolean {
  return a === b || (near && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b)));
}

/** Every difference between two calibrations of the same images that the ranges could see (`jittered`: see the file comment). */
function differences(ref: CalibrationResult, fast: CalibrationResult, methods: readonly RangeMethod[], jittered: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const names = Object.keys(ref.stats.tensors);
  if (names.length !== Object.keys(fast.stats.tensors).length) out.push(`${names.length} tensors vs ${Object.keys(fast.stats.tensors).length}`);
  for (const name of names) {
    const a = ref.stats.tensors[name];
    const b = fast.stats.tensors[name];
    if (!b) {
      out.push(`${name}: missing`);
      continue;
    }
    const near = jittered.has(name);
    if (a.count !== b.count || !same(a.max, b.max, near) || a.batches !== b.batches || a.nanCount !== b.nanCount || !same(a.movingMax, b.movingMax, near)) out.push(`${name}: count/max ${a.max} vs ${b.max}`);
    if (b.minImplied ? !(a.min >= 0 && b.min === 0) : !same(a.min, b.min, near) || !same(a.movingMin, b.movingMin, near)) out.push(`${name}: min ${a.min} vs ${b.min}`);
    if (JSON.stringify(ref.shapes[name]) !== JSON.stringify(fast.shapes[name])) out.push(`${name}: shape`);
    const ha = a.histogram;
    const hb = b.histogram;
    if (ha && hb && (ha.exponent !== hb.exponent || ha.offset !== hb.offset || ha.zeroCount !== hb.zeroCount || ha.minAbs !== hb.minAbs || ha.counts.some((c, i) => c !== hb.counts[i]))) out.push(`${name}: histogram`);
    if (a.count === 0) continue;
    for (const method of methods) {
      const r = computeRange(a, { method });
      const s = computeRange(b, { method });
      if (!same(r.min, s.min, near) || !same(r.max, s.max, near)) out.push(`${name}: ${method} [${r.min}, ${r.max}] vs [${s.min}, ${s.max}]`);
    }
  }
  return out;
}

describe('fast calibration paths give the reference ranges exactly (every shared FP32 model, 2 images)', () => {
  for (const row of ROWS) {
    it(row.file, { timeout: 240_000 }, async () => {
      const { model, feeds } = await load(row);
      const source = { count: feeds.length, feeds: async (i: number) => feeds[i] };
      const options = { threads: 1, plan: DEFAULT_QUANTIZE_OPTIONS };
      const minmax = { ...options, collector: { histograms: false } };
      const ref = await calibrate(model, runner, source, { ...minmax, reference: true });
      const fast = await calibrate(model, runner, source, minmax);
      const packed = minMaxGraph(model, calibrationCandidates(model, DEFAULT_QUANTIZE_OPTIONS), { inputDims: Object.fromEntries(Object.entries(feeds[0]).map(([n, t]) => [n, [...t.dims]])) });
      expect(differences(ref, fast, ['minmax', 'moving-average'], jitteredReadings(packed.readings))).toEqual([]);
      expect([...fast.skipped].sort()).toEqual([...ref.skipped].sort());
      // Something was implied or derived, so the test checks the shortcuts, not only the fallback.
      if (row.file !== 'super-resolution.onnx') expect(packed.readings.some((r) => r.kind !== 'reduced' || !r.min)).toBe(true);
      if (row.histograms) {
        const hist = { ...options, collector: { histograms: true }, histogramSample: 0 };
        const refHist = await calibrate(model, runner, source, { ...hist, reference: true });
        const fastHist = await calibrate(model, runner, source, hist);
        expect(differences(refHist, fastHist, ['minmax', 'moving-average', 'percentile', 'entropy', 'mse'])).toEqual([]);
      }
    });
  }
});
