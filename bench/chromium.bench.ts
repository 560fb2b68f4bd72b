/**
 * Latency-aware INT8 in Chromium (issue 11 item 5): per shared conv model whose preprocessing is a
 * preset, the workbench's Compare step on WASM 1 thread (onnxruntime-web's WASM in the page's bench
 * worker): the latency-aware choice and every variant as a ratio to FP32, read from the page. A bench,
 * not a test: nothing is asserted about a duration; the figures go to bench/latency-aware-chromium.md.
 *
 *   npm run bench:chromium        (BENCH_MODELS=id,id to pick)
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { listImages } from '../cli/images';
import { IMAGES, model } from '../e2e/assets';
import { expect, test } from '../e2e/fixtures';

const OUT = join(import.meta.dirname, 'latency-aware-chromium.md');
const CASES: ReadonlyArray<{ id: string; file: string; preset: 'caffe' | 'unit' | 'raw' | 'yolo'; bgr?: boolean; images: 'coco' | 'imagenet' }> = [
  { id: 'squeezenet1.1', file: 'squeezenet1.1-fp32.onnx', preset: 'caffe', images: 'imagenet' },
  { id: 'fastestdet', file: 'fastestdet.onnx', preset: 'unit', bgr: true, images: 'coco' },
  { id: 'yolo-fastestv2', file: 'yolo-fastestv2.onnx', preset: 'unit', bgr: true, images: 'coco' },
  { id: 'yunet-120x160', file: 'yunet-120x160.onnx', preset: 'raw', images: 'coco' },
  { id: 'yolov8n', file: 'yolov8n-fp32-topology.onnx', preset: 'yolo', images: 'coco' },
];
const only = (process.env.BENCH_MODELS ?? '').split(',').filter(Boolean);

test.beforeAll(async () => {
  await writeFile(
    OUT,
    [
      '# Latency-aware INT8 in Chromium, WASM 1 thread (`npm run bench:chromium`)',
      '',
      "The workbench's Compare step in /usr/bin/chromium (headless), one model per page; ratios to FP32 from one interleaved run in the page's bench worker. Accuracy target: cosine >= 0.98 on 4 held-out images.",
      '',
      '| model | full INT8 | **latency-aware** | FP16 | INT8 weights | FP32 ms | choice |',
      '|---|---:|---:|---:|---:|---:|---|',
      '',
    ].join('\n'),
  );
});

test.afterAll(async () => {
  await appendFile(OUT, `\nCPU ${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')} (other processes share this machine).\n`);
});

for (const c of CASES.filter((x) => !only.length || only.includes(x.id))) {
  test(c.id, async ({ workbench }) => {
    await workbench.goto();
    await workbench.dropModel(model(c.file));
    await workbench.choosePreset(c.preset);
    if (c.bgr) await workbench.setSpec({ color: 'bgr' });
    const pool = c.images === 'coco' ? await listImages(join(IMAGES, 'coco-train/images')) : await listImages(join(IMAGES, 'imagenet-calib'));
    await workbench.drop('calibration', pool.slice(0, 16));
    await workbench.drop('evaluation', pool.slice(16, 20));
    await expect(workbench.imageCount('evaluation')).toHaveText(/^4 image\(s\)/);
    await workbench.calibrate();
    await workbench.buildInt8();
    await workbench.selectProvider('wasm-1');
    const panel = workbench.step('compare').getByTestId('latency-aware');
    await panel.getByTestId('run-latency-aware').click();
    await expect(panel.getByTestId('latency-aware-summary')).toBeVisible({ timeout: 18 * 60_000 });
    const table = panel.getByTestId('variants-table');
    const cell = async (id: string, column: number) => (await table.getByTestId(`variant-${id}`).count()) ? (await table.getByTestId(`variant-${id}`).locator('td').nth(column).innerText()).trim() : '–';
    const summary = (await panel.getByTestId('latency-aware-summary').innerText()).trim();
    const choice = summary.startsWith('INT8 gains nothing') ? 'FP32 (INT8 gains nothing)' : (/with (\d+ of \d+ units) in INT8/.exec(summary)?.[1] ?? '') + ' INT8';
    await appendFile(OUT, `| ${c.id} | ${await cell('int8', 2)} | **${await cell('latency-aware', 2)}** | ${await cell('fp16', 2)} | ${await cell('int8-weights', 2)} | ${await cell('fp32', 3)} | ${choice} |\n`);
    console.log(`    ${c.id}: ${summary}`);
  });
}
