/**
 * The whole pipeline on the embedded sample, from a fresh page: open the sample, calibrate (MinMax),
 * read the ranges table and one tensor's detail, build and download the INT8 model, check the
 * download with onnxruntime-node against the FP32 model, then compare on WASM in the page.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { top1Agreement } from './assets';
import { expect, ROOT, test } from './fixtures';

const SAMPLES = resolve(ROOT, 'public/samples');

interface Manifest {
  model: string;
  evaluation: string[];
}

test('sample: open, calibrate, ranges, quantize, download, compare', async ({ workbench, page }) => {
  await workbench.goto();

  // 1-2. Model and data.
  await workbench.openSample();
  await expect(page.getByTestId('model-name')).toHaveText('squeezenet1.1-fp32.onnx');
  await expect(page.getByTestId('model-geometry')).toContainText('3 channel(s), 224×224');
  await expect(page.getByTestId('images-calibration-count')).toContainText('30 image(s)');
  await expect(page.getByTestId('images-evaluation-count')).toContainText('20 image(s), 20 labelled');
  await expect(page.getByTestId('preset-select')).toHaveValue('caffe');
  await workbench.screenshot('1-model', 'model');
  await workbench.screenshot('2-data', 'data');

  // 3. Calibrate with MinMax on two workers (exercises the split and the merge).
  const t0 = await workbench.now();
  await workbench.calibrate({ method: 'minmax', workers: 2 });
  // Decoding, preprocessing and inference run in workers: record what the page's thread did meanwhile.
  const long = await workbench.longTasks(t0, await workbench.now());
  test.info().annotations.push({ type: 'main-thread tasks over 50 ms during calibration', description: long.length ? long.join(', ') + ' ms' : 'none' });
  await expect(page.getByTestId('calibration-result')).toContainText('Calibrated on 30 image(s) with 2 worker(s)');
  await workbench.screenshot('3-calibrate', 'calibrate');

  // 4. Ranges: the table and one tensor's detail (every method from the same statistics).
  await expect(workbench.rangeRows().first()).toBeVisible();
  expect(await workbench.rangeRows().count()).toBeGreaterThan(20);
  await workbench.openTensor(3);
  await expect(page.getByTestId('tensor-ranges').getByRole('row')).toHaveCount(6); // header + 5 methods
  await expect(page.getByTestId('tensor-grid')).toContainText('Grid: u8 0…255');
  await workbench.screenshot('4-ranges', 'ranges');

  // 5. Quantize and download the INT8 model and the report.
  await workbench.buildInt8();
  await expect(page.getByTestId('int8-size')).toContainText('of FP32');
  // The fidelity gate passes on 4 held-out (evaluation) images, and the download is offered plainly.
  const fidelity = await workbench.fidelity();
  expect(fidelity.text).toMatch(/^✓ Fidelity check passed: FP32 and INT8 agree on 4 held-out images \(lowest output cosine 0\.9\d+, 'softmaxout_1'; threshold 0\.98\)\.$/);
  expect(fidelity.pass).toBe(true);
  await expect(page.getByTestId('download-int8')).toHaveText('Download INT8 .onnx');
  const int8 = await workbench.download('download-int8');
  expect(int8.name).toBe('squeezenet1.1-fp32.int8.onnx');
  const report = await workbench.download('download-report');
  const parsed = JSON.parse(report.bytes.toString('utf8')) as { options: { method: string }; sizes: { int8: number }; mapping: unknown[] };
  expect(parsed.options.method).toBe('minmax');
  expect(parsed.sizes.int8).toBe(int8.bytes.length);
  expect(parsed.mapping.length).toBeGreaterThan(0);
  await workbench.screenshot('5-quantize', 'quantize');

  // The downloaded bytes run in onnxruntime-node and agree with the FP32 model on the sample images.
  const manifest = JSON.parse(await readFile(resolve(SAMPLES, 'manifest.json'), 'utf8')) as Manifest;
  const images = manifest.evaluation;
  const { agree, inputNames } = await top1Agreement({
    reference: resolve(SAMPLES, manifest.model),
    test: new Uint8Array(int8.bytes),
    images: images.map((file) => resolve(SAMPLES, file)),
    preset: 'caffe',
    channels: 3,
    size: 224,
  });
  expect(inputNames.test).toEqual(inputNames.reference);
  test.info().annotations.push({ type: 'onnxruntime-node top-1 agreement', description: `${agree}/${images.length}` });
  expect(agree / images.length).toBeGreaterThanOrEqual(0.8);

  // 6. Compare on WASM (1 thread): latency of both models, then agreement and per-layer error.
  const compare = workbench.step('compare');
  await expect(compare.getByTestId('provider-wasm-1')).toContainText('yes');
  await workbench.measureLatency(5);
  await expect(compare.getByTestId('latency-wasm-1-fp32').getByTestId('latency-median')).toHaveText(/\d+(\.\d+)? ms/);
  await expect(compare.getByTestId('latency-wasm-1-int8').getByTestId('latency-median')).toHaveText(/\d+(\.\d+)? ms/);
  await workbench.compare();
  await expect(compare.getByTestId('top1-agreement')).toHaveText(/\d+\.\d%/);
  const agreement = Number((await compare.getByTestId('top1-agreement').innerText()).replace('%', ''));
  expect(agreement).toBeGreaterThanOrEqual(80);
  await expect(compare.getByTestId('accuracy')).toContainText('INT8 top-1');
  await expect(compare.getByTestId('layer-errors').getByRole('row')).not.toHaveCount(1);
  await workbench.screenshot('6-compare', 'compare');
  // The whole workbench, settled; also the README's picture (docs/screenshot.png) when it is missing
  // or ZEROPOINT_UPDATE_SCREENSHOT=1.
  const readme = await workbench.settledScreenshot('workbench');
  if (readme) test.info().annotations.push({ type: 'README screenshot', description: readme });

  // Nothing went wrong on the way.
  await expect(workbench.alerts()).toHaveCount(0);
});
