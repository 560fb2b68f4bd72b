/**
 * npm run bench: codec, calibration and INT8-vs-FP32 latency figures for the shared models.
 *
 * Every figure that matters is a RATIO measured within one run on one machine (calibration / plain
 * inference, INT8 / FP32 latency, INT8 / FP32 size), never an absolute assertion: absolute times on a
 * shared 2-core box move with the load of other processes.
 *
 * Per model:
 *  1. decode / encode of the .onnx (median of BENCH_CODEC_RUNS after one warm-up);
 *  2. prepareModel, then N images (BENCH_IMAGES, 20) decoded and preprocessed ONCE into tensors
 *     (that cost is reported on its own), so the calibration side and the plain side both measure
 *     inference + statistics only;
 *  3. N plain FP32 inferences vs calibrate() with MinMax statistics (histograms: false: ReduceMin/Max
 *     inside the graph) and with histograms (what percentile/entropy/mse need: tensors exposed as
 *     outputs and binned in JS), plus that exposed inference alone; same runner (onnxruntime-node),
 *     same session options ('all', BENCH_CALIB_THREADS threads), calibrate() given the CLI's plan.
 *     Each is repeated BENCH_REPEATS (2) times in rotation and the fastest kept. Ratio = loop time over
 *     images 2..N / plain loop time (session creation and the first run are in the 'incl. session' ratio);
 *  4. quantizeModel (MinMax, the CLI's defaults: u8 activations, per-channel weights) plus the time to
 *     compute ranges and rewrite for each histogram method;
 *  5. FP32 vs INT8 latency, interleaved on one input: onnxruntime-web WASM (the app's runner, 1 thread;
 *     the plain Node WASM build at 1 and 2 threads) in child processes, and onnxruntime-node CPU
 *     (1 thread) for reference;
 *  6. which nodes onnxruntime fused: the INT8 model's optimized graph from onnxruntime-node
 *     (optimizedModelFilePath, level 'all'), QLinearConv vs float Conv + DequantizeLinear.
 *
 * Progress goes to stderr, the tables to stdout and to bench/results.md.
 * Env: BENCH_IMAGES (20), BENCH_REPEATS (2), BENCH_RUNS (max timed runs per side, 15),
 * BENCH_BUDGET_MS (timed budget per model and runtime, 20000), BENCH_CODEC_RUNS (5),
 * BENCH_CALIB_THREADS (1), BENCH_PLAN (0 = calibrate every registry tensor instead of the CLI's plan),
 * BENCH_MODELS (comma-separated ids to run a subset), BENCH_SKIP_WASM=1.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { augmentModel, calibrationCandidates } from '../workers/core/calibration/augment';
import { calibrate, type CalibrationResult, type CalibrationSource } from '../workers/core/calibration/calibrate';
import type { RangeMethod } from '../workers/core/calibration/ranges';
import { decodeModel } from '../workers/core/onnx/decode';
import { encodeModel } from '../workers/core/onnx/encode';
import { attrInt } from '../workers/core/onnx/attributes';
import type { Model } from '../workers/core/onnx/types';
import { indexGraph } from '../workers/core/graph/graph';
import { resolveSpec, type PartialSpec, type PresetName } from '../workers/core/preprocess/spec';
import { imageToTensor } from '../workers/core/preprocess/image';
import { DEFAULT_QUANTIZE_OPTIONS, prepareModel, quantizeModel } from '../workers/core/quant/quantize';
import type { Feeds, RunnerSession } from '../workers/core/runner';
import { decodeImageFile, listImages } from '../cli/images';
import { readMnist } from '../cli/mnist';
import { imageInput } from '../cli/pipeline';
import { createNodeRunner } from '../cli/runner-node';
import { clock, median, quantile, timeAB, type ABOptions } from './timing';
import type { WebLatencyConfig, WebLatencyResult } from './web-latency';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ASSETS = join(ROOT, '../shared/assets');
const MODELS = join(ASSETS, 'models');
const IMAGES = join(ASSETS, 'images');

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}='${v}' must be a positive whole number.`);
  return n;
}

const N = envInt('BENCH_IMAGES', 20);
const REPEATS = envInt('BENCH_REPEATS', 2);
const CODEC_RUNS = envInt('BENCH_CODEC_RUNS', 5);
/** onnxruntime-node intra-op threads for plain inference and calibration: one, like each worker of the app's calibration pool. */
const CALIB_THREADS = envInt('BENCH_CALIB_THREADS', 1);
/**
 * calibrate()'s `plan` (observe only the tensors the quantize options use), as the CLI passes it;
 * BENCH_PLAN=0 observes every registry tensor instead.
 */
const PLAN = process.env.BENCH_PLAN === '0' ? undefined : DEFAULT_QUANTIZE_OPTIONS;
const TIMING: ABOptions = { warmup: 2, minRuns: 3, maxRuns: envInt('BENCH_RUNS', 15), budgetMs: envInt('BENCH_BUDGET_MS', 20000) };

interface ModelCase {
  readonly id: string;
  readonly file: string;
  readonly preprocess: PresetName | PartialSpec;
  readonly preprocessLabel: string;
  readonly images: { kind: 'folder'; dir: string } | { kind: 'mnist'; dir: string };
  /** Conv models are held to the INT8/FP32 <= 0.6 WASM target. */
  readonly conv: boolean;
  /** Timing overrides for a heavy model. */
  readonly timing?: Partial<ABOptions>;
}

const CASES: readonly ModelCase[] = [
  { id: 'squeezenet1.1-fp32', file: 'squeezenet1.1-fp32.onnx', preprocess: 'caffe', preprocessLabel: 'caffe', images: { kind: 'folder', dir: 'imagenet-calib' }, conv: true },
  { id: 'squeezenet1.1-fp16', file: 'squeezenet1.1-fp16.onnx', preprocess: 'caffe', preprocessLabel: 'caffe', images: { kind: 'folder', dir: 'imagenet-calib' }, conv: true },
  { id: 'mnist', file: 'mnist.onnx', preprocess: 'raw', preprocessLabel: 'raw', images: { kind: 'mnist', dir: 'mnist' }, conv: true },
  { id: 'fastestdet', file: 'fastestdet.onnx', preprocess: 'unit', preprocessLabel: 'unit', images: { kind: 'folder', dir: 'coco-train' }, conv: true },
  { id: 'yolo-fastestv2', file: 'yolo-fastestv2.onnx', preprocess: 'unit', preprocessLabel: 'unit', images: { kind: 'folder', dir: 'coco-train' }, conv: true },
  {
    id: 'ultraface-rfb-320',
    file: 'ultraface-rfb-320.onnx',
    preprocess: { color: 'rgb', scale: 1 / 128, mean: [127 / 128, 127 / 128, 127 / 128], std: [1, 1, 1], resize: 'stretch' },
    preprocessLabel: 'custom (x-127)/128',
    images: { kind: 'folder', dir: 'coco-train' },
    conv: true,
  },
  {
    id: 'yolov8n-fp32-topology',
    file: 'yolov8n-fp32-topology.onnx',
    preprocess: 'yolo',
    preprocessLabel: 'yolo',
    images: { kind: 'folder', dir: 'coco-train' },
    conv: true,
    // Seconds per WASM run: one warm-up, at least 3 and at most 5 timed runs per side.
    timing: { warmup: 1, minRuns: 3, maxRuns: 5 },
  },
];

const HIST_METHODS: readonly RangeMethod[] = ['percentile', 'entropy', 'mse'];

// ---------------------------------------------------------------------------------------------

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function errText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 240);
}

interface Latency {
  fp32: number[];
  int8: number[];
  error?: string;
  settleS?: number;
}

interface Fusion {
  /** op type (domain-qualified when not ai.onnx) -> count, in the optimized INT8 graph. */
  ops: Record<string, number>;
  /** Conv nodes of the FP32 model. */
  fp32Convs: number;
  /** Names of float Conv-like nodes left in the optimized INT8 graph. */
  floatConvNames: string[];
  /** Conv nodes the quantizer kept in FP32 (plan decisions). */
  keptConvs: string[];
}

interface Row {
  id: string;
  file: string;
  preprocess: string;
  fileBytes: number;
  nodes?: number;
  decodeMs?: number;
  encodeMs?: number;
  roundTripBytes?: number;
  prepNotes: string[];
  images?: number;
  imageDecodeMs?: number;
  tensorMs?: number;
  plain?: { createMs: number; loopMs: number };
  /** The augmented model's inference alone (every candidate tensor an output, no statistics). */
  exposed?: { createMs: number; loopMs: number; mbPerImage: number; outputs: number };
  minmax?: { createMs: number; loopMs: number; tensors: number };
  hist?: { createMs: number; loopMs: number; tensors: number };
  /** MinMax plus per-channel means of every Conv/Gemm input (bias correction; the workbench always collects them). */
  means?: { createMs: number; loopMs: number; tensors: number };
  quantizeMs?: Partial<Record<RangeMethod, number>>;
  quantizeErrors?: Partial<Record<RangeMethod, string>>;
  fp32Bytes?: number;
  int8Bytes?: number;
  quantizedNodes?: string;
  latency: Record<string, Latency>;
  fusion?: Fusion;
  /** FP32 Conv node name -> 'dw' (depthwise), 'grp' (grouped), '1x1' or 'kxk': to split profile time. */
  convKinds?: Record<string, string>;
  /** onnxruntime-web WASM profile (node build, 1 thread): kernel ms per run by op type. */
  profile?: { fp32?: Record<string, number>; int8?: Record<string, number> };
  error?: string;
  conv: boolean;
  timing?: Partial<ABOptions>;
  /** Written for the WASM children. */
  paths?: { fp32: string; int8: string; input: string; inputName: string; dims: number[] };
}

// ---------------------------------------------------------------------------------------------
// Preprocessing, once per model

interface Prepared {
  feeds: Feeds[];
  decodeMs: number;
  tensorMs: number;
}

function convKinds(model: Model): Record<string, string> {
  const index = indexGraph(model.graph!);
  const kinds: Record<string, string> = {};
  for (const n of model.graph!.node) {
    if (n.opType !== 'Conv' || !n.name) continue;
    const group = attrInt(n, 'group', 1);
    const w = index.initializers.get(n.input[1])?.dims?.map(Number);
    const cout = w?.[0];
    const spatial = w ? w.slice(2).reduce((a, b) => a * b, 1) : undefined;
    kinds[n.name] = group > 1 && group === cout ? 'dw' : group > 1 ? 'grp' : spatial === 1 ? '1x1' : 'kxk';
  }
  return kinds;
}

async function preprocess(c: ModelCase, model: Model, source: string): Promise<Prepared> {
  const geometry = imageInput(model, source);
  const spec = resolveSpec(c.preprocess, { channels: geometry.channels, layout: geometry.layout });
  const feeds: Feeds[] = [];
  let decodeMs = 0;
  let tensorMs = 0;
  const push = (data: Float32Array, dims: number[]) => feeds.push({ [geometry.name]: { type: 'float32', dims, data } });
  if (c.images.kind === 'mnist') {
    let set!: Awaited<ReturnType<typeof readMnist>>;
    decodeMs = await clock(async () => {
      set = await readMnist(join(IMAGES, c.images.dir), { limit: N });
    });
    for (const digit of set.images) {
      tensorMs += await clock(() => {
        // Gray digit -> RGBA, then the ordinary preprocessing path ('raw' turns gray for a 1-channel input).
        const rgba = new Uint8Array(digit.length * 4);
        for (let i = 0; i < digit.length; i++) {
          rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = digit[i];
          rgba[4 * i + 3] = 255;
        }
        const t = imageToTensor({ width: set.width, height: set.height, data: rgba }, spec, geometry);
        push(t.data, t.dims);
      });
    }
  } else {
    const files = await listImages(join(IMAGES, c.images.dir), { limit: N });
    for (const file of files) {
      let image!: Awaited<ReturnType<typeof decodeImageFile>>;
      decodeMs += await clock(async () => {
        image = await decodeImageFile(file);
      });
      tensorMs += await clock(() => {
        const t = imageToTensor(image, spec, geometry);
        push(t.data, t.dims);
      });
    }
  }
  return { feeds, decodeMs, tensorMs };
}

function memorySource(feeds: readonly Feeds[]): CalibrationSource {
  return { count: feeds.length, feeds: async (i) => feeds[i] };
}

// ---------------------------------------------------------------------------------------------
// Calibration vs plain inference (onnxruntime-node, same runner and options)

async function plainRun(model: Model, feeds: readonly Feeds[]): Promise<{ createMs: number; loopMs: number }> {
  const runner = createNodeRunner({ source: 'plain' });
  const t0 = performance.now();
  const session = await runner.createSession(encodeModel(model), { optimization: 'all', threads: CALIB_THREADS });
  try {
    await session.run(feeds[0]);
    const t1 = performance.now();
    for (let i = 1; i < feeds.length; i++) await session.run(feeds[i]);
    return { createMs: t1 - t0, loopMs: performance.now() - t1 };
  } finally {
    await session.release();
  }
}

async function exposedRun(model: Model, feeds: readonly Feeds[]): Promise<{ createMs: number; loopMs: number; mbPerImage: number; outputs: number }> {
  const runner = createNodeRunner({ source: 'exposed' });
  const t0 = performance.now();
  const session = await runner.createSession(encodeModel(augmentModel(model, calibrationCandidates(model, PLAN))), { optimization: 'all', threads: CALIB_THREADS });
  try {
    let bytes = 0;
    for (const t of Object.values(await session.run(feeds[0], { outputNames: session.outputNames }))) bytes += t.data.byteLength;
    const t1 = performance.now();
    for (let i = 1; i < feeds.length; i++) await session.run(feeds[i], { outputNames: session.outputNames });
    return { createMs: t1 - t0, loopMs: performance.now() - t1, mbPerImage: bytes / 1e6, outputs: session.outputNames.length };
  } finally {
    await session.release();
  }
}

async function calibRun(model: Model, feeds: readonly Feeds[], histograms: boolean, channelMeans = false): Promise<{ createMs: number; loopMs: number; result: CalibrationResult }> {
  const runner = createNodeRunner({ source: 'calibration' });
  // The loop clock starts when calibrate() asks for image 1 (image 0's inference and statistics are
  // done by then), as on the plain side; setup = augmenting, encoding, the session and image 0.
  const t0 = performance.now();
  let loopStart = NaN;
  let loopEnd = NaN;
  const source = memorySource(feeds);
  const timed: CalibrationSource = {
    count: source.count,
    feeds: async (i) => {
      if (i === 1) loopStart = performance.now();
      return source.feeds(i);
    },
  };
  const result = await calibrate(model, runner, timed, {
    threads: CALIB_THREADS,
    // As the CLI does: observe only the tensors the quantize options will use.
    plan: PLAN,
    collector: { histograms },
    channelMeans,
    onProgress: (p) => {
      if (p.done === p.total) loopEnd = performance.now();
    },
  });
  return { createMs: loopStart - t0, loopMs: loopEnd - loopStart, result };
}

// ---------------------------------------------------------------------------------------------
// Fusion: what onnxruntime made of the INT8 graph

const CONV_LIKE = new Set(['Conv', 'FusedConv', 'com.microsoft.FusedConv', 'com.microsoft.nchwc.Conv', 'ConvTranspose']);

async function fusion(int8Bytes: Uint8Array, fp32: Model, keptConvs: string[], dir: string, id: string): Promise<Fusion> {
  const path = join(dir, `${id}.int8.ort-optimized.onnx`);
  const session = await ort.InferenceSession.create(int8Bytes, {
    graphOptimizationLevel: 'all',
    optimizedModelFilePath: path,
    intraOpNumThreads: 1,
    executionProviders: ['cpu'],
    logSeverityLevel: 3,
  });
  await session.release();
  const optimized = decodeModel(new Uint8Array(await readFile(path)), { source: path });
  const ops: Record<string, number> = {};
  const floatConvNames: string[] = [];
  for (const n of optimized.graph!.node) {
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : (n.opType ?? '');
    ops[key] = (ops[key] ?? 0) + 1;
    if (CONV_LIKE.has(key) || CONV_LIKE.has(n.opType ?? '')) floatConvNames.push(n.name ?? '(unnamed)');
  }
  const fp32Convs = fp32.graph!.node.filter((n) => n.opType === 'Conv').length;
  return { ops, fp32Convs, floatConvNames, keptConvs };
}

// ---------------------------------------------------------------------------------------------

async function nodeLatency(fp32: Uint8Array, int8: Uint8Array, feeds: Feeds, timing: ABOptions): Promise<Latency> {
  const runner = createNodeRunner({ source: 'latency' });
  let a: RunnerSession | undefined;
  let b: RunnerSession | undefined;
  try {
    a = await runner.createSession(fp32, { optimization: 'all', threads: 1 });
    b = await runner.createSession(int8, { optimization: 'all', threads: 1 });
    const sa = a;
    const sb = b;
    const r = await timeAB(() => sa.run(feeds), () => sb.run(feeds), timing);
    return { fp32: r.a, int8: r.b };
  } finally {
    await a?.release();
    await b?.release();
  }
}

async function benchModel(c: ModelCase, dir: string): Promise<Row> {
  const path = join(MODELS, c.file);
  const bytes = new Uint8Array(await readFile(path));
  const row: Row = { id: c.id, file: c.file, preprocess: c.preprocessLabel, fileBytes: bytes.length, prepNotes: [], latency: {}, conv: c.conv, timing: c.timing };
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (e) {
      const text = `${what}: ${errText(e)}`;
      row.error = row.error ? `${row.error}; ${text}` : text;
      log(`[${c.id}] ${text}`);
      return undefined;
    }
  };

  log(`[${c.id}] decode/encode x${CODEC_RUNS}`);
  const model = await step('decode', async () => {
    const times: number[] = [];
    let m!: Model;
    decodeModel(bytes, { source: c.file });
    for (let i = 0; i < CODEC_RUNS; i++) times.push(await clock(() => (m = decodeModel(bytes, { source: c.file }))));
    row.decodeMs = median(times);
    row.nodes = m.graph!.node.length;
    const enc: number[] = [];
    let out!: Uint8Array;
    encodeModel(m);
    for (let i = 0; i < CODEC_RUNS; i++) enc.push(await clock(() => (out = encodeModel(m))));
    row.encodeMs = median(enc);
    row.roundTripBytes = out.length;
    return m;
  });
  if (!model) return row;

  const prepared = await step('prepare', async () => prepareModel(model, { source: c.file }));
  if (!prepared) return row;
  row.prepNotes = [...prepared.notes];
  const fp32Model = prepared.model;
  row.convKinds = convKinds(fp32Model);

  log(`[${c.id}] preprocessing ${N} images once`);
  const pre = await step('preprocess', () => preprocess(c, fp32Model, c.file));
  if (!pre) return row;
  row.images = pre.feeds.length;
  row.imageDecodeMs = pre.decodeMs;
  row.tensorMs = pre.tensorMs;

  // Plain vs MinMax vs histograms, rotated REPEATS times, fastest loop kept.
  let minmaxStats: CalibrationResult | undefined;
  let histStats: CalibrationResult | undefined;
  const best = <T extends { loopMs: number }>(prev: T | undefined, next: T): T => (prev === undefined || next.loopMs < prev.loopMs ? next : prev);
  for (let r = 0; r < REPEATS; r++) {
    log(`[${c.id}] calibration vs plain, round ${r + 1}/${REPEATS}`);
    const order = r % 2 === 0 ? ['plain', 'exposed', 'minmax', 'means', 'hist'] : ['hist', 'means', 'minmax', 'exposed', 'plain'];
    for (const what of order) {
      if (what === 'plain') {
        const p = await step('plain inference', () => plainRun(fp32Model, pre.feeds));
        if (p) row.plain = best(row.plain, p);
      } else if (what === 'exposed') {
        const p = await step('augmented inference', () => exposedRun(fp32Model, pre.feeds));
        if (p) row.exposed = best(row.exposed, p);
      } else if (what === 'means') {
        const res = await step('calibration (minmax + channel means)', () => calibRun(fp32Model, pre.feeds, false, true));
        if (res) row.means = best(row.means, { createMs: res.createMs, loopMs: res.loopMs, tensors: Object.keys(res.result.stats.channelMeans ?? {}).length });
      } else {
        const histograms = what === 'hist';
        const res = await step(histograms ? 'calibration (histograms)' : 'calibration (minmax)', () => calibRun(fp32Model, pre.feeds, histograms));
        if (!res) continue;
        const entry = { createMs: res.createMs, loopMs: res.loopMs, tensors: Object.keys(res.result.stats.tensors).length };
        if (histograms) {
          row.hist = best(row.hist, entry);
          histStats = res.result;
        } else {
          row.minmax = best(row.minmax, entry);
          minmaxStats = res.result;
        }
      }
    }
  }

  // Quantize: MinMax (the model that is timed), then the histogram methods' range + rewrite cost.
  row.quantizeMs = {};
  row.quantizeErrors = {};
  let int8Bytes: Uint8Array | undefined;
  let keptConvs: string[] = [];
  if (minmaxStats) {
    log(`[${c.id}] quantize (minmax)`);
    try {
      const t0 = performance.now();
      const result = quantizeModel(fp32Model, minmaxStats.stats, { method: 'minmax' });
      row.quantizeMs.minmax = performance.now() - t0;
      // What the CLI writes: the rewritten model as it is.
      int8Bytes = encodeModel(result.model);
      row.quantizedNodes = `${result.report.quantizedNodes}/${result.report.nodes.length}`;
      keptConvs = result.report.nodes.filter((d) => !d.quantized && d.opType === 'Conv').map((d) => `${d.name}${d.reason ? ` (${d.reason})` : ''}`);
    } catch (e) {
      row.quantizeErrors.minmax = errText(e);
      row.error = row.error ? `${row.error}; quantize: ${errText(e)}` : `quantize: ${errText(e)}`;
      log(`[${c.id}] quantize failed: ${errText(e)}`);
    }
  }
  if (histStats) {
    for (const method of HIST_METHODS) {
      log(`[${c.id}] quantize (${method})`);
      try {
        const t0 = performance.now();
        quantizeModel(fp32Model, histStats.stats, { method });
        row.quantizeMs[method] = performance.now() - t0;
      } catch (e) {
        row.quantizeErrors[method] = errText(e);
      }
    }
  }
  if (!int8Bytes) return row;

  const fp32Bytes = encodeModel(fp32Model);
  row.fp32Bytes = fp32Bytes.length;
  row.int8Bytes = int8Bytes.length;
  const ok = await step('onnxruntime-node load of the INT8 model', async () => {
    const s = await createNodeRunner().createSession(int8Bytes!, { optimization: 'all' });
    await s.release();
    return true;
  });
  if (!ok) return row;

  const feeds = pre.feeds[0];
  const input = Object.values(feeds)[0];
  row.paths = {
    fp32: join(dir, `${c.id}.fp32.onnx`),
    int8: join(dir, `${c.id}.int8.onnx`),
    input: join(dir, `${c.id}.input.f32`),
    inputName: Object.keys(feeds)[0],
    dims: [...input.dims],
  };
  await writeFile(row.paths.fp32, fp32Bytes);
  await writeFile(row.paths.int8, int8Bytes);
  const data = input.data as Float32Array;
  await writeFile(row.paths.input, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));

  log(`[${c.id}] latency onnxruntime-node 1 thread`);
  const nodeLat = await step('onnxruntime-node latency', () => nodeLatency(fp32Bytes, int8Bytes!, feeds, { ...TIMING, ...c.timing }));
  if (nodeLat) row.latency['node-cpu-1t'] = nodeLat;

  log(`[${c.id}] onnxruntime-node optimized INT8 graph`);
  const f = await step('fusion dump', () => fusion(int8Bytes!, fp32Model, keptConvs, dir, c.id));
  if (f) row.fusion = f;
  return row;
}

// ---------------------------------------------------------------------------------------------
// WASM children

const PROFILE_RUNS = 3;
const WASM_CONFIGS: ReadonlyArray<{ key: string; build: 'app' | 'node'; threads: number; profile?: boolean }> = [
  { key: 'wasm-app-1t', build: 'app', threads: 1 },
  { key: 'wasm-node-1t', build: 'node', threads: 1, profile: true },
  { key: 'wasm-node-2t', build: 'node', threads: 2 },
];

interface ProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string };
}

/** Kernel microseconds by op type over the profiled runs after the 2 warm-up runs, as ms per run. */
function aggregateProfile(lines: readonly string[], kinds: Record<string, string> = {}): Record<string, number> {
  const events: ProfileEvent[] = [];
  for (const raw of lines) {
    const line = raw.trim().replace(/,$/, '');
    if (!line.startsWith('{')) continue;
    try {
      events.push(JSON.parse(line) as ProfileEvent);
    } catch {
      // a line of something else
    }
  }
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const from = runs.length > 2 ? runs[2].ts : 0;
  const timed = Math.max(1, runs.length - 2);
  const byOp: Record<string, number> = {};
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < from) continue;
    let op = e.args?.op_name ?? '?';
    if (/Conv$/.test(op)) {
      // Fused nodes are named after the original Conv, plus '_token_N' for QDQ fusions.
      const node = e.name.replace(/_kernel_time$/, '').replace(/_token_\d+$/, '');
      const kind = kinds[node];
      if (kind) op = `${op}[${kind}]`;
    }
    byOp[op] = (byOp[op] ?? 0) + e.dur / 1000 / timed;
  }
  return byOp;
}

async function runWasmChild(
  key: string,
  config: WebLatencyConfig,
  dir: string,
): Promise<{ results: Map<string, WebLatencyResult>; profiles: Map<string, string[]> }> {
  const configPath = join(dir, `${key}.json`);
  await writeFile(configPath, JSON.stringify(config));
  const profiles = new Map<string, string[]>();
  let current: string | undefined;
  let collected: string[] = [];
  let done = false;
  const script = fileURLToPath(new URL('./web-latency.ts', import.meta.url));
  const results = new Map<string, WebLatencyResult>();
  await new Promise<void>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, configPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    const timer = setTimeout(() => {
      log(`[${key}] still running after 8 minutes: stopping it`);
      child.kill('SIGKILL');
    }, 8 * 60_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line === '@@done') done = true;
        else if (line.startsWith('@@profile-begin ')) {
          current = line.slice('@@profile-begin '.length);
          collected = [];
        } else if (line === '@@profile-end' && current) {
          profiles.set(current, collected);
          current = undefined;
        } else if (current) collected.push(line);
      }
    });
    child.on('error', (e) => {
      log(`[${key}] cannot start: ${errText(e)}`);
    });
    child.on('close', async (code, signal) => {
      clearTimeout(timer);
      try {
        for (const line of (await readFile(config.out, 'utf8')).split('\n')) {
          if (!line.trim()) continue;
          const r = JSON.parse(line) as WebLatencyResult;
          results.set(r.id, r);
        }
      } catch {
        // no results file: every model gets the error below
      }
      if (!done) log(`[${key}] exited with ${signal ?? code}`);
      for (const m of config.models) if (!results.has(m.id)) results.set(m.id, { id: m.id, error: `child process exited (${signal ?? code}) before this model` });
      resolve();
    });
  });
  return { results, profiles };
}

// ---------------------------------------------------------------------------------------------
// Report

const f1 = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const mb = (b: number | undefined) => (b === undefined ? '–' : (b / 1e6).toFixed(2));
const ratio = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(d)}x`);
const mark = (x: number | undefined, target: number) => (x === undefined || !Number.isFinite(x) ? '' : x <= target ? ' ✓' : ' ✗');
const cell = (s: string) => s.replace(/\|/g, '\\|');

function latencyCells(l: Latency | undefined, target?: number): [string, string, string] {
  if (!l) return ['–', '–', '–'];
  if (l.error) return [`error: ${cell(l.error)}`, '', ''];
  const a = median(l.fp32);
  const b = median(l.int8);
  const r = b / a;
  return [`${f1(a)} / ${f1(quantile(l.fp32, 0.9))}`, `${f1(b)} / ${f1(quantile(l.int8, 0.9))}`, `${ratio(r)}${target === undefined ? '' : mark(r, target)} (n=${l.fp32.length})`];
}

function render(rows: readonly Row[], meta: string[]): string {
  const out: string[] = [];
  out.push('## 1. Model codec', '');
  out.push('| model | file MB | nodes | decode ms | encode ms | re-encoded MB | prepare notes |', '|---|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    out.push(`| ${r.id} | ${mb(r.fileBytes)} | ${r.nodes ?? '–'} | ${f1(r.decodeMs)} | ${f1(r.encodeMs)} | ${mb(r.roundTripBytes)} | ${cell(r.prepNotes.join(' ').slice(0, 160)) || ''} |`);
  }
  out.push('', `## 2. Calibration cost vs plain FP32 inference (onnxruntime-node, ${N} images preprocessed once, best of ${REPEATS})`, '');
  out.push(
    `Per image over images 2..N (the first image's run allocates; it is counted with session creation in the "incl. session" column, the total time). onnxruntime-node with ${CALIB_THREADS} intra-op thread(s) on both sides. ${PLAN ? 'calibrate() is given the quantize options (plan), as the CLI does, so it observes only the tensors that will carry parameters.' : 'BENCH_PLAN=0: calibrate() observes every float tensor of a registry op (no plan).'} MinMax = the reductions inside the graph, packed into one output per rank, with the minima and Concats the graph implies left out and monotone elementwise outputs derived from their inputs' extremes (minmax-graph.ts, minmax-derive.ts). Histograms = those tensors exposed as graph outputs (Concats of observed parts aside) and binned in JS in one pass; "exposed" is every observed tensor as an output (no statistics). bench/calibration.ts has every shared model, before and after, on CPU time. MinMax + means = MinMax plus a ReduceMean per Conv/Gemm input (the per-channel means bias correction needs; the workbench always collects them, the CLI with --bias-correction).`,
    '',
    '| model | preprocess | images | preprocessing ms/img (decode + tensor) | plain ms/img | exposed ms/img (x plain) | exposed tensors, MB/img | MinMax ms/img | **MinMax / plain** (target ≤ 1.5) | MinMax + means / plain (inputs) | histograms ms/img | histograms / plain | incl. session: MinMax, hist | quantize ms: minmax / percentile / entropy / mse |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const r of rows) {
    const n = r.images ?? 0;
    const per = (x: number | undefined) => (x === undefined || n < 2 ? undefined : x / (n - 1));
    const perImage = (x: number | undefined) => (x === undefined || n === 0 ? undefined : x / n);
    const plain = r.plain?.loopMs;
    const ex = r.exposed && plain ? r.exposed.loopMs / plain : undefined;
    const mm = r.minmax && plain ? r.minmax.loopMs / plain : undefined;
    const hh = r.hist && plain ? r.hist.loopMs / plain : undefined;
    const me = r.means && plain ? r.means.loopMs / plain : undefined;
    const total = (x?: { createMs: number; loopMs: number }) => (x && r.plain ? (x.createMs + x.loopMs) / (r.plain.createMs + r.plain.loopMs) : undefined);
    const q = r.quantizeMs ?? {};
    const qe = r.quantizeErrors ?? {};
    const qcell = (m: RangeMethod) => (qe[m] ? `error: ${cell(qe[m]!)}` : f1(q[m], 0));
    out.push(
      `| ${r.id} | ${r.preprocess} | ${n || '–'} | ${f1(perImage((r.imageDecodeMs ?? 0) + (r.tensorMs ?? 0)))} (${f1(perImage(r.imageDecodeMs))} + ${f1(perImage(r.tensorMs))}) | ${f1(per(plain), 2)} | ${f1(per(r.exposed?.loopMs), 2)} (${ratio(ex)}) | ${r.exposed ? `${r.exposed.outputs}, ${r.exposed.mbPerImage.toFixed(1)}` : '–'} | ${f1(per(r.minmax?.loopMs), 2)} | ${ratio(mm)}${mark(mm, 1.5)} | ${ratio(me)}${r.means ? ` (${r.means.tensors})` : ''} | ${f1(per(r.hist?.loopMs), 2)} | ${ratio(hh)} | ${ratio(total(r.minmax))}, ${ratio(total(r.hist))} | ${qcell('minmax')} / ${qcell('percentile')} / ${qcell('entropy')} / ${qcell('mse')} |`,
    );
  }
  out.push('', '## 3. INT8 (MinMax, u8/per-channel QDQ) vs FP32: size and latency (ms median / p90, one preprocessed image)', '');
  out.push(
    '| model | FP32 MB | INT8 MB | INT8 / FP32 size | quantized nodes | WASM app 1t FP32 | WASM app 1t INT8 | **INT8/FP32 WASM app 1t** (target ≤ 0.6) | WASM node-build 1t INT8/FP32 | WASM node-build 2t INT8/FP32 | node-build 2t FP32 / INT8 ms | ORT-node CPU 1t FP32 / INT8 ms | ORT-node INT8/FP32 | error |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const r of rows) {
    const target = r.conv ? 0.6 : undefined;
    const app = latencyCells(r.latency['wasm-app-1t'], target);
    const n1 = latencyCells(r.latency['wasm-node-1t'], target);
    const n2 = latencyCells(r.latency['wasm-node-2t'], target);
    const cpu = latencyCells(r.latency['node-cpu-1t']);
    const sizeRatio = r.int8Bytes && r.fp32Bytes ? r.int8Bytes / r.fp32Bytes : undefined;
    const n2l = r.latency['wasm-node-2t'];
    const n2ms = n2l && !n2l.error ? `${f1(median(n2l.fp32))} / ${f1(median(n2l.int8))}` : '–';
    const cpuMs = cpu[0] === '–' || cpu[1] === '' ? cpu[0] : `${cpu[0].split(' / ')[0]} / ${cpu[1].split(' / ')[0]}`;
    out.push(
      `| ${r.id} | ${mb(r.fp32Bytes)} | ${mb(r.int8Bytes)} | ${ratio(sizeRatio, 3)} | ${r.quantizedNodes ?? '–'} | ${app[0]} | ${app[1]} | ${app[2]} | ${n1[2] || n1[0]} | ${n2[2] || n2[0]} | ${n2ms} | ${cpuMs} | ${cpu[2] || cpu[0]} | ${cell(r.error ?? '')} |`,
    );
  }
  out.push('', '## 4. What onnxruntime made of the INT8 graph (onnxruntime-node, level all, optimizedModelFilePath)', '');
  out.push('| model | Conv in FP32 | QLinearConv | float Conv left | DequantizeLinear | QuantizeLinear | other QLinear*/QGemm | other ops in the optimized graph | Conv kept FP32 by the quantizer |', '|---|---:|---:|---:|---:|---:|---:|---|---|');
  for (const r of rows) {
    const fu = r.fusion;
    if (!fu) {
      out.push(`| ${r.id} | – | – | – | – | – | – | – | – |`);
      continue;
    }
    const get = (k: string) => Object.entries(fu.ops).filter(([op]) => op === k || op.endsWith(`.${k}`)).reduce((s, [, v]) => s + v, 0);
    const qlin = Object.entries(fu.ops).filter(([op]) => /QLinear|QGemm|QAttention/.test(op) && !op.endsWith('QLinearConv'));
    const others = Object.entries(fu.ops)
      .filter(([op]) => !/QLinear|QGemm|QuantizeLinear|DequantizeLinear/.test(op) && !CONV_LIKE.has(op) && !op.endsWith('.Conv'))
      .sort((a, b) => b[1] - a[1])
      .map(([op, v]) => `${op} ${v}`)
      .join(', ');
    out.push(
      `| ${r.id} | ${fu.fp32Convs} | ${get('QLinearConv')} | ${fu.floatConvNames.length} | ${get('DequantizeLinear')} | ${get('QuantizeLinear')} | ${qlin.map(([op, v]) => `${op.replace('com.microsoft.', '')} ${v}`).join(', ') || '0'} | ${cell(others)} | ${cell(fu.keptConvs.join(', ').slice(0, 200)) || 'none'} |`,
    );
  }
  out.push('', `## 5. Where the WASM time goes (onnxruntime-web node build, 1 thread, enableProfiling: kernel ms per run, mean of ${PROFILE_RUNS} runs after 2 warm-ups)`, '');
  out.push('Conv time is split by the FP32 node it came from: [dw] depthwise, [grp] grouped, [1x1] pointwise, [kxk] dense spatial.', '');
  out.push('| model | FP32 kernels ms | FP32 top ops | INT8 kernels ms | INT8 top ops |', '|---|---:|---|---:|---|');
  const top = (p: Record<string, number> | undefined) =>
    p
      ? Object.entries(p)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 7)
          .map(([op, ms]) => `${op} ${ms.toFixed(1)}`)
          .join(', ')
      : '–';
  const sum = (p: Record<string, number> | undefined) => (p ? Object.values(p).reduce((a, b) => a + b, 0) : undefined);
  for (const r of rows) out.push(`| ${r.id} | ${f1(sum(r.profile?.fp32))} | ${top(r.profile?.fp32)} | ${f1(sum(r.profile?.int8))} | ${top(r.profile?.int8)} |`);
  out.push('', '## Run', '', ...meta.map((m) => `- ${m}`), '');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function versionOf(pkg: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const only = (process.env.BENCH_MODELS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const cases = only.length ? CASES.filter((c) => only.includes(c.id)) : CASES;
  const dir = await mkdtemp(join(tmpdir(), 'zeropoint-bench-'));
  const rows: Row[] = [];
  try {
    for (const c of cases) {
      const tc = performance.now();
      try {
        rows.push(await benchModel(c, dir));
      } catch (e) {
        log(`[${c.id}] ${errText(e)}`);
        rows.push({ id: c.id, file: c.file, preprocess: c.preprocessLabel, fileBytes: 0, prepNotes: [], latency: {}, conv: c.conv, error: errText(e) });
      }
      log(`[${c.id}] node phase done in ${((performance.now() - tc) / 1000).toFixed(1)} s`);
    }

    const runnable = rows.filter((r) => r.paths);
    if (process.env.BENCH_SKIP_WASM !== '1' && runnable.length) {
      for (const w of WASM_CONFIGS) {
        const tw = performance.now();
        const config: WebLatencyConfig = {
          build: w.build,
          threads: w.threads,
          out: join(dir, `${w.key}.results.jsonl`),
          profileRuns: w.profile ? PROFILE_RUNS : undefined,
          timing: TIMING,
          models: runnable.map((r) => ({ id: r.id, fp32: r.paths!.fp32, int8: r.paths!.int8, input: r.paths!.input, inputName: r.paths!.inputName, dims: r.paths!.dims, timing: r.timing })),
        };
        const { results, profiles } = await runWasmChild(w.key, config, dir);
        for (const r of runnable) {
          const res = results.get(r.id);
          r.latency[w.key] = res?.fp32 && res.int8 ? { fp32: res.fp32, int8: res.int8, settleS: res.settleS } : { fp32: [], int8: [], error: res?.error ?? 'no result' };
          const fp = profiles.get(`${r.id} fp32`);
          const ip = profiles.get(`${r.id} int8`);
          if (fp || ip) r.profile = { fp32: fp && aggregateProfile(fp, r.convKinds), int8: ip && aggregateProfile(ip, r.convKinds) };
        }
        log(`[${w.key}] done in ${((performance.now() - tw) / 1000).toFixed(1)} s`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const cpu = cpus();
  const meta = [
    `date ${new Date().toISOString()}`,
    `Node ${process.version}; onnxruntime-node ${await versionOf('onnxruntime-node')}; onnxruntime-web ${await versionOf('onnxruntime-web')}`,
    `CPU ${cpu[0]?.model ?? 'unknown'} x ${cpu.length} logical cores; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')} (other processes share this machine)`,
    `BENCH_IMAGES=${N}, BENCH_REPEATS=${REPEATS}, timed runs per side ${TIMING.minRuns}..${TIMING.maxRuns} within ${TIMING.budgetMs} ms per model and runtime after ${TIMING.warmup} warm-up(s); yolov8n: 1 warm-up, 3..5 runs`,
    'WASM app = workers/ort.ts createWebRunner({provider:"wasm", threads:1}) (onnxruntime-web/webgpu bundle); WASM node-build = onnxruntime-web\'s Node build (dist/ort.node.min.mjs), the only one that runs 2 WASM threads in Node',
    `calibration plan: ${PLAN ? 'the quantize defaults, as the CLI passes them (BENCH_PLAN=0 to observe every registry tensor)' : 'none (BENCH_PLAN=0)'}`,
    `ORT-node latency uses intraOpNumThreads 1; calibration, exposed and plain inference use BENCH_CALIB_THREADS=${CALIB_THREADS} (a calibration worker in the app is a 1-thread session)`,
    `FP32 latency baseline and FP32 MB = the prepared model (opset >= 13, FP16 widened to FP32), which the INT8 model is derived from; file MB in table 1 is the original file`,
    `before timing, each WASM child waits until its process is idle: V8 compiles the app build's 27 MB asyncify module with TurboFan on background threads (about a minute of CPU) and the first runs are otherwise baseline (Liftoff) code; waited ${WASM_CONFIGS.map((w) => `${w.key} ${f1(rows.map((r) => r.latency[w.key]?.settleS ?? 0).reduce((a, b) => a + b, 0))} s`).join(', ')}`,
    `total bench time ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  ];
  const md = render(rows, meta);
  process.stdout.write(`${md}\n`);
  await writeFile(join(ROOT, 'bench', 'results.md'), `# Zeropoint bench results\n\n${md}`);
  log(`wrote bench/results.md (${basename(ROOT)})`);
}

await main();
