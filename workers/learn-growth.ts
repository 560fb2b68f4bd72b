/**
 * Lesson 5 on a calibration worker: calibrate ONE tensor image by image and snapshot its cumulative
 * statistics after 1, 2, 4, ... images. The same building blocks as the engine's calibrate() (the
 * augmented model exposing the tensor, the streaming collector's updateTensorStats), in a loop that
 * can stop at checkpoints; the ranges and errors of the snapshots are computed by the model worker
 * against the full calibration (ModelLearnApi.learnGrowth).
 */
import type { GrowthJob, GrowthProgress, GrowthResult, GrowthSnapshot, OnProgress } from './contracts';
import { augmentModel } from './core/calibration/augment';
import { cloneTensorStats, createTensorStats, DEFAULT_AVERAGING_CONSTANT, updateTensorStats } from './core/calibration/collector';
import { ZeropointError } from './core/errors';
import { decodeModel } from './core/onnx/decode';
import { encodeModel } from './core/onnx/encode';
import { imageSource, skippingRunner } from './image-source';
import { createWebRunner } from './ort';

export async function calibrateGrowth(job: GrowthJob, wasmPaths: string, onProgress: OnProgress<GrowthProgress>, signal: AbortSignal): Promise<GrowthResult> {
  const t0 = performance.now();
  signal.throwIfAborted();
  if (job.images.length === 0) throw new ZeropointError('no-images', 'There are no calibration images. Add images in the Data step first.');
  const model = decodeModel(job.model, { source: job.modelName });
  const isInput = model.graph!.input.some((i) => i.name === job.tensor);
  const runner = skippingRunner(createWebRunner({ provider: 'wasm', threads: 1, wasmPaths, source: job.modelName }));
  const session = await runner.createSession(encodeModel(augmentModel(model, [job.tensor])), { optimization: 'all', threads: 1 });
  const source = imageSource(job.images, job.spec, job.geometry);
  const stats = createTensorStats(job.tensor, { bins: job.collector?.bins, histogram: true });
  const averagingConstant = job.collector?.averagingConstant ?? DEFAULT_AVERAGING_CONSTANT;
  const checkpoints = new Set(job.checkpoints);
  const snapshots: GrowthSnapshot[] = [];
  let used = 0;
  try {
    for (let i = 0; i < job.images.length; i++) {
      signal.throwIfAborted();
      const feeds = await source.feeds(i);
      let snapshot: GrowthSnapshot | null = null;
      if (Object.keys(feeds).length > 0) {
        const outputs = isInput ? feeds : await session.run(feeds, { outputNames: [job.tensor], signal });
        const t = outputs[job.tensor];
        if (!t || t.type !== 'float32') {
          throw new ZeropointError('no-statistics', `Tensor '${job.tensor}' is not a float tensor the model outputs; pick another tensor.`, { subject: job.tensor });
        }
        updateTensorStats(stats, t.data as Float32Array, { averagingConstant });
        used++;
        if (checkpoints.has(used)) {
          snapshot = { images: used, stats: cloneTensorStats(stats) };
          snapshots.push(snapshot);
        }
      }
      onProgress({ done: i + 1, total: job.images.length, skipped: source.skipped.length, elapsedMs: performance.now() - t0, snapshot });
    }
  } finally {
    await session.release();
  }
  // The last image always closes the curve (when images were skipped, the last checkpoint is short).
  if (used > 0 && snapshots[snapshots.length - 1]?.images !== used) {
    const snapshot = { images: used, stats: cloneTensorStats(stats) };
    snapshots.push(snapshot);
    onProgress({ done: job.images.length, total: job.images.length, skipped: source.skipped.length, elapsedMs: performance.now() - t0, snapshot });
  }
  if (used === 0) throw new ZeropointError('no-images', `None of the ${job.images.length} image(s) could be used. Add JPEG or PNG images.`);
  return { tensor: job.tensor, snapshots, images: used, skippedImages: source.skipped, elapsedMs: performance.now() - t0 };
}
