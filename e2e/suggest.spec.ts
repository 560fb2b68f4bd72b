/**
 * A second model does not inherit the first one's data (issue 13): after the sample (SqueezeNet,
 * caffe, 30 ImageNet images), a YOLOv8n detector dropped from ../shared gets the preprocessing its
 * own metadata implies (yolo) with the reasons shown, the page asks whether the ImageNet images are
 * right for it, and picking the previous model's preset again is flagged as a likely mismatch.
 */
import { model } from './assets';
import { expect, test } from './fixtures';

test('a detector after the sample: preset suggested from its metadata with the reason, the old images kept or cleared on request, a mismatch flagged', async ({ workbench, page }) => {
  await workbench.goto();
  await workbench.openSample();
  await expect(page.getByTestId('preset-select')).toHaveValue('caffe');
  // The sample's own suggestion agrees with its manifest (Caffe2 zoo: caffe).
  await expect(page.getByTestId('suggested-preset')).toHaveText('caffe');

  await workbench.dropModel(model('yolov8n-fp32-topology.onnx'));
  await expect(page.getByTestId('model-name')).toHaveText('yolov8n-fp32-topology.onnx');
  const suggestion = page.getByTestId('preset-suggestion');
  await expect(suggestion.getByTestId('suggested-preset')).toHaveText('yolo');
  await expect(suggestion).toContainText("Ultralytics YOLO, from the model's metadata");
  const reasons = suggestion.getByTestId('suggestion-reasons');
  await expect(reasons).toContainText('The metadata names Ultralytics');
  await expect(reasons).toContainText("'names' lists 80 classes for the task 'detect'");
  await expect(reasons).toContainText("'stride' is 32");
  await expect(reasons).toContainText('letterboxed with grey 114');
  // Applied: the preset is the suggestion's, not the sample's caffe.
  await expect(page.getByTestId('preset-select')).toHaveValue('yolo');
  await expect(page.getByTestId('spec-mismatch')).toHaveCount(0);

  // The sample's ImageNet images are still there: the page asks about them.
  const question = page.getByTestId('carry-over');
  await expect(question).toContainText('The 30 calibration and 20 evaluation image(s) came with the previous model, squeezenet1.1-fp32.onnx');
  // The sample's caffe preset on this model: BGR, about -123..151, where YOLO wants RGB 0..1.
  await workbench.choosePreset('caffe');
  await expect(page.getByTestId('spec-mismatch')).toContainText('values -123..151 where Ultralytics YOLO expects 0.00..1.0');
  await expect(page.getByTestId('spec-mismatch')).toContainText('BGR where it expects RGB');
  await page.getByTestId('use-suggestion').click();
  await expect(page.getByTestId('preset-select')).toHaveValue('yolo');
  await expect(page.getByTestId('spec-mismatch')).toHaveCount(0);

  await question.getByTestId('carry-clear').click();
  await expect(question).toHaveCount(0);
  await expect(workbench.imageCount('calibration')).toHaveText(/^0 image\(s\)/);
  await expect(workbench.imageCount('evaluation')).toHaveText(/^0 image\(s\)/);

  // A model no rule knows says so instead of guessing.
  await workbench.dropModel(model('fastestdet.onnx'));
  await expect(page.getByTestId('suggested-preset')).toHaveText('unknown');
  await expect(page.getByTestId('suggestion-reasons')).toContainText('Unknown: no metadata names the preprocessing');
  // No images were left to ask about.
  await expect(page.getByTestId('carry-over')).toHaveCount(0);
});
