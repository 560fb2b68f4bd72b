/**
 * A calibration worker: one onnxruntime-web WASM session (1 thread) running the engine's calibrate()
 * on this worker's share of the images. The app runs a pool of these (app/workers.ts) and merges the
 * shards with mergeCalibrationStats. Also renders the preprocessing preview of one image.
 */
import * as Comlink from 'comlink';
import './transfer';
import type { CalibrateWorkerApi, CalibrationJob, GrowthJob, GrowthProgress, GrowthResult, CalibrationProgress, CalibrationShard, OnProgress, PreviewResult, RgbaPixels, WorkerInit } from './contracts';
import { calibrate } from './core/calibration/calibrate';
import type { CalibrationStats } from './core/calibration/collector';
import { ZeropointError } from './core/errors';
import { decodeModel } from './core/onnx/decode';
import { imageToTensor, tensorToImage } from './core/preprocess/image';
import type { InputGeometry, PreprocessSpec } from './core/preprocess/spec';
import { decodeImageBlob } from './decode-image';
import { imageSource, skippingRunner } from './image-source';
import type { NamedBlob } from './model-files';
import { createWebRunner } from './ort';
import { calibrateGrowth } from './learn-growth';

let config: WorkerInit | null = null;

function requireInit(): WorkerInit {
  if (!config) throw new ZeropointError('runtime', 'The calibration worker was not initialised; reload the page.');
  return config;
}

function statsTransferables(stats: CalibrationStats): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const name of Object.keys(stats.tensors)) {
    const h = stats.tensors[name].histogram;
    if (h && h.counts.buffer instanceof ArrayBuffer) out.push(h.counts.buffer);
  }
  return out;
}

const THUMBNAIL = 160;

async function thumbnail(pixels: { width: number; height: number; data: Uint8Array | Uint8ClampedArray }): Promise<RgbaPixels> {
  const scale = Math.min(1, THUMBNAIL / Math.max(pixels.width, pixels.height));
  const width = Math.max(1, Math.round(pixels.width * scale));
  const height = Math.max(1, Math.round(pixels.height * scale));
  const data = pixels.data instanceof Uint8ClampedArray ? pixels.data : new Uint8ClampedArray(pixels.data);
  const bitmap = await createImageBitmap(new ImageData(new Uint8ClampedArray(data), pixels.width, pixels.height), {
    resizeWidth: width,
    resizeHeight: height,
    resizeQuality: 'medium',
  });
  try {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (!context) throw new ZeropointError('runtime', 'This browser gives no 2D canvas in a worker; use a current Chrome, Edge, Firefox or Safari.');
    context.drawImage(bitmap, 0, 0);
    return { width, height, data: context.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
}

const api = {
  async init(init: WorkerInit): Promise<void> {
    config = init;
  },

  async calibrate(job: CalibrationJob, onProgress: OnProgress<CalibrationProgress>, signal: AbortSignal): Promise<CalibrationShard> {
    const { wasmPaths } = requireInit();
    const t0 = performance.now();
    signal.throwIfAborted();
    const model = decodeModel(job.model, { source: job.modelName });
    const runner = skippingRunner(createWebRunner({ provider: 'wasm', threads: 1, wasmPaths, source: job.modelName }));
    const source = imageSource(job.images, job.spec, job.geometry);
    // Each image is announced before it is decoded and run, so the pool can time it (app/workers.ts):
    // the message leaves now, even if the run then blocks this worker.
    const announced: typeof source = {
      ...source,
      feeds: (i) => {
        void onProgress({ done: i, total: job.images.length, skipped: source.skipped.length, elapsedMs: performance.now() - t0, running: job.images[i].name });
        return source.feeds(i);
      },
    };
    const result = await calibrate(model, runner, announced, {
      signal,
      threads: 1,
      collector: job.collector,
      channelMeans: job.channelMeans,
      onProgress: (p) => void onProgress({ done: p.done, total: p.total, skipped: source.skipped.length, elapsedMs: p.elapsedMs }),
    });
    const shard: CalibrationShard = {
      stats: result.stats,
      shapes: result.shapes,
      skippedTensors: result.skipped,
      images: result.images - source.skipped.length,
      skippedImages: source.skipped,
      elapsedMs: performance.now() - t0,
    };
    return Comlink.transfer(shard, statsTransferables(result.stats));
  },

  async preview(image: NamedBlob, spec: PreprocessSpec, geometry: InputGeometry): Promise<PreviewResult> {
    const rgba = await decodeImageBlob(image.blob, image.name);
    const tensor = imageToTensor(rgba, spec, geometry);
    const back = tensorToImage(tensor, spec, geometry);
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of tensor.data) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    const thumb = await thumbnail(rgba);
    const result: PreviewResult = {
      name: image.name,
      original: { width: rgba.width, height: rgba.height },
      input: { width: back.width, height: back.height, data: back.data },
      thumbnail: thumb,
      dims: tensor.dims,
      valueRange: { min, max, mean: sum / tensor.data.length },
    };
    return Comlink.transfer(result, [back.data.buffer as ArrayBuffer, thumb.data.buffer as ArrayBuffer]);
  },

  /** Learn mode, lesson 5: one tensor calibrated image by image (workers/learn-growth.ts). */
  async growth(job: GrowthJob, onProgress: OnProgress<GrowthProgress>, signal: AbortSignal): Promise<GrowthResult> {
    return calibrateGrowth(job, requireInit().wasmPaths, onProgress, signal);
  },
} satisfies CalibrateWorkerApi;

Comlink.expose(api);
