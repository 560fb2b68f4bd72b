/**
 * A bench worker: one provider configuration for its whole life ('wasm' with 1 thread, 'wasm' with N
 * threads, or 'webgpu'; onnxruntime-web fixes the thread count at its first session). It measures
 * latency (warm-up, then timed runs on one preprocessed input) and compares an FP32 and an INT8 model
 * (engine compareModels: output error, top-1/top-5 agreement, accuracy with labels, per-layer error
 * through the tensor mapping). On WebGPU it also reports the nodes onnxruntime left on the CPU, read
 * from its placement log.
 */
import * as Comlink from 'comlink';
import './transfer';
import type {
  ActivationPair,
  BenchInit,
  BenchWorkerApi,
  CompareJob,
  CompareProgress,
  ComparisonSummary,
  DetectJob,
  DetectionJob,
  DetectionSummary,
  FidelityJob,
  FidelitySummary,
  HistogramView,
  LatencyAwareJob,
  LatencyAwareProgress,
  LatencyAwareSummary,
  LatencyJob,
  LatencyPairJob,
  LatencyProgress,
  LatencyResult,
  OnProgress,
  PlacementReport,
  ProviderAvailability,
} from './contracts';
import { checkFidelity } from './core/analysis/fidelity';
import type { CalibrationSource } from './core/calibration/calibrate';
import { ZeropointError } from './core/errors';
import { adaptFeeds, compareModels, mappingFromModel, type ReferenceOutputs } from './core/metrics/compare';
import { median, quantile } from './core/metrics/latency';
import { formatOfModel } from './core/export/formats';
import { decodeModel } from './core/onnx/decode';
import { encodeModel } from './core/onnx/encode';
import { widenFloat16 } from './core/onnx/fp16';
import type { Model } from './core/onnx/types';
import type { Runner, RunnerTensor } from './core/runner';
import { addValues, createHistogram, type Histogram } from './core/calibration/histogram';
import { histogramView, sharedHistogramViews } from './histogram-view';
import { decodableImages, imageFeeds, imageFeedsSized } from './image-source';
import { compareDetectors, detectionPair, type DetectionComparison } from './core/analysis/detection/evaluate';
import { isZeropointError } from './core/errors';
import type { InputGeometry, PreprocessSpec } from './core/preprocess/spec';
import type { NamedBlob } from './model-files';
import { problemOf } from './transfer';
import { createWebRunner } from './ort';
import { runLatencyAware } from './latency-aware-web';
import { CPU_PROVIDER, parsePlacementLog } from './placement-log';

let init: BenchInit | null = null;
let availability: ProviderAvailability | null = null;

function requireInit(): BenchInit {
  if (!init) throw new ZeropointError('runtime', 'The bench worker was not initialised; reload the page.');
  return init;
}

async function checkAvailability(config: BenchInit['config']): Promise<ProviderAvailability> {
  const id = config.id;
  if (typeof WebAssembly !== 'object') return { id, available: false, reason: 'This browser has no WebAssembly; use a current Chrome, Edge, Firefox or Safari.' };
  if (config.provider === 'wasm') {
    if (config.threads <= 1) return { id, available: true, detail: '1 thread' };
    if (!self.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') {
      return {
        id,
        available: false,
        reason: 'WebAssembly threads need a cross-origin isolated page (COOP/COEP headers), and this one is not. Serve the app with `npm start` or `npm run dev`, which send them.',
      };
    }
    return { id, available: true, detail: `${config.threads} threads` };
  }
  const gpu = (navigator as WorkerNavigator & { gpu?: GPU }).gpu;
  if (!gpu) {
    return { id, available: false, reason: 'This browser exposes no WebGPU (navigator.gpu is missing). Use a recent Chrome or Edge, or enable WebGPU in the browser flags.' };
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return { id, available: false, reason: `WebGPU refused an adapter (${e instanceof Error ? e.message : String(e)}). Update the graphics driver or try another browser.` };
  }
  if (!adapter) {
    return { id, available: false, reason: 'WebGPU found no usable GPU adapter (the GPU may be blocklisted or disabled). Update the graphics driver or try another browser.' };
  }
  const info = adapter.info;
  const words = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
  const software = /swiftshader/i.test(words) || info.isFallbackAdapter;
  const shaderF16 = adapter.features.has('shader-f16');
  return {
    id,
    available: true,
    shaderF16,
    detail: `${words || 'GPU adapter'}${software ? ' (software rendering: timings are not representative of a real GPU)' : ''}${shaderF16 ? '' : '; no shader-f16: float16 models run widened to float32 here'}`,
  };
}

function runnerFor(config: BenchInit, source: string, logSeverityLevel?: 0): Runner {
  return createWebRunner({ provider: config.config.provider, threads: config.config.threads, wasmPaths: config.wasmPaths, source, logSeverityLevel });
}

/**
 * onnxruntime-web's WebGPU provider needs 'shader-f16' for any float16 tensor ("Program X requires f16
 * but the device does not support it" at session creation). On such an adapter (SwiftShader, many
 * GPUs) a float16 model runs widened exactly to float32 (same weights, float32 arithmetic), and the
 * result says so: it checks the graph and its float16 weights on WebGPU, not float16 arithmetic.
 */
function runnable(model: Model, bytes: Uint8Array): { model: Model; bytes: Uint8Array; widened: boolean } {
  if (init?.config.provider !== 'webgpu' || availability?.shaderF16 !== false) return { model, bytes, widened: false };
  const w = widenFloat16(model);
  return w.changed ? { model: w.model, bytes: encodeModel(w.model), widened: true } : { model, bytes, widened: false };
}

function requireAvailable(): BenchInit {
  const config = requireInit();
  if (availability && !availability.available) {
    throw new ZeropointError('runtime', `${config.config.label} is not available here: ${availability.reason ?? 'unknown reason'}`, { subject: config.config.id });
  }
  return config;
}

/**
 * Captures what onnxruntime logs (console.error in a worker) while `body` runs. The console is hooked
 * ONCE, at module load, before onnxruntime starts: its WASM module binds console.error when it is
 * instantiated, so a hook installed later (and removed after each call) would miss every session but
 * the first. While a capture is on, the verbose and info lines are kept out of the real console
 * (there are hundreds, WGSL shaders included); everything else passes through.
 */
let sink: string[] | null = null;
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[method];
  console[method] = (...args: unknown[]) => {
    if (sink) {
      const text = args.map(String).join(' ');
      sink.push(text);
      // Placement log lines, and a profile's events (one per line, thousands): kept out of the real console.
      if (/\[[VI]:onnxruntime/.test(text) || /^\s/.test(text) || /^(\{"cat"|\[$|\]$|$)/.test(text)) return;
    }
    original.apply(console, args);
  };
}

async function captureConsole<T>(body: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const previous = sink;
  sink = lines;
  try {
    return { value: await body(), lines };
  } finally {
    sink = previous;
  }
}

function placementFrom(lines: readonly string[]): PlacementReport {
  const parsed = parsePlacementLog(lines);
  if (!parsed) return { captured: false, cpuNodes: [], gpuNodes: 0 };
  const cpuNodes = parsed.filter((p) => p.provider === CPU_PROVIDER).flatMap((p) => p.nodes.map((n) => ({ name: n.name, opType: n.opType })));
  const gpuNodes = parsed.filter((p) => p.provider !== CPU_PROVIDER).reduce((sum, p) => sum + p.count, 0);
  return { captured: true, cpuNodes, gpuNodes };
}

/** How a person changes the detection settings in the workbench, for messages. */
const WORKBENCH_HOW = {
  classMap: "the Class map field in Compare's Detection panel (a COCO name or index per model class, such as person)",
  decoder: "the Decoder menu in Compare's Detection panel",
};

/**
 * Detection scoring riding along compareModels' runs (core/analysis/detection detectionPair). A problem
 * (no decoder recognises the outputs, a class map is needed) stops the scoring, not the comparison:
 * the summary carries it for the Detection panel.
 */
function detectionScoring(job: DetectionJob, images: readonly NamedBlob[], labels: ReadonlyArray<DetectionJob['labels'][number]>, spec: PreprocessSpec, geometry: InputGeometry, model: string) {
  let labelClasses = 0;
  for (const list of labels) for (const l of list ?? []) labelClasses = Math.max(labelClasses, l.classId + 1);
  const pair = detectionPair(
    { count: images.length, label: (i) => images[i].name, image: (i) => imageFeedsSized(images[i], spec, geometry) },
    (i) => labels[i] ?? [],
    { spec, geometry, labelClasses, source: model, how: WORKBENCH_HOW },
    { decoder: job.decoder ?? undefined, classMap: job.classMap ?? undefined },
  );
  let problem: DetectionSummary | null = null;
  let scored = 0;
  return {
    source: pair.source,
    onOutputs: (i: number, a: Parameters<typeof pair.onOutputs>[1], b: Parameters<typeof pair.onOutputs>[2]) => {
      if (problem) return;
      try {
        pair.onOutputs(i, a, b);
        scored++;
      } catch (e) {
        problem = { ok: false, problem: problemOf(e) };
      }
    },
    summary(): DetectionSummary {
      if (problem) return problem;
      if (scored === 0) return { ok: false, problem: { code: 'no-images', message: 'No image was scored for detection.' } };
      return detectionSummary(pair.result(), job, labels);
    },
  };
}

function detectionSummary(r: DetectionComparison, job: DetectionJob, labels: ReadonlyArray<DetectionJob['labels'][number]>): DetectionSummary {
  const side = ({ stats: _stats, decoder: _decoder, ...rest }: DetectionComparison['fp32']) => rest;
  return { ok: true, decoder: r.fp32.decoder, classMap: job.classMap, fp32: side(r.fp32), int8: side(r.int8), drop: r.drop, unlabelled: labels.filter((l) => l === null).length };
}

/**
 * FP32 outputs kept from the last comparison, per image, under the job's referenceKey (one key at a
 * time: another model or preprocessing empties it). Bounded: past the budget, further images are
 * simply run again next time.
 */
const REFERENCE_BUDGET_BYTES = 512 * 1024 * 1024;
let reference: { key: string; bytes: number; entries: Map<string, Readonly<Record<string, RunnerTensor>>> } | null = null;

function referenceFor(key: string | undefined, imageKey: (i: number) => string): { store: ReferenceOutputs | undefined; reused: () => number } {
  if (!key) return { store: undefined, reused: () => 0 };
  if (reference?.key !== key) reference = { key, bytes: 0, entries: new Map() };
  const kept = reference;
  let reused = 0;
  return {
    reused: () => reused,
    store: {
      get(i) {
        const hit = kept.entries.get(imageKey(i));
        if (hit) reused++;
        return hit;
      },
      put(i, outputs) {
        const bytes = Object.values(outputs).reduce((n, t) => n + t.data.byteLength, 0);
        const k = imageKey(i);
        const old = kept.entries.get(k);
        const oldBytes = old ? Object.values(old).reduce((n, t) => n + t.data.byteLength, 0) : 0;
        if (kept.bytes - oldBytes + bytes > REFERENCE_BUDGET_BYTES) return;
        kept.entries.set(k, outputs);
        kept.bytes += bytes - oldBytes;
      },
    },
  };
}

/** One model ready to time: its session open, its input fed. */
async function timedSession(config: BenchInit, bytesIn: Uint8Array, modelName: string, job: Pick<LatencyPairJob, 'image' | 'spec' | 'geometry'>) {
  const given = decodeModel(bytesIn, { source: modelName });
  const { model, bytes, widened } = runnable(given, bytesIn);
  const feeds = adaptFeeds(model, await imageFeeds(job.image, job.spec, job.geometry));
  const webgpu = config.config.provider === 'webgpu';
  const runner = runnerFor(config, modelName, webgpu ? 0 : undefined);
  const t0 = performance.now();
  const { value: session, lines } = webgpu
    ? await captureConsole(() => runner.createSession(bytes, { optimization: 'all' }))
    : { value: await runner.createSession(bytes, { optimization: 'all' }), lines: [] as string[] };
  return { session, feeds, runner, widened, webgpu, lines, sessionMs: performance.now() - t0, modelName };
}

function latencyResult(config: BenchInit, t: Awaited<ReturnType<typeof timedSession>>, samples: readonly number[]): LatencyResult {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    modelName: t.modelName,
    provider: config.config.id,
    runner: t.runner.name,
    sessionMs: t.sessionMs,
    samplesMs: samples,
    medianMs: median(sorted),
    p90Ms: quantile(sorted, 0.9),
    meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
    minMs: sorted[0],
    maxMs: sorted[sorted.length - 1],
    placement: t.webgpu ? placementFrom(t.lines) : null,
    ...(t.widened ? { widened: true } : {}),
  };
}

/** Problems of the scoring itself (no decoder, a class map needed) are the panel's; others (a runtime failure, cancel) throw. */
const DETECTION_CODES = new Set(['not-detector', 'bad-option', 'bad-labels']);

const api = {
  async init(value: BenchInit): Promise<ProviderAvailability> {
    init = value;
    availability = await checkAvailability(value.config);
    return availability;
  },

  async latencyAware(job: LatencyAwareJob, onProgress: OnProgress<LatencyAwareProgress>, signal: AbortSignal): Promise<LatencyAwareSummary> {
    const config = requireAvailable();
    const software = /software rendering/.test(availability?.detail ?? '');
    return runLatencyAware({ config: config.config, wasmPaths: config.wasmPaths, software, captureConsole }, job, onProgress, signal);
  },

  async latency(job: LatencyJob, onProgress: OnProgress<LatencyProgress>, signal: AbortSignal): Promise<LatencyResult> {
    const config = requireAvailable();
    if (!(Number.isInteger(job.runs) && job.runs >= 1) || !(Number.isInteger(job.warmup) && job.warmup >= 0)) {
      throw new ZeropointError('bad-option', `Latency needs at least 1 timed run and 0 or more warm-up runs, not ${job.runs} and ${job.warmup}.`);
    }
    signal.throwIfAborted();
    const given = decodeModel(job.model, { source: job.modelName });
    const { model, bytes, widened } = runnable(given, job.model);
    const feeds = adaptFeeds(model, await imageFeeds(job.image, job.spec, job.geometry));
    const webgpu = config.config.provider === 'webgpu';
    const runner = runnerFor(config, job.modelName, webgpu ? 0 : undefined);
    void onProgress({ phase: 'session', done: 0, total: 1 });
    const t0 = performance.now();
    const { value: session, lines } = webgpu
      ? await captureConsole(() => runner.createSession(bytes, { optimization: 'all' }))
      : { value: await runner.createSession(bytes, { optimization: 'all' }), lines: [] as string[] };
    const sessionMs = performance.now() - t0;
    const samples: number[] = [];
    try {
      for (let i = 0; i < job.warmup; i++) {
        signal.throwIfAborted();
        await session.run(feeds, { signal });
        void onProgress({ phase: 'warmup', done: i + 1, total: job.warmup });
      }
      for (let i = 0; i < job.runs; i++) {
        signal.throwIfAborted();
        const start = performance.now();
        await session.run(feeds, { signal });
        samples.push(performance.now() - start);
        void onProgress({ phase: 'timed', done: i + 1, total: job.runs });
      }
    } finally {
      await session.release();
    }
    const sorted = [...samples].sort((a, b) => a - b);
    return {
      modelName: job.modelName,
      provider: config.config.id,
      runner: runner.name,
      sessionMs,
      samplesMs: samples,
      medianMs: median(sorted),
      p90Ms: quantile(sorted, 0.9),
      meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
      minMs: sorted[0],
      maxMs: sorted[sorted.length - 1],
      placement: webgpu ? placementFrom(lines) : null,
      ...(widened ? { widened } : {}),
    };
  },

  async latencyPair(job: LatencyPairJob, onProgress: OnProgress<LatencyProgress>, signal: AbortSignal): Promise<LatencyResult[]> {
    const config = requireAvailable();
    if (!(Number.isInteger(job.runs) && job.runs >= 1) || !(Number.isInteger(job.warmup) && job.warmup >= 0) || job.models.length < 1 || job.models.length > 2) {
      throw new ZeropointError('bad-option', `Latency needs one or two models, at least 1 timed run and 0 or more warm-up runs, not ${job.models.length}, ${job.runs} and ${job.warmup}.`);
    }
    signal.throwIfAborted();
    void onProgress({ phase: 'session', done: 0, total: job.models.length });
    const timed: Awaited<ReturnType<typeof timedSession>>[] = [];
    try {
      for (const m of job.models) {
        timed.push(await timedSession(config, m.model, m.modelName, job));
        void onProgress({ phase: 'session', done: timed.length, total: job.models.length });
      }
      const samples: number[][] = timed.map(() => []);
      // A B, B A, A B, ...: neither model always runs first after the other.
      const round = async (i: number, record: boolean) => {
        const order = i % 2 === 0 ? timed.map((_, k) => k) : timed.map((_, k) => timed.length - 1 - k);
        for (const k of order) {
          signal.throwIfAborted();
          const start = performance.now();
          await timed[k].session.run(timed[k].feeds, { signal });
          if (record) samples[k].push(performance.now() - start);
        }
      };
      for (let i = 0; i < job.warmup; i++) {
        await round(i, false);
        void onProgress({ phase: 'warmup', done: i + 1, total: job.warmup });
      }
      for (let i = 0; i < job.runs; i++) {
        await round(i, true);
        void onProgress({ phase: 'timed', done: i + 1, total: job.runs });
      }
      return timed.map((t, k) => latencyResult(config, t, samples[k]));
    } finally {
      for (const t of timed) await t.session.release();
    }
  },

  async compare(job: CompareJob, onProgress: OnProgress<CompareProgress>, signal: AbortSignal): Promise<ComparisonSummary> {
    const config = requireAvailable();
    const t0 = performance.now();
    const fp32 = decodeModel(job.fp32, { source: job.fp32Name });
    const given = decodeModel(job.int8, { source: job.int8Name });
    const mapping = job.mapping ?? mappingFromModel(given) ?? null;
    const { model: int8, widened } = runnable(given, job.int8);
    const { ok, skipped } = await decodableImages(job.images, signal);
    if (ok.length === 0) {
      throw new ZeropointError('no-images', `None of the ${job.images.length} comparison image(s) could be decoded${skipped[0] ? ` (${skipped[0].reason.replace(/[.\s]+$/, '')})` : ''}. Add JPEG or PNG images.`);
    }
    const detection = job.detection ? detectionScoring(job.detection, ok.map((k) => job.images[k]), ok.map((k) => job.detection!.labels[k]), job.spec, job.geometry, job.fp32Name) : null;
    const source: CalibrationSource = detection?.source ?? {
      count: ok.length,
      label: (i) => job.images[ok[i]].name,
      feeds: (i) => imageFeeds(job.images[ok[i]], job.spec, job.geometry),
    };
    const labels = job.labels;
    // Histograms of both activations per layer, streaming: every image's values go into the same
    // mergeable histograms (constant memory), reduced to shared bins at the end.
    const bins = job.histogramBins ?? 512;
    const activations = new Map<string, { fp32: Histogram; int8: Histogram }>();
    const onLayerValues = (name: string, a: Float32Array, b: Float32Array) => {
      let pair = activations.get(name);
      if (!pair) activations.set(name, (pair = { fp32: createHistogram({ bins }), int8: createHistogram({ bins }) }));
      addValues(pair.fp32, a);
      addValues(pair.int8, b);
    };
    const kept = referenceFor(job.referenceKey, (i) => `${job.images[ok[i]].name}\u0000${job.images[ok[i]].blob.size}`);
    const result = await compareModels(fp32, int8, runnerFor(config, `${job.fp32Name} / ${job.int8Name}`), source, {
      mapping: mapping ?? undefined,
      reference: kept.store,
      labels: labels ? (i) => labels[ok[i]] ?? undefined : undefined,
      signal,
      histogramBins: bins,
      onProgress: (p) => void onProgress({ done: p.done, total: p.total, reused: kept.reused() }),
      onLayerValues: mapping ? onLayerValues : undefined,
      testOptimization: formatOfModel(given) === 'int8-weights' ? 'extended' : 'all',
      onOutputs: detection?.onOutputs,
    });
    const scored = detection?.summary() ?? null;
    const views = (record: Record<string, { histogram?: Parameters<typeof histogramView>[0] }>): Record<string, HistogramView> => {
      const out: Record<string, HistogramView> = {};
      for (const [name, stats] of Object.entries(record)) if (stats.histogram) out[name] = histogramView(stats.histogram, 128);
      return out;
    };
    return {
      provider: config.config.id,
      images: result.images,
      skippedImages: skipped,
      outputs: result.outputs,
      // A detector's outputs are not class scores: no top-1 agreement beside its AP.
      agreement: scored?.ok ? null : result.agreement,
      detection: scored,
      perLayer: mapping !== null,
      layers: result.layers,
      errorHistograms: { outputs: views(result.raw.outputs), layers: views(result.raw.layers) },
      activationHistograms: Object.fromEntries(
        result.layers.flatMap((l): Array<[string, ActivationPair]> => {
          const pair = activations.get(l.fp32);
          if (!pair) return [];
          const [fp32View, int8View] = sharedHistogramViews([pair.fp32, pair.int8], 96);
          return [[l.fp32, { fp32: fp32View, int8: int8View }]];
        }),
      ),
      elapsedMs: performance.now() - t0,
      reusedFp32: kept.reused(),
      ...(widened ? { widened } : {}),
    };
  },

  /** Detection scoring alone, when the person changes the decoder or the class map (engine compareDetectors). */
  async detect(job: DetectJob, onProgress: OnProgress<CompareProgress>, signal: AbortSignal): Promise<DetectionSummary> {
    const config = requireAvailable();
    const fp32 = decodeModel(job.fp32, { source: job.fp32Name });
    const int8 = decodeModel(job.int8, { source: job.int8Name });
    const { ok } = await decodableImages(job.images, signal);
    if (ok.length === 0) throw new ZeropointError('no-images', `None of the ${job.images.length} image(s) could be decoded. Add JPEG or PNG images.`);
    const images = ok.map((k) => job.images[k]);
    const labels = ok.map((k) => job.detection.labels[k]);
    let labelClasses = 0;
    for (const list of labels) for (const l of list ?? []) labelClasses = Math.max(labelClasses, l.classId + 1);
    try {
      const r = await compareDetectors(
        fp32,
        int8,
        runnerFor(config, `${job.fp32Name} / ${job.int8Name}`),
        { count: images.length, label: (i) => images[i].name, image: (i) => imageFeedsSized(images[i], job.spec, job.geometry) },
        (i) => labels[i] ?? [],
        { spec: job.spec, geometry: job.geometry, labelClasses, source: job.fp32Name, how: WORKBENCH_HOW },
        { decoder: job.detection.decoder ?? undefined, classMap: job.detection.classMap ?? undefined, signal, onProgress: (p) => void onProgress({ done: p.done, total: p.total }) },
      );
      return detectionSummary(r, job.detection, labels);
    } catch (e) {
      if (isZeropointError(e) && DETECTION_CODES.has(e.code)) return { ok: false, problem: problemOf(e) };
      throw e;
    }
  },

  /** The fidelity gate after a build (workers/core/analysis/fidelity.ts): whole outputs and their slices. */
  async fidelity(job: FidelityJob, onProgress: OnProgress<CompareProgress>, signal: AbortSignal): Promise<FidelitySummary> {
    const config = requireAvailable();
    const fp32 = decodeModel(job.fp32, { source: job.fp32Name });
    const int8 = runnable(decodeModel(job.int8, { source: job.int8Name }), job.int8).model;
    const { ok, skipped } = await decodableImages(job.images, signal);
    if (ok.length === 0) throw new ZeropointError('no-images', `None of the ${job.images.length} image(s) for the fidelity check could be decoded. Add JPEG or PNG images.`);
    const source: CalibrationSource = { count: ok.length, label: (i) => job.images[ok[i]].name, feeds: (i) => imageFeeds(job.images[ok[i]], job.spec, job.geometry) };
    const result = await checkFidelity(fp32, int8, runnerFor(config, `${job.fp32Name} / ${job.int8Name}`), source, {
      threshold: job.threshold,
      images: ok.length,
      signal,
      onProgress: (p) => void onProgress({ done: p.done, total: p.total }),
    });
    return { ...result, provider: config.config.id, imageNames: ok.map((i) => job.images[i].name), skippedImages: skipped };
  },
} satisfies BenchWorkerApi;

Comlink.expose(api);
