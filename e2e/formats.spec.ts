/**
 * The data-free formats in the workbench (issue 11 item 3): on the embedded SqueezeNet sample, with no
 * calibration, FP16 is built in the Quantize step (what stayed FP32 and why shown), downloaded (a
 * float16 model with float32 I/O), and run by Compare on WebGPU in headless Chromium: latency of
 * FP32 and FP16, labelled as a software adapter's figure (SwiftShader: a correctness check, not a
 * speed claim); FP16's agreement with FP32 on WASM (the per-layer comparison's sessions do not finish
 * preparing on SwiftShader in 3 minutes here). SwiftShader has no 'shader-f16', and onnxruntime-web's
 * WebGPU provider needs it for any float16 tensor, so there the page says the FP16 model ran widened
 * to float32 (its float16 weights, float32 arithmetic). Weight-only INT8 builds and downloads too.
 */
import { join } from 'node:path';
import { decodeModel } from '../workers/core/onnx/decode';
import { DataType } from '../workers/core/onnx/types';
import { formatOfModel } from '../workers/core/export/formats';
import { IMAGES } from './assets';
import { expect, note, test } from './fixtures';

const VAL = ['ILSVRC2012_val_00000347.JPEG', 'ILSVRC2012_val_00000556.JPEG', 'ILSVRC2012_val_00000699.JPEG'];

test('FP16 of the sample without calibration: built, downloaded, run on WebGPU with its agreement and a labelled latency', async ({ workbench, page }) => {
  await workbench.goto();
  await workbench.openSample();
  // Three evaluation images instead of the sample's 20, so Compare runs on them (the software adapter is slow).
  await workbench.clearImages('evaluation');
  await workbench.drop('evaluation', VAL.map((f) => join(IMAGES, 'imagenet-val/images', f)));
  await expect(workbench.imageCount('evaluation')).toHaveText(/^3 image\(s\)/);

  const quantize = workbench.step('quantize');
  await workbench.chooseFormat('fp16');
  await expect(quantize.getByTestId('build-int8')).toHaveText('Build the FP16 model');
  await expect(quantize.getByTestId('build-int8')).toBeEnabled();
  await workbench.buildInt8();
  await expect(quantize.getByRole('heading', { name: /^FP16 model: .*\.fp16\.onnx$/ })).toBeVisible();
  await expect(quantize.getByTestId('int8-size')).toContainText(/\(5\d\.\d% of FP32\)/);
  await expect(quantize.getByTestId('kept-reasons')).toContainText('Softmax');
  note('FP16 summary', await quantize.getByTestId('quantize-summary').innerText());
  const gate = await workbench.fidelity();
  note('FP16 fidelity gate (WASM)', gate.text.split('\n')[0]);
  expect(gate.pass).toBe(true);

  const file = await workbench.download('download-int8');
  expect(file.name).toMatch(/\.fp16\.onnx$/);
  const model = decodeModel(new Uint8Array(file.bytes));
  expect(formatOfModel(model)).toBe('fp16');
  expect(model.graph!.initializer.some((t) => t.dataType === DataType.FLOAT16)).toBe(true);
  expect(model.graph!.input.map((i) => i.type?.tensorType?.elemType)).toEqual([DataType.FLOAT]);

  const compare = workbench.step('compare');
  await expect(compare.getByTestId('run-compare')).toHaveText('Compare FP32 and FP16');
  const webgpu = await workbench.provider('webgpu');
  note('WebGPU provider', `${webgpu.available ? 'available' : 'NOT available'}: ${webgpu.details}`);
  if (!webgpu.available) {
    expect(webgpu.details).toMatch(/WebGPU/);
    return;
  }
  await workbench.selectProvider('webgpu');
  await workbench.measureLatency(2, { warmup: 1, expectRows: ['webgpu-fp32', 'webgpu-int8'] });
  const fp16Row = compare.getByTestId('latency-webgpu-int8');
  await expect(fp16Row).toContainText('FP16');
  for (const role of ['fp32', 'int8']) note(`webgpu ${role === 'int8' ? 'fp16' : role} median latency`, await compare.getByTestId(`latency-webgpu-${role}`).getByTestId('latency-median').innerText());
  // The software adapter's latency is labelled as such.
  if (/software rendering/.test(webgpu.details)) await expect(fp16Row.getByTestId('latency-software')).toHaveText('software adapter: a correctness check, not a speed claim');
  // Without shader-f16 the page says how the FP16 model ran.
  if (/no shader-f16/.test(webgpu.details)) {
    await expect(fp16Row.getByTestId('latency-widened')).toBeVisible();
    await expect(compare.getByTestId('webgpu-fp16-note')).toContainText('has no shader-f16');
  }

  // The agreement on WASM: on SwiftShader the comparison's sessions (every layer exposed as an output)
  // did not finish preparing within 3 minutes on the two-core machine.
  await workbench.selectProvider('wasm-1');
  await workbench.compare();
  await expect(compare.getByTestId('comparison-summary')).toContainText('Compared on 3 image(s)');
  const cosine = Number(await compare.getByTestId('output-errors').locator('tbody tr').first().locator('td').first().innerText());
  note('FP16 vs FP32 output cosine (WASM)', String(cosine));
  expect(cosine).toBeGreaterThanOrEqual(0.999);
  await expect(compare.getByTestId('top1-agreement')).toHaveText('100.0%');
  await expect(workbench.alerts()).toHaveCount(0);
  await workbench.screenshot('compare-fp16-webgpu', 'compare');
});

test('weight-only INT8 of the sample without calibration: built and downloaded', async ({ workbench }) => {
  await workbench.goto();
  await workbench.openSample();
  await workbench.chooseFormat('int8-weights');
  await workbench.buildInt8();
  const quantize = workbench.step('quantize');
  await expect(quantize.getByRole('heading', { name: /^INT8 weights model: .*\.int8w\.onnx$/ })).toBeVisible();
  await expect(quantize.getByTestId('quantize-summary')).toContainText(/26 layers with int8 weights per output channel/);
  await expect(quantize.getByTestId('int8-size')).toContainText(/\(2\d\.\d% of FP32\)/);
  const file = await workbench.download('download-int8');
  const model = decodeModel(new Uint8Array(file.bytes));
  expect(formatOfModel(model)).toBe('int8-weights');
  expect(model.graph!.node.filter((n) => n.opType === 'QuantizeLinear')).toHaveLength(0);
});
