/**
 * Page objects for the workbench. Every wait is an expectation on what the page shows (no sleeps),
 * and every locator uses a stable data-testid or an accessible name.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { test as base, expect, type Download, type Locator, type Page } from 'playwright/test';
import sharp from 'sharp';

export { expect };

export const ROOT = resolve(import.meta.dirname, '..');
export const SCREENSHOTS = resolve(ROOT, 'test-results/screenshots');
/** The README's picture of the workbench. */
export const README_SCREENSHOT = resolve(ROOT, 'docs/screenshot.png');
const README_SCREENSHOT_MAX_BYTES = 500_000;

export type StepId = 'model' | 'data' | 'calibrate' | 'ranges' | 'quantize' | 'compare';
export type DropTarget = 'model' | 'calibration' | 'evaluation';
export type ImageSet = 'calibration' | 'evaluation';
export type ProviderId = 'wasm-1' | 'wasm-n' | 'webgpu';

/** A file to drop: a path on disk, or bytes with a name. */
export type DropFile = string | { name: string; buffer: Buffer; mimeType?: string };

const MIME: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
};
const mimeOf = (name: string): string => MIME[extname(name).toLowerCase()] ?? 'application/octet-stream';

/** One task of the page's main thread, from a Chrome trace (start in the page's performance.now() clock). */
export interface MainThreadTask {
  readonly start: number;
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** What the page saw of one `drop` event (recorded in the capture phase by the init script). */
export interface SeenDrop {
  readonly target: string | null;
  readonly files: string[];
  readonly trusted: boolean;
}

export class Workbench {
  /** Whether the init script (long tasks, drops) is registered on this page. */
  private instrumented = false;

  constructor(readonly page: Page) {}

  step(id: StepId): Locator {
    return this.page.getByTestId(`step-${id}`);
  }

  /** Every role="alert" on the page (problems are always announced this way). */
  alerts(): Locator {
    return this.page.getByRole('alert');
  }

  async goto(): Promise<void> {
    // Before the app loads (once per page; it then runs on every load): long tasks on the page's
    // thread (the app keeps decoding and inference in workers), and every drop event the page
    // receives (to prove drops are real DOM drop events).
    if (!this.instrumented) await this.instrument();
    this.instrumented = true;
    await this.page.goto('/');
    await expect(this.page.getByRole('heading', { level: 1, name: 'Zeropoint' })).toBeVisible();
    // The workbench needs cross-origin isolation for WASM threads: the server must send COOP/COEP.
    expect(await this.page.evaluate(() => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated)).toBe(true);
  }

  private async instrument(): Promise<void> {
    await this.page.addInitScript(() => {
      // (Node's lib has no DOM types: the few page objects used here are typed by hand.)
      interface DropEventLike {
        readonly isTrusted: boolean;
        readonly target: { closest?: (selector: string) => { getAttribute(name: string): string | null } | null } | null;
        readonly dataTransfer: { readonly files: ArrayLike<{ readonly name: string }> } | null;
      }
      const w = globalThis as unknown as {
        __longTasks: Array<{ start: number; duration: number }>;
        __drops: SeenDrop[];
        addEventListener(type: 'drop', listener: (e: DropEventLike) => void, options: { capture: boolean }): void;
      };
      w.__longTasks = [];
      w.__drops = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask' as never, buffered: true });
      w.addEventListener(
        'drop',
        (e) => {
          const zone = e.target?.closest?.('[data-testid]') ?? null;
          w.__drops.push({ target: zone?.getAttribute('data-testid') ?? null, files: Array.from(e.dataTransfer?.files ?? [], (f) => f.name), trusted: e.isTrusted });
        },
        { capture: true },
      );
    });
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

  /** The drop zone of the model or of an image set. */
  dropZone(target: DropTarget): Locator {
    return this.page.getByTestId(target === 'model' ? 'model-drop' : `drop-${target}`);
  }

  /**
   * Drops files on a zone the way a person does: Playwright's locator.drop dispatches dragenter,
   * dragover and drop DragEvents whose DataTransfer carries File objects built in the page from the
   * real bytes (and fails if the zone's dragover does not accept the drop).
   */
  async drop(target: DropTarget, files: readonly DropFile[]): Promise<void> {
    const payloads = await Promise.all(
      files.map(async (f) =>
        typeof f === 'string' ? { name: basename(f), mimeType: mimeOf(f), buffer: await readFile(f) } : { name: f.name, mimeType: f.mimeType ?? mimeOf(f.name), buffer: f.buffer },
      ),
    );
    const zone = this.dropZone(target);
    await expect(zone).toBeVisible();
    await zone.drop({ files: payloads });
  }

  /**
   * Drops folders (or files) from disk through the browser's own drag-and-drop (CDP
   * Input.dispatchDragEvent, a trusted drop): Chromium gives the page real FileSystemEntry objects,
   * so folders arrive as directory entries that the app reads recursively.
   */
  async dropFromDisk(target: DropTarget, paths: readonly string[]): Promise<void> {
    const zone = this.dropZone(target);
    // In the middle of the viewport, clear of sticky headers: the drop lands on whatever is at the point.
    await zone.evaluate((el) => (el as unknown as { scrollIntoView(options: { block: string }): void }).scrollIntoView({ block: 'center' }));
    const box = await zone.boundingBox();
    if (!box) throw new Error(`The ${target} drop zone has no box`);
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    const cdp = await this.page.context().newCDPSession(this.page);
    try {
      const data = { items: [], files: [...paths], dragOperationsMask: 1 };
      for (const type of ['dragEnter', 'dragOver', 'drop'] as const) await cdp.send('Input.dispatchDragEvent', { type, x, y, data });
    } finally {
      await cdp.detach();
    }
  }

  /** Picks a whole folder with the zone's folder picker (an input with webkitdirectory). */
  async pickFolder(set: ImageSet, dir: string): Promise<void> {
    await this.page.getByTestId(`drop-${set}-folder-input`).setInputFiles(dir);
  }

  /** The drop events the page received so far. */
  drops(): Promise<SeenDrop[]> {
    return this.page.evaluate(() => (globalThis as unknown as { __drops: SeenDrop[] }).__drops);
  }

  imageCount(set: ImageSet): Locator {
    return this.page.getByTestId(`images-${set}-count`);
  }

  /** The class labels (data-label) of the thumbnails shown for a set ('' when unlabelled), by file path. */
  async thumbnailLabels(set: ImageSet): Promise<Record<string, string>> {
    const items = this.page.getByTestId(`images-${set}`).getByTestId('thumbnail');
    const out: Record<string, string> = {};
    for (const item of await items.all()) out[(await item.getAttribute('data-path')) ?? ''] = (await item.getAttribute('data-label')) ?? '';
    return out;
  }

  async clearImages(set: ImageSet): Promise<void> {
    const panel = this.page.getByTestId(`images-${set}`);
    await panel.getByRole('button', { name: 'Clear' }).click();
    await expect(this.imageCount(set)).toHaveText(/^0 image\(s\)/);
  }

  async choosePreset(preset: 'imagenet' | 'caffe' | 'unit' | 'raw' | 'yolo'): Promise<void> {
    await this.page.getByTestId('preset-select').selectOption(preset);
    await expect(this.page.getByTestId('preset-select')).toHaveValue(preset);
  }

  /** Edits preprocessing fields in the Data step (after a preset): selects, and numbers committed with Enter. */
  async setSpec(fields: { color?: 'rgb' | 'bgr' | 'gray'; scale?: number; align?: 'center' | 'top-left' }): Promise<void> {
    const form = this.page.getByTestId('spec-form');
    if (fields.color) await form.getByLabel('Colour').selectOption(fields.color);
    if (fields.align) await form.getByLabel('Align').selectOption(fields.align);
    if (fields.scale !== undefined) {
      const scale = form.getByLabel('Scale');
      await scale.fill(String(fields.scale));
      await scale.press('Enter');
      await expect(scale).toHaveValue(String(fields.scale));
    }
  }

  /** Drops a model file and waits until the page shows its summary. */
  async dropModel(file: DropFile): Promise<void> {
    await this.drop('model', [file]);
    await expect(this.page.getByTestId('model-summary')).toBeVisible({ timeout: 60_000 });
  }

  /** The page's clock (performance.now()), to bracket a phase for longTasks. */
  now(): Promise<number> {
    return this.page.evaluate(() => performance.now());
  }

  /** The main-thread tasks over 50 ms (longtask entries) that started in [from, to], in the page's clock. */
  longTaskEntries(from: number, to: number): Promise<Array<{ start: number; duration: number }>> {
    return this.page.evaluate(
      ([a, b]) => (globalThis as unknown as { __longTasks: Array<{ start: number; duration: number }> }).__longTasks.filter((t) => t.start >= a && t.start <= b),
      [from, to] as const,
    );
  }

  /** Durations (ms) of the main-thread tasks over 50 ms that started in [from, to]. */
  async longTasks(from: number, to: number): Promise<number[]> {
    return (await this.longTaskEntries(from, to)).map((t) => Math.round(t.duration));
  }

  /**
   * Runs `body` under a Chrome trace ('toplevel') and returns the page's main-thread tasks that
   * started in it, in the page's clock (performance.now()), with wall time and the thread's CPU time:
   * a task long in wall time but short in CPU time was waiting for a core (contention), not working.
   */
  async traceMainThread(body: () => Promise<void>): Promise<MainThreadTask[]> {
    const browser = this.page.context().browser();
    if (!browser) throw new Error('No browser to trace');
    await browser.startTracing(this.page, { categories: ['toplevel', 'blink.user_timing'] });
    let sync = 0;
    let trace: Buffer;
    try {
      sync = await this.page.evaluate(() => performance.mark('zeropoint-trace-sync').startTime);
      await body();
    } finally {
      trace = await browser.stopTracing();
    }
    type Event = { name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; tdur?: number; args?: { name?: string } };
    const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents: Event[] } | Event[];
    const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
    const mark = events.find((e) => e.name === 'zeropoint-trace-sync');
    if (!mark) return [];
    const main = events.find((e) => e.name === 'thread_name' && e.pid === mark.pid && e.args?.name === 'CrRendererMain');
    const tid = main?.tid ?? mark.tid;
    const offsetMs = mark.ts / 1000 - sync;
    return events
      .filter((e) => e.pid === mark.pid && e.tid === tid && e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask')
      .map((e) => ({ start: e.ts / 1000 - offsetMs, wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? 0) / 1000 }));
  }

  /** Sets the options and clicks Calibrate, without waiting for the result. */
  async startCalibration(options: { method?: string; workers?: number } = {}): Promise<void> {
    const step = this.step('calibrate');
    if (options.method) await step.getByTestId('method-select').selectOption(options.method);
    if (options.workers) await step.getByTestId('pool-size').fill(String(options.workers));
    await step.getByTestId('calibrate-start').click();
  }

  async calibrate(options: { method?: string; workers?: number } = {}): Promise<void> {
    await this.startCalibration(options);
    await expect(this.step('calibrate').getByTestId('calibration-result')).toBeVisible({ timeout: 180_000 });
  }

  rangeRows(): Locator {
    return this.step('ranges').getByTestId('range-row');
  }

  /** Clicks the n-th row's tensor and waits for its detail. Returns the tensor name. */
  async openTensor(n: number): Promise<string> {
    const button = this.rangeRows().nth(n).getByRole('rowheader').getByRole('button');
    const name = (await button.innerText()).trim();
    await button.click();
    const detail = this.page.getByTestId('tensor-detail');
    await expect(detail.getByRole('heading', { name })).toBeVisible();
    await expect(detail.getByTestId('tensor-histogram')).toBeVisible();
    return name;
  }

  /** The Quantize step's bias-correction switch (Learn mode's lesson 7 links to it). */
  async setBiasCorrection(on: boolean): Promise<void> {
    const box = this.step('quantize').getByTestId('bias-correction');
    if (on) await box.check();
    else await box.uncheck();
  }

  /** The Quantize step's format: INT8, FP16 or weight-only INT8. */
  async chooseFormat(format: 'int8' | 'fp16' | 'int8-weights'): Promise<void> {
    const radio = this.step('quantize').getByTestId(`format-${format}`);
    await radio.check();
    await expect(radio).toBeChecked();
  }

  async buildInt8(): Promise<void> {
    await this.step('quantize').getByTestId('build-int8').click();
    await expect(this.page.getByTestId('quantize-result')).toBeVisible({ timeout: 120_000 });
  }

  /** The fidelity gate's verdict after a build: waits for the pass line or the warning, returns which and its text. */
  async fidelity(): Promise<{ pass: boolean; text: string }> {
    const verdict = this.step('quantize').getByTestId(/^fidelity-(pass|warning|error)$/);
    await expect(verdict).toBeVisible({ timeout: 120_000 });
    return { pass: (await verdict.getAttribute('data-testid')) === 'fidelity-pass', text: (await verdict.innerText()).trim() };
  }

  /**
   * The lowest cosine the fidelity verdict reports (its measure of agreement: the lowest output, or a
   * failing output or column), read from its text.
   */
  static lowestCosine(text: string): number {
    const values = [...text.matchAll(/cosine (-?\d+\.\d+)/g)].map((m) => Number(m[1]));
    const worst = /worst (?:column|channel) (-?\d+\.\d+)/.exec(text);
    if (worst) values.push(Number(worst[1]));
    if (!values.length) throw new Error(`No cosine in the fidelity verdict: ${text}`);
    return Math.min(...values);
  }

  /** The Quantize step's Auto panel: sets the target, budget and search breadth, runs, and waits for the result. */
  async runAuto(options: { cosine?: number; sqnrDb?: number; budget?: number; refine?: number; allMethods?: boolean } = {}): Promise<Locator> {
    const panel = this.step('quantize').getByTestId('auto-panel');
    if (options.sqnrDb !== undefined) {
      await panel.getByTestId('auto-target').selectOption('sqnr');
      await panel.getByTestId('auto-db').fill(String(options.sqnrDb));
    } else if (options.cosine !== undefined) {
      await panel.getByTestId('auto-target').selectOption('agreement');
      await panel.getByTestId('auto-cosine').fill(String(options.cosine));
    }
    if (options.budget !== undefined) await panel.getByTestId('auto-budget').fill(String(options.budget));
    if (options.refine !== undefined) await panel.getByTestId('auto-refine').fill(String(options.refine));
    if (options.allMethods !== undefined) await panel.getByTestId('auto-all-methods').setChecked(options.allMethods);
    await panel.getByTestId('auto-run').click();
    await expect(panel.getByTestId('auto-progress')).toBeVisible();
    const result = panel.getByTestId('auto-result');
    await expect(result.or(panel.getByTestId('auto-error'))).toBeVisible({ timeout: 600_000 });
    await expect(panel.getByTestId('auto-error')).toHaveCount(0);
    return result;
  }

  /** The points of one Auto plot ('units': against FP32 units, 'size': against model size). */
  autoPoints(plot: 'units' | 'size' = 'units'): Locator {
    return this.step('quantize').getByTestId(`auto-plot-${plot}`).getByTestId('auto-point');
  }

  /** Clicks a point of an Auto plot and waits for the INT8 model it rebuilds. */
  async applyAutoPoint(point: Locator): Promise<void> {
    await point.click();
    await expect(point).toHaveAttribute('data-applied', 'true');
    await expect(this.page.getByTestId('quantize-result')).toBeVisible({ timeout: 120_000 });
  }

  /** The node names the Quantize step's keep list shows. */
  async keepList(): Promise<string[]> {
    const chips = this.step('quantize').getByTestId('keep-list').locator('code');
    return (await chips.allInnerTexts()).map((t) => t.trim());
  }

  /** Clicks a download button and returns the saved file's bytes and suggested name. */
  async download(testId: 'download-int8' | 'download-report' | 'download-html-report'): Promise<{ name: string; bytes: Buffer; download: Download }> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId(testId).click()]);
    const path = await download.path();
    return { name: download.suggestedFilename(), bytes: await readFile(path), download };
  }

  /** Waits until the provider's availability is known and returns its row. */
  async provider(id: ProviderId): Promise<{ row: Locator; available: boolean; details: string }> {
    const row = this.step('compare').getByTestId(`provider-${id}`);
    const available = row.getByTestId('provider-available');
    await expect(available).toHaveText(/^(yes|no)$/, { timeout: 60_000 });
    return { row, available: (await available.innerText()).trim() === 'yes', details: (await row.getByTestId('provider-detail').innerText()).trim() };
  }

  async selectProvider(id: ProviderId): Promise<void> {
    const { row, available } = await this.provider(id);
    expect(available, `provider ${id} is available`).toBe(true);
    await row.getByRole('radio').check();
  }

  /**
   * Measures latency on the selected provider. With `expectRows` (e.g. ['wasm-1-fp32']) it waits for
   * those rows' medians, so a table left from an earlier run does not count.
   */
  async measureLatency(runs: number, options: { warmup?: number; expectRows?: string[] } = {}): Promise<void> {
    const step = this.step('compare');
    if (options.warmup !== undefined) await step.getByLabel('Warm-up runs').fill(String(options.warmup));
    await step.getByTestId('latency-runs').fill(String(runs));
    await step.getByTestId('run-latency').click();
    await expect(step.getByTestId('latency-table')).toBeVisible({ timeout: 180_000 });
    await expect(step.getByTestId('run-latency')).toBeEnabled({ timeout: 180_000 });
    await expect(step.getByTestId('latency-error')).toHaveCount(0);
    for (const row of options.expectRows ?? []) await expect(step.getByTestId(`latency-${row}`).getByTestId('latency-median')).toHaveText(/^\d+(\.\d+)? ms$/);
  }

  async compare(): Promise<void> {
    const step = this.step('compare');
    await step.getByTestId('run-compare').click();
    await expect(step.getByTestId('comparison')).toBeVisible({ timeout: 180_000 });
  }

  /** The Compare step's Detection panel (shown when the comparison images came with YOLO label files). */
  detection(): Locator {
    return this.step('compare').getByTestId('detection');
  }

  /**
   * Sets the Detection panel's decoder ('' = from the outputs) and class map and scores the detector
   * again with them (plain FP32 and INT8 runs); waits for the new figures or problem.
   */
  async rescoreDetection(settings: { decoder?: string; classes?: string }): Promise<void> {
    const panel = this.detection();
    if (settings.decoder !== undefined) await panel.getByTestId('detection-decoder').selectOption(settings.decoder);
    if (settings.classes !== undefined) await panel.getByTestId('detection-classes').fill(settings.classes);
    await panel.getByTestId('detection-rescore').click();
    // The old figures go at the click; the new ones (or the panel's problem) come with this run.
    await expect(panel.getByTestId(/^detection-(table|error)$/)).toBeVisible({ timeout: 180_000 });
  }

  /** The AP figures the Detection panel shows, as numbers. */
  async detectionFigures(): Promise<{ fp32Ap50: number; int8Ap50: number; fp32Ap5095: number; int8Ap5095: number; drop50: string; decoder: string }> {
    const panel = this.detection();
    await expect(panel.getByTestId('detection-table')).toBeVisible();
    const num = async (id: string) => Number(await panel.getByTestId(id).innerText());
    return {
      fp32Ap50: await num('detection-fp32-ap50'),
      int8Ap50: await num('detection-int8-ap50'),
      fp32Ap5095: await num('detection-fp32-ap5095'),
      int8Ap5095: await num('detection-int8-ap5095'),
      drop50: (await panel.getByTestId('detection-drop-ap50').innerText()).trim(),
      decoder: (await panel.getByTestId('detection-decoder-used').innerText()).trim(),
    };
  }

  /** A screenshot of one step (or the whole page) as a test artifact: test-results/screenshots/NAME.png. */
  async screenshot(name: string, step?: StepId): Promise<void> {
    await mkdir(SCREENSHOTS, { recursive: true });
    const path = resolve(SCREENSHOTS, `${name}.png`);
    if (step) await this.step(step).screenshot({ path });
    else await this.page.screenshot({ path, fullPage: true });
  }

  /**
   * A full-page screenshot once the page has settled (two consecutive shots identical, so chart
   * animations have finished), saved as a test artifact (NAME.png) and, when docs/screenshot.png is
   * missing or ZEROPOINT_UPDATE_SCREENSHOT=1, as the README's picture: a palette PNG under 500 KB
   * (narrowed if it must be). Returns where the README picture went, or null.
   */
  async settledScreenshot(name: string): Promise<string | null> {
    let previous: Buffer | null = null;
    let shot: Buffer = Buffer.alloc(0);
    await expect
      .poll(
        async () => {
          shot = await this.page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide' });
          const same = previous !== null && previous.equals(shot);
          previous = shot;
          return same;
        },
        { message: 'the page stops changing', intervals: [250, 500, 1000] },
      )
      .toBe(true);
    await mkdir(SCREENSHOTS, { recursive: true });
    await writeFile(resolve(SCREENSHOTS, `${name}.png`), shot);
    if (existsSync(README_SCREENSHOT) && process.env.ZEROPOINT_UPDATE_SCREENSHOT !== '1') return null;
    const { width = 1400 } = await sharp(shot).metadata();
    for (let w = width; w >= 600; w -= 200) {
      const png = await sharp(shot).resize({ width: w }).png({ palette: true, compressionLevel: 9, effort: 10 }).toBuffer();
      if (png.length < README_SCREENSHOT_MAX_BYTES) {
        await mkdir(dirname(README_SCREENSHOT), { recursive: true });
        await writeFile(README_SCREENSHOT, png);
        return README_SCREENSHOT;
      }
    }
    throw new Error(`A full-page screenshot does not fit in ${README_SCREENSHOT_MAX_BYTES} bytes even 600 px wide`);
  }
}

/** Records a measured value in the test's annotations and prints it (the list reporter shows it). */
export function note(type: string, description: string): void {
  base.info().annotations.push({ type, description });
  console.log(`    ${type}: ${description}`);
}

export const test = base.extend<{ workbench: Workbench }>({
  workbench: async ({ page }, use) => {
    await use(new Workbench(page));
  },
});
