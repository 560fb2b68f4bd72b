/**
 * Models that Zeropoint did not make:
 * - INT8 models quantized elsewhere (QOperator MobileNetV2, dynamically quantized YOLOv8n): the page
 *   says they are already quantized and in which format, refuses to calibrate them, and still runs
 *   them (latency on WASM).
 * - The FP16 SqueezeNet: it opens with the note that it is calibrated through an exact FP32 copy and
 *   that the INT8 model takes and returns float32; the downloaded INT8 model indeed does.
 */
import { calibImages, ioTypes, model } from './assets';
import { expect, note, test, type ProviderId } from './fixtures';

const QUANTIZED: ReadonlyArray<{ file: string; preset: 'imagenet' | 'yolo'; format: RegExp; size: string; provider: ProviderId }> = [
  { file: 'mobilenetv2-12-int8-qoperator.onnx', preset: 'imagenet', format: /^QOperator format \(QLinear/, size: '224×224', provider: 'wasm-1' },
  { file: 'yolov8n-int8-dynamic.onnx', preset: 'yolo', format: /^dynamic quantization \(.*ConvInteger.*\)$/, size: '640×640', provider: 'wasm-n' },
];

for (const q of QUANTIZED) {
  test(`already quantized: ${q.file} is recognised and still runs`, async ({ workbench, page }) => {
    await workbench.goto();
    await workbench.dropModel(model(q.file));
    await expect(page.getByTestId('model-name')).toHaveText(q.file);
    await expect(page.getByTestId('model-geometry')).toContainText(`3 channel(s), ${q.size}`);
    await expect(page.getByTestId('model-quantization')).toHaveText(q.format);
    const notice = page.getByTestId('already-quantized');
    await expect(notice).toContainText('This model is already quantized (');
    await expect(notice).toContainText((await page.getByTestId('model-quantization').innerText()).trim());
    await expect(notice).toContainText('to quantize, open its FP32 original');
    note(`${q.file} quantization`, await page.getByTestId('model-quantization').innerText());

    // It cannot be calibrated or quantized again; the page says so.
    await expect(workbench.step('calibrate').getByTestId('step-calibrate-blocked')).toContainText('This model cannot be calibrated');
    await expect(workbench.step('quantize').getByTestId('step-quantize-blocked')).toBeVisible();

    // It still runs: latency on WASM with two images and the model's preset.
    await workbench.choosePreset(q.preset);
    await workbench.drop('calibration', await calibImages(2));
    await expect(page.getByTestId('preview-input')).toBeVisible();
    await workbench.selectProvider(q.provider);
    await workbench.measureLatency(2, { warmup: 1, expectRows: [`${q.provider}-model`] });
    note(`${q.file} median latency (${q.provider})`, await workbench.step('compare').getByTestId(`latency-${q.provider}-model`).getByTestId('latency-median').innerText());
    await expect(workbench.step('compare').getByTestId('run-compare')).toBeDisabled();
    await expect(workbench.alerts()).toHaveCount(0);
    await workbench.screenshot(`foreign-${q.file.replace(/\.onnx$/, '')}`);
  });
}

test('FP16 SqueezeNet: calibrated through an FP32 copy; the INT8 model has float32 inputs and outputs', async ({ workbench, page }) => {
  await workbench.goto();
  await workbench.dropModel(model('squeezenet1.1-fp16.onnx'));
  await expect(page.getByTestId('model-quantization')).toHaveText('not quantized');
  await expect(page.getByTestId('already-quantized')).toHaveCount(0);
  const notes = page.getByTestId('prepare-notes');
  await expect(notes).toContainText('The model is FP16: it is calibrated through an exact FP32 copy, and the INT8 model takes and returns float32');
  await expect(notes).toContainText(/inputs data_0; outputs softmaxout_1/);
  // The file itself takes float16.
  await expect(page.getByTestId('model-summary').getByRole('row', { name: /data_0/ })).toContainText('float16');

  // Calibrate on a few images, build, download: onnxruntime-node reads float32 inputs and outputs.
  await workbench.choosePreset('caffe');
  await workbench.drop('calibration', await calibImages(4));
  await workbench.calibrate();
  await workbench.buildInt8();
  const int8 = await workbench.download('download-int8');
  expect(int8.name).toBe('squeezenet1.1-fp16.int8.onnx');
  expect(await ioTypes(new Uint8Array(int8.bytes))).toEqual({ inputs: ['float32'], outputs: ['float32'] });
  await expect(workbench.alerts()).toHaveCount(0);
  await workbench.screenshot('foreign-squeezenet-fp16', 'model');
});
