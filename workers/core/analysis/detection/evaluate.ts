/**
 * Task accuracy of detectors over a Runner: AP50 and AP50-95 of one model on labelled images
 * (evaluateDetector), of FP32 and INT8 side by side in one pass (compareDetectors), or riding along
 * another loop that already runs both models (detectionPair: compare's own runs, so scoring costs no
 * inference of its own). Memory holds one image's outputs at a time plus the per-class matches.
 */
import { isZeropointError, throwIfAborted } from '../../errors';
import { quote } from '../../intake/names';
import { encodeModel } from '../../onnx/encode';
import type { Model } from '../../onnx/types';
import { runWithin, type Feeds, type Runner, type RunBudget, type RunnerTensor } from '../../runner';
import type { CalibrationSource } from '../../calibration/calibrate';
import { adaptFeeds } from '../../metrics/compare';
import { summarizeDetections, type ApSummary, type DetectionStats } from './ap';
import type { DecoderChoice } from './decoders';
import type { YoloLabel } from './labels';
import { createModelScorer, type DetectionOptions, type DetectionSetup, type ModelScorer } from './score';
import type { ImageSize } from './types';

/** Labelled images, preprocessed on demand (one in memory at a time). */
export interface DetectionSource {
  readonly count: number;
  /** A name for messages (a file name). */
  label?(i: number): string;
  /** Image i preprocessed for the model, and the size it had as decoded (boxes are mapped back to it). */
  image(i: number): Promise<{ readonly feeds: Feeds; readonly size: ImageSize }>;
}

/** Image i's YOLO labels; an empty list for an image with no objects (or no label file). */
export type LabelLookup = (i: number) => readonly YoloLabel[];

export interface DetectionEvaluation extends ApSummary {
  readonly decoder: DecoderChoice;
  /** The mergeable matches, for a pool of workers or a later merge. */
  readonly stats: DetectionStats;
}

export interface DetectionDrop {
  /** FP32 minus INT8: positive is accuracy lost. */
  readonly ap50: number;
  readonly ap5095: number;
}

export interface DetectionComparison {
  readonly fp32: DetectionEvaluation;
  readonly int8: DetectionEvaluation;
  readonly drop: DetectionDrop;
}

export interface EvaluateOptions extends DetectionOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { done: number; total: number }) => void;
  readonly runBudget?: RunBudget;
}

function evaluation(scorer: ModelScorer): DetectionEvaluation {
  return { ...summarizeDetections(scorer.stats), decoder: scorer.choice()!, stats: scorer.stats };
}

export function detectionDrop(fp32: ApSummary, int8: ApSummary): DetectionDrop {
  return { ap50: fp32.ap50 - int8.ap50, ap5095: fp32.ap5095 - int8.ap5095 };
}

async function withSessions<T>(runner: Runner, models: readonly Model[], body: (run: Array<(feeds: Feeds, what: string, options: EvaluateOptions) => Promise<Record<string, RunnerTensor>>>) => Promise<T>): Promise<T> {
  const sessions = [];
  let timedOut = false;
  try {
    for (const m of models) sessions.push(await runner.createSession(encodeModel(m), { optimization: 'all' }));
    return await body(
      sessions.map((s, k) => (feeds, what, options) => runWithin(s.run(adaptFeeds(models[k], feeds), { signal: options.signal }), options.runBudget, what)),
    );
  } catch (e) {
    timedOut = isZeropointError(e) && e.code === 'timeout';
    throw e;
  } finally {
    // A run that timed out may still be going on inside the runtime: releasing its session then is unsafe.
    if (!timedOut) for (const s of sessions) await s.release();
  }
}

/**
 * AP50 and AP50-95 of one model on labelled images. Pass `decoder` (the FP32 evaluation's
 * `decoder.decoder`) when scoring a quantized copy, so both are read the same way; an accuracy search
 * evaluates FP32 once and each candidate with this, and `detectionDrop(fp32, candidate)` is the loss.
 */
export async function evaluateDetector(model: Model, runner: Runner, source: DetectionSource, labels: LabelLookup, setup: DetectionSetup, options: EvaluateOptions = {}): Promise<DetectionEvaluation> {
  const scorer = createModelScorer(setup, options);
  await withSessions(runner, [model], async ([run]) => {
    for (let i = 0; i < source.count; i++) {
      throwIfAborted(options.signal);
      const { feeds, size } = await source.image(i);
      const outputs = await run(feeds, `Running the model on image ${quote(source.label?.(i) ?? `#${i + 1}`)}`, options);
      scorer.add(outputs, size, labels(i));
      options.onProgress?.({ done: i + 1, total: source.count });
    }
  });
  return evaluation(scorer);
}

/**
 * For a search over many INT8 candidates: FP32 is evaluated once (its decoder choice and AP kept), and
 * `compare(candidate)` runs only the candidate, read with FP32's decoder, giving both sides and the drop.
 */
export async function detectionReference(fp32: Model, runner: Runner, source: DetectionSource, labels: LabelLookup, setup: DetectionSetup, options: EvaluateOptions = {}) {
  const reference = await evaluateDetector(fp32, runner, source, labels, setup, options);
  return {
    fp32: reference,
    async compare(int8: Model, more: Pick<EvaluateOptions, 'signal' | 'onProgress' | 'runBudget'> = {}): Promise<DetectionComparison> {
      const candidate = await evaluateDetector(int8, runner, source, labels, setup, { ...options, ...more, decoder: reference.decoder.decoder });
      return { fp32: reference, int8: candidate, drop: detectionDrop(reference, candidate) };
    },
  };
}

/**
 * FP32 and INT8 in one pass: each image is decoded and preprocessed once and run on both; the INT8
 * outputs are read with the decoder chosen on FP32's.
 */
export async function compareDetectors(fp32: Model, int8: Model, runner: Runner, source: DetectionSource, labels: LabelLookup, setup: DetectionSetup, options: EvaluateOptions = {}): Promise<DetectionComparison> {
  const pair = createPairScorers(setup, options);
  await withSessions(runner, [fp32, int8], async ([runA, runB]) => {
    for (let i = 0; i < source.count; i++) {
      throwIfAborted(options.signal);
      const { feeds, size } = await source.image(i);
      const name = quote(source.label?.(i) ?? `#${i + 1}`);
      const a = await runA(feeds, `Running the FP32 model on image ${name}`, options);
      const b = await runB(feeds, `Running the INT8 model on image ${name}`, options);
      pair.add(a, b, size, labels(i));
      options.onProgress?.({ done: i + 1, total: source.count });
    }
  });
  return pair.result();
}

function createPairScorers(setup: DetectionSetup, options: DetectionOptions) {
  const fp32 = createModelScorer(setup, options);
  const int8 = createModelScorer({ ...setup, source: setup.source }, options, fp32.choice);
  return {
    add(a: Readonly<Record<string, RunnerTensor>>, b: Readonly<Record<string, RunnerTensor>>, size: ImageSize, truth: readonly YoloLabel[]) {
      fp32.add(a, size, truth);
      int8.add(b, size, truth);
    },
    result(): DetectionComparison {
      const f = evaluation(fp32);
      const q = evaluation(int8);
      return { fp32: f, int8: q, drop: detectionDrop(f, q) };
    },
  };
}

/**
 * Detection scoring that rides along a loop running FP32 and INT8 on the same images (metrics/compare's
 * compareModels): `source` is the CalibrationSource to give that loop (it remembers each image's size),
 * `onOutputs` its per-image hook, `result()` the AP figures at the end.
 */
export function detectionPair(source: DetectionSource, labels: LabelLookup, setup: DetectionSetup, options: DetectionOptions = {}) {
  const sizes = new Map<number, ImageSize>();
  const pair = createPairScorers(setup, options);
  const calibrationSource: CalibrationSource = {
    count: source.count,
    label: source.label ? (i) => source.label!(i) : undefined,
    async feeds(i) {
      const { feeds, size } = await source.image(i);
      sizes.set(i, size);
      return feeds;
    },
  };
  return {
    source: calibrationSource,
    onOutputs(i: number, a: Readonly<Record<string, RunnerTensor>>, b: Readonly<Record<string, RunnerTensor>>) {
      const size = sizes.get(i);
      if (!size) return;
      sizes.delete(i);
      pair.add(a, b, size, labels(i));
    },
    result: () => pair.result(),
  };
}
