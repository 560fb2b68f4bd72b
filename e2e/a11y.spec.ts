/**
 * Accessibility (issue 13): axe-core (Deque's maintained rule engine, the one behind Lighthouse and
 * @axe-core/playwright) checks the workbench at each step of the sample flow, in the light and the
 * dark theme: no serious or critical finding. axe runs in the page (injected through the DevTools
 * protocol, so the app's CSP stays as it is).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright/test';
import { expect, note, test } from './fixtures';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Finding {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe on the whole page; returns the serious and critical findings (and notes the rest). */
async function audit(page: Page, where: string): Promise<Finding[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)) }));
  });
  const minor = results.filter((f) => f.impact !== 'serious' && f.impact !== 'critical');
  if (minor.length) note(`axe minor/moderate findings (${where})`, minor.map((f) => `${f.id} ×${f.nodes.length}`).join(', '));
  return results.filter((f) => f.impact === 'serious' || f.impact === 'critical');
}

test('every step of the sample flow has no serious accessibility finding (axe-core), light and dark', async ({ workbench, page }) => {
  // Every stage is audited before the verdict, so one run lists every finding.
  const serious: Record<string, Finding[]> = {};
  const check = async (where: string) => {
    const found = await audit(page, where);
    if (found.length) serious[where] = found;
  };
  await workbench.goto();
  await check('empty page');

  await workbench.openSample();
  await expect(page.getByTestId('graph-canvas').or(page.getByTestId('graph-section'))).toBeVisible();
  await check('model and data');

  await workbench.calibrate({ method: 'minmax' });
  await workbench.openTensor(2);
  await check('calibrate and ranges');

  await workbench.buildInt8();
  await workbench.fidelity();
  await check('quantize');

  const compare = workbench.step('compare');
  await compare.getByTestId('compare-image-cap').fill('4');
  await workbench.compare();
  await workbench.measureLatency(3, { warmup: 1 });
  await check('compare');

  // Every step folded to its summary line, then the dark theme over everything.
  await page.getByTestId('fold-finished').click();
  await check('folded');
  await page.getByTestId('fold-finished').click();
  await page.getByTestId('theme-select').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await check('dark theme');
  expect(serious).toEqual({});
});
