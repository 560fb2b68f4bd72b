/**
 * The session survives a reload (issue 13): the model, the images, the options and the calibration
 * statistics are kept in the browser (IndexedDB); a reload in the middle of the Ranges step comes
 * back to Ranges with the same numbers, without calibrating again. "New session" forgets it all.
 */
import type { Locator, Page } from 'playwright/test';
import { expect, test } from './fixtures';

/** The text of the first rows of a table, cell by cell. */
const rowTexts = (rows: Locator, n: number) =>
  rows.evaluateAll((els, count) => els.slice(0, count).map((r) => (r as unknown as { innerText: string }).innerText.split('\t').map((c) => c.trim())), n);

test('a reload in the middle of Ranges comes back to Ranges with the same numbers; New session starts afresh', async ({ workbench, page }) => {
  await workbench.goto();
  await workbench.openSample();
  await workbench.calibrate({ method: 'percentile' });
  await expect(workbench.rangeRows().first()).toBeVisible();
  const tensor = await workbench.openTensor(4);
  const rows = await rowTexts(workbench.rangeRows(), 12);
  const count = await workbench.rangeRows().count();
  const detail = (await page.getByTestId('tensor-ranges').innerText()).trim();
  const calibrated = (await page.getByTestId('calibration-result').innerText()).trim();
  expect(rows.length).toBe(12);
  // The settings (the open tensor among them) are saved a moment after the last change: a reload before
  // that write commits comes back without them, so wait for it in the browser's own store.
  await expect.poll(() => savedSelection(page), { timeout: 30_000 }).toBe(tensor);

  await page.reload();
  await expect(page.getByTestId('session-note')).toHaveAttribute('data-status', 'restored', { timeout: 60_000 });
  await expect(page.getByTestId('session-note')).toContainText("Resumed the session saved in this browser: model 'squeezenet1.1-fp32.onnx', 50 image(s), the calibration.");
  // Back in Ranges: its heading in view, the same table, the same tensor open with the same ranges.
  await expect(page.locator('#step-ranges-title')).toBeInViewport();
  await expect(workbench.step('calibrate').getByTestId('calibration-result')).toHaveText(calibrated);
  await expect(workbench.step('calibrate').getByTestId('method-select')).toHaveValue('percentile');
  await expect(workbench.rangeRows().first()).toBeVisible();
  expect(await rowTexts(workbench.rangeRows(), 12)).toEqual(rows);
  expect(await workbench.rangeRows().count()).toBe(count);
  await expect(page.getByTestId('tensor-detail').getByRole('heading', { name: tensor })).toBeVisible();
  await expect.poll(async () => (await page.getByTestId('tensor-ranges').innerText()).trim()).toBe(detail);
  // The images and the preset came back too.
  await expect(workbench.imageCount('calibration')).toContainText('30 image(s)');
  await expect(page.getByTestId('preset-select')).toHaveValue('caffe');

  // New session: asked first, then everything is forgotten.
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('new-session').click();
  await expect(page.getByTestId('model-summary')).toHaveCount(0);
  await expect(page.getByTestId('step-model-status')).toContainText('Needs a model');
  await expect(page.getByTestId('session-note')).toHaveCount(0);
});

/** The open tensor as the session's saved settings hold it (IndexedDB 'zeropoint-session', app/session/idb.ts). */
function savedSelection(page: Page): Promise<string | null> {
  // A string: this project's Node tsconfig has no DOM types for the page-side function.
  return page.evaluate(`new Promise((resolve) => {
    const request = indexedDB.open('zeropoint-session', 1);
    request.onerror = () => resolve(null);
    request.onsuccess = () => {
      const db = request.result;
      const get = db.transaction('records', 'readonly').objectStore('records').get('settings');
      get.onsuccess = () => { db.close(); resolve(get.result?.ranges?.selected ?? null); };
      get.onerror = () => { db.close(); resolve(null); };
    };
  })`);
}
