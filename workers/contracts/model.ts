import type { CalibrationStats } from '../core/calibration/collector';
import type { AllRanges, CalibrationRange, RangeMethod } from '../core/calibration/ranges';
import type { ModelSummary } from '../core/graph/inspect';
import type { InputGeometry, PreprocessSpec } from '../core/preprocess/spec';
import type { PreprocessSuggestion } from '../core/preprocess/suggest';
import type { QuantizeOptions, QuantizeReport } from '../core/quant/quantize';
import type { TensorMapping } from '../core/quant/rewrite';
import type { ExportFormat } from '../core/export/formats';
import type { Fp16Report } from '../core/export/fp16';
import type { WeightOnlyReport } from '../core/export/weight-only';
import type { NamedBlob } from '../model-files';
import type { GraphView } from '../core/graph/view';
import type { PrecisionUnit } from '../analysis-contracts';
import type { LatencyInputs } from './bench';
import type { GraphVariant } from './graph';
import type { ModelLearnApi } from './learn';
import type { HistogramView, Problem, SkippedImage } from './shared';

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

/** The workbench's doors plus Learn mode's (ModelLearnApi, in learn.ts). */
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
