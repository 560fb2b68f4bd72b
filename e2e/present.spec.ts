/**
 * Present mode on a 1280x720 projector (issue 13): the lesson's numbers and its chart are above the
 * fold, without scrolling; on 1920x1080 the type is larger.
 */
import { expect, test } from './fixtures';
import { LearnPage } from './learn-page';

test('present mode fits a 1280x720 projector: lesson 1 numbers and chart in view', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  const learn = new LearnPage(page);
  await learn.goto('#learn/1?present=1');
  await expect(page.locator('html')).toHaveClass(/presenting/);
  await expect(learn.byId('l1-scale')).toHaveText(/^0\.0231/);
  for (const id of ['l1-controls', 'l1-scale', 'l1-zero-point', 'l1-formula-scale', 'l1-grid']) await expect(learn.byId(id)).toBeInViewport({ ratio: 1 });
  const small = await page.locator('.learn').evaluate((el) => parseFloat((globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(el).fontSize));
  await page.setViewportSize({ width: 1920, height: 1080 });
  await expect.poll(() => page.locator('.learn').evaluate((el) => parseFloat((globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(el).fontSize))).toBeGreaterThan(small);
  expect(small).toBeGreaterThanOrEqual(16);
});
