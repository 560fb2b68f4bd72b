import type { CollectorOptions, TensorStats } from '../core/calibration/collector';
import type { AllRanges, CalibrationRange } from '../core/calibration/ranges';
import type { InputGeometry, PreprocessSpec } from '../core/preprocess/spec';
import type { NamedBlob } from '../model-files';
import type { ChannelErrors } from '../core/learn/lessons';
import type { RangeQuery } from './model';
import type { HistogramView, OnProgress, SkippedImage } from './shared';

// -------------------------------------------------------------------------------------------------
// Learn mode: the lessons' data. The model worker serves the real statistics and weights of the open
// model (ModelLearnApi); a calibration worker calibrates one tensor image by image (CalibrateLearnApi,
// lesson 5). The light per-control numbers (scale, round trip, code usage, clip metrics) are computed
// on the page with the same engine functions, from the statistics these calls return.

export type { ChannelErrors, TensorStats };

/** An activation tensor with calibration statistics (a histogram), in graph order. */
export interface LearnActivation {
  readonly tensor: string;
  /** The node that produces it ('' for a graph input) and its op. */
  readonly node: string;
  readonly opType: string;
  readonly shape: readonly number[] | null;
  readonly min: number;
  readonly max: number;
}

/** A Conv layer's weight ([C_out, C_in/group, kH, kW], output channels on axis 0). */
export interface LearnWeight {
  readonly node: string;
  readonly opType: string;
  readonly weight: string;
  readonly dims: readonly number[];
  /**
   * Largest over smallest per-output-channel max|w| (>= 1; Infinity when a channel is all zeros): how
   * much per-channel scales can win over one per-tensor scale.
   */
  readonly channelSpread: number;
}

export interface LearnCatalog {
  readonly model: string;
  readonly parameters: number;
  /** Calibration images behind the activation statistics (0 before calibration). */
  readonly images: number;
  readonly activations: readonly LearnActivation[];
  readonly weights: readonly LearnWeight[];
}

/** The integer grid a lesson quantizes to. */
export interface LearnGrid {
  readonly type: 'u8' | 's8';
  readonly symmetric: boolean;
}

/** One tensor's statistics as the quantizer reads them, plus what the lessons draw. */
export interface LearnTensorData {
  readonly kind: 'activation' | 'weight';
  readonly tensor: string;
  readonly node: string;
  readonly opType: string;
  readonly shape: readonly number[] | null;
  /** The full statistics (2048-bin histogram included): what every range method and clipMetrics read. */
  readonly stats: TensorStats;
  readonly mean: number;
  readonly std: number;
  /** The histogram reduced for a chart. */
  readonly view: HistogramView;
  /** The grid the MSE range was searched for. */
  readonly grid: LearnGrid;
  /** Every method's range from these statistics (computeAllRanges). */
  readonly ranges: AllRanges;
  /** Images behind the statistics (activations); 0 for a weight. */
  readonly images: number;
}

export interface LearnWeightData extends LearnTensorData {
  readonly kind: 'weight';
  readonly dims: readonly number[];
  /** perChannelLesson: each output channel's range and its SQNR per tensor and per channel (s8 symmetric). */
  readonly channels: readonly ChannelErrors[];
}

/** Cumulative statistics of one tensor after the first `images` images. */
export interface GrowthSnapshot {
  readonly images: number;
  readonly stats: TensorStats;
}

export interface GrowthJob {
  /** The prepared model's bytes (transferred). */
  readonly model: Uint8Array;
  readonly modelName: string;
  readonly images: readonly NamedBlob[];
  readonly spec: PreprocessSpec;
  readonly geometry: InputGeometry;
  readonly tensor: string;
  /** Image counts (ascending) after which a snapshot is taken. */
  readonly checkpoints: readonly number[];
  /** Histogram bins and averaging constant: those of the calibration the snapshots are compared with. */
  readonly collector?: CollectorOptions;
}

export interface GrowthProgress {
  /** Images handled (used or skipped). */
  readonly done: number;
  readonly total: number;
  readonly skipped: number;
  readonly elapsedMs: number;
  /** Set when this image completed a checkpoint. */
  readonly snapshot: GrowthSnapshot | null;
}

export interface GrowthResult {
  readonly tensor: string;
  readonly snapshots: readonly GrowthSnapshot[];
  /** Images that went through the model. */
  readonly images: number;
  readonly skippedImages: readonly SkippedImage[];
  readonly elapsedMs: number;
}

/** Lesson 5: the range from the first k images, and that range applied to the full-set histogram. */
export interface GrowthRow {
  readonly images: number;
  /** Observed min/max over the first k images. */
  readonly observed: { readonly min: number; readonly max: number };
  /** The method's range from the first k images (computeRange on the snapshot). */
  readonly range: CalibrationRange;
  readonly scale: number;
  readonly zeroPoint: number;
  /** clipMetrics of the full-set histogram quantized with that range. */
  readonly mse: number;
  readonly sqnrDb: number;
  readonly clippedFraction: number;
}

export interface ModelLearnApi {
  /** The tensors and Conv weights a lesson can use; activations are empty before calibration. */
  learnCatalog(): Promise<LearnCatalog>;
  /** An activation's calibration statistics and every method's range for `grid`. */
  learnTensor(tensor: string, grid: LearnGrid): Promise<LearnTensorData>;
  /** A Conv node's weight: its histogram and per-channel errors (no calibration needed). */
  learnWeight(node: string): Promise<LearnWeightData>;
  /** Lesson 5's rows: each snapshot's range (query's method), applied to the calibration's full-set histogram of `tensor`. */
  learnGrowth(tensor: string, snapshots: readonly GrowthSnapshot[], query: RangeQuery): Promise<GrowthRow[]>;
}

export interface CalibrateLearnApi {
  /** Calibrates one tensor image by image (the job's images in order), with a snapshot at each checkpoint. */
  growth(job: GrowthJob, onProgress: OnProgress<GrowthProgress>, signal: AbortSignal): Promise<GrowthResult>;
}
