/**
 * Sensitivity and Auto in the Quantize step (issue 10 items 4-5), on the embedded sample and on a
 * detector. Auto runs on its analysis worker against the FP32 outputs on 4 held-out (evaluation)
 * images; its two plots render one point per candidate measured; clicking a point applies its plan
 * (the keep list shows the point's units' nodes, the range method its), the INT8 model is rebuilt,
 * and the fidelity gate, which judges on the same 4 images, then reports the agreement the point was
 * plotted at. The detector is YuNet (43 units at 160x120: each candidate is a quantize and a session,
 * so a search over lw-person-det's 134 units at 192x192 takes minutes even in onnxruntime-node).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGES, model } from './assets';
import type { Locator } from 'playwright/test';
import { expect, note, test, Workbench } from './fixtures';

const COCO = join(IMAGES, 'coco-train', 'images');

/** The point with the most FP32 units among those the search kept (else the last one tried). */
async function pickPoint(points: Locator): Promise<{ point: Locator; value: number; units: string[] }> {
  const all = await points.all();
  const described = await Promise.all(
    all.map(async (p) => ({ point: p, key: (await p.getAttribute('data-key')) ?? '', accepted: (await p.getAttribute('data-accepted')) === 'true', value: Number(await p.getAttribute('data-value')), units: ((await p.getAttribute('data-units')) ?? '').split(' ').filter(Boolean) })),
  );
  const steps = described.filter((d) => d.key.startsWith('step-'));
  expect(steps.length, 'the search kept or tried at least one unit in FP32').toBeGreaterThan(0);
  const accepted = steps.filter((d) => d.accepted);
  const chosen = accepted.length ? accepted[accepted.length - 1] : steps[steps.length - 1];
  return { point: chosen.point, value: chosen.value, units: chosen.units };
}

/** Applies a point and checks the keep list, the rebuilt model and the fidelity line. */
async function applyAndCheck(workbench: Workbench, picked: { point: Locator; value: number; units: string[] }, before: { summary: string; fidelity: string }): Promise<void> {
  const { page } = workbench;
  await workbench.applyAutoPoint(picked.point);
  const keep = await workbench.keepList();
  // Every unit's head node is in the keep list (a unit's folds and gate come with it).
  for (const unit of picked.units) expect(keep).toContain(unit);
  await expect(page.getByTestId('keep-summary')).toContainText(`${keep.length} node(s) kept by name`);
  // The model was rebuilt with those nodes in FP32: fewer nodes quantized than before.
  const quantized = (text: string) => Number(/^(\d+) of \d+ nodes quantized/.exec(text)?.[1]);
  const summary = (await page.getByTestId('quantize-summary').innerText()).trim();
  expect(quantized(summary)).toBeLessThan(quantized(before.summary));
  for (const name of keep) await expect(page.getByTestId('node-list').getByRole('checkbox', { name: `Keep ${name} in FP32`, exact: true })).toBeChecked();
  // The gate judges on the same images: its line now says what the point was plotted at.
  const fidelity = await workbench.fidelity();
  const gate = Workbench.lowestCosine(fidelity.text);
  note('fidelity line', `${before.fidelity} -> ${fidelity.text}`);
  note('applied point', `${picked.units.join(', ')}: plotted ${picked.value.toFixed(4)}, gate ${gate.toFixed(4)}`);
  expect(fidelity.text).not.toBe(before.fidelity);
  expect(Math.abs(gate - picked.value)).toBeLessThan(2e-3);
}

test('Auto on the sample: plots, a point applied, the keep list, the rebuild and the fidelity line', async ({ workbench, page }) => {
  await workbench.goto();
  await workbench.openSample();
  await workbench.calibrate({ method: 'minmax' });
  await workbench.buildInt8();
  const before = { summary: (await page.getByTestId('quantize-summary').innerText()).trim(), fidelity: (await workbench.fidelity()).text };

  // Auto shows its progress and can be cancelled.
  const autoPanel = workbench.step('quantize').getByTestId('auto-panel');
  await autoPanel.getByTestId('auto-run').click();
  await expect(autoPanel.getByTestId('auto-progress')).toBeVisible();
  await autoPanel.getByTestId('auto-cancel').click();
  await expect(autoPanel.getByTestId('auto-error')).toContainText('The Auto search was cancelled');
  await expect(autoPanel.getByTestId('auto-run')).toBeEnabled();

  // A target the defaults miss (SqueezeNet's softmax output agrees to about 0.999), a budget of 2 units.
  const result = await workbench.runAuto({ cosine: 0.9999, budget: 2, refine: 1 });
  await expect(result.getByTestId('auto-verdict')).toContainText('Judged on 4 held-out images');
  await expect(result.getByTestId('auto-notes')).toContainText('Range method:');
  const units = workbench.autoPoints('units');
  const size = workbench.autoPoints('size');
  expect(await units.count()).toBeGreaterThan(1);
  await expect(size).toHaveCount(await units.count());
  await expect(result.getByTestId('auto-plot-units')).toHaveAccessibleDescription(/point\(s\) against the number of units kept in FP32/);
  note('auto notes', (await result.getByTestId('auto-notes').innerText()).replace(/\n/g, ' | '));
  await workbench.screenshot('auto-sample', 'quantize');

  await applyAndCheck(workbench, await pickPoint(units), before);

  // The plan downloads as the JSON `zeropoint quantize --plan` replays: the keep list the page shows.
  const [download] = await Promise.all([page.waitForEvent('download'), result.getByTestId('auto-download-plan').click()]);
  const plan = JSON.parse(await readFile(await download.path(), 'utf8')) as { format: string; keepNodes: string[]; method: string };
  expect(plan.format).toBe('zeropoint-plan');
  expect([...plan.keepNodes].sort()).toEqual([...(await workbench.keepList())].sort());

  // Compare's per-layer view keeps a layer too: a quantized layer's node (with its unit) joins the keep list.
  await workbench.compare();
  const quantizedRow = workbench.step('compare').getByTestId('layer-errors').getByRole('row').filter({ has: page.getByRole('cell', { name: 'yes', exact: true }) }).first();
  await quantizedRow.getByRole('button').click();
  const keepLayer = page.getByTestId('layer-detail').getByTestId('layer-keep');
  const node = (await keepLayer.innerText()).replace(/^Keep (.*) in FP32 and rebuild$/, '$1');
  const kept = (await workbench.keepList()).length;
  await keepLayer.click();
  await expect.poll(() => workbench.keepList()).toContain(node);
  expect((await workbench.keepList()).length).toBeGreaterThan(kept);
  await workbench.fidelity();
  await expect(workbench.alerts()).toHaveCount(0);
});

test('Sensitivity and Auto on a detector (YuNet, COCO images): cancel, ranked units, Keep FP32, a point applied', async ({ workbench, page }) => {
  const images = (await readdir(COCO)).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(0, 12).map((f) => join(COCO, f));
  await workbench.goto();
  await workbench.dropModel(model('yunet-120x160.onnx'));
  // The MANIFEST's spec: RGB 0..255, stretched to 160x120.
  await workbench.choosePreset('raw');
  await workbench.drop('calibration', images.slice(0, 8));
  await workbench.drop('evaluation', images.slice(8));
  // Two workers: the sensitivity pool splits the units between them (the pool size is Calibrate's).
  await workbench.calibrate({ workers: 2 });
  await workbench.buildInt8();
  const quantize = workbench.step('quantize');

  // Sensitivity: progress, Cancel, then the whole run.
  const panel = quantize.getByTestId('sensitivity-panel');
  await panel.getByTestId('sensitivity-run').click();
  await expect(panel.getByTestId('sensitivity-progressbar')).toBeVisible({ timeout: 120_000 });
  await panel.getByTestId('sensitivity-cancel').click();
  await expect(panel.getByTestId('sensitivity-error')).toContainText('The sensitivity analysis was cancelled');
  await panel.getByTestId('sensitivity-run').click();
  await expect(panel.getByTestId('sensitivity-result')).toBeVisible({ timeout: 600_000 });
  const rows = panel.getByTestId('sensitivity-row');
  const count = await rows.count();
  expect(count).toBeGreaterThan(10);
  await expect(panel.getByTestId('sensitivity-summary')).toContainText(`${count} unit(s) measured on 4 held-out images`);
  // Ranked most damaging first: the cosine with only the unit INT8 never decreases down the table.
  const alone = (await rows.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { children: ArrayLike<{ textContent: string | null }> }).children[3].textContent ?? ''))).map((t) => Number.parseFloat(t));
  for (let i = 1; i < alone.length; i++) expect(alone[i]).toBeGreaterThanOrEqual(alone[i - 1]);
  await expect(panel.getByTestId('sensitivity-chart')).toBeVisible();
  note('sensitivity', (await panel.getByTestId('sensitivity-summary').innerText()).trim());
  note('most damaging units', (await rows.evaluateAll((trs) => trs.slice(0, 3).map((tr) => (tr as unknown as { innerText: string }).innerText.replace(/\s+/g, ' ')))).join(' | '));

  // Keep FP32 on the most damaging unit: its nodes join the keep list and the model is rebuilt.
  const top = rows.first();
  const unit = (await top.getAttribute('data-unit')) ?? '';
  await top.getByTestId('sensitivity-keep').click();
  await expect(top).toContainText('in FP32');
  expect(await workbench.keepList()).toContain(unit);
  await expect(page.getByTestId('quantize-result')).toBeVisible({ timeout: 120_000 });
  const before = { summary: (await page.getByTestId('quantize-summary').innerText()).trim(), fidelity: (await workbench.fidelity()).text };

  // Auto from there, every range method, to a cosine the defaults miss.
  const result = await workbench.runAuto({ cosine: 0.999, budget: 2, refine: 1 });
  note('auto notes', (await result.getByTestId('auto-notes').innerText()).replace(/\n/g, ' | '));
  await workbench.screenshot('auto-detector', 'quantize');
  const picked = await pickPoint(workbench.autoPoints('size'));
  await applyAndCheck(workbench, picked, before);
  // The unit kept by hand stays kept: a plan applies on top of the keep list the search started from.
  expect(await workbench.keepList()).toContain(unit);
});
