/**
 * Runs the augmented FP32 model on calibration inputs and streams every exposed tensor into
 * mergeable statistics. Memory is the statistics plus one inference's tensors, whatever the number of
 * images; a pool of workers each runs this on a share of the images and merges the results.
 */
import { throwIfAborted, ZeropointError } from '../errors';
import { encodeModel } from '../onnx/encode';
import type { Model } from '../onnx/types';
import type { Feeds, Runner } from '../runner';
import { augmentModel, calibrationCandidates } from './augment';
import { createCalibrationStats, updateCalibrationStats, type CalibrationStats, type CollectorOptions } from './collector';

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
  /** Exposed tensors that turned out not to be float (ints, bools): skipped, as data. */
  readonly skipped: string[];
  readonly images: number;
}

export interface CalibrateOptions {
  readonly tensors?: readonly string[];
  readonly collector?: CollectorOptions;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: CalibrationProgress) => void;
  /** Which items of the source to run (for a worker pool): [start, end). */
  readonly range?: { start: number; end: number };
  readonly threads?: number;
}

export async function calibrate(model: Model, runner: Runner, source: CalibrationSource, options: CalibrateOptions = {}): Promise<CalibrationResult> {
  const start = options.range?.start ?? 0;
  const end = options.range?.end ?? source.count;
  if (end <= start) throw new ZeropointError('no-images', 'There are no calibration images to run. Add images to the calibration set.');
  const tensors = options.tensors ?? calibrationCandidates(model);
  const augmented = augmentModel(model, tensors);
  const session = await runner.createSession(encodeModel(augmented), { optimization: 'all', threads: options.threads });
  const stats = createCalibrationStats(options.collector);
  const shapes: Record<string, number[]> = {};
  const skipped = new Set<string>();
  const wanted = new Set(tensors);
  const t0 = Date.now();
  try {
    for (let i = start; i < end; i++) {
      throwIfAborted(options.signal);
      const feeds = await source.feeds(i);
      for (const [name, t] of Object.entries(feeds)) if (wanted.has(name) && t.type === 'float32') updateCalibrationStats(stats, name, t.data as Float32Array);
      const outputs = await session.run(feeds, { outputNames: [...new Set([...session.outputNames])], signal: options.signal });
      for (const [name, t] of Object.entries(outputs)) {
        if (!wanted.has(name)) continue;
        if (t.type !== 'float32') {
          skipped.add(name);
          continue;
        }
        updateCalibrationStats(stats, name, t.data as Float32Array);
        shapes[name] = [...t.dims];
      }
      for (const [name, t] of Object.entries(feeds)) if (wanted.has(name)) shapes[name] = [...t.dims];
      options.onProgress?.({ done: i - start + 1, total: end - start, elapsedMs: Date.now() - t0 });
    }
  } finally {
    await session.release();
  }
  return { stats, shapes, skipped: [...skipped], images: end - start };
}
