/**
 * Learn mode's page object, and the engine on the Node side for its spec: the same functions the
 * page uses (workers/core), fed with the same inputs (what the page shows, the data it lets you
 * download, or the sample model and images themselves), so every number the page shows can be
 * recomputed here. Every wait is an expectation on the page; no sleeps.
 */
import { readFile, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { expect, type Locator, type Page, type Request } from 'playwright/test';
import { decodeImageFile } from '../cli/images';
import { imageInput } from '../cli/pipeline';
import { augmentModel } from '../workers/core/calibration/augment';
import type { TensorStats } from '../workers/core/calibration/collector';
import type { Histogram } from '../workers/core/calibration/histogram';
import { indexGraph, nodeLabel } from '../workers/core/graph/graph';
import { inspectModel } from '../workers/core/graph/inspect';
import { decodeModel } from '../workers/core/onnx/decode';
import { encodeModel } from '../workers/core/onnx/encode';
import { numel, tensorToFloat32 } from '../workers/core/onnx/tensor';
import type { Model } from '../workers/core/onnx/types';
import { imageToTensor } from '../workers/core/preprocess/image';
import { resolveSpec } from '../workers/core/preprocess/spec';
import { prepareModel } from '../workers/core/quant/quantize';

export const ROOT = resolve(import.meta.dirname, '..');
export const SAMPLES = resolve(ROOT, 'public/samples');
/** Where the spec saves one screenshot per lesson (learn-*.png), beside the workbench's. */
export const SCREENSHOTS = resolve(ROOT, 'test-results/screenshots');

export class LearnPage {
  /** Every request the page made (to prove nothing leaves the origin). */
  readonly requests: string[] = [];

  constructor(readonly page: Page) {
    // The context sees the workers' requests too (onnxruntime's WASM, the samples).
    page.context().on('request', (r: Request) => this.requests.push(r.url()));
  }

  async goto(hash = ''): Promise<void> {
    await this.page.addInitScript(() => {
      const w = globalThis as unknown as { __longTasks: Array<{ start: number; duration: number }> };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask' as never, buffered: true });
    });
    await this.page.goto(`/${hash}`);
    await expect(this.page.getByRole('heading', { level: 1, name: 'Zeropoint' })).toBeVisible();
  }

  lesson(n: number): Locator {
    return this.page.getByTestId(`lesson-${n}`);
  }

  byId(testId: string): Locator {
    return this.page.getByTestId(testId);
  }

  /** The exact number behind a displayed one (its data-value). */
  async value(testId: string): Promise<number> {
    const raw = await this.byId(testId).getAttribute('data-value');
    if (raw === null) throw new Error(`${testId} has no data-value`);
    return Number(raw);
  }

  /** Waits until the lessons' data (model + calibration statistics) is there. */
  async waitForData(): Promise<void> {
    await expect(this.byId('learn-source')).toHaveAttribute('data-status', 'ready', { timeout: 240_000 });
  }

  /** The hash part of the current URL. */
  hash(): string {
    return new URL(this.page.url()).hash;
  }

  /** Takes the focus off any control, so the page's own keys apply. */
  async blur(): Promise<void> {
    // (Node's lib has no DOM types: the page objects used in evaluate are typed by hand.)
    await this.page.evaluate(() => (globalThis as unknown as { document: { activeElement: { blur?: () => void } | null } }).document.activeElement?.blur?.());
  }

  /** Clicks a "Download the numbers (JSON)" button and parses the file (non-finite numbers come back). */
  async downloadJson<T>(testId: string): Promise<T> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.byId(testId).click()]);
    const text = await readFile(await download.path(), 'utf8');
    return JSON.parse(text, (_k, v: unknown) => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === 'NaN' ? NaN : v)) as T;
  }

  async screenshot(name: string): Promise<void> {
    await mkdir(SCREENSHOTS, { recursive: true });
    // From the top: a full-page shot of a scrolled page would draw the sticky lesson bar mid-page.
    await this.page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await this.page.screenshot({ path: resolve(SCREENSHOTS, `learn-${name}.png`), fullPage: true });
  }

  /** Requests that went anywhere but the page's own origin. */
  foreignRequests(origin: string): string[] {
    return this.requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
  }

  private readonly marks: Array<{ name: string; at: number }> = [];

  /** Marks the start of a phase (on the page's clock), for longTasksByPhase. */
  async mark(name: string): Promise<void> {
    this.marks.push({ name, at: await this.page.evaluate(() => performance.now()) });
  }

  /** The page's main-thread tasks over 50 ms, grouped by the phase they started in: "phase: 61, 120 ms; ...". */
  async longTasksByPhase(): Promise<string> {
    const tasks = await this.page.evaluate(() => (globalThis as unknown as { __longTasks: Array<{ start: number; duration: number }> }).__longTasks);
    const phases = this.marks.map((m, i) => ({ ...m, until: this.marks[i + 1]?.at ?? Infinity }));
    const parts = phases.map((p) => {
      const d = tasks.filter((t) => t.start >= p.at && t.start < p.until).map((t) => Math.round(t.duration));
      return `${p.name}: ${d.length ? `${d.join(', ')} ms` : 'none'}`;
    });
    return parts.join('; ');
  }
}

// -------------------------------------------------------------------------------------------------
// The engine in Node, on the sample

/** A histogram or stats as the page's JSON has it (typed arrays as arrays): back to engine objects. */
export function histogramFrom(json: Omit<Histogram, 'counts'> & { counts: number[] }): Histogram {
  return { ...json, counts: Float64Array.from(json.counts) };
}

export function statsFrom(json: Omit<TensorStats, 'histogram'> & { histogram?: Omit<Histogram, 'counts'> & { counts: number[] } }): TensorStats {
  const { histogram, ...rest } = json;
  return histogram ? { ...rest, histogram: histogramFrom(histogram) } : rest;
}

interface Manifest {
  model: string;
  calibration: string[];
}

export interface Sample {
  readonly manifest: Manifest;
  /** The prepared model (what the workbench calibrates). */
  readonly model: Model;
  readonly parameters: number;
  weight(node: string): { values: Float32Array; dims: number[]; name: string };
  /** Runs the model in onnxruntime-node on the calibration images and returns each image's values of `tensors`. */
  observe(tensors: readonly string[], images?: number): Promise<Array<Record<string, Float32Array>>>;
}

let sample: Promise<Sample> | null = null;

export function loadSample(): Promise<Sample> {
  sample ??= (async () => {
    const manifest = JSON.parse(await readFile(resolve(SAMPLES, 'manifest.json'), 'utf8')) as Manifest;
    const bytes = new Uint8Array(await readFile(resolve(SAMPLES, manifest.model)));
    const original = decodeModel(bytes);
    const model = prepareModel(original).model;
    const index = indexGraph(model.graph!);
    return {
      manifest,
      model,
      parameters: inspectModel(original, bytes.length).parameters,
      weight(node: string) {
        const i = model.graph!.node.findIndex((n, k) => nodeLabel(n, k) === node);
        const name = model.graph!.node[i].input[1];
        const t = index.initializers.get(name)!;
        return { values: tensorToFloat32(t), dims: [...t.dims], name };
      },
      async observe(tensors: readonly string[], images = manifest.calibration.length) {
        const session = await ort.InferenceSession.create(encodeModel(augmentModel(model, tensors)), { logSeverityLevel: 3 });
        const geometry = imageInput(model, manifest.model);
        const spec = resolveSpec('caffe', { channels: 3 });
        const out: Array<Record<string, Float32Array>> = [];
        try {
          for (const file of manifest.calibration.slice(0, images)) {
            const t = imageToTensor(await decodeImageFile(resolve(SAMPLES, file)), spec, geometry);
            const result = await session.run({ [geometry.name]: new ort.Tensor('float32', t.data, t.dims) }, [...tensors]);
            out.push(Object.fromEntries(tensors.map((name) => [name, result[name].data as Float32Array])));
          }
        } finally {
          await session.release();
        }
        return out;
      },
    };
  })();
  return sample;
}

export function minMax(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

export { numel };
