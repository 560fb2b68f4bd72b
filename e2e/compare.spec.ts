/**
 * Compare, per execution provider:
 * - WASM with 1 thread and with N threads, on the embedded sample: latency of FP32 and INT8 and the
 *   FP32/INT8 agreement appear for each.
 * - WebGPU, on MNIST (raw preset, 4 digits written as PNGs from the MNIST test set): this headless
 *   Chromium gets a WebGPU adapter (SwiftShader, a software GPU, so runs are kept minimal: 1 warm-up,
 *   2 timed runs); latency appears and so does the list of INT8 nodes onnxruntime leaves on the CPU,
 *   with the explanation.
 *   Were no adapter given, the page must say why instead; the test then checks that message.
 */
import { join } from 'node:path';
import { writePng } from '../cli/images';
import { readMnist } from '../cli/mnist';
import { IMAGES, model, tempDir } from './assets';
import { expect, note, test, type ProviderId } from './fixtures';

test.describe('WASM', () => {
  const PROVIDERS: ReadonlyArray<{ id: ProviderId; detail: RegExp }> = [
    { id: 'wasm-1', detail: /^1 thread$/ },
    { id: 'wasm-n', detail: /^\d+ threads$/ },
  ];

  test('sample on WASM, 1 thread and N threads: latency and agreement', async ({ workbench, page }) => {
    await workbench.goto();
    await workbench.openSample();
    await workbench.calibrate();
    await workbench.buildInt8();
    const compare = workbench.step('compare');

    for (const { id, detail } of PROVIDERS) {
      await test.step(id, async () => {
        const { details } = await workbench.provider(id);
        expect(details).toMatch(detail);
        await workbench.selectProvider(id);
        await workbench.measureLatency(3, { warmup: 1, expectRows: [`${id}-fp32`, `${id}-int8`] });
        for (const role of ['fp32', 'int8']) note(`${id} ${role} median latency`, await compare.getByTestId(`latency-${id}-${role}`).getByTestId('latency-median').innerText());

        await workbench.compare();
        await expect(compare.getByTestId('comparison-summary')).toContainText('Compared on 20 image(s)');
        const agreement = compare.getByTestId('top1-agreement');
        await expect(agreement).toHaveText(/^\d+\.\d%$/);
        note(`${id} top-1 agreement`, await agreement.innerText());
        expect(Number((await agreement.innerText()).replace('%', ''))).toBeGreaterThanOrEqual(80);
        await expect(compare.getByTestId('accuracy')).toContainText('INT8 top-1');
      });
    }
    // Both providers' rows stay in the table, side by side.
    await expect(compare.getByTestId('latency-table').locator('tbody tr')).toHaveCount(4);
    await expect(workbench.alerts()).toHaveCount(0);
    await workbench.screenshot('compare-wasm', 'compare');
  });
});

test.describe('WebGPU', () => {
  let digits: Awaited<ReturnType<typeof tempDir>>;
  let files: string[] = [];

  test.beforeAll(async () => {
    digits = await tempDir('mnist');
    const set = await readMnist(join(IMAGES, 'mnist'), { limit: 4 });
    files = await Promise.all(
      set.images.map(async (data, i) => {
        const path = join(digits.path, `digit-${i}-label-${set.labels[i]}.png`);
        await writePng(path, { width: set.width, height: set.height, data });
        return path;
      }),
    );
  });

  test.afterAll(async () => {
    await digits?.dispose();
  });

  test('MNIST on WebGPU: latency and the INT8 nodes left on the CPU', async ({ workbench, page }) => {
    await workbench.goto();
    await workbench.dropModel(model('mnist.onnx'));
    await expect(page.getByTestId('model-geometry')).toContainText('1 channel(s), 28×28');
    await workbench.choosePreset('raw');
    await workbench.drop('calibration', files);
    await expect(workbench.imageCount('calibration')).toHaveText(/^4 image\(s\)/);
    await expect(page.getByTestId('preview')).toContainText('tensor [1, 1, 28, 28]');
    await workbench.calibrate();
    await workbench.buildInt8();

    const compare = workbench.step('compare');
    const webgpu = await workbench.provider('webgpu');
    note('WebGPU provider', `${webgpu.available ? 'available' : 'NOT available'}: ${webgpu.details}`);
    if (!webgpu.available) {
      // No adapter: the page says why, and WebGPU cannot be chosen.
      expect(webgpu.details).toMatch(/WebGPU/);
      await expect(webgpu.row.getByRole('radio')).toBeDisabled();
      return;
    }
    // Headless Chromium's adapter is SwiftShader: the page says timings are not representative.
    if (/swiftshader/i.test(webgpu.details)) expect(webgpu.details).toContain('software rendering');

    await workbench.selectProvider('webgpu');
    await workbench.measureLatency(2, { warmup: 1, expectRows: ['webgpu-fp32', 'webgpu-int8'] });
    for (const role of ['fp32', 'int8']) note(`webgpu ${role} median latency`, await compare.getByTestId(`latency-webgpu-${role}`).getByTestId('latency-median').innerText());

    // Where onnxruntime placed the INT8 model's nodes: those on the CPU are listed, with their op types.
    const placement = compare.getByTestId('placement-int8');
    await expect(placement).toBeVisible();
    const text = (await placement.innerText()).trim();
    note('INT8 placement on WebGPU', text.split('\n')[0]);
    await expect(placement).toContainText(/INT8: \d+ node\(s\) fall back to the CPU \(\d+ on WebGPU\)/);
    await placement.getByText(/fall back to the CPU/).click(); // opens the list
    const nodes = placement.getByRole('listitem');
    await expect(nodes.first()).toBeVisible();
    const count = Number(/(\d+) node\(s\) fall back/.exec(text)?.[1]);
    await expect(nodes).toHaveCount(count);
    note('INT8 nodes on the CPU', (await nodes.allInnerTexts()).join('; '));
    // ... with the explanation: no int8 kernels for QDQ on WebGPU, so the integer ops run on the CPU.
    const why = compare.getByTestId('webgpu-int8-explainer');
    await expect(why).toContainText('Why INT8 gains little or nothing on WebGPU');
    await expect(why).toContainText(/QuantizeLinear .*run on the CPU/);
    await expect(workbench.alerts()).toHaveCount(0);
    await workbench.screenshot('compare-webgpu', 'compare');
  });
});
