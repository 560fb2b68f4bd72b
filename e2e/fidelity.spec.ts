/**
 * The fidelity gate's warning: lw-person-det's INT8 model loses its objectness column (the Sigmoid
 * input calibrates to about [-130, 133]) while the whole output keeps a cosine near 0.9. After the
 * build the Quantize step says so loudly (role=alert, naming the output and the column), the download
 * says "anyway", and the button opens the Compare step's per-layer comparison.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGES, model } from './assets';
import { expect, test } from './fixtures';

const COCO = join(IMAGES, 'coco-train', 'images');

test('fidelity gate: an unfaithful INT8 detector is flagged by column; download anyway; per-layer view', async ({ workbench, page }) => {
  const images = (await readdir(COCO)).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(0, 12).map((f) => join(COCO, f));
  await workbench.goto();
  await workbench.dropModel(model('lw-person-det-192.onnx'));
  // The MANIFEST's spec: BGR 0..255, letterbox top-left with pad 114.
  await workbench.choosePreset('yolo');
  await workbench.setSpec({ color: 'bgr', scale: 1, align: 'top-left' });
  await workbench.drop('calibration', images.slice(0, 8));
  await workbench.drop('evaluation', images.slice(8));
  await workbench.calibrate();
  await workbench.buildInt8();

  const fidelity = await workbench.fidelity();
  expect(fidelity.pass).toBe(false);
  expect(fidelity.text).toContain('The INT8 model is NOT faithful to FP32.');
  expect(fidelity.text).toContain('On 4 held-out images');
  expect(fidelity.text).toMatch(/output 'output' column [0-5] \(of 6\): cosine -?\d\.\d{3} below 0\.98/);
  await expect(page.getByTestId('download-int8')).toHaveText('Download INT8 .onnx anyway (not faithful)');
  await workbench.screenshot('fidelity-warning', 'quantize');

  await page.getByTestId('fidelity-per-layer').click();
  await expect(workbench.step('compare').getByTestId('comparison')).toBeVisible({ timeout: 180_000 });
});
