/**
 * Detection accuracy in the Compare step (issue 10 item 7): a YOLO dataset folder (images/ and labels/:
 * the last 5 coco-train images with persons, and their label files) dropped from disk as the evaluation
 * set, the YOLOX-style person detector calibrated on 8 other images. The Detection panel asks for a
 * class map (the model scores 1 class, the labels 80), then shows FP32 and INT8 AP50/AP50-95 side by side with the change,
 * the decoder recognised from the outputs and why; the FP32 figure agrees with the engine's in Node
 * (onnxruntime-node, sharp) on the same images; naming another decoder re-scores with it.
 */
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectionFolderSource, readLabelFolder } from '../cli/detection';
import { feedPlanOf } from '../cli/pipeline';
import { createNodeRunner } from '../cli/runner-node';
import { evaluateDetector } from '../workers/core/analysis/detection/evaluate';
import { decodeModel } from '../workers/core/onnx/decode';
import { resolveSpec } from '../workers/core/preprocess/spec';
import { IMAGES, model, tempDir } from './assets';
import { expect, note, test } from './fixtures';

const COCO = join(IMAGES, 'coco-train');
const LW = model('lw-person-det-192.onnx');
const LW_SPEC = { color: 'bgr', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], resize: 'letterbox', pad: 114, align: 'top-left' } as const;

/** The engine's FP32 AP50 of lw-person-det on these images, in Node. */
async function nodeAp50(images: readonly string[], imageDir: string, labelDir: string): Promise<number> {
  const m = decodeModel(readFileSync(LW), { source: 'lw-person-det-192.onnx' });
  const plan = feedPlanOf(m, 'lw-person-det-192.onnx');
  const spec = resolveSpec(LW_SPEC, { channels: 3 });
  const labels = await readLabelFolder(labelDir, images, imageDir);
  const r = await evaluateDetector(m, createNodeRunner(), detectionFolderSource(images, spec, plan), labels.lookup, { spec, geometry: plan.image, labelClasses: labels.labelClasses }, { classMap: [0] });
  return r.ap50;
}

test('detector: YOLO labels dropped with the images give FP32 and INT8 AP50 side by side, decoder and class map', async ({ workbench, page }) => {
  // Images with a label file (coco-train has two of each without the other).
  const labelled = new Set(await readdir(join(COCO, 'labels')));
  const names = (await readdir(join(COCO, 'images'))).filter((f) => labelled.has(f.replace(/\.jpg$/, '.txt'))).sort();
  const calibration = names.slice(0, 8).map((n) => join(COCO, 'images', n));
  // The last 5 with a person in them (19 persons): enough to score, few enough for the per-layer comparison on a busy machine.
  const withPersons: string[] = [];
  for (const n of names) if (/^0 /m.test(await readFile(join(COCO, 'labels', n.replace(/\.jpg$/, '.txt')), 'utf8'))) withPersons.push(n);
  const evaluation = withPersons.slice(withPersons.length - 5);
  // A YOLO dataset folder as people have them: images/ and labels/ side by side.
  const dataset = await tempDir('yolo-dataset');
  try {
    await mkdir(join(dataset.path, 'coco5', 'images'), { recursive: true });
    await mkdir(join(dataset.path, 'coco5', 'labels'), { recursive: true });
    for (const n of evaluation) {
      await copyFile(join(COCO, 'images', n), join(dataset.path, 'coco5', 'images', n));
      await copyFile(join(COCO, 'labels', n.replace(/\.jpg$/, '.txt')), join(dataset.path, 'coco5', 'labels', n.replace(/\.jpg$/, '.txt')));
    }
    const expected = await nodeAp50(
      evaluation.map((n) => join(dataset.path, 'coco5', 'images', n)),
      join(dataset.path, 'coco5', 'images'),
      join(dataset.path, 'coco5', 'labels'),
    );

    await workbench.goto();
    await workbench.dropModel(LW);
    await workbench.choosePreset('yolo');
    await workbench.setSpec({ color: 'bgr', scale: 1, align: 'top-left' });
    await workbench.drop('calibration', calibration);
    await workbench.dropFromDisk('evaluation', [join(dataset.path, 'coco5')]);
    await expect(workbench.imageCount('evaluation')).toHaveText('5 image(s), 5 with YOLO boxes (labels: 5 YOLO label files)');
    await workbench.calibrate();
    await workbench.buildInt8();
    await expect(workbench.detection()).toBeVisible();

    // The model scores one class and the labels number 80: the panel asks for a class map, the rest of the comparison stands.
    await workbench.compare();
    const error = workbench.detection().getByTestId('detection-error');
    await expect(error).toContainText("'lw-person-det-192.onnx' scores 1 class (decoder 'yolox') but the labels number classes up to");
    await expect(error).toContainText("say which label class each model class is with the Class map field in Compare's Detection panel");
    await expect(workbench.step('compare').getByTestId('output-errors')).toBeVisible();

    await workbench.rescoreDetection({ classes: 'person' });
    const figures = await workbench.detectionFigures();
    note('AP50 lw-person-det-192, 5 images (WASM)', `FP32 ${figures.fp32Ap50}, INT8 ${figures.int8Ap50}, change ${figures.drop50}; engine in Node: FP32 ${expected.toFixed(3)}`);
    expect(figures.decoder).toMatch(/^Decoder yolox \(recognised from the outputs\): 'output': 756 rows = 24x24 \+ 12x12 \+ 6x6 cells of strides 8\/16\/32 at 192x192/);
    await expect(workbench.detection().getByTestId('detection-counts')).toContainText('5 images');
    await expect(workbench.detection().getByTestId('detection-counts')).toContainText('class map 0 -> person');
    // Chromium's JPEG decoding and WASM kernels against sharp and onnxruntime's CPU kernels: the same figure within rounding.
    expect(Math.abs(figures.fp32Ap50 - expected)).toBeLessThanOrEqual(0.02);
    expect(figures.fp32Ap50).toBeGreaterThan(0.2); // measured 0.280 (Node: 0.280)
    expect(figures.int8Ap50).toBeGreaterThan(0);
    expect(figures.drop50).toMatch(/^[−+]?\d\.\d{3}$/);
    expect(figures.fp32Ap5095).toBeLessThan(figures.fp32Ap50);
    await expect(workbench.step('compare').getByTestId('top1-agreement')).toHaveCount(0);
    await workbench.screenshot('detection-ap', 'compare');

    // Naming a decoder that misreads the head (YOLOv5's pixel boxes): scored with it, and worse.
    await workbench.rescoreDetection({ decoder: 'yolov5' });
    await expect(workbench.detection().getByTestId('detection-decoder-used')).toContainText('Decoder yolov5 (chosen by name)');
    const misread = await workbench.detectionFigures();
    expect(misread.fp32Ap50).toBeLessThan(figures.fp32Ap50 / 2);
    await expect(page.getByTestId('detection-decoder')).toHaveValue('yolov5');
  } finally {
    await dataset.dispose();
  }
});
