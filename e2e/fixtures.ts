/**
 * Page objects for the workbench. Every wait is an expectation on what the page shows (no sleeps),
 * and every locator uses a stable data-testid or an accessible name.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { test as base, expect, type Download, type Locator, type Page } from 'playwright/test';

export { expect };

export const ROOT = resolve(import.meta.dirname, '..');
export const SCREENSHOTS = resolve(ROOT, 'test-results/screenshots');

export type StepId = 'model' | 'data' | 'calibrate' | 'ranges' | 'quantize' | 'compare';

export class Workbench {
  constructor(readonly page: Page) {}

  step(id: StepId): Locator {
    return this.page.getByTestId(`step-${id}`);
  }

  /** Every role="alert" on the page (problems are always announced this way). */
  alerts(): Locator {
    return this.page.getByRole('alert');
  }

  async goto(): Promise<void> {
    // Long tasks on the page's thread (the app keeps decoding and inference in workers).
    await this.page.addInitScript(() => {
      const w = globalThis as unknown as { __longTasks: Array<{ start: number; duration: number }> };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask' as never, buffered: true });
    });
    await this.page.goto('/');
    await expect(this.page.getByRole('heading', { level: 1, name: 'Zeropoint' })).toBeVisible();
    // The workbench needs cross-origin isolation for WASM threads: the server must send COOP/COEP.
    expect(await this.page.evaluate(() => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated)).toBe(true);
  }

  async openSample(): Promise<void> {
    await this.page.getByTestId('open-sample').click();
    await expect(this.page.getByTestId('model-summary')).toBeVisible();
    await expect(this.page.getByTestId('images-calibration-count')).toContainText(/^\d+ image/);
    await expect(this.page.getByTestId('preview-input')).toBeVisible();
  }

  async openModelFiles(files: string[]): Promise<void> {
    await this.page.getByTestId('model-drop-input').setInputFiles(files);
  }

  /** The page's clock (performance.now()), to bracket a phase for longTasksSince. */
  now(): Promise<number> {
    return this.page.evaluate(() => performance.now());
  }

  /** Durations (ms) of the main-thread tasks over 50 ms that started in [from, to]. */
  longTasks(from: number, to: number): Promise<number[]> {
    return this.page.evaluate(
      ([a, b]) => (globalThis as unknown as { __longTasks: Array<{ start: number; duration: number }> }).__longTasks.filter((t) => t.start >= a && t.start <= b).map((t) => Math.round(t.duration)),
      [from, to] as const,
    );
  }

  async calibrate(options: { method?: string; workers?: number } = {}): Promise<void> {
    const step = this.step('calibrate');
    if (options.method) await step.getByTestId('method-select').selectOption(options.method);
    if (options.workers) await step.getByTestId('pool-size').fill(String(options.workers));
    await step.getByTestId('calibrate-start').click();
    await expect(step.getByTestId('calibration-result')).toBeVisible({ timeout: 180_000 });
  }

  rangeRows(): Locator {
    return this.step('ranges').getByTestId('range-row');
  }

  /** Clicks the n-th row's tensor and waits for its detail. Returns the tensor name. */
  async openTensor(n: number): Promise<string> {
    const button = this.rangeRows().nth(n).getByRole('button');
    const name = (await button.innerText()).trim();
    await button.click();
    const detail = this.page.getByTestId('tensor-detail');
    await expect(detail.getByRole('heading', { name })).toBeVisible();
    await expect(detail.getByTestId('tensor-histogram')).toBeVisible();
    return name;
  }

  async buildInt8(): Promise<void> {
    await this.step('quantize').getByTestId('build-int8').click();
    await expect(this.page.getByTestId('quantize-result')).toBeVisible({ timeout: 120_000 });
  }

  /** Clicks a download button and returns the saved file's bytes and suggested name. */
  async download(testId: 'download-int8' | 'download-report'): Promise<{ name: string; bytes: Buffer; download: Download }> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId(testId).click()]);
    const path = await download.path();
    return { name: download.suggestedFilename(), bytes: await readFile(path), download };
  }

  async measureLatency(runs: number): Promise<void> {
    const step = this.step('compare');
    await step.getByTestId('latency-runs').fill(String(runs));
    await step.getByTestId('run-latency').click();
    await expect(step.getByTestId('latency-table')).toBeVisible({ timeout: 180_000 });
    await expect(step.getByTestId('run-latency')).toBeEnabled({ timeout: 180_000 });
  }

  async compare(): Promise<void> {
    const step = this.step('compare');
    await step.getByTestId('run-compare').click();
    await expect(step.getByTestId('comparison')).toBeVisible({ timeout: 180_000 });
  }

  /** A screenshot of one step (or the whole page) as a test artifact: test-results/screenshots/NAME.png. */
  async screenshot(name: string, step?: StepId): Promise<void> {
    await mkdir(SCREENSHOTS, { recursive: true });
    const path = resolve(SCREENSHOTS, `${name}.png`);
    if (step) await this.step(step).screenshot({ path });
    else await this.page.screenshot({ path, fullPage: true });
  }
}

export const test = base.extend<{ workbench: Workbench }>({
  workbench: async ({ page }, use) => {
    await use(new Workbench(page));
  },
});
