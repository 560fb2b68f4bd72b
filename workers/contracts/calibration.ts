import type { CalibrationStats, CollectorOptions } from '../core/calibration/collector';
import type { InputGeometry, PreprocessSpec } from '../core/preprocess/spec';
import type { NamedBlob } from '../model-files';
import type { CalibrateLearnApi } from './learn';
import type { OnProgress, RgbaPixels, SkippedImage, WorkerInit } from './shared';

// -------------------------------------------------------------------------------------------------
// Calibration worker: one onnxruntime-web WASM session (1 thread) per worker.

export interface CalibrationJob {
  /** The prepared model's bytes (transferred). */
  readonly model: Uint8Array;
  readonly modelName: string;
  /** This worker's share. */
  readonly images: readonly NamedBlob[];
  readonly spec: PreprocessSpec;
  readonly geometry: InputGeometry;
  readonly collector?: CollectorOptions;
  /** Also collect per-channel means of Conv/Gemm inputs (for bias correction at Quantize). */
  readonly channelMeans?: boolean;
}

export interface CalibrationProgress {
  /** Images handled (used or skipped). */
  readonly done: number;
  readonly total: number;
  readonly skipped: number;
  readonly elapsedMs: number;
  /**
   * Set on the report sent just before an image is decoded and run: its name. The pool times each
   * image from this report to the next (a WASM run blocks the worker, so only the app can stop it).
   */
  readonly running?: string;
}

export interface CalibrationShard {
  readonly stats: CalibrationStats;
  readonly shapes: Record<string, number[]>;
  readonly skippedTensors: readonly string[];
  /** Images that went through the model. */
  readonly images: number;
  readonly skippedImages: readonly SkippedImage[];
  readonly elapsedMs: number;
}

export interface PreviewResult {
  readonly name: string;
  readonly original: { readonly width: number; readonly height: number };
  /** The preprocessed tensor turned back into a picture (tensorToImage). */
  readonly input: RgbaPixels;
  /** The decoded image, at most 160 px on its long side. */
  readonly thumbnail: RgbaPixels;
  readonly dims: readonly number[];
  /** Range of the tensor values (after normalization). */
  readonly valueRange: { readonly min: number; readonly max: number; readonly mean: number };
}

/** Calibration and preview, plus Learn mode's image-by-image calibration (CalibrateLearnApi, in learn.ts). */
export interface CalibrateWorkerApi extends CalibrateLearnApi {
  init(init: WorkerInit): Promise<void>;
  calibrate(job: CalibrationJob, onProgress: OnProgress<CalibrationProgress>, signal: AbortSignal): Promise<CalibrationShard>;
  preview(image: NamedBlob, spec: PreprocessSpec, geometry: InputGeometry): Promise<PreviewResult>;
}
