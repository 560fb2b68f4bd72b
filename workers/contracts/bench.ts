import type { CalibrationStats } from '../core/calibration/collector';
import type { FidelityFailure, FidelityResult } from '../core/analysis/fidelity';
import type { ApSummary } from '../core/analysis/detection/ap';
import type { DecoderChoice } from '../core/analysis/detection/decoders';
import type { DetectionDrop } from '../core/analysis/detection/evaluate';
import type { YoloLabel } from '../core/analysis/detection/labels';
import type { LayerComparison } from '../core/metrics/compare';
import type { AgreementSummary, ErrorSummary } from '../core/metrics/error';
import type { InputGeometry, PreprocessSpec } from '../core/preprocess/spec';
import type { QuantizeOptions } from '../core/quant/quantize';
import type { TensorMapping } from '../core/quant/rewrite';
import type { NamedBlob } from '../model-files';
import type { KindTime, OpKind } from '../core/profile/kinds';
import type { VariantId, VariantRow } from '../core/profile/variants';
import type { NodeProfile } from '../core/report/overlay-data';
import type { HistogramView, OnProgress, Problem, SkippedImage, WorkerInit } from './shared';

// -------------------------------------------------------------------------------------------------
// Bench worker: one per provider configuration.

export type ProviderId = 'wasm-1' | 'wasm-n' | 'webgpu';

export interface ProviderConfig {
  readonly id: ProviderId;
  readonly provider: 'wasm' | 'webgpu';
  readonly threads: number;
  readonly label: string;
}

export interface BenchInit extends WorkerInit {
  readonly config: ProviderConfig;
}

export interface ProviderAvailability {
  readonly id: ProviderId;
  readonly available: boolean;
  /** Why not, in words, with what to do. */
  readonly reason?: string;
  /** Adapter description (WebGPU) or threads (WASM). */
  readonly detail?: string;
  /** WebGPU: the adapter has 'shader-f16' (float16 arithmetic; without it onnxruntime-web cannot run float16 kernels). */
  readonly shaderF16?: boolean;
}

export interface LatencyJob {
  readonly model: Uint8Array;
  readonly modelName: string;
  readonly image: NamedBlob;
  readonly spec: PreprocessSpec;
  readonly geometry: InputGeometry;
  readonly warmup: number;
  readonly runs: number;
}

export interface LatencyProgress {
  readonly phase: 'session' | 'warmup' | 'timed';
  readonly done: number;
  readonly total: number;
}

/**
 * Latency of one or two models measured together: both sessions open at once and their runs
 * alternate (A B, then B A, ...), so a machine that slows down or speeds up mid-run weighs on both
 * alike. Results come back in the order of `models`.
 */
export interface LatencyPairJob {
  readonly models: ReadonlyArray<{ readonly model: Uint8Array; readonly modelName: string }>;
  readonly image: NamedBlob;
  readonly spec: PreprocessSpec;
  readonly geometry: InputGeometry;
  /** Per model. */
  readonly warmup: number;
  readonly runs: number;
}

/** Nodes onnxruntime placed on the CPU instead of WebGPU (from its placement log). */
export interface PlacementReport {
  /** False when the log could not be read (then the lists are empty). */
  readonly captured: boolean;
  readonly cpuNodes: ReadonlyArray<{ readonly name: string; readonly opType: string }>;
  readonly gpuNodes: number;
}

export interface LatencyResult {
  readonly modelName: string;
  readonly provider: ProviderId;
  readonly runner: string;
  readonly sessionMs: number;
  /** Every timed run, in order. */
  readonly samplesMs: readonly number[];
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly meanMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** WebGPU only. */
  readonly placement: PlacementReport | null;
  /**
   * Set when a float16 model ran on a WebGPU adapter without 'shader-f16': its float16 weights were
   * widened exactly to float32 (widenFloat16), so it ran with float32 arithmetic.
   */
  readonly widened?: boolean;
}

export interface CompareJob {
  readonly fp32: Uint8Array;
  readonly int8: Uint8Array;
  readonly fp32Name: string;
  readonly int8Name: string;
  readonly images: readonly NamedBlob[];
  /** Class index per image (same order), null where unknown. */
  readonly labels: readonly (number | null)[] | null;
  readonly spec: PreprocessSpec;
  readonly geometry: InputGeometry;
  /** Default: read from the INT8 model's metadata (mappingFromModel). */
  readonly mapping?: readonly TensorMapping[] | null;
  readonly histogramBins?: number;
  /** Detection scoring against YOLO labels (the images' boxes), when the evaluation images have them. */
  readonly detection?: DetectionJob | null;
  /**
   * Names the FP32 model, preprocessing and input settings: the worker keeps the FP32 outputs of each
   * image under it (within a memory budget) and reuses them in the next comparison with the same key.
   */
  readonly referenceKey?: string;
}

/** What the Compare step scores a detector with (workers/core/analysis/detection). */
export interface DetectionJob {
  /** YOLO labels per image (same order as the images); null for an image without a label file (no objects). */
  readonly labels: readonly (readonly YoloLabel[] | null)[];
  /** A decoder by name; null: chosen from the FP32 model's outputs. */
  readonly decoder: string | null;
  /** Label class of each model class (see DetectionOptions.classMap); null: the model's classes are the labels'. */
  readonly classMap: readonly number[] | null;
}

/** Detection scoring alone (the Detection panel's new settings): plain FP32 and INT8 runs, no per-layer statistics. */
export interface DetectJob {
  readonly fp32: Uint8Array;
  readonly int8: Uint8Array;
  readonly fp32Name: string;
  readonly int8Name: string;
  readonly images: readonly NamedBlob[];
  readonly spec: PreprocessSpec;
  readonly geometry: InputGeometry;
  readonly detection: DetectionJob;
}

/** FP32 and INT8 AP side by side, or why the detector could not be scored (the rest of the comparison stands). */
export type DetectionSummary =
  | {
      readonly ok: true;
      readonly decoder: DecoderChoice;
      readonly classMap: readonly number[] | null;
      readonly fp32: ApSummary;
      readonly int8: ApSummary;
      readonly drop: DetectionDrop;
      /** Images without a label file (scored as images with no objects). */
      readonly unlabelled: number;
    }
  | { readonly ok: false; readonly problem: Problem };

export interface CompareProgress {
  readonly done: number;
  readonly total: number;
  /** Images whose FP32 outputs came from the previous comparison (CompareJob.referenceKey). */
  readonly reused?: number;
}

/** The two sides of one layer on shared bins. */
export interface ActivationPair {
  readonly fp32: HistogramView;
  readonly int8: HistogramView;
}

export interface ComparisonSummary {
  readonly provider: ProviderId;
  readonly images: number;
  readonly skippedImages: readonly SkippedImage[];
  readonly outputs: ReadonlyArray<{ readonly name: string } & ErrorSummary>;
  readonly agreement: AgreementSummary | null;
  /** False when the INT8 model carries no tensor mapping (a foreign model): no per-layer rows. */
  readonly perLayer: boolean;
  readonly layers: readonly LayerComparison[];
  /** Histograms of FP32 - INT8 differences, per output and per layer (keyed by FP32 tensor). */
  readonly errorHistograms: {
    readonly outputs: Readonly<Record<string, HistogramView>>;
    readonly layers: Readonly<Record<string, HistogramView>>;
  };
  /**
   * Per mapped layer (keyed by FP32 tensor): the histograms of the FP32 activation and of its INT8
   * (dequantized) twin over every image, on the same bins (same `lo` and `binWidth`) so they overlay.
   */
  readonly activationHistograms: Readonly<Record<string, ActivationPair>>;
  /** AP50 / AP50-95 of FP32 and INT8 when the job asked for detection scoring, else null. */
  readonly detection: DetectionSummary | null;
  readonly elapsedMs: number;
  /** Images whose FP32 outputs were reused from the previous comparison (not run again). */
  readonly reusedFp32?: number;
  /** As LatencyResult.widened: the float16 model ran widened to float32 (a WebGPU adapter without 'shader-f16'). */
  readonly widened?: boolean;
}

export type { FidelityFailure };

/** The fidelity gate after a build: FP32 and INT8 on a few held-out images (workers/core/analysis/fidelity.ts). */
export interface FidelityJob {
  readonly fp32: Uint8Array;
  readonly int8: Uint8Array;
  readonly fp32Name: string;
  readonly int8Name: string;
  readonly images: readonly NamedBlob[];
  readonly spec: PreprocessSpec;
  readonly geometry: InputGeometry;
  /** Cosine below which an output or slice fails (default 0.98). */
  readonly threshold?: number;
}

export interface FidelitySummary extends FidelityResult {
  readonly provider: ProviderId;
  /** The images that ran (names as given), and those that could not be decoded. */
  readonly imageNames: readonly string[];
  readonly skippedImages: readonly SkippedImage[];
}

/** What the model worker hands the bench worker for a latency-aware search (model.worker latencyInputs). */
export interface LatencyInputs {
  /** The prepared FP32 model's bytes (transferred). */
  readonly prepared: Uint8Array;
  readonly stats: CalibrationStats;
  /** The INT8 options the person built with (their keep list stays FP32 in every candidate). */
  readonly options: QuantizeOptions;
}

export interface LatencyAwareJob extends LatencyInputs {
  readonly modelName: string;
  /** Held-out images: the first is timed and profiled, up to 4 judge the accuracy target. */
  readonly images: readonly NamedBlob[];
  readonly spec: PreprocessSpec;
  readonly geometry: InputGeometry;
  /** Accuracy target: every output and judged slice at this cosine to FP32 or better. */
  readonly targetCosine: number;
}

export interface LatencyAwareProgress {
  readonly phase: 'profile' | 'choose' | 'accuracy' | 'timing' | 'variants';
  readonly message: string;
}

/** Per FP32 node: its time in each profile (ms per run) and how INT8 ran it. */
export interface ProfileNodeRow {
  readonly node: string;
  readonly opType: string;
  readonly kind: OpKind;
  readonly fp32Ms: number;
  readonly int8Ms: number;
  /** The INT8 model's kernel(s) for it ('QLinearConv', 'FusedConv'). */
  readonly int8Kernels: readonly string[];
  readonly execution: 'fused' | 'dq-op-q' | null;
  readonly qdqMs: number;
  readonly layoutMs: number;
  /** INT8 in the latency-aware model (its unit's head or a member). */
  readonly latencyAwareInt8: boolean;
}

export interface VariantDownload {
  readonly id: VariantId;
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface LatencyAwareSummary {
  readonly provider: ProviderId;
  readonly providerLabel: string;
  readonly summary: string;
  readonly notes: readonly string[];
  readonly isFp32: boolean;
  readonly int8Units: readonly string[];
  readonly unitCount: number;
  readonly kinds: { readonly fp32: readonly KindTime[]; readonly int8: readonly KindTime[] };
  readonly totals: { readonly fp32Ms: number; readonly int8Ms: number };
  readonly nodes: readonly ProfileNodeRow[];
  readonly boundaries: ReadonlyArray<{ readonly tensor: string; readonly kind: 'quantize' | 'dequantize'; readonly ms: number }>;
  readonly variants: readonly VariantRow[];
  /** The graph overlays' per-node profiles (FP32 and INT8 on this provider). */
  readonly profiles: readonly NodeProfile[];
  readonly downloads: readonly VariantDownload[];
  /** The software adapter's or a loaded machine's caveat, when there is one. */
  readonly caveat: string | null;
}

export interface BenchWorkerApi {
  /** Configures the provider (threads are fixed for the worker's life) and says whether it is usable. */
  init(init: BenchInit): Promise<ProviderAvailability>;
  /**
   * Per-node profiles of FP32 and INT8 on this provider, the latency-aware INT8 model (each unit INT8
   * or FP32, whichever is faster here, under the accuracy target) and the variants side by side
   * (workers/core/profile/latency-aware.ts).
   */
  latencyAware(job: LatencyAwareJob, onProgress: OnProgress<LatencyAwareProgress>, signal: AbortSignal): Promise<LatencyAwareSummary>;
  latency(job: LatencyJob, onProgress: OnProgress<LatencyProgress>, signal: AbortSignal): Promise<LatencyResult>;
  /** One or two models, runs alternating (LatencyPairJob); progress counts rounds. */
  latencyPair(job: LatencyPairJob, onProgress: OnProgress<LatencyProgress>, signal: AbortSignal): Promise<LatencyResult[]>;
  compare(job: CompareJob, onProgress: OnProgress<CompareProgress>, signal: AbortSignal): Promise<ComparisonSummary>;
  fidelity(job: FidelityJob, onProgress: OnProgress<CompareProgress>, signal: AbortSignal): Promise<FidelitySummary>;
  /** FP32 and INT8 AP50/AP50-95 on labelled images, in one pass over them (no per-layer statistics). */
  detect(job: DetectJob, onProgress: OnProgress<CompareProgress>, signal: AbortSignal): Promise<DetectionSummary>;
}
