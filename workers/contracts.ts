/**
 * The doors between the app and its workers: TYPES ONLY (no runtime code), each worker's API and the
 * plain data that crosses. The app imports this file with `import type`; each worker checks itself
 * against its contract with `const api = { ... } satisfies XWorkerApi; Comlink.expose(api)`.
 *
 * Conventions on every door (see workers/transfer.ts for the wire side):
 * - Everything that crosses is structured-cloneable plain data: no classes, no functions, except the
 *   progress callbacks, which the app wraps with `Comlink.proxy(fn)`.
 * - Big buffers cross with `Comlink.transfer(x, [x.buffer])` (model bytes, pixels): the sender loses
 *   them. Model bytes live in the model worker; the app only holds them during a hand-over.
 * - A long call takes `(job, onProgress, signal)`: the signal is its own top-level argument because
 *   Comlink's transfer handlers only see top-level arguments. Aborting rejects the call with a
 *   ZeropointError whose code is 'cancelled'.
 * - Errors arrive as real ZeropointErrors (code, message, subject kept). Per-item problems (an image
 *   that does not decode, a node kept in FP32) are data in the result, never a rejection.
 */
import type { CalibrationStats, CollectorOptions } from './core/calibration/collector';
import type { AllRanges, CalibrationRange, RangeMethod } from './core/calibration/ranges';
import type { ZeropointErrorCode } from './core/errors';
import type { ModelSummary, QuantizationFormat, TensorSummary } from './core/graph/inspect';
import type { FidelityFailure, FidelityResult } from './core/analysis/fidelity';
import type { ApSummary } from './core/analysis/detection/ap';
import type { DecoderChoice } from './core/analysis/detection/decoders';
import type { DetectionDrop } from './core/analysis/detection/evaluate';
import type { YoloLabel } from './core/analysis/detection/labels';
import type { LayerComparison } from './core/metrics/compare';
import type { AgreementSummary, ErrorSummary } from './core/metrics/error';
import type { InputGeometry, PreprocessSpec } from './core/preprocess/spec';
import type { PreprocessSuggestion } from './core/preprocess/suggest';
import type { QuantizeOptions, QuantizeReport } from './core/quant/quantize';
import type { TensorMapping } from './core/quant/rewrite';
import type { ExportFormat } from './core/export/formats';
import type { Fp16Report } from './core/export/fp16';
import type { WeightOnlyReport } from './core/export/weight-only';
import type { NamedBlob } from './model-files';
import type { KindTime, OpKind } from './core/profile/kinds';
import type { VariantId, VariantRow } from './core/profile/variants';
import type { TensorStats } from './core/calibration/collector';
import type { ChannelErrors } from './core/learn/lessons';
import type { GraphView, GraphViewBlock, GraphViewNode } from './core/graph/view';
import type { GraphLayout, LayoutOptions } from './core/layout/layered';
import type { LayerErrorSplit, NodeProfile, OverlayData, PrecisionChoice, RangeOverlayRow, SensitivityData } from './core/report/overlay-data';
import type { NodeOverlay } from './core/report/overlays';
import type { ReportInput } from './core/report/types';
import type { PrecisionUnit } from './analysis-contracts';

export type * from './analysis-contracts';

export type {
  ExportFormat,
  Fp16Report,
  WeightOnlyReport,
  AgreementSummary,
  AllRanges,
  CalibrationRange,
  CalibrationStats,
  ErrorSummary,
  InputGeometry,
  LayerComparison,
  ModelSummary,
  NamedBlob,
  PreprocessSpec,
  PreprocessSuggestion,
  QuantizationFormat,
  QuantizeOptions,
  QuantizeReport,
  RangeMethod,
  TensorMapping,
  TensorSummary,
};

// -------------------------------------------------------------------------------------------------
// Shared

export type ProblemCode = ZeropointErrorCode | 'unexpected';

/** A problem as plain data: what the UI shows in a role="alert" (message says what to do). */
export interface Problem {
  readonly code: ProblemCode;
  readonly message: string;
  /** The file, node or tensor it is about. */
  readonly subject?: string;
}

/** A progress callback; the app passes `Comlink.proxy(fn)`. */
export type OnProgress<P> = (progress: P) => void;

/** Sent once after a worker starts. */
export interface WorkerInit {
  /** Absolute URL of the folder serving onnxruntime-web's glue (.mjs) and binary (.wasm), ending in '/'. */
  readonly wasmPaths: string;
}

/** An image that could not be used: skipped, as data. */
export interface SkippedImage {
  readonly name: string;
  readonly reason: string;
}

/** RGBA 8-bit pixels, row-major (what a canvas putImageData takes). */
export interface RgbaPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

/**
 * A histogram reduced for a chart: `counts.length` equal bins starting at `lo`, each `binWidth` wide,
 * covering the observed [min, max]. `zeroCount` of the values are exactly 0 (inside their bin).
 */
export interface HistogramView {
  readonly lo: number;
  readonly binWidth: number;
  readonly counts: readonly number[];
  readonly count: number;
  readonly zeroCount: number;
  readonly min: number;
  readonly max: number;
}

// -------------------------------------------------------------------------------------------------
// Model worker: owns the model, the prepared copy, the calibration statistics and the INT8 model.

export type ModelVariant = 'original' | 'prepared' | 'int8';

/** One node, in topological order. */
export interface NodeRow {
  /** Position in topological order (0-based). */
  readonly order: number;
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** The quantizer registry has an INT8 quantizer for this op. */
  readonly quantizable: boolean;
  /** A first or last compute layer (what the "keep first and last in FP32" preset keeps). */
  readonly firstOrLast: boolean;
}

export interface PreparedInfo {
  readonly opset: { readonly from: number; readonly to: number };
  readonly upgradedNodes: ReadonlyArray<{ node: string; opType: string; change: string }>;
  readonly widened: { readonly inputs: readonly string[]; readonly outputs: readonly string[] } | null;
  readonly notes: readonly string[];
  /** Encoded size of the prepared (FP32, opset >= 13) model. */
  readonly bytes: number;
  /** Tensors calibration will observe. */
  readonly calibrationTensors: number;
}

export interface ModelInfo {
  readonly name: string;
  readonly fileBytes: number;
  readonly externalFiles: readonly string[];
  readonly summary: ModelSummary;
  /** A QDQ, QOperator or dynamic INT8 model: it can be inspected and run, not quantized again. */
  readonly alreadyQuantized: boolean;
  /** Set when the model can be quantized (FP32/FP16, upgradable to opset 13). */
  readonly prepared: PreparedInfo | null;
  /** Why it cannot be quantized, when it cannot. */
  readonly cannotQuantize: Problem | null;
  /** The image input, when the model has exactly one float image input. */
  readonly geometry: InputGeometry | null;
  /** Why it is not an image model, when it is not. */
  readonly notImage: Problem | null;
  /** Nodes of the prepared model (named), else of the original, in topological order. */
  readonly nodes: readonly NodeRow[];
  /** Names of the nodes the first-and-last preset keeps in FP32. */
  readonly firstAndLast: readonly string[];
  /** The preprocessing the model itself suggests (core/preprocess/suggest.ts), with why. */
  readonly suggestion: PreprocessSuggestion;
}

export interface CalibrationMeta {
  /** Images that went through the model. */
  readonly images: number;
  readonly skippedImages: readonly SkippedImage[];
  /** Exposed tensors that turned out not to be float (skipped, as data). */
  readonly skippedTensors: readonly string[];
  readonly spec: PreprocessSpec;
  readonly geometry: InputGeometry;
  readonly workers: number;
  readonly elapsedMs: number;
}

export interface CalibrationRecord {
  readonly stats: CalibrationStats;
  readonly shapes: Readonly<Record<string, number[]>>;
  readonly meta: CalibrationMeta;
}

export interface CalibrationOverview {
  readonly tensors: number;
  readonly images: number;
  readonly histograms: boolean;
}

/**
 * What a range query depends on: the method and its options, plus the options that decide WHICH
 * tensors are quantized (keep lists, activation type). Missing fields take DEFAULT_QUANTIZE_OPTIONS.
 */
export type RangeQuery = Partial<QuantizeOptions>;

/** One quantized activation tensor for the chosen method. */
export interface RangeRow {
  readonly tensor: string;
  /** The node that produces it ('' for a graph input) and its op. */
  readonly node: string;
  readonly opType: string;
  /** From calibration; null when never observed directly (a tensor sharing another's parameters). */
  readonly shape: readonly number[] | null;
  /** The tensor whose statistics chose the parameters (itself, or the input of a pass-through op). */
  readonly rangeSource: string;
  readonly observed: { readonly min: number; readonly max: number };
  readonly range: { readonly min: number; readonly max: number };
  readonly scale: number;
  readonly zeroPoint: number;
  readonly type: 'u8' | 's8';
  /** Estimated fraction of values outside the range; null when the method does not say. */
  readonly clippedFraction: number | null;
  /**
   * Expected signal-to-quantization-noise ratio (dB) of this tensor with its range and grid, from the
   * calibration histogram (mean square of the values over the expected squared error, the MSE
   * method's closed form); null without a histogram, Infinity when the grid is exact.
   */
  readonly sqnrDb: number | null;
}

/** One quantized weight (the constant input of a Conv, Gemm, MatMul... ) for the table's options. */
export interface WeightRow {
  readonly weight: string;
  /** The node that consumes it and its op. */
  readonly node: string;
  readonly opType: string;
  readonly dims: readonly number[];
  /** Channel axis, -1 for per-tensor. */
  readonly axis: number;
  /** Channels along the axis (1 per tensor). */
  readonly channels: number;
  readonly type: 'u8' | 's8';
  /** Smallest and largest weight value. */
  readonly observed: { readonly min: number; readonly max: number };
  /** The widest representable range among the channels (per tensor: the only one). */
  readonly range: { readonly min: number; readonly max: number };
  /** Smallest and largest scale among the channels. */
  readonly scale: { readonly min: number; readonly max: number };
  /** The zero-point (of channel 0 when per channel: symmetric weights share it). */
  readonly zeroPoint: number;
  /** Exact SQNR (dB) of the weight after quantize and dequantize (weights are never clipped). */
  readonly sqnrDb: number;
}

export interface RangeTable {
  readonly method: RangeMethod;
  readonly query: RangeQuery;
  readonly rows: readonly RangeRow[];
  /** The quantized weights in graph order (they do not depend on the range method). */
  readonly weights: readonly WeightRow[];
}

export interface QuantGridView {
  readonly type: 'u8' | 's8';
  readonly qmin: number;
  readonly qmax: number;
  readonly scale: number;
  readonly zeroPoint: number;
  /** Smallest and largest representable real values. */
  readonly lowest: number;
  readonly highest: number;
}

export interface TensorDetail {
  readonly tensor: string;
  readonly node: string;
  readonly opType: string;
  readonly shape: readonly number[] | null;
  readonly rangeSource: string;
  readonly stats: {
    readonly count: number;
    readonly batches: number;
    readonly nanCount: number;
    readonly infCount: number;
    readonly min: number;
    readonly max: number;
    readonly movingMin: number;
    readonly movingMax: number;
    readonly mean: number;
    readonly std: number;
  };
  /** The statistics' histogram downsampled for a chart (null without histograms). */
  readonly histogram: HistogramView | null;
  /** Every method's range from the same statistics (computeAllRanges). */
  readonly ranges: AllRanges;
  /** The range of the queried method and the grid it gives. */
  readonly chosen: CalibrationRange;
  readonly grid: QuantGridView;
}

export interface WeightDetail {
  readonly node: string;
  readonly opType: string;
  readonly weight: string;
  readonly dims: readonly number[];
  /** Channel axis, -1 for per-tensor. */
  readonly axis: number;
  readonly type: 'u8' | 's8';
  readonly scales: readonly number[];
  readonly zeroPoints: readonly number[];
  readonly channelMin: readonly number[];
  readonly channelMax: readonly number[];
}

export interface QuantizeOutcome {
  /** The built model's format (the Quantize step's choice). */
  readonly format: ExportFormat;
  /** The INT8 report (format 'int8'); null for the data-free formats. */
  readonly report: QuantizeReport | null;
  /** The FP16 or weight-only report (what was converted, what was kept and why); null for INT8. */
  readonly formatReport: Fp16Report | WeightOnlyReport | null;
  /** `int8`: the built model's size, whatever its format. */
  readonly sizes: { readonly original: number; readonly prepared: number; readonly int8: number };
  /** The built model's file name (`model.int8.onnx`, `model.fp16.onnx`, `model.int8w.onnx`). */
  readonly int8Name: string;
  readonly summary: ModelSummary;
  readonly mappingCount: number;
}

/** A data-free format's build: the keep lists, and what the FP16 plan may know of the input. */
export interface FormatJob {
  readonly format: Exclude<ExportFormat, 'int8'>;
  readonly keepNodes: readonly string[];
  readonly keepOpTypes: readonly string[];
  readonly keepFirstAndLast: boolean;
  /** The Data step's preprocessing (the input's range for FP16's first-layer rule); null when not set. */
  readonly spec: PreprocessSpec | null;
  readonly geometry: InputGeometry | null;
}

/** A file to save: a name and its bytes (transferred). */
export interface ExportedFile {
  readonly name: string;
  readonly mime: string;
  readonly bytes: Uint8Array;
}

/** The workbench's doors plus Learn mode's (ModelLearnApi, at the end of this file). */
export interface ModelWorkerApi extends ModelLearnApi {
  /** Reads the .onnx (and its external data files) and keeps it; replaces any previous model. */
  open(files: readonly NamedBlob[]): Promise<ModelInfo>;
  /** Encoded bytes of a variant (transferred; a fresh copy per call). Throws when it does not exist yet. */
  modelBytes(variant: ModelVariant): Promise<Uint8Array>;
  /** Keeps merged calibration statistics (replacing earlier ones, dropping any INT8 model). */
  setCalibration(record: CalibrationRecord): Promise<CalibrationOverview>;
  /** Per quantized tensor: observed, chosen range and parameters for a method. No recalibration. */
  rangeTable(query: RangeQuery): Promise<RangeTable>;
  tensorDetail(tensor: string, query: RangeQuery): Promise<TensorDetail>;
  /** Per-channel min/max and scales of a node's weight; null when the node has no quantizable weight. */
  weightDetail(node: string, query: RangeQuery): Promise<WeightDetail | null>;
  /** Builds and keeps the INT8 QDQ model. */
  quantize(options: RangeQuery): Promise<QuantizeOutcome>;
  /** Builds and keeps an FP16 or weight-only INT8 model (no calibration needed), in place of any INT8 one. */
  exportFormat(job: FormatJob): Promise<QuantizeOutcome>;
  exportInt8(): Promise<ExportedFile>;
  /** JSON: every setting and number (model, preprocessing, calibration, options, report, mapping, sizes). */
  exportReport(): Promise<ExportedFile>;
  /** The INT8 model's tensor mapping, null before quantize. */
  mapping(): Promise<TensorMapping[] | null>;
  /** The graph to draw: the prepared FP32 model (else the original), or the INT8 model as written (blocks: the fused QLinear kernels). */
  graphView(variant: GraphVariant): Promise<GraphView>;
  /** The precision units (a layer with its folds and gate) the query quantizes, in graph order. */
  precisionUnits(query: RangeQuery): Promise<PrecisionUnit[]>;
  /** A copy of the merged calibration statistics, for the analysis workers. */
  calibrationStats(): Promise<CalibrationStats>;
  /** The prepared model, the calibration statistics and the INT8 options last built, for a latency-aware search. */
  latencyInputs(): Promise<LatencyInputs>;
}

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

/** Calibration and preview, plus Learn mode's image-by-image calibration (CalibrateLearnApi, at the end). */
export interface CalibrateWorkerApi extends CalibrateLearnApi {
  init(init: WorkerInit): Promise<void>;
  calibrate(job: CalibrationJob, onProgress: OnProgress<CalibrationProgress>, signal: AbortSignal): Promise<CalibrationShard>;
  preview(image: NamedBlob, spec: PreprocessSpec, geometry: InputGeometry): Promise<PreviewResult>;
}

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

// -------------------------------------------------------------------------------------------------
// Graph worker: the layered layout of a GraphView (dagre, off the page's thread) and the HTML report.
//
// Overlays are computed on the page from OverlayData (workers/core/report/overlay-data.ts) with the
// table in workers/core/report/overlays.ts. The store keeps the pending inputs in `graph.analysis`
// (app/store/graph.ts): an engine that produces one of them sets it there (setAnalysisData) and its
// overlay appears:
//   layerErrors: LayerErrorSplit  -> 'SQNR (local)' and 'SQNR (accumulated, analysis)'
//   sensitivity: SensitivityData  -> 'Sensitivity (metric)'
//   profiles: NodeProfile[]       -> 'Latency share, <provider>' and, with FP32 and INT8, 'INT8/FP32 time, <provider>'
//   precision: PrecisionChoice[]  -> 'Precision' (INT8 / FP16 / FP32 and why; overrides the quantize decisions)
//   RangeRow.method / methodReason (RangeOverlayRow) -> 'Range method' per tensor

export type { KindTime, OpKind, VariantId, VariantRow };
export type { GraphLayout, GraphView, GraphViewBlock, GraphViewNode, LayerErrorSplit, LayoutOptions, NodeOverlay, NodeProfile, OverlayData, PrecisionChoice, RangeOverlayRow, ReportInput, SensitivityData };

/** Which graph: the FP32 model (prepared) or the INT8 model as written (Q/DQ pairs included). */
export type GraphVariant = 'fp32' | 'int8';

export interface GraphWorkerApi {
  /** Places the view's boxes and edges (collapsed blocks as one box). */
  layout(view: GraphView, options: LayoutOptions): Promise<GraphLayout>;
  /** The self-contained HTML report (workers/core/report/html.ts). */
  report(input: ReportInput): Promise<ExportedFile>;
}
