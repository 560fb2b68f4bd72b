/**
 * Detectors from ../shared/assets scored in FP32 by onnxruntime-node on real COCO images with their
 * YOLO labels: the evaluation half of coco-train (the last 64 of its 128 images by name; the first 64
 * are for calibration, as the INT8 figures in cli/detect.test.ts and the README). A table of real files
 * with the decoder each must be recognised as, and floors a little under the figures measured
 * (printed as they run). Preprocessing as MANIFEST.md gives it, except where a model's own code
 * differs: FastestDet's upstream feeds OpenCV's BGR (AP50 0.320 BGR against 0.242 RGB on all 128 images).
 *
 *   model                       decoder          AP50    AP50-95  (64 images)
 *   lw-person-det-192 (person)  yolox            0.493   0.286
 *   fastestdet                  yolov5           0.349   0.217    (decode in the graph: pixel boxes)
 *   yolo-fastestv2              yolo-fastestv2   0.356   0.221
 *   yolov8n-fp32-topology       yolov8           0.604   0.463
 *   deimv2-femto-416            detr             0.575   0.412
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectionFolderSource, readLabelFolder, type LabelFolder } from '../../../../cli/detection';
import { listImages } from '../../../../cli/images';
import { feedPlanOf } from '../../../../cli/pipeline';
import { createNodeRunner } from '../../../../cli/runner-node';
import { decodeModel } from '../../onnx/decode';
import { resolveSpec, SCALE_1_255, type PartialSpec, type PresetName } from '../../preprocess/spec';
import { decodeImageFile } from '../../../../cli/images';
import { encodeModel } from '../../onnx/encode';
import { imageFeed } from '../../preprocess/image';
import { imageDetections, decodeContext } from './score';
import { chooseDecoder, decoderByName } from './decoders';
import { compareDetectors, detectionReference, evaluateDetector } from './evaluate';
import { mergeDetectionStats, summarizeDetections } from './ap';
import { parseClassMap } from './labels';

const ASSETS = join(import.meta.dirname, '../../../../../shared/assets');
const COCO = join(ASSETS, 'images/coco-train');

interface Case {
  readonly file: string;
  readonly spec: PresetName | PartialSpec;
  readonly decoder: string;
  readonly classes?: string;
  readonly ap50: number;
  readonly ap5095: number;
  readonly reason: RegExp;
}

const BGR_UNIT: PartialSpec = { color: 'bgr', scale: SCALE_1_255, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch' };

const CASES: readonly Case[] = [
  {
    file: 'lw-person-det-192.onnx',
    spec: { color: 'bgr', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], resize: 'letterbox', pad: 114, align: 'top-left' },
    decoder: 'yolox',
    classes: 'person',
    ap50: 0.47,
    ap5095: 0.27,
    reason: /756 rows = 24x24 \+ 12x12 \+ 6x6 cells of strides 8\/16\/32 at 192x192, box centres are grid offsets/,
  },
  { file: 'fastestdet.onnx', spec: BGR_UNIT, decoder: 'yolov5', ap50: 0.33, ap5095: 0.2, reason: /484 rows of 5 \+ 80 columns with box centres in input pixels/ },
  { file: 'yolo-fastestv2.onnx', spec: BGR_UNIT, decoder: 'yolo-fastestv2', ap50: 0.34, ap5095: 0.2, reason: /605 rows = 22x22 \+ 11x11 cells of strides 16\/32, 3 anchors/ },
  { file: 'yolov8n-fp32-topology.onnx', spec: 'yolo', decoder: 'yolov8', ap50: 0.58, ap5095: 0.44, reason: /\[1, 4 \+ 80, 8400\]/ },
  { file: 'deimv2-femto-416.onnx', spec: 'unit', decoder: 'detr', ap50: 0.55, ap5095: 0.39, reason: /labels 'labels', boxes 'boxes' and scores 'scores' for 300 queries/ },
];

describe('FP32 AP of the shared detectors on the evaluation half of coco-train', () => {
  let files: string[];
  let labels: LabelFolder;
  beforeAll(async () => {
    const all = await listImages(join(COCO, 'images'));
    files = all.slice(all.length - 64);
    labels = await readLabelFolder(join(COCO, 'labels'), files, join(COCO, 'images'));
  });

  it.each(CASES)('$file: decoder $decoder, AP50 >= $ap50', async (c) => {
    const model = decodeModel(readFileSync(join(ASSETS, 'models', c.file)), { source: c.file });
    const plan = feedPlanOf(model, c.file);
    const spec = resolveSpec(c.spec, { channels: 3 });
    const result = await evaluateDetector(
      model,
      createNodeRunner({ source: c.file }),
      detectionFolderSource(files, spec, plan),
      labels.lookup,
      { spec, geometry: plan.image, labelClasses: labels.labelClasses, source: c.file },
      { classMap: c.classes ? parseClassMap(c.classes) : undefined },
    );
    console.log(`${c.file}: AP50 ${result.ap50.toFixed(3)}, AP50-95 ${result.ap5095.toFixed(3)} on ${result.images} images, ${result.perClass.length} classes, ${result.truths} objects (${result.decoder.decoder}: ${result.decoder.reason})`);
    expect(result.images).toBe(64);
    expect(result.decoder).toMatchObject({ decoder: c.decoder, chosenBy: 'outputs' });
    expect(result.decoder.reason).toMatch(c.reason);
    expect(result.ap50).toBeGreaterThanOrEqual(c.ap50);
    expect(result.ap5095).toBeGreaterThanOrEqual(c.ap5095);
    expect(result.ap50).toBeLessThan(1);
    if (c.classes) expect(result.perClass.map((p) => p.classId)).toEqual([0]);
  }, 300_000);
});

describe('UltraFace (SSD-style scores + boxes decoded in the graph), no face labels here', () => {
  it('is read as ssd, and finds the faces of zidane.jpg where they are', async () => {
    const file = 'ultraface-rfb-320.onnx';
    const model = decodeModel(readFileSync(join(ASSETS, 'models', file)), { source: file });
    const plan = feedPlanOf(model, file);
    const spec = resolveSpec({ color: 'rgb', scale: 1, mean: [127, 127, 127], std: [128, 128, 128], resize: 'stretch' }, { channels: 3 });
    const image = await decodeImageFile(join(ASSETS, 'images/classic/zidane.jpg'));
    const session = await createNodeRunner().createSession(encodeModel(model));
    const outputs = await session.run({ [plan.image.name]: imageFeed(image, spec, plan.image) });
    await session.release();
    const setup = { spec, geometry: plan.image, labelClasses: 1 };
    const context = decodeContext(setup, {});
    const choice = chooseDecoder(outputs, context);
    expect(choice).toMatchObject({ decoder: 'ssd', classes: 1 });
    expect(choice.reason).toMatch(/scores 'scores' \[4420, 2\] beside boxes 'boxes' \[4420, 4\], each row of scores sums to 1/);
    const faces = imageDetections(decoderByName('ssd')!.decode(outputs, context), { width: image.width, height: image.height }, setup, {}).filter((d) => d.score > 0.7);
    console.log(`ultraface on zidane.jpg (${image.width}x${image.height}): ${faces.map((f) => `${f.score.toFixed(2)} [${[f.x1, f.y1, f.x2, f.y2].map(Math.round).join(', ')}]`).join('; ')}`);
    // Two men, two faces (measured: [924, 106, 1053, 280] and [548, 250, 655, 429]), in original pixels.
    expect(faces.length).toBe(2);
    const [right, left] = [...faces].sort((a, b) => b.x1 - a.x1);
    expect(right.x1).toBeGreaterThan(880);
    expect(right.y2).toBeLessThan(320);
    expect(left.x1).toBeGreaterThan(500);
    expect(left.x2).toBeLessThan(700);
    expect(left.y2).toBeLessThan(470);
  });
});

describe('the engine entry points agree with each other (lw-person-det, 12 images)', () => {
  it('evaluateDetector, compareDetectors (one pass), detectionReference (FP32 once), and merged halves give the same AP', async () => {
    const file = 'lw-person-det-192.onnx';
    const all = await listImages(join(COCO, 'images'));
    const files = all.slice(all.length - 12);
    const labels = await readLabelFolder(join(COCO, 'labels'), files, join(COCO, 'images'));
    const model = decodeModel(readFileSync(join(ASSETS, 'models', file)), { source: file });
    const plan = feedPlanOf(model, file);
    const spec = resolveSpec(CASES[0].spec, { channels: 3 });
    const setup = { spec, geometry: plan.image, labelClasses: labels.labelClasses, source: file };
    const runner = createNodeRunner({ source: file });
    const source = detectionFolderSource(files, spec, plan);
    const options = { classMap: [0] };
    const progress: number[] = [];
    const one = await evaluateDetector(model, runner, source, labels.lookup, setup, { ...options, onProgress: (p) => progress.push(p.done) });
    expect(progress).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const pair = await compareDetectors(model, model, runner, source, labels.lookup, setup, options);
    expect(pair.fp32.ap50).toBe(one.ap50);
    expect(pair.int8.ap5095).toBe(one.ap5095);
    expect(pair.drop).toEqual({ ap50: 0, ap5095: 0 });
    const reference = await detectionReference(model, runner, source, labels.lookup, setup, options);
    const again = await reference.compare(model);
    expect(again.int8.decoder).toMatchObject({ decoder: 'yolox', chosenBy: 'name' });
    expect(again.drop).toEqual({ ap50: 0, ap5095: 0 });
    // Two workers' halves merged: the same matches, so the same AP.
    const half = (from: number, to: number) => ({ count: to - from, image: (i: number) => source.image(from + i) });
    const a = await evaluateDetector(model, runner, half(0, 6), (i) => labels.lookup(i), setup, options);
    const b = await evaluateDetector(model, runner, half(6, 12), (i) => labels.lookup(6 + i), setup, options);
    const merged = summarizeDetections(mergeDetectionStats(structuredClone(a.stats), b.stats));
    expect(merged.images).toBe(12);
    expect(merged.ap50).toBeCloseTo(one.ap50, 12);
    expect(merged.ap5095).toBeCloseTo(one.ap5095, 12);
  });
});
