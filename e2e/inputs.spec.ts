/**
 * Inputs as they come (issue 9 item 4) in the workbench: DEIMv2 has two inputs, the image and
 * orig_target_sizes int64 [N,2]. The Data step's Inputs panel picks `images` as the image, prefills
 * orig_target_sizes with its default [[416,416]] (the note says so), names the input when a typed value
 * is malformed, and calibration then feeds both inputs with every image. M-LSD's 4-channel NHWC input
 * shows its fourth channel value (1 by default), which the person can change.
 */
import { join } from 'node:path';
import { IMAGES, model } from './assets';
import { expect, test } from './fixtures';

const COCO = join(IMAGES, 'coco-train/images');
const cocoImages = (names: string[]) => names.map((n) => join(COCO, n));

test('DEIMv2: the Inputs panel picks the image, fills orig_target_sizes, and calibration feeds both inputs', async ({ workbench, page }) => {
  await workbench.goto();
  await workbench.dropModel(model('deimv2-femto-416.onnx'));
  const panel = page.getByTestId('inputs-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('image-input-select')).toHaveValue('images');
  const value = panel.getByTestId('input-value-orig_target_sizes');
  await expect(value).toHaveValue('[[416,416]]');
  await expect(panel.getByTestId('inputs-notes')).toContainText("input 'orig_target_sizes' is fed [[416,416]] (the network input's size as [width, height], for boxes in input pixels)");
  await expect(page.getByTestId('model-geometry')).toContainText('images: 3 channel(s), 416×416, NCHW');

  // A malformed value names the input and blocks calibration; a good one clears it.
  await value.fill('[[416,416');
  await value.press('Enter');
  await expect(panel.getByTestId('inputs-error')).toContainText("The value '[[416,416' for input 'orig_target_sizes' is neither a number nor a JSON array of numbers");
  await expect(workbench.step('calibrate').getByTestId('step-calibrate-blocked')).toBeVisible();
  await value.fill('[[416, 416]]');
  await value.press('Enter');
  await expect(panel.getByTestId('inputs-error')).toHaveCount(0);
  await expect(panel.getByTestId('inputs-notes')).toHaveCount(0);
  await expect(panel.getByTestId('inputs-summary')).toContainText('orig_target_sizes = [416,416]');

  await workbench.choosePreset('unit');
  await workbench.drop('calibration', cocoImages(['000000000009.jpg', '000000000025.jpg', '000000000030.jpg']));
  await expect(page.getByTestId('preview-input')).toBeVisible();
  await workbench.calibrate({ workers: 1 });
  await expect(workbench.step('calibrate').getByTestId('calibration-result')).toContainText('3');
  await expect(workbench.alerts()).toHaveCount(0);
  await workbench.screenshot('inputs-deimv2', 'data');
});

test('M-LSD: a 4-channel NHWC input with its fourth channel value', async ({ workbench, page }) => {
  await workbench.goto();
  await workbench.dropModel(model('mlsd-tiny-512.onnx'));
  await expect(page.getByTestId('model-geometry')).toContainText('input_image_with_alpha:0: 4 channel(s), 512×512, NHWC');
  const panel = page.getByTestId('inputs-panel');
  const fourth = panel.getByTestId('fourth-channel');
  await expect(fourth).toHaveValue('1');
  await fourth.fill('0.5');
  await fourth.press('Enter');
  await expect(panel.getByTestId('inputs-summary')).toContainText('4 channel(s) (the fourth = 0.5)');
  // The model's own suggestion (tf2onnx, NHWC: (x - 127.5) / 127.5, as MANIFEST.md says) is applied;
  // the raw 0..255 preset would be flagged as a likely mismatch.
  await expect(page.getByTestId('suggested-preset')).toBeVisible();
  await expect(page.getByTestId('spec-mismatch')).toHaveCount(0);
  await workbench.drop('calibration', cocoImages(['000000000009.jpg']));
  await expect(page.getByTestId('preview-input')).toBeVisible();
  await expect(workbench.alerts()).toHaveCount(0);
});
