/**
 * Per-tensor streaming calibration statistics: exact min/max, ONNX Runtime style moving-average
 * min/max, and a mergeable histogram, all in memory that does not grow with the number of batches.
 *
 * The data is a plain record (`CalibrationStats`, tensors keyed by name) that survives structuredClone,
 * so each worker can collect on its own share of the images and the host merges the results.
 * `StatsCollector` is a thin mutable wrapper for code that prefers a class.
 *
 * Moving average (ORT MinMaxCalibrater with moving_average=True): every `update` call is one batch;
 * the first batch sets movingMin/movingMax to the batch min/max, every later batch does
 *   moving += averagingConstant · (batch - moving)
 * (0.01 by default). Note this weighs the first batch heavily: after n batches its weight is
 * (1 - c)^(n-1), about 0.37 after 100 batches with c = 0.01 — the same as ORT.
 *
 * Merging two workers' stats: batches, counts, min, max and histograms combine exactly. The moving
 * average is order dependent (it is an exponential average over a sequence), so there is no exact
 * merge; we take the batch-count weighted mean of the two moving values. That is an approximation: it
 * equals the single-stream result only in special cases (e.g. when all batch extremes are equal).
 *
 * `histograms: false` keeps only min/max/moving averages (no histogram is allocated or filled), for a
 * run that will only use minmax or moving-average; the histogram methods then throw 'no-statistics'.
 */
import { ZeropointError } from '../errors';
import { addSampledValues, type SampledBatch } from './histogram-sample';
import { addValues, addValuesTwoPass, type BatchSummary, cloneHistogram, createHistogram, DEFAULT_HISTOGRAM_BINS, mergeHistograms, summarizeValues, type Histogram } from './histogram';

export const DEFAULT_AVERAGING_CONSTANT = 0.01;

export interface TensorStats {
  name: string;
  /** Batches (update calls) that contained at least one finite value. */
  batches: number;
  /** Finite values seen. */
  count: number;
  /** NaN values and ±Infinity values skipped (also counted by the histogram when there is one). */
  nanCount: number;
  infCount: number;
  /** Exact min and max of the finite values; +Infinity / -Infinity while count is 0. */
  min: number;
  max: number;
  /** Moving-average min and max over batches (see the file comment); NaN while batches is 0. */
  movingMin: number;
  movingMax: number;
  /**
   * The min was not measured but implied: the graph proves the values never negative (a Relu or
   * Sigmoid output, say), so min (and movingMin) hold 0, the value every range takes on that side
   * anyway (ranges include 0). Set by calibration's in-graph MinMax path (minmax-graph.ts).
   */
  minImplied?: boolean;
  /** Absent when the stats were collected with `histograms: false`. */
  histogram?: Histogram;
  /**
   * Values of this tensor binned from samples (histogram-sample.ts) rather than all: its histogram's
   * bins are estimates (count, min and max stay exact). Absent when every value was binned.
   */
  sampledValues?: number;
}

export interface CollectorOptions {
  /** Histogram bins per tensor, 2048 by default. */
  bins?: number;
  /** Moving-average constant in (0, 1], 0.01 by default (ORT's averaging_constant). */
  averagingConstant?: number;
  /** Keep a histogram per tensor (needed by percentile, entropy and mse); true by default. */
  histograms?: boolean;
}

export interface CalibrationStats {
  bins: number;
  histograms: boolean;
  averagingConstant: number;
  /** Keyed by tensor name, in first-seen order. Own properties only: read them with getTensorStats. */
  tensors: Record<string, TensorStats>;
  /**
   * Per-channel means of the inputs of weighted layers (Conv, ConvTranspose, Gemm), for bias
   * correction; keyed by tensor name. Absent when calibration was not asked to collect them.
   */
  channelMeans?: Record<string, ChannelMeanStats>;
}

/**
 * E[x] per channel of one tensor, as a running sum of each run's per-channel mean (onnxruntime
 * computes that mean in the graph with ReduceMean). Mergeable by adding sums and runs; every run
 * has the same shape (preprocessing fixes the input size), so the mean of run means is the mean.
 */
export interface ChannelMeanStats {
  name: string;
  /** The channel axis of the tensor (1 for NCHW Conv inputs and [N, K] Gemm inputs). */
  axis: number;
  /** Sum over runs of the run's per-channel mean (float64 in a plain array: structuredClone-safe). */
  sum: number[];
  runs: number;
}

/** Adds one run's per-channel means of tensor `name` (mutates `stats`). */
export function updateChannelMeans(stats: CalibrationStats, name: string, axis: number, means: ArrayLike<number>): void {
  const record = (stats.channelMeans ??= emptyRecord<ChannelMeanStats>());
  let entry = Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
  if (entry === undefined) {
    entry = { name, axis, sum: new Array<number>(means.length).fill(0), runs: 0 };
    setOwn(record, name, entry);
  }
  if (entry.sum.length !== means.length) {
    throw new ZeropointError('bad-option', `Tensor "${name}" had ${entry.sum.length} channels and now has ${means.length}; calibration inputs must all have the same shape.`, { subject: name });
  }
  // A non-finite mean (a NaN or infinite activation in this run) is left out, like non-finite values in the histograms.
  for (let c = 0; c < means.length; c++) if (!Number.isFinite(means[c])) return;
  for (let c = 0; c < means.length; c++) entry.sum[c] += means[c];
  entry.runs++;
}

/** E[x] per channel of tensor `name`, or undefined when no means were collected for it. */
export function getChannelMean(stats: CalibrationStats, name: string): Float64Array | undefined {
  const record = stats.channelMeans;
  if (!record || !Object.prototype.hasOwnProperty.call(record, name)) return undefined;
  const entry = record[name];
  if (entry.runs === 0) return undefined;
  return Float64Array.from(entry.sum, (s) => s / entry.runs);
}

function cloneChannelMeans(record: Record<string, ChannelMeanStats> | undefined): Record<string, ChannelMeanStats> | undefined {
  if (!record) return undefined;
  const out = emptyRecord<ChannelMeanStats>();
  for (const name of Object.keys(record)) {
    const e = record[name];
    setOwn(out, name, { ...e, sum: [...e.sum] });
  }
  return out;
}

function checkOptions(options: CollectorOptions | undefined): { bins: number; averagingConstant: number; histograms: boolean } {
  const bins = options?.bins ?? DEFAULT_HISTOGRAM_BINS;
  const histograms = options?.histograms ?? true;
  if (typeof histograms !== 'boolean') throw new ZeropointError('bad-option', `The histograms option "${String(histograms)}" must be true or false.`);
  const averagingConstant = options?.averagingConstant ?? DEFAULT_AVERAGING_CONSTANT;
  if (!(typeof averagingConstant === 'number' && averagingConstant > 0 && averagingConstant <= 1)) {
    throw new ZeropointError(
      'bad-option',
      `Averaging constant "${String(averagingConstant)}" must be a number in (0, 1]; ONNX Runtime's default is 0.01.`,
    );
  }
  createHistogram({ bins }); // validates bins
  return { bins, averagingConstant, histograms };
}

/** A record with no prototype, so tensor names such as "constructor" or "__proto__" are plain keys. */
function emptyRecord<T = TensorStats>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function setOwn<T>(record: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(record, name, { value, writable: true, enumerable: true, configurable: true });
}

export function createTensorStats(name: string, options?: { bins?: number; histogram?: boolean }): TensorStats {
  const stats: TensorStats = { name, batches: 0, count: 0, nanCount: 0, infCount: 0, min: Infinity, max: -Infinity, movingMin: NaN, movingMax: NaN };
  if (options?.histogram ?? true) stats.histogram = createHistogram({ bins: options?.bins ?? DEFAULT_HISTOGRAM_BINS });
  return stats;
}

export function createCalibrationStats(options?: CollectorOptions): CalibrationStats {
  const { bins, averagingConstant, histograms } = checkOptions(options);
  return { bins, histograms, averagingConstant, tensors: emptyRecord() };
}

/** The stats of one tensor, or undefined; safe for any name (also after structuredClone). */
export function getTensorStats(stats: CalibrationStats, name: string): TensorStats | undefined {
  return Object.prototype.hasOwnProperty.call(stats.tensors, name) ? stats.tensors[name] : undefined;
}

export function tensorNames(stats: CalibrationStats): string[] {
  return Object.keys(stats.tensors);
}

/** Adds one batch of a tensor's values to its stats (mutates `tensor`). */
export function updateTensorStats(
  tensor: TensorStats,
  values: Float32Array | Float64Array | ArrayLike<number>,
  options?: { averagingConstant?: number },
): void {
  const batch = tensor.histogram ? addValues(tensor.histogram, values) : summarizeValues(values);
  applyBatch(tensor, batch, options);
}

/**
 * Adds one batch known only by its summary (min, max, count), as when onnxruntime computed the
 * min/max itself (ReduceMin/ReduceMax in the augmented graph). Only for stats kept without a histogram.
 */
export function updateTensorStatsFromSummary(tensor: TensorStats, batch: BatchSummary, options?: { averagingConstant?: number }): void {
  if (tensor.histogram) throw new ZeropointError('bad-option', `Tensor "${tensor.name}" keeps a histogram, which needs its values, not only their min and max.`, { subject: tensor.name });
  applyBatch(tensor, batch, options);
}

function applyBatch(tensor: TensorStats, batch: BatchSummary, options?: { averagingConstant?: number }): void {
  const c = options?.averagingConstant ?? DEFAULT_AVERAGING_CONSTANT;
  tensor.nanCount += batch.nanCount;
  tensor.infCount += batch.infCount;
  if (batch.count === 0) return;
  if (tensor.batches === 0) {
    tensor.movingMin = batch.min;
    tensor.movingMax = batch.max;
  } else {
    tensor.movingMin += c * (batch.min - tensor.movingMin);
    tensor.movingMax += c * (batch.max - tensor.movingMax);
  }
  tensor.batches++;
  tensor.count += batch.count;
  if (batch.min < tensor.min) tensor.min = batch.min;
  if (batch.max > tensor.max) tensor.max = batch.max;
}

/** Adds one batch of values of tensor `name` (mutates `stats`). Returns that tensor's stats. */
export function updateCalibrationStats(
  stats: CalibrationStats,
  name: string,
  values: Float32Array | Float64Array | ArrayLike<number>,
): TensorStats {
  const tensor = ensureTensorStats(stats, name);
  updateTensorStats(tensor, values, { averagingConstant: stats.averagingConstant });
  return tensor;
}

/** Adds one batch of tensor `name` known by its summary (see updateTensorStatsFromSummary). */
export function updateCalibrationStatsFromSummary(stats: CalibrationStats, name: string, batch: BatchSummary): TensorStats {
  const tensor = ensureTensorStats(stats, name);
  updateTensorStatsFromSummary(tensor, batch, { averagingConstant: stats.averagingConstant });
  return tensor;
}

/**
 * Adds one batch of values of tensor `name` and returns what the batch held (for tensors implied by
 * it). `twoPass` bins with the straightforward two-pass form (histogram.ts), to check against.
 */
export function addCalibrationBatch(stats: CalibrationStats, name: string, values: Float32Array | Float64Array | ArrayLike<number>, options?: { twoPass?: boolean }): BatchSummary {
  const tensor = ensureTensorStats(stats, name);
  const batch = tensor.histogram ? (options?.twoPass ? addValuesTwoPass : addValues)(tensor.histogram, values) : summarizeValues(values);
  applyBatch(tensor, batch, { averagingConstant: stats.averagingConstant });
  return batch;
}

/**
 * Adds one batch of tensor `name` known by its exact count and extremes and a sample of its values
 * (histogram-sample.ts); returns the batch's summary. Without a histogram only the summary counts.
 */
export function addSampledBatch(stats: CalibrationStats, name: string, sample: Float32Array, batch: SampledBatch): BatchSummary {
  const tensor = ensureTensorStats(stats, name);
  const summary: BatchSummary = tensor.histogram
    ? addSampledValues(tensor.histogram, sample, batch)
    : { count: batch.count, nanCount: 0, infCount: 0, min: batch.min ?? 0, max: batch.max };
  if (tensor.histogram) tensor.sampledValues = (tensor.sampledValues ?? 0) + batch.count;
  applyBatch(tensor, summary, { averagingConstant: stats.averagingConstant });
  return summary;
}

/**
 * One batch of a tensor whose values are those of other tensors (a Concat of observed parts): its
 * count, extremes and moving averages from the batch summary; its histogram, if kept, is set once at
 * the end from the parts' (impliedHistogram).
 */
export function addImpliedBatch(stats: CalibrationStats, name: string, batch: BatchSummary): void {
  applyBatch(ensureTensorStats(stats, name), batch, { averagingConstant: stats.averagingConstant });
}

/** Sets the histogram of an implied tensor to the exact merge of its parts' histograms (histogram.ts). */
export function impliedHistogram(stats: CalibrationStats, name: string, parts: readonly string[]): void {
  const tensor = getTensorStats(stats, name);
  if (!tensor?.histogram) return;
  let merged: Histogram | undefined;
  for (const p of parts) {
    const h = getTensorStats(stats, p)?.histogram;
    if (!h) return;
    merged = merged ? mergeHistograms(merged, h) : cloneHistogram(h);
  }
  if (!merged) return;
  tensor.histogram = merged;
  const sampled = parts.reduce((n, p) => n + (getTensorStats(stats, p)?.sampledValues ?? 0), 0);
  if (sampled > 0) tensor.sampledValues = sampled;
}

function ensureTensorStats(stats: CalibrationStats, name: string): TensorStats {
  let tensor = getTensorStats(stats, name);
  if (tensor === undefined) {
    tensor = createTensorStats(name, { bins: stats.bins, histogram: stats.histograms });
    setOwn(stats.tensors, name, tensor);
  }
  return tensor;
}

export function cloneTensorStats(t: TensorStats): TensorStats {
  const copy = { ...t };
  if (t.histogram) copy.histogram = cloneHistogram(t.histogram);
  return copy;
}

/**
 * Merges the stats of one tensor from two workers into a new record. Exact except movingMin/movingMax,
 * which are the batch-weighted mean of the two (see the file comment).
 */
export function mergeTensorStats(a: TensorStats, b: TensorStats): TensorStats {
  if (a.name !== b.name) {
    throw new ZeropointError('bad-option', `Cannot merge the statistics of tensor "${a.name}" with those of "${b.name}".`, { subject: a.name });
  }
  if ((a.histogram === undefined) !== (b.histogram === undefined)) {
    throw new ZeropointError('bad-option', `Cannot merge statistics of tensor "${a.name}" collected with and without histograms; use the same histograms option in every worker.`, {
      subject: a.name,
    });
  }
  const batches = a.batches + b.batches;
  const weighted = (x: number, y: number): number =>
    a.batches === 0 ? y : b.batches === 0 ? x : (x * a.batches + y * b.batches) / batches;
  const merged: TensorStats = {
    name: a.name,
    batches,
    count: a.count + b.count,
    nanCount: a.nanCount + b.nanCount,
    infCount: a.infCount + b.infCount,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    movingMin: weighted(a.movingMin, b.movingMin),
    movingMax: weighted(a.movingMax, b.movingMax),
  };
  if (a.minImplied || b.minImplied) merged.minImplied = true;
  if (a.sampledValues !== undefined || b.sampledValues !== undefined) merged.sampledValues = (a.sampledValues ?? 0) + (b.sampledValues ?? 0);
  if (a.histogram && b.histogram) merged.histogram = mergeHistograms(a.histogram, b.histogram);
  return merged;
}

export function cloneCalibrationStats(stats: CalibrationStats): CalibrationStats {
  const tensors = emptyRecord();
  for (const name of Object.keys(stats.tensors)) setOwn(tensors, name, cloneTensorStats(stats.tensors[name]));
  const out: CalibrationStats = { bins: stats.bins, histograms: stats.histograms, averagingConstant: stats.averagingConstant, tensors };
  const channelMeans = cloneChannelMeans(stats.channelMeans);
  if (channelMeans) out.channelMeans = channelMeans;
  return out;
}

/** Merges two workers' stats into a new record (inputs untouched); tensors in a's order, then b's new ones. */
export function mergeCalibrationStats(a: CalibrationStats, b: CalibrationStats): CalibrationStats {
  if (a.bins !== b.bins) {
    throw new ZeropointError('bad-option', `Cannot merge statistics collected with "${a.bins}" and "${b.bins}" histogram bins; use the same bins option in every worker.`);
  }
  if (a.histograms !== b.histograms) {
    throw new ZeropointError('bad-option', `Cannot merge statistics collected with histograms "${a.histograms}" and "${b.histograms}"; use the same histograms option in every worker.`);
  }
  if (a.averagingConstant !== b.averagingConstant) {
    throw new ZeropointError(
      'bad-option',
      `Cannot merge statistics collected with averaging constants "${a.averagingConstant}" and "${b.averagingConstant}"; use the same value in every worker.`,
    );
  }
  const out = cloneCalibrationStats(a);
  for (const name of Object.keys(b.tensors)) {
    const other = b.tensors[name];
    const mine = getTensorStats(out, name);
    setOwn(out.tensors, name, mine === undefined ? cloneTensorStats(other) : mergeTensorStats(mine, other));
  }
  for (const name of Object.keys(b.channelMeans ?? {})) {
    const theirs = b.channelMeans![name];
    const mine = out.channelMeans && Object.prototype.hasOwnProperty.call(out.channelMeans, name) ? out.channelMeans[name] : undefined;
    if (mine === undefined) {
      setOwn((out.channelMeans ??= emptyRecord<ChannelMeanStats>()), name, { ...theirs, sum: [...theirs.sum] });
    } else {
      if (mine.sum.length !== theirs.sum.length) {
        throw new ZeropointError('bad-option', `Cannot merge channel means of tensor "${name}" with ${mine.sum.length} and ${theirs.sum.length} channels; calibrate every shard on the same model.`, { subject: name });
      }
      for (let c = 0; c < mine.sum.length; c++) mine.sum[c] += theirs.sum[c];
      mine.runs += theirs.runs;
    }
  }
  return out;
}

/** A mutable collector over a CalibrationStats record. */
export class StatsCollector {
  private stats: CalibrationStats;

  constructor(options?: CollectorOptions) {
    this.stats = createCalibrationStats(options);
  }

  /** A collector continuing from a snapshot (the snapshot is copied, not shared). */
  static from(stats: CalibrationStats): StatsCollector {
    const collector = new StatsCollector({ bins: stats.bins, averagingConstant: stats.averagingConstant, histograms: stats.histograms });
    collector.stats = cloneCalibrationStats(stats);
    return collector;
  }

  get bins(): number {
    return this.stats.bins;
  }

  get averagingConstant(): number {
    return this.stats.averagingConstant;
  }

  /** One batch of tensor `name`. */
  update(name: string, values: Float32Array | Float64Array | ArrayLike<number>): void {
    updateCalibrationStats(this.stats, name, values);
  }

  /** Merges another worker's stats into this collector. */
  merge(other: StatsCollector | CalibrationStats): void {
    const theirs = other instanceof StatsCollector ? other.stats : other;
    this.stats = mergeCalibrationStats(this.stats, theirs);
  }

  /** The live stats of one tensor (not a copy: use snapshot() for that). */
  get(name: string): TensorStats | undefined {
    return getTensorStats(this.stats, name);
  }

  names(): string[] {
    return tensorNames(this.stats);
  }

  /** A deep copy as plain data (structuredClone-safe), independent of later updates. */
  snapshot(): CalibrationStats {
    return cloneCalibrationStats(this.stats);
  }
}
