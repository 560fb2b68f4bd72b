/**
 * With app/analysis-workers.ts (the sensitivity and Auto pool), the ONLY place that creates workers
 * and wraps them (Comlink.wrap<Api>, through worker-handle.ts). Everything else in the app talks to
 * the doors declared in workers/contracts/ through the functions exported here.
 *
 * - The model worker is a singleton that owns the model (bytes never linger on the main thread).
 * - Calibration runs on a pool of calibrate workers (one 1-thread WASM session each): the images are
 *   split in contiguous shares, the shards merged with mergeCalibrationStats, progress aggregated
 *   (images/s, time left) and throttled. Cancel aborts the calls (the AbortSignal crosses to the
 *   workers); a worker that does not stop within a grace period is terminated and recreated later.
 * - One bench worker per provider configuration (WASM 1 thread, WASM N threads, WebGPU).
 * - The graph worker (a singleton) lays out the model's graph and writes the HTML report.
 * - A worker that crashes rejects its pending calls with a 'runtime' error instead of hanging.
 */
import * as Comlink from 'comlink';
import { installTransferHandlers } from '../workers/transfer';
import type {
  BenchWorkerApi,
  CalibrateWorkerApi,
  CalibrationProgress,
  CalibrationShard,
  CompareJob,
  DetectJob,
  DetectionSummary,
  CompareProgress,
  ComparisonSummary,
  FidelityJob,
  FidelitySummary,
  GraphWorkerApi,
  InputGeometry,
  LatencyJob,
  LatencyPairJob,
  LatencyProgress,
  LatencyResult,
  ModelWorkerApi,
  NamedBlob,
  PreprocessSpec,
  PreviewResult,
  ProviderAvailability,
  ProviderConfig,
  ProviderId,
  SkippedImage,
} from '../workers/contracts';
import type { GrowthJob, GrowthProgress, GrowthResult, LatencyAwareJob, LatencyAwareProgress, LatencyAwareSummary } from '../workers/contracts';
import { mergeCalibrationStats, type CalibrationStats, type CollectorOptions } from '../workers/core/calibration/collector';
import { ZeropointError } from '../workers/core/errors';
import { quote } from '../workers/core/intake/names';
import { runTimeoutError } from '../workers/core/runner';
import { splitShares } from './lib/shares';
import { cancellable, handle, race, type Handle } from './worker-handle';

installTransferHandlers();

/** Where onnxruntime-web's glue and binary are served (see vite.config.ts). */
export const WASM_PATHS = new URL(`${import.meta.env.BASE_URL}ort/`, location.href).href;

// -------------------------------------------------------------------------------------------------
// Model worker

let modelHandle: Handle<ModelWorkerApi> | null = null;

function modelWorkerHandle(): Handle<ModelWorkerApi> {
  if (!modelHandle || modelHandle.terminated()) {
    modelHandle = handle<ModelWorkerApi>(new Worker(new URL('../workers/model.worker.ts', import.meta.url), { type: 'module', name: 'model' }), 'model worker');
  }
  return modelHandle;
}

type Methods<Api> = { [K in keyof Api]: Api[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };

/**
 * The model worker's API; each call rejects (instead of hanging) if the worker dies. A dead worker is
 * replaced on the next call, with no model in it: the app then asks the user to open the model again.
 */
export const modelWorker: Methods<ModelWorkerApi> = new Proxy({} as Methods<ModelWorkerApi>, {
  get(_target, key: string | symbol) {
    // Not a thenable, and no symbol-keyed members (so `await modelWorker` or a devtools probe sends nothing).
    if (typeof key === 'symbol' || key === 'then') return undefined;
    return (...args: unknown[]) => {
      const h = modelWorkerHandle();
      const fn = (h.api as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[key];
      return race(h, fn(...args));
    };
  },
});

/** A singleton worker's API as a proxy: each call rejects (instead of hanging) if the worker dies; a dead one is replaced on the next call. */
function singleton<Api>(create: () => Handle<Api>): Methods<Api> {
  let h: Handle<Api> | null = null;
  return new Proxy({} as Methods<Api>, {
    get(_target, key: string | symbol) {
      if (typeof key === 'symbol' || key === 'then') return undefined;
      return (...args: unknown[]) => {
        if (!h || h.terminated()) h = create();
        const fn = (h.api as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[key];
        return race(h, fn(...args));
      };
    },
  });
}

/** The graph worker: layouts (dagre) and the HTML report; it holds no state between calls. */
export const graphWorker: Methods<GraphWorkerApi> = singleton(() =>
  handle<GraphWorkerApi>(new Worker(new URL('../workers/graph.worker.ts', import.meta.url), { type: 'module', name: 'graph' }), 'graph worker'),
);

/** True while a model worker exists that has not crashed (its model is still there). */
export function modelWorkerAlive(): boolean {
  return modelHandle !== null && !modelHandle.terminated();
}

// -------------------------------------------------------------------------------------------------
// Calibration pool

export interface PoolProgress {
  readonly done: number;
  readonly total: number;
  readonly skipped: number;
  readonly elapsedMs: number;
  /** Images per second so far (0 before the first image). */
  readonly imagesPerSecond: number;
  /** Estimated seconds left; null before the first image. */
  readonly secondsLeft: number | null;
  readonly workers: number;
}

export interface PoolJob {
  readonly modelName: string;
  readonly images: readonly NamedBlob[];
  readonly spec: PreprocessSpec;
  readonly geometry: InputGeometry;
  /** Pool size asked for (clamped to 1..images). */
  readonly workers: number;
  readonly collector?: CollectorOptions;
  readonly channelMeans?: boolean;
  /** Fresh prepared-model bytes for one worker (from the model worker, transferred). */
  readonly modelBytes: () => Promise<Uint8Array>;
  readonly onProgress: (p: PoolProgress) => void;
  readonly signal: AbortSignal;
  /** Minimum time between two progress reports (the last one always goes out). */
  readonly throttleMs?: number;
  /**
   * The most one image may take (decode, preprocess, run), in ms; past it that worker is terminated
   * and the run fails with 'timeout' naming the image. A WASM run blocks its worker, so the timer is
   * here, not in the worker. Undefined or 0: no budget.
   */
  readonly runBudgetMs?: number;
  /** How the user raises the budget, for the message. */
  readonly raiseBudget?: string;
}

export interface PoolResult {
  readonly stats: CalibrationStats;
  readonly shapes: Record<string, number[]>;
  readonly skippedTensors: string[];
  readonly images: number;
  readonly skippedImages: SkippedImage[];
  readonly workers: number;
  readonly elapsedMs: number;
}

/** Default pool size: the cores the browser reports but one (the page's), at least 1 and at most maxPoolSize(). */
export function defaultPoolSize(): number {
  return Math.max(1, Math.min(maxPoolSize(), reportedCores() - 1));
}

/** navigator.hardwareConcurrency (2 when the browser does not say). */
export function reportedCores(): number {
  return navigator.hardwareConcurrency || 2;
}

export function maxPoolSize(): number {
  return Math.max(1, Math.min(8, navigator.hardwareConcurrency || 2));
}

const calibrateHandles: Handle<CalibrateWorkerApi>[] = [];

async function calibrateWorker(i: number): Promise<Handle<CalibrateWorkerApi>> {
  let h = calibrateHandles[i];
  if (!h || h.terminated()) {
    h = handle<CalibrateWorkerApi>(new Worker(new URL('../workers/calibrate.worker.ts', import.meta.url), { type: 'module', name: `calibrate-${i}` }), 'calibration worker');
    calibrateHandles[i] = h;
    await race(h, h.api.init({ wasmPaths: WASM_PATHS }));
  }
  return h;
}

export async function runCalibrationPool(job: PoolJob): Promise<PoolResult> {
  const t0 = performance.now();
  if (job.images.length === 0) throw new ZeropointError('no-images', 'There are no calibration images. Add images in the Data step first.');
  const shares = splitShares(job.images, job.workers);
  const internal = new AbortController();
  const signal = AbortSignal.any([job.signal, internal.signal]);
  const progress = shares.map(() => ({ done: 0, skipped: 0 }));
  const throttle = job.throttleMs ?? 150;
  let lastEmit = -Infinity;
  const emit = (force: boolean) => {
    const now = performance.now();
    if (!force && now - lastEmit < throttle) return;
    lastEmit = now;
    const done = progress.reduce((s, p) => s + p.done, 0);
    const skipped = progress.reduce((s, p) => s + p.skipped, 0);
    const elapsedMs = now - t0;
    const rate = done > 0 ? done / (elapsedMs / 1000) : 0;
    job.onProgress({
      done,
      total: job.images.length,
      skipped,
      elapsedMs,
      imagesPerSecond: rate,
      secondsLeft: done > 0 ? (job.images.length - done) / rate : null,
      workers: shares.length,
    });
  };
  emit(true);
  const runShare = async (share: NamedBlob[], i: number): Promise<CalibrationShard> => {
    const h = await calibrateWorker(i);
    signal.throwIfAborted();
    const model = await job.modelBytes();
    // The per-image budget: armed when the worker announces an image, cleared when it reports it done.
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const budget = job.runBudgetMs && job.runBudgetMs > 0 && Number.isFinite(job.runBudgetMs) ? { ms: job.runBudgetMs, raise: job.raiseBudget } : null;
    const onProgress = Comlink.proxy((p: CalibrationProgress) => {
      progress[i] = { done: p.done, skipped: p.skipped };
      clearTimeout(watchdog);
      watchdog = undefined;
      if (p.running !== undefined && budget) {
        const image = p.running;
        watchdog = setTimeout(() => h.terminate(runTimeoutError(budget, `Calibrating on image ${quote(image)}`, image)), budget.ms);
      }
      emit(p.done === p.total && p.running === undefined);
    });
    const call = h.api.calibrate(
      Comlink.transfer({ model, modelName: job.modelName, images: share, spec: job.spec, geometry: job.geometry, collector: job.collector, channelMeans: job.channelMeans }, [model.buffer]),
      onProgress,
      signal,
    );
    return cancellable(h, signal, call).finally(() => clearTimeout(watchdog));
  };
  let shards: CalibrationShard[];
  try {
    shards = await Promise.all(
      shares.map((share, i) =>
        runShare(share, i).catch((e: unknown) => {
          internal.abort(e); // one failure stops the others
          throw e;
        }),
      ),
    );
  } catch (e) {
    if (job.signal.aborted) throw new ZeropointError('cancelled', 'Calibration was cancelled; nothing was kept. Start it again when ready.');
    throw e;
  }
  emit(true);
  let stats = shards[0].stats;
  for (let i = 1; i < shards.length; i++) stats = mergeCalibrationStats(stats, shards[i].stats);
  const shapes: Record<string, number[]> = {};
  for (const s of shards) Object.assign(shapes, s.shapes);
  const images = shards.reduce((n, s) => n + s.images, 0);
  const skippedImages = shards.flatMap((s) => s.skippedImages);
  if (images === 0) {
    throw new ZeropointError(
      'no-images',
      `None of the ${job.images.length} calibration image(s) could be used${skippedImages[0] ? ` (${skippedImages[0].reason.replace(/[.\s]+$/, '')})` : ''}. Add JPEG or PNG images.`,
    );
  }
  return {
    stats,
    shapes,
    skippedTensors: [...new Set(shards.flatMap((s) => s.skippedTensors))],
    images,
    skippedImages,
    workers: shards.length,
    elapsedMs: performance.now() - t0,
  };
}

// A separate calibrate worker for previews, so a preview never waits behind a calibration run.
let previewHandle: Handle<CalibrateWorkerApi> | null = null;

export async function previewImage(image: NamedBlob, spec: PreprocessSpec, geometry: InputGeometry): Promise<PreviewResult> {
  if (!previewHandle || previewHandle.terminated()) {
    previewHandle = handle<CalibrateWorkerApi>(new Worker(new URL('../workers/calibrate.worker.ts', import.meta.url), { type: 'module', name: 'preview' }), 'preview worker');
    await race(previewHandle, previewHandle.api.init({ wasmPaths: WASM_PATHS }));
  }
  return race(previewHandle, previewHandle.api.preview(image, spec, geometry));
}

// -------------------------------------------------------------------------------------------------
// Bench workers

export function providerConfigs(): ProviderConfig[] {
  const threads = Math.max(2, Math.min(8, navigator.hardwareConcurrency || 2));
  return [
    { id: 'wasm-1', provider: 'wasm', threads: 1, label: 'WASM, 1 thread' },
    { id: 'wasm-n', provider: 'wasm', threads, label: `WASM, ${threads} threads` },
    { id: 'webgpu', provider: 'webgpu', threads: 1, label: 'WebGPU' },
  ];
}

const benchHandles = new Map<ProviderId, { handle: Handle<BenchWorkerApi>; availability: Promise<ProviderAvailability> }>();

function benchWorker(config: ProviderConfig): { handle: Handle<BenchWorkerApi>; availability: Promise<ProviderAvailability> } {
  let entry = benchHandles.get(config.id);
  if (!entry || entry.handle.terminated()) {
    const h = handle<BenchWorkerApi>(new Worker(new URL('../workers/bench.worker.ts', import.meta.url), { type: 'module', name: `bench-${config.id}` }), `${config.label} bench worker`);
    entry = { handle: h, availability: race(h, h.api.init({ wasmPaths: WASM_PATHS, config })) };
    benchHandles.set(config.id, entry);
  }
  return entry;
}

export function providerAvailability(config: ProviderConfig): Promise<ProviderAvailability> {
  return benchWorker(config).availability;
}

export async function measureLatency(config: ProviderConfig, job: LatencyJob, onProgress: (p: LatencyProgress) => void, signal: AbortSignal): Promise<LatencyResult> {
  const { handle: h, availability } = benchWorker(config);
  await availability;
  return cancellable(h, signal, h.api.latency(Comlink.transfer(job, [job.model.buffer]), Comlink.proxy(onProgress), signal));
}

/** One or two models timed together, their runs alternating (the models' buffers are transferred). */
export async function measureLatencyPair(config: ProviderConfig, job: LatencyPairJob, onProgress: (p: LatencyProgress) => void, signal: AbortSignal): Promise<LatencyResult[]> {
  const { handle: h, availability } = benchWorker(config);
  await availability;
  return cancellable(h, signal, h.api.latencyPair(Comlink.transfer(job, job.models.map((m) => m.model.buffer as ArrayBuffer)), Comlink.proxy(onProgress), signal));
}

export async function compareOnProvider(config: ProviderConfig, job: CompareJob, onProgress: (p: CompareProgress) => void, signal: AbortSignal): Promise<ComparisonSummary> {
  const { handle: h, availability } = benchWorker(config);
  await availability;
  return cancellable(h, signal, h.api.compare(Comlink.transfer(job, [job.fp32.buffer, job.int8.buffer]), Comlink.proxy(onProgress), signal));
}

/** The latency-aware search on a bench worker: per-node profiles, the choice, the variants and their bytes. */
export async function latencyAwareOnProvider(config: ProviderConfig, job: LatencyAwareJob, onProgress: (p: LatencyAwareProgress) => void, signal: AbortSignal): Promise<LatencyAwareSummary> {
  const { handle: h, availability } = benchWorker(config);
  await availability;
  return cancellable(h, signal, h.api.latencyAware(Comlink.transfer(job, [job.prepared.buffer]), Comlink.proxy(onProgress), signal));
}

/** Detection scoring alone on a bench worker (the models' buffers are transferred). */
export async function detectOnProvider(config: ProviderConfig, job: DetectJob, onProgress: (p: CompareProgress) => void, signal: AbortSignal): Promise<DetectionSummary> {
  const { handle: h, availability } = benchWorker(config);
  await availability;
  // Comlink distributes its Remote type over the union: the promise is of one DetectionSummary.
  return cancellable(h, signal, h.api.detect(Comlink.transfer(job, [job.fp32.buffer, job.int8.buffer]), Comlink.proxy(onProgress), signal) as Promise<DetectionSummary>);
}

/** The fidelity gate after a build, on a bench worker (the models' buffers are transferred). */
export async function checkFidelityOnProvider(config: ProviderConfig, job: FidelityJob, onProgress: (p: CompareProgress) => void, signal: AbortSignal): Promise<FidelitySummary> {
  const { handle: h, availability } = benchWorker(config);
  await availability;
  return cancellable(h, signal, h.api.fidelity(Comlink.transfer(job, [job.fp32.buffer, job.int8.buffer]), Comlink.proxy(onProgress), signal));
}

// -------------------------------------------------------------------------------------------------
// Learn mode (lesson 5): a calibrate worker of its own, so calibrating one tensor image by image never
// waits behind (or slows down) the workbench's pool.

let learnHandle: Handle<CalibrateWorkerApi> | null = null;

export async function calibrateGrowth(job: GrowthJob, onProgress: (p: GrowthProgress) => void, signal: AbortSignal): Promise<GrowthResult> {
  if (!learnHandle || learnHandle.terminated()) {
    learnHandle = handle<CalibrateWorkerApi>(new Worker(new URL('../workers/calibrate.worker.ts', import.meta.url), { type: 'module', name: 'learn' }), 'Learn mode worker');
    await race(learnHandle, learnHandle.api.init({ wasmPaths: WASM_PATHS }));
  }
  const h = learnHandle;
  return cancellable(h, signal, h.api.growth(Comlink.transfer(job, [job.model.buffer]), Comlink.proxy(onProgress), signal));
}
