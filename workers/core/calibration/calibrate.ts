/**
 * Runs the augmented FP32 model on calibration inputs and streams every observed tensor into
 * mergeable statistics. Memory is the statistics plus one inference's tensors, whatever the number of
 * images; a pool of workers each runs this on a share of the images and merges the results.
 *
 * Without histograms (MinMax, moving-average MinMax) onnxruntime computes each tensor's min and max
 * inside the graph, packed into a few outputs, with the ranges the graph implies left out
 * (minmax-graph.ts), so calibrating costs little more than one plain inference per image.
 * With histograms, large tensors are sampled in the graph with their exact extremes (sample-graph.ts).
 * `reference: true` runs the straightforward forms instead (ReduceMin/ReduceMax/Shape per tensor;
 * every value binned in two passes), which tests and the bench compare the fast ones with. The
 * observers that build each graph and read its runs are in observers.ts.
 */
import { isZeropointError, throwIfAborted, ZeropointError } from '../errors';
import { quote } from '../intake/names';
import type { Model } from '../onnx/types';
import type { PlanOptions } from '../quant/plan';
import { runWithin, type Feeds, type Runner, type RunBudget } from '../runner';
import { calibrationCandidates, channelMeanCandidates, type ChannelMeanRequest } from './augment';
import { createCalibrationStats, updateCalibrationStats, type CalibrationStats, type CollectorOptions } from './collector';
import { minMaxObserver, referenceMinMaxObserver, sampledObserver, valuesObserver, type Observer } from './observers';
import { defaultHistogramSample } from './sample-graph';

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
