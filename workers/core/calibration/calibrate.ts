/**
 * Runs the augmented FP32 model on calibration inputs and streams every observed tensor into
 * mergeable statistics. Memory is the statistics plus one inference's tensors, whatever the number of
 * images; a pool of workers each runs this on a share of the images and merges the results.
 *
 * Without histograms (MinMax, moving-average MinMax) onnxruntime computes each tensor's min and max
 * inside the graph, packed into a few outputs, with the ranges the graph implies left out
 * (minmax-graph.ts), so calibrating costs little more than one plain inference per image.
 * `reference: true` runs the straightforward forms instead (ReduceMin/ReduceMax/Shape per tensor;
 * every value binned in two passes), which tests and the bench compare the fast ones with.
 */
import { isZeropointError, throwIfAborted, ZeropointError } from '../errors';
import { quote } from '../intake/names';
import { encodeModel } from '../onnx/encode';
import { numel } from '../onnx/tensor';
import type { BatchSummary } from './histogram';
import { defaultHistogramSample, sampleGraph } from './sample-graph';
import { impliedConcats, minMaxGraph, type ConcatReading, type DerivedReading, type MinMaxReading } from './minmax-graph';
import type { Model } from '../onnx/types';
import type { PlanOptions } from '../quant/plan';
import { runWithin, type Feeds, type Runner, type RunBudget, type RunnerSession, type RunnerTensor } from '../runner';
import {
  augmentForChannelMeans,
  augmentForMinMax,
  augmentModel,
  calibrationCandidates,
  channelMeanCandidates,
  type ChannelMeanOutput,
  type ChannelMeanRequest,
  type MinMaxOutputs,
} from './augment';
import {
  addCalibrationBatch,
  addImpliedBatch,
  addSampledBatch,
  createCalibrationStats,
  impliedHistogram,
  updateCalibrationStats,
  updateCalibrationStatsFromSummary,
  updateChannelMeans,
  type CalibrationStats,
  type CollectorOptions,
} from './collector';

export interface CalibrationSource {
  readonly count: number;
  /** The feeds for item i (an image preprocessed into the model's input). */
  feeds(i: number): Promise<Feeds>;
  /** A name for messages (a file name). */
  label?(i: number): string;
}

export interface CalibrationProgress {
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
}

export interface CalibrationResult {
  readonly stats: CalibrationStats;
  /** Shape of every observed tensor (from the last run). */
  readonly shapes: Record<string, number[]>;
  /** Observed tensors that turned out not to be float (ints, bools): skipped, as data. */
  readonly skipped: string[];
  readonly images: number;
}

export interface CalibrateOptions {
  /** Tensors to observe; by default those the planner needs for `plan` (or every registry tensor). */
  readonly tensors?: readonly string[];
  /** The quantization options, when known: only tensors whose ranges they use are observed. */
  readonly plan?: PlanOptions;
  readonly collector?: CollectorOptions;
  /**
   * Also collect E[x] per channel of the inputs of Conv, ConvTranspose and Gemm layers, for bias
   * correction: true for those `plan` quantizes (every such layer without `plan`), or an explicit list.
   * Costs one ReduceMean per input inside onnxruntime.
   */
  readonly channelMeans?: boolean | readonly ChannelMeanRequest[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: CalibrationProgress) => void;
  /** Which items of the source to run (for a worker pool): [start, end). */
  readonly range?: { start: number; end: number };
  readonly threads?: number;
  /** The most one image's run may take; past it calibration stops with 'timeout' naming the image. */
  readonly runBudget?: RunBudget;
  /** The straightforward forms (see the file comment), to check the fast ones against. */
  readonly reference?: boolean;
  /**
   * For the histogram methods: values sampled per tensor and image at most, the rest left out of the
   * bins (count, min and max stay exact; histogram-sample.ts); 0 bins every value. By default
   * defaultHistogramSample(source.count): a histogram within 0.005 of every value's (sample-graph.ts).
   */
  readonly histogramSample?: number;
}

/** One way of reading a tensor's batch statistics out of a run. */
interface Observer {
  readonly session: RunnerSession;
  observe(outputs: Record<string, RunnerTensor>, stats: CalibrationStats, shapes: Record<string, number[]>, skipped: Set<string>): void;
  /** After the last run: what is computed once from the collected statistics. */
  finish?(stats: CalibrationStats): void;
  /** Graph inputs whose statistics the observer reads from the run (else the host reads the feeds). */
  readonly inputs?: ReadonlySet<string>;
  /** After the first image: a cheaper observer for the other images, from the dims the run showed. */
  refine?(shapes: Record<string, number[]>): Promise<Observer | undefined>;
}

/** A Concat's batch from its parts' (undefined when a part was not read this run). */
function concatBatch(c: ConcatReading, read: ReadonlyMap<string, { summary: BatchSummary; dims: number[] }>): { summary: BatchSummary; dims: number[] } | undefined {
  const parts = c.parts.map((p) => read.get(p));
  if (parts.some((p) => p === undefined)) return undefined;
  const list = parts as { summary: BatchSummary; dims: number[] }[];
  const dims = [...list[0].dims];
  const axis = c.axis < 0 ? c.axis + dims.length : c.axis;
  dims[axis] = list.reduce((n, p) => n + (p.dims[axis] ?? 0), 0);
  const finite = list.filter((p) => p.summary.count > 0);
  return {
    dims,
    summary: {
      count: list.reduce((n, p) => n + p.summary.count, 0),
      nanCount: list.reduce((n, p) => n + p.summary.nanCount, 0),
      infCount: list.reduce((n, p) => n + p.summary.infCount, 0),
      min: finite.length ? Math.min(...finite.map((p) => p.summary.min)) : Infinity,
      max: finite.length ? Math.max(...finite.map((p) => p.summary.max)) : -Infinity,
    },
  };
}

/** Reads the ReduceMean outputs augmentForChannelMeans added. */
function observeMeans(means: readonly ChannelMeanOutput[], outputs: Record<string, RunnerTensor>, stats: CalibrationStats): void {
  for (const m of means) {
    const t = outputs[m.mean];
    if (t && t.type === 'float32') updateChannelMeans(stats, m.tensor, m.axis, t.data as Float32Array);
  }
}

/**
 * The tensors exposed as outputs and binned in JS (histogram.ts). A Concat whose parts are observed is
 * not exposed: its batches follow from the parts' and its histogram is their exact merge (the
 * percentile, entropy and MSE ranges read counts, extremes and zeros, all exact; only the float sums
 * differ in rounding). `reference` exposes every tensor and bins it in two passes.
 */
async function valuesObserver(model: Model, runner: Runner, tensors: readonly string[], means: readonly ChannelMeanRequest[], threads?: number, reference = false): Promise<Observer> {
  const concats = reference ? [] : impliedConcats(model, tensors);
  const implied = new Set(concats.map((c) => c.tensor));
  const exposed = tensors.filter((t) => !implied.has(t));
  const wanted = new Set(exposed);
  const withMeans = augmentForChannelMeans(augmentModel(model, exposed), means);
  const session = await runner.createSession(encodeModel(withMeans.model), { optimization: 'all', threads });
  return {
    session,
    observe(outputs, stats, shapes, skipped) {
      observeMeans(withMeans.outputs, outputs, stats);
      const read = new Map<string, { summary: BatchSummary; dims: number[] }>();
      for (const [name, t] of Object.entries(outputs)) {
        if (!wanted.has(name)) continue;
        if (t.type !== 'float32') skipped.add(name);
        else {
          read.set(name, { summary: addCalibrationBatch(stats, name, t.data as Float32Array, { twoPass: reference }), dims: [...t.dims] });
          shapes[name] = [...t.dims];
        }
      }
      for (const c of concats) {
        const batch = concatBatch(c, read);
        if (!batch) continue;
        addImpliedBatch(stats, c.tensor, batch.summary);
        read.set(c.tensor, batch);
        shapes[c.tensor] = batch.dims;
      }
    },
    finish(stats) {
      for (const c of concats) impliedHistogram(stats, c.tensor, c.parts);
    },
  };
}

/**
 * The histogram path's default: large tensors sampled in the graph with their exact extremes reduced
 * there (sample-graph.ts), small ones exposed whole, implied Concats merged from their parts.
 */
async function sampledObserver(
  model: Model,
  runner: Runner,
  tensors: readonly string[],
  means: readonly ChannelMeanRequest[],
  threads: number | undefined,
  inputDims: Record<string, number[]>,
  limit: number,
  seen?: Record<string, number[]>,
): Promise<Observer> {
  const g = sampleGraph(model, tensors, { limit, inputDims, seen });
  // Tensors the shape inference cannot size go out whole on the first image; their dims then size
  // them, and the rest of the images run a graph that samples them too (TF-converted models).
  const refine = seen
    ? undefined
    : async (shapes: Record<string, number[]>): Promise<Observer | undefined> => {
        const sized = Object.fromEntries(g.unsized.filter((t) => shapes[t]).map((t) => [t, shapes[t]]));
        const large = Object.values(sized).filter((d) => numel(d) > limit).length;
        return large > 0 ? sampledObserver(model, runner, tensors, means, threads, inputDims, limit, sized) : undefined;
      };
  // Nothing large enough to sample (MNIST): every value, with no reductions to pay for.
  if (g.samples.length === 0) return { ...(await valuesObserver(model, runner, tensors, means, threads)), ...(refine ? { refine } : {}) };
  const wanted = new Set(g.whole);
  const withMeans = augmentForChannelMeans(g.model, means);
  const session = await runner.createSession(encodeModel(withMeans.model), { optimization: 'all', threads });
  return {
    session,
    ...(refine ? { refine } : {}),
    inputs: new Set(g.inputs),
    observe(outputs, stats, shapes, skipped) {
      observeMeans(withMeans.outputs, outputs, stats);
      const read = new Map<string, { summary: BatchSummary; dims: number[] }>();
      for (const [name, t] of Object.entries(outputs)) {
        if (!wanted.has(name)) continue;
        if (t.type !== 'float32') skipped.add(name);
        else {
          read.set(name, { summary: addCalibrationBatch(stats, name, t.data as Float32Array), dims: [...t.dims] });
          shapes[name] = [...t.dims];
        }
      }
      const extremes = readMinMax(g.extremes, outputs, skipped);
      const packed = g.samplesOutput ? outputs[g.samplesOutput] : undefined;
      for (const s of g.samples) {
        const r = extremes.get(s.tensor);
        if (!r || !packed || packed.type !== 'float32') continue;
        const summary =
          r.summary.count > 0
            ? addSampledBatch(stats, s.tensor, (packed.data as Float32Array).subarray(s.offset, s.offset + s.length), { count: r.summary.count, max: r.summary.max, ...(r.minImplied ? {} : { min: r.summary.min }) })
            : (addImpliedBatch(stats, s.tensor, r.summary), r.summary);
        read.set(s.tensor, { summary, dims: r.dims });
        shapes[s.tensor] = r.dims;
      }
      for (const c of g.concats) {
        const batch = concatBatch(c, read);
        if (!batch) continue;
        addImpliedBatch(stats, c.tensor, batch.summary);
        read.set(c.tensor, batch);
        shapes[c.tensor] = batch.dims;
      }
    },
    finish(stats) {
      for (const c of g.concats) impliedHistogram(stats, c.tensor, c.parts);
    },
  };
}

/** The straightforward form: ReduceMin, ReduceMax and Shape per tensor (augmentForMinMax). */
async function referenceMinMaxObserver(model: Model, runner: Runner, tensors: readonly string[], means: readonly ChannelMeanRequest[], threads?: number): Promise<Observer> {
  const aug = augmentForMinMax(model, tensors);
  const withMeans = augmentForChannelMeans(aug.model, means);
  const session = await runner.createSession(encodeModel(withMeans.model), { optimization: 'all', threads });
  return {
    session,
    observe(outputs, stats, shapes, skipped) {
      observeMeans(withMeans.outputs, outputs, stats);
      for (const o of aug.outputs as MinMaxOutputs[]) {
        const min = outputs[o.min];
        const max = outputs[o.max];
        const shape = outputs[o.shape];
        if (!min || !max || !shape) continue;
        if (min.type !== 'float32') {
          skipped.add(o.tensor);
          continue;
        }
        const dims = Array.from(shape.data as BigInt64Array, Number);
        const lo = (min.data as Float32Array)[0];
        const hi = (max.data as Float32Array)[0];
        const count = numel(dims);
        // NaN propagates through ReduceMin/Max: such a batch counts as non-finite, like the value path.
        const finite = Number.isFinite(lo) && Number.isFinite(hi);
        updateCalibrationStatsFromSummary(stats, o.tensor, finite ? { count, nanCount: 0, infCount: 0, min: lo + 0, max: hi + 0 } : { count: 0, nanCount: count, infCount: 0, min: Infinity, max: -Infinity });
        shapes[o.tensor] = dims;
      }
    },
  };
}

const NON_FINITE = (count: number): BatchSummary => ({ count: 0, nanCount: count, infCount: 0, min: Infinity, max: -Infinity });

type Read = { summary: BatchSummary; dims: number[]; minImplied: boolean };

/** The max of `count` values from `start` (NaN if any is, like ReduceMax). */
function maxOf(data: Float32Array, start: number, count: number): number {
  let max = -Infinity;
  for (let i = start; i < start + count; i++) {
    const v = data[i];
    if (Number.isNaN(v)) return NaN;
    if (v > max) max = v;
  }
  return max;
}

/**
 * A derived tensor's batch (minmax-derive.ts): min and max of f at its source's extremes, the source's
 * dims and counts; non-finite when the source's batch is (a NaN reduced there would have come through
 * f anyway) or when f's values are.
 */
function derivedBatch(r: DerivedReading, source: Read, outputs: Record<string, RunnerTensor>): Read | 'skipped' | undefined {
  const hiT = outputs[r.hi.output];
  const loT = r.lo ? outputs[r.lo.output] : undefined;
  if (!hiT || (r.lo && !loT)) return undefined;
  if (hiT.type !== 'float32' || (loT && loT.type !== 'float32')) return 'skipped';
  const count = source.summary.count + source.summary.nanCount + source.summary.infCount;
  const dims = [...source.dims];
  if (count === 0) return { summary: NON_FINITE(0), dims, minImplied: false };
  const a = (hiT.data as Float32Array)[r.hi.index];
  const b = loT ? (loT.data as Float32Array)[r.lo!.index] : 0;
  const finite = source.summary.count === count && Number.isFinite(a) && Number.isFinite(b);
  if (!finite) return { summary: NON_FINITE(count), dims, minImplied: false };
  // `lo` absent: the min is implied (recorded as 0), like a reduced tensor's without a ReduceMin.
  return { summary: { count, nanCount: 0, infCount: 0, min: (r.lo ? Math.min(a, b) : 0) + 0, max: (r.lo ? Math.max(a, b) : a) + 0 }, dims, minImplied: !r.lo };
}

/** One run's summary of each tensor minMaxGraph observes, from its packed outputs. */
function readMinMax(readings: readonly MinMaxReading[], outputs: Record<string, RunnerTensor>, skipped: Set<string>) {
  const read = new Map<string, Read>();
  for (const r of readings) {
    if (r.kind === 'concat') {
      const parts = r.parts.map((p) => read.get(p));
      if (parts.some((p) => p === undefined)) continue;
      const list = parts as NonNullable<(typeof parts)[number]>[];
      const count = list.reduce((n, p) => n + p.summary.count + p.summary.nanCount, 0);
      const dims = [...list[0].dims];
      const axis = r.axis < 0 ? r.axis + dims.length : r.axis;
      dims[axis] = list.reduce((n, p) => n + (p.dims[axis] ?? 0), 0);
      if (list.some((p) => p.summary.nanCount > 0)) {
        read.set(r.tensor, { summary: NON_FINITE(count), dims, minImplied: false });
        continue;
      }
      const measured = list.filter((p) => !p.minImplied && p.summary.count > 0).map((p) => p.summary.min);
      const min = Math.min(...list.filter((p) => p.summary.count > 0).map((p) => p.summary.min));
      const max = Math.max(...list.filter((p) => p.summary.count > 0).map((p) => p.summary.max));
      const minImplied = list.some((p) => p.minImplied) && (measured.length === 0 || Math.min(...measured) > 0);
      read.set(r.tensor, { summary: count > 0 ? { count, nanCount: 0, infCount: 0, min, max } : NON_FINITE(0), dims, minImplied });
      continue;
    }
    if (r.kind === 'derived') {
      const source = read.get(r.source);
      if (!source) continue;
      const derived = derivedBatch(r, source, outputs);
      if (derived === 'skipped') skipped.add(r.tensor);
      else if (derived) read.set(r.tensor, derived);
      continue;
    }
    const maxT = outputs[r.max.output];
    const minT = r.min ? outputs[r.min.output] : undefined;
    if (!maxT || (r.min && !minT)) continue;
    if (maxT.type !== 'float32' || (minT && minT.type !== 'float32')) {
      skipped.add(r.tensor);
      continue;
    }
    let dims: number[];
    if ('shape' in r.dims) {
      const shape = outputs[r.dims.shape];
      if (!shape) continue;
      dims = Array.from(shape.data as BigInt64Array, Number);
      if (r.dims.rank !== undefined) dims = dims.slice(r.dims.offset ?? 0, (r.dims.offset ?? 0) + r.dims.rank);
    } else dims = [...r.dims];
    const count = numel(dims);
    const hi = r.max.count === undefined ? (maxT.data as Float32Array)[r.max.index] : maxOf(maxT.data as Float32Array, r.max.index, r.max.count);
    const lo = minT ? (minT.data as Float32Array)[r.min!.index] : 0;
    // NaN propagates through the reductions: such a batch counts as non-finite, like the value path.
    const finite = Number.isFinite(lo) && Number.isFinite(hi);
    const summary: BatchSummary = count === 0 ? NON_FINITE(0) : finite ? { count, nanCount: 0, infCount: 0, min: lo + 0, max: hi + 0 } : NON_FINITE(count);
    read.set(r.tensor, { summary, dims, minImplied: !minT });
  }
  return read;
}

async function minMaxObserver(model: Model, runner: Runner, tensors: readonly string[], means: readonly ChannelMeanRequest[], threads: number | undefined, inputDims: Record<string, number[]>): Promise<Observer> {
  const aug = minMaxGraph(model, tensors, { inputDims });
  const withMeans = augmentForChannelMeans(aug.model, means);
  const session = await runner.createSession(encodeModel(withMeans.model), { optimization: 'all', threads });
  return {
    session,
    inputs: new Set(aug.inputs),
    observe(outputs, stats, shapes, skipped) {
      observeMeans(withMeans.outputs, outputs, stats);
      for (const t of aug.notFloat) skipped.add(t);
      for (const [tensor, r] of readMinMax(aug.readings, outputs, skipped)) {
        const t = updateCalibrationStatsFromSummary(stats, tensor, r.summary);
        if (r.minImplied && r.summary.count > 0) t.minImplied = true;
        shapes[tensor] = r.dims;
      }
    },
  };
}

export async function calibrate(model: Model, runner: Runner, source: CalibrationSource, options: CalibrateOptions = {}): Promise<CalibrationResult> {
  const start = options.range?.start ?? 0;
  const end = options.range?.end ?? source.count;
  if (end <= start) throw new ZeropointError('no-images', 'There are no calibration images to run. Add images to the calibration set.');
  const tensors = options.tensors ?? calibrationCandidates(model, options.plan);
  const stats = createCalibrationStats(options.collector);
  const means = options.channelMeans === true ? channelMeanCandidates(model, options.plan) : options.channelMeans || [];
  const inputNames = new Set(model.graph!.input.map((i) => i.name));
  // For the in-graph reductions, the first image's feeds give the dims every run has (the model may
  // declare them dynamic). Only there: a pool times each image from when its feeds are asked for.
  let first: Feeds | undefined;
  const inputDims: Record<string, number[]> = {};
  const sample = options.histogramSample ?? defaultHistogramSample(source.count);
  if (!Number.isInteger(sample) || sample < 0) throw new ZeropointError('bad-option', `The histogram sample "${String(sample)}" must be a whole number of values per tensor (0 bins every value).`);
  const sampled = stats.histograms && !options.reference && sample > 0;
  if ((!stats.histograms || sampled) && !options.reference) {
    first = await source.feeds(start);
    for (const [name, t] of Object.entries(first)) inputDims[name] = [...t.dims];
  }
  const reductions = (withMeans: readonly ChannelMeanRequest[]): Promise<Observer> =>
    options.reference
      ? referenceMinMaxObserver(model, runner, tensors, withMeans, options.threads)
      : // A graph the packed form does not fit (a type Concat cannot join, say) gets the straightforward one.
        minMaxObserver(model, runner, tensors, withMeans, options.threads, inputDims).catch(() => referenceMinMaxObserver(model, runner, tensors, withMeans, options.threads));
  const values = (withMeans: readonly ChannelMeanRequest[]): Promise<Observer> => valuesObserver(model, runner, tensors, withMeans, options.threads, options.reference);
  const observerFor = (withMeans: readonly ChannelMeanRequest[]): Promise<Observer> =>
    stats.histograms
      ? sampled
        ? sampledObserver(model, runner, tensors, withMeans, options.threads, inputDims, sample).catch(() => values(withMeans))
        : values(withMeans)
      : // Reductions on a tensor type onnxruntime cannot reduce (bool) fail at load: fall back to values.
        reductions(withMeans).catch(() => valuesObserver(model, runner, tensors, withMeans, options.threads, options.reference));
  // The means are an extra: a model whose graph will not take the ReduceMeans still calibrates, and
  // bias correction then reports each layer as having no channel means.
  let observer = await observerFor(means).catch((e: unknown) => (means.length ? observerFor([]) : Promise.reject(e)));
  const shapes: Record<string, number[]> = {};
  const skipped = new Set<string>();
  const wanted = new Set(tensors);
  const t0 = Date.now();
  let timedOut = false;
  try {
    for (let i = start; i < end; i++) {
      throwIfAborted(options.signal);
      const feeds = i === start && first ? first : await source.feeds(i);
      for (const [name, t] of Object.entries(feeds)) {
        if (!wanted.has(name) || !inputNames.has(name) || t.type !== 'float32' || observer.inputs?.has(name)) continue;
        updateCalibrationStats(stats, name, t.data as Float32Array);
        shapes[name] = [...t.dims];
      }
      const run = observer.session.run(feeds, { signal: options.signal });
      const outputs = await runWithin(run, options.runBudget, `Calibrating on image ${quote(source.label?.(i) ?? `#${i + 1}`)}`).catch((e: unknown) => {
        timedOut = isZeropointError(e) && e.code === 'timeout';
        throw e;
      });
      observer.observe(outputs, stats, shapes, skipped);
      if (i === start && i + 1 < end && observer.refine) {
        const next = await observer.refine(shapes).catch(() => undefined);
        if (next) {
          await observer.session.release();
          observer = next;
        }
      }
      options.onProgress?.({ done: i - start + 1, total: end - start, elapsedMs: Date.now() - t0 });
    }
  } finally {
    // A run that timed out may still be going on inside the runtime: releasing its session then is unsafe.
    if (!timedOut) await observer.session.release();
  }
  observer.finish?.(stats);
  return { stats, shapes, skipped: [...skipped], images: end - start };
}
