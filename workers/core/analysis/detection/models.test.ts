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
import { evaluateDetector } from './evaluate';
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
  });
});
