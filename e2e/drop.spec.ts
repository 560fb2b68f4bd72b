/**
 * The whole flow from the user's own files, dropped with real drag-and-drop (Playwright's
 * locator.drop: dragenter/dragover/drop DragEvents whose DataTransfer carries File objects made from
 * the real bytes): the shared SqueezeNet and 12 ImageNet images, Caffe preprocessing; calibrate, open a
 * tensor's histogram, quantize, download. The downloaded INT8 model then runs in onnxruntime-node next
 * to the FP32 model on the same images: top-1 agreement >= 75%.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { calibImages, model, top1Agreement } from './assets';
import { expect, note, test } from './fixtures';

const FP32 = model('squeezenet1.1-fp32.onnx');
const IMAGES = 12;

test('drop a model and images, calibrate, histogram, quantize, download; onnxruntime-node agrees', async ({ workbench, page }) => {
  await workbench.goto();
  const images = await calibImages(IMAGES);

  // Model: a real drop on the model zone.
  await workbench.dropModel(FP32);
  await expect(page.getByTestId('model-name')).toHaveText('squeezenet1.1-fp32.onnx');
  await expect(page.getByTestId('model-geometry')).toContainText('3 channel(s), 224×224');
  await expect(page.getByTestId('model-quantization')).toHaveText('not quantized');

  // Data: the images dropped on the calibration zone (labels from the wnid in the file names), Caffe preset.
  await workbench.drop('calibration', images);
  await expect(workbench.imageCount('calibration')).toHaveText(`${IMAGES} image(s), ${IMAGES} labelled (labels: class folders / file names)`);
  await workbench.choosePreset('caffe');
  await expect(page.getByTestId('preview-input')).toBeVisible();
  await expect(page.getByTestId('preview')).toContainText('tensor [1, 3, 224, 224]');

  // Both drops reached the zones as DOM drop events carrying the files.
  const drops = await workbench.drops();
  expect(drops.map((d) => d.target)).toEqual(['model-drop', 'drop-calibration']);
  expect(drops[0].files).toEqual([basename(FP32)]);
  expect(drops[1].files).toEqual(images.map((f) => basename(f)));
  await workbench.screenshot('drop-1-data');

  // Calibrate, then one tensor's histogram.
  await workbench.calibrate();
  await expect(page.getByTestId('calibration-result')).toContainText(`Calibrated on ${IMAGES} image(s)`);
  await expect(page.getByTestId('skipped-images')).toHaveCount(0);
  await expect(workbench.rangeRows().first()).toBeVisible();
  await workbench.openTensor(1);
  await workbench.screenshot('drop-2-histogram', 'ranges');

  // Quantize and download.
  await workbench.buildInt8();
  const int8 = await workbench.download('download-int8');
  expect(int8.name).toBe('squeezenet1.1-fp32.int8.onnx');
  expect(int8.bytes.length).toBeLessThan(0.4 * statSync(FP32).size);

  // The download runs in onnxruntime-node and agrees with the FP32 model on the images.
  const { agree, total } = await top1Agreement({ reference: FP32, test: new Uint8Array(int8.bytes), images, preset: 'caffe', channels: 3, size: 224 });
  note('onnxruntime-node top-1 agreement (FP32 vs downloaded INT8)', `${agree}/${total}`);
  expect(agree / total).toBeGreaterThanOrEqual(0.75);
  await expect(workbench.alerts()).toHaveCount(0);
});
