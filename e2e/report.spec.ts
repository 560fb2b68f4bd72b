/**
 * The HTML report of a detector (FastestDet, COCO images) from the workbench: calibrate, build,
 * measure latency, compare, pick the SQNR overlay, download the report; then open the file from disk
 * in a fresh Chromium context with the network blocked and every request recorded. It must load
 * nothing, and show the same numbers as the workbench: sizes, output errors, latency medians, the
 * per-layer count and worst layer, the first rows of the per-layer table, the overlay and the graph's
 * boxes.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IMAGES, model, tempDir } from './assets';
import { expect, note, test } from './fixtures';
import { GraphPage } from './graph-page';

const COCO = join(IMAGES, 'coco-train/images');

test('a detector\u2019s HTML report opens offline and shows the workbench\u2019s numbers', async ({ workbench, page, browser }) => {
  const graph = new GraphPage(page);
  const images = (await readdir(COCO)).filter((f) => f.endsWith('.jpg')).sort();
  await workbench.goto();
  await workbench.dropModel(model('fastestdet.onnx'));
  const boxes = await graph.rendered();
  await workbench.drop('calibration', images.slice(0, 8).map((f) => join(COCO, f)));
  await expect(workbench.imageCount('calibration')).toContainText('8 image(s)');
  await workbench.drop('evaluation', images.slice(8, 12).map((f) => join(COCO, f)));
  await expect(workbench.imageCount('evaluation')).toContainText('4 image(s)');
  await workbench.choosePreset('unit');
  await workbench.calibrate();
  await workbench.buildInt8();
  // FastestDet fails the fidelity gate on 8 calibration images (a score column): the report says so too.
  const fidelity = await workbench.fidelity();
  await workbench.selectProvider('wasm-1');
  await workbench.measureLatency(2, { warmup: 1, expectRows: ['wasm-1-fp32', 'wasm-1-int8'] });
  await workbench.compare();
  await graph.chooseOverlay('sqnr');

  // What the workbench shows.
  const compare = workbench.step('compare');
  const shown = {
    int8Size: (await page.getByTestId('int8-size').innerText()).trim(),
    outputs: await compare.getByTestId('output-errors').locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { innerText: string }).innerText.split('\t').map((c) => c.trim()))),
    fp32Median: (await compare.getByTestId('latency-wasm-1-fp32').getByTestId('latency-median').innerText()).trim(),
    int8Median: (await compare.getByTestId('latency-wasm-1-int8').getByTestId('latency-median').innerText()).trim(),
    sqnrSummary: (await compare.getByTestId('sqnr-chart').locator('p.sr-only').innerText()).trim(),
    firstLayers: await compare.getByTestId('layer-errors').locator('tbody tr:not(.spacer)').evaluateAll((rows) =>
      rows.slice(0, 10).map((r) => (r as unknown as { innerText: string }).innerText.split('\t').map((c) => c.replace(/^worst\s*/, '').trim())),
    ),
  };
  const report = await workbench.download('download-html-report');
  expect(report.name).toBe('fastestdet.int8.report.html');
  const dir = await tempDir('report');
  const file = join(dir.path, report.name);
  await writeFile(file, report.bytes);
  note('report size', `${(report.bytes.length / 1024).toFixed(0)} KB`);

  // Opened from disk, the network blocked: the only request is the file itself.
  const context = await browser.newContext({ offline: true, javaScriptEnabled: false });
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  await context.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
  const offline = await context.newPage();
  await offline.goto(pathToFileURL(file).href);
  await expect(offline.getByRole('heading', { level: 1 })).toHaveText('fastestdet.onnx: INT8 quantization report');
  expect(requests).toEqual([pathToFileURL(file).href]);

  await expect(offline.getByTestId('report-int8-size')).toHaveText(shown.int8Size);
  const outputs = await offline.getByTestId('report-outputs').locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { innerText: string }).innerText.split('\t').map((c) => c.trim())));
  expect(outputs).toEqual(shown.outputs);
  await expect(offline.getByTestId('report-latency').getByRole('row', { name: /WASM, 1 thread FP32/ })).toContainText(shown.fp32Median);
  await expect(offline.getByTestId('report-latency').getByRole('row', { name: /WASM, 1 thread INT8/ })).toContainText(shown.int8Median);
  const [, count, worst, tensor, db] = /^(\d+) layers; the worst quantized layer is (.+) \(tensor (.+)\) at (.+)\.$/.exec(shown.sqnrSummary)!;
  await expect(offline.locator('section', { has: offline.getByTestId('report-layers') }).locator('p').first()).toHaveText(`${count} layers; the worst quantized layer is ${worst} (tensor ${tensor}) at ${db}.`);
  await expect(offline.getByTestId('report-worst-layer')).toHaveText(worst);
  await expect(offline.getByTestId('report-worst-sqnr')).toHaveText(db);
  const layers = await offline.getByTestId('report-layers').locator('tbody tr').evaluateAll((rows) => rows.slice(0, 10).map((r) => (r as unknown as { innerText: string }).innerText.split('\t').map((c) => c.trim())));
  expect(layers).toEqual(shown.firstLayers);
  await expect(offline.getByTestId('report-layers').locator('tbody tr')).toHaveCount(Number(count));
  await expect(offline.getByTestId('report-overlay')).toHaveText('SQNR (accumulated)');
  await expect(offline.getByTestId('report-graph').locator('g[data-node]')).toHaveCount(boxes);
  await expect(offline.getByTestId('report-fidelity')).toContainText(fidelity.pass ? /^Passed: / : /^Failed on 4 held-out image\(s\): 'output' column \d+ cosine 0\.\d+/);
  await expect(offline.getByTestId('report-command')).toContainText('npx zeropoint quantize fastestdet.onnx --calib CALIBRATION_IMAGES/ --preprocess spec.json --out fastestdet.int8.onnx');
  await offline.screenshot({ path: join('test-results', 'screenshots', 'report.png') });
  await context.close();
  await dir.dispose();
  // The only alert on the page is the gate's warning, when it failed.
  await expect(workbench.alerts()).toHaveCount(fidelity.pass ? 0 : 1);
});
