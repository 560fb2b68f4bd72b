/**
 * The ways calibrate() reads a run's statistics (calibrate.ts says which it picks): every value of each
 * tensor (values), samples with in-graph extremes (sampled), in-graph MinMax (packed, or the
 * straightforward reference form). Each builds its augmented graph, opens the session and turns a
 * run's outputs into statistics.
 */
import { encodeModel } from '../onnx/encode';
import { numel } from '../onnx/tensor';
import type { Model } from '../onnx/types';
import type { Runner, RunnerSession, RunnerTensor } from '../runner';
import { augmentForChannelMeans, augmentForMinMax, augmentModel, type ChannelMeanOutput, type ChannelMeanRequest, type MinMaxOutputs } from './augment';
import {
  addCalibrationBatch,
  addImpliedBatch,
  addSampledBatch,
  impliedHistogram,
  updateCalibrationStatsFromSummary,
  updateChannelMeans,
  type CalibrationStats,
} from './collector';
import type { BatchSummary } from './histogram';
import { impliedConcats, minMaxGraph, type ConcatReading, type DerivedReading, type MinMaxReading } from './minmax-graph';
import { sampleGraph } from './sample-graph';

/** One way of reading a tensor's batch statistics out of a run. */
export interface Observer {
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

type Batches = Map<string, { summary: BatchSummary; dims: number[] }>;

/** Bins the whole tensors `wanted` among the outputs (a non-float one is skipped, as data); returns what each batch held. */
function observeWhole(outputs: Record<string, RunnerTensor>, wanted: ReadonlySet<string>, stats: CalibrationStats, shapes: Record<string, number[]>, skipped: Set<string>, options: { twoPass: boolean }): Batches {
  const read: Batches = new Map();
  for (const [name, t] of Object.entries(outputs)) {
    if (!wanted.has(name)) continue;
    if (t.type !== 'float32') skipped.add(name);
    else {
      read.set(name, { summary: addCalibrationBatch(stats, name, t.data as Float32Array, options), dims: [...t.dims] });
      shapes[name] = [...t.dims];
    }
  }
  return read;
}

/** The implied Concats' batches from their parts' (in `read`, which gains them). */
function observeConcats(concats: readonly ConcatReading[], read: Batches, stats: CalibrationStats, shapes: Record<string, number[]>): void {
  for (const c of concats) {
    const batch = concatBatch(c, read);
    if (!batch) continue;
    addImpliedBatch(stats, c.tensor, batch.summary);
    read.set(c.tensor, batch);
    shapes[c.tensor] = batch.dims;
  }
}

/**
 * The tensors exposed as outputs and binned in JS (histogram.ts). A Concat whose parts are observed is
 * not exposed: its batches follow from the parts' and its histogram is their exact merge (the
 * percentile, entropy and MSE ranges read counts, extremes and zeros, all exact; only the float sums
 * differ in rounding). `reference` exposes every tensor and bins it in two passes.
 */
export async function valuesObserver(model: Model, runner: Runner, tensors: readonly string[], means: readonly ChannelMeanRequest[], threads?: number, reference = false): Promise<Observer> {
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
      const read = observeWhole(outputs, wanted, stats, shapes, skipped, { twoPass: reference });
      observeConcats(concats, read, stats, shapes);
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
export async function sampledObserver(
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
      const read = observeWhole(outputs, wanted, stats, shapes, skipped, { twoPass: false });
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
      observeConcats(g.concats, read, stats, shapes);
    },
    finish(stats) {
      for (const c of g.concats) impliedHistogram(stats, c.tensor, c.parts);
    },
  };
}

/** The straightforward form: ReduceMin, ReduceMax and Shape per tensor (augmentForMinMax). */
export async function referenceMinMaxObserver(model: Model, runner: Runner, tensors: readonly string[], means: readonly ChannelMeanRequest[], threads?: number): Promise<Observer> {
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

export async function minMaxObserver(model: Model, runner: Runner, tensors: readonly string[], means: readonly ChannelMeanRequest[], threads: number | undefined, inputDims: Record<string, number[]>): Promise<Observer> {
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
