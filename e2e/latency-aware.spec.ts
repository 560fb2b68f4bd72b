/**
 * The per-node profile and the latency-aware INT8 model in the Compare step (issue 11 items 1-2), on
 * the embedded SqueezeNet sample on WASM 1 thread: onnxruntime-web's profile of FP32 beside INT8 by op
 * kind and per node (each QLinearConv ran fused for its Conv), the choice in words, the variants side
 * by side (FP32, full INT8, latency-aware, FP16, weight-only) with downloads, and the graph overlays
 * of latency share and INT8/FP32 time. No duration is asserted: the latency-aware ratio is at most 1
 * by construction (it is the FP32 model unless a choice was measured faster).
 */
import { join } from 'node:path';
import { writePng } from '../cli/images';
import { readMnist } from '../cli/mnist';
import { decodeModel } from '../workers/core/onnx/decode';
import { IMAGES, model, tempDir } from './assets';
import { expect, note, test } from './fixtures';
import { GraphPage } from './graph-page';

test('sample on WASM 1 thread: per-node profile, latency-aware choice, variants with downloads, graph overlays', async ({ workbench, page }) => {
  test.setTimeout(600_000);
  await workbench.goto();
  await workbench.openSample();
  await workbench.calibrate();
  await workbench.buildInt8();
  await workbench.selectProvider('wasm-1');
  const panel = workbench.step('compare').getByTestId('latency-aware');
  await panel.getByTestId('run-latency-aware').click();
  await expect(panel.getByTestId('latency-aware-summary')).toBeVisible({ timeout: 480_000 });
  const summary = (await panel.getByTestId('latency-aware-summary').innerText()).trim();
  note('latency-aware summary', summary);
  expect(summary).toMatch(/^(On WASM,? 1 thread this model runs fastest with \d+ of \d+ units in INT8 .*: \d\.\d\d of FP32, cosine \d\.\d+; fully INT8 (is|runs at) .*|INT8 gains nothing on WASM,? 1 thread for this model: .+ The latency-aware model is the FP32 model .*)$/);

  // Variants side by side.
  const table = panel.getByTestId('variants-table');
  for (const id of ['fp32', 'int8', 'latency-aware', 'fp16', 'int8-weights']) await expect(table.getByTestId(`variant-${id}`)).toBeVisible();
  await expect(table.getByTestId('variant-fp32')).toContainText('1.00');
  const ratioOf = async (id: string) => Number((await table.getByTestId(`variant-${id}`).locator('td').nth(2).innerText()).trim());
  expect(await ratioOf('latency-aware')).toBeLessThanOrEqual(1);
  for (const id of ['int8', 'latency-aware', 'fp16', 'int8-weights']) note(`${id} / FP32 on WASM 1 thread`, String(await ratioOf(id)));
  note('notes', await panel.getByTestId('latency-aware-notes').innerText());

  // The profile: by kind, and per node with how INT8 ran (SqueezeNet's convs are QLinearConv, fused).
  await expect(panel.getByTestId('profile-kinds-chart')).toBeVisible();
  const nodes = panel.getByTestId('profile-nodes');
  await expect(nodes).toContainText('QLinearConv (fused)');
  await expect(nodes.locator('caption')).toContainText(/\d+ INT8 nodes ran fused, \d+ as DQ → float op → Q/);
  await expect(panel.getByTestId('profile-boundaries')).toContainText('Q data_0');

  // Downloads: the latency-aware model is the FP32 model or a QDQ model with the chosen units.
  const [download] = await Promise.all([page.waitForEvent('download'), table.getByTestId('download-latency-aware').click()]);
  expect(download.suggestedFilename()).toMatch(/\.latency-aware\.onnx$/);
  const { readFile } = await import('node:fs/promises');
  const model = decodeModel(new Uint8Array(await readFile(await download.path())));
  const quantized = model.graph!.node.some((n) => n.opType === 'QuantizeLinear');
  expect(quantized).toBe(!summary.startsWith('INT8 gains nothing'));

  // The graph shows each node's share of the time and its INT8/FP32 ratio on WASM 1 thread.
  const graph = new GraphPage(page);
  await graph.rendered();
  await graph.chooseOverlay('latency-share:wasm-1');
  await graph.chooseOverlay('latency-ratio:wasm-1');
});

test.describe('WebGPU', () => {
  let digits: Awaited<ReturnType<typeof tempDir>>;
  let files: string[] = [];

  test.beforeAll(async () => {
    digits = await tempDir('mnist-profile');
    const set = await readMnist(join(IMAGES, 'mnist'), { limit: 4 });
    files = await Promise.all(
      set.images.map(async (data, i) => {
        const path = join(digits.path, `digit-${i}.png`);
        await writePng(path, { width: set.width, height: set.height, data });
        return path;
      }),
    );
  });

  test.afterAll(async () => {
    await digits?.dispose();
  });

  test('MNIST on WebGPU: the profile of FP32 beside INT8 and the choice, labelled as a software adapter', async ({ workbench, page }) => {
    await workbench.goto();
    await workbench.dropModel(model('mnist.onnx'));
    await workbench.choosePreset('raw');
    await workbench.drop('calibration', files);
    await expect(workbench.imageCount('calibration')).toHaveText(/^4 image\(s\)/);
    await workbench.calibrate();
    await workbench.buildInt8();
    const webgpu = await workbench.provider('webgpu');
    note('WebGPU provider', `${webgpu.available ? 'available' : 'NOT available'}: ${webgpu.details}`);
    if (!webgpu.available) return;
    await workbench.selectProvider('webgpu');
    const panel = workbench.step('compare').getByTestId('latency-aware');
    await panel.getByTestId('run-latency-aware').click();
    await expect(panel.getByTestId('latency-aware-summary').or(panel.getByTestId('latency-aware-error'))).toBeVisible({ timeout: 300_000 });
    if (await panel.getByTestId('latency-aware-error').isVisible()) note('WebGPU latency-aware error', await panel.getByTestId('latency-aware-error').innerText());
    const summary = (await panel.getByTestId('latency-aware-summary').innerText()).trim();
    note('WebGPU latency-aware summary', summary);
    expect(summary).toMatch(/^(On WebGPU this model runs fastest with|INT8 gains nothing on WebGPU for this model: WebGPU has no int8 conv kernels)/);
    if (/swiftshader/i.test(webgpu.details)) await expect(panel).toContainText('no speed claim');
    await expect(panel.getByTestId('variants-table').getByTestId('variant-latency-aware')).toBeVisible();
    await expect(panel.getByTestId('profile-nodes')).toContainText('Conv');
  });
});
