/**
 * What the graph overlays are computed from: plain data the workbench already holds (or will hold),
 * gathered in one object. Every field is optional: an overlay appears when its data is present.
 * workers/contracts/ re-exports these shapes for the workers and the app.
 *
 * Produced today: `layers` (Compare), `decisions` (the quantize report), `placement` (a WebGPU
 * latency run), `ranges` (the Ranges table). Pending (other engines fill them; the overlays for them
 * already exist and appear as soon as the data does): `layerErrors`, `sensitivity`, `profiles`,
 * `precision`, and `method` on a range row.
 */
import type { RangeMethod } from '../calibration/ranges';
import type { LayerComparison } from '../metrics/compare';
import type { NodeDecision } from '../quant/plan';

/** One quantized activation of the Ranges table (a RangeRow has these fields and more). */
export interface RangeOverlayRow {
  readonly tensor: string;
  /** The node that produces it. */
  readonly node: string;
  readonly clippedFraction: number | null;
  readonly rangeSource: string;
  /** Pending (per-tensor method choice): the method that chose this tensor's range, when not the table's. */
  readonly method?: RangeMethod;
  /** Pending: why that method (e.g. 'lowest MSE of the four'). */
  readonly methodReason?: string;
}

/** Pending (analysis/): per-node error split. Keys are FP32 node names. */
export interface LayerErrorSplit {
  readonly images: number;
  readonly nodes: ReadonlyArray<{
    readonly node: string;
    /** The output tensor measured. */
    readonly tensor: string;
    /** This node alone in INT8, its inputs fed the FP32 values: the error it adds itself. */
    readonly localSqnrDb: number;
    /** The whole INT8 model up to this node's output: the error that has built up there. */
    readonly accumulatedSqnrDb: number;
  }>;
}

/** Pending (analysis/): how much the model's output suffers from each node's quantization. */
export interface SensitivityData {
  /** What was measured at the outputs, in words ('output SQNR', 'AP50', 'top-1'). */
  readonly metric: string;
  /** Its unit ('dB', 'points'). */
  readonly unit: string;
  readonly nodes: ReadonlyArray<{
    readonly node: string;
    /** How far the metric falls from FP32 when this node alone is INT8 (one-on), in `unit`; >= 0, larger is more sensitive. */
    readonly drop: number;
    /** The metric with only this node INT8 (one-on) and with every node but this one INT8 (one-off), when measured. */
    readonly oneOn?: number;
    readonly oneOff?: number;
  }>;
}

/** Pending (profile/): onnxruntime's per-node times of one run configuration, mapped to FP32 node names. */
export interface NodeProfile {
  /** Provider id ('wasm-1', 'wasm-n', 'webgpu', 'cpu') and its label. */
  readonly provider: string;
  readonly label: string;
  readonly variant: 'fp32' | 'int8';
  /** Sum of the node times (ms per run). */
  readonly totalMs: number;
  /** Per FP32 node: its kernels' time (ms per run); an INT8 QLinearConv counts for the Conv it came from, its Q/DQ too. */
  readonly nodes: ReadonlyArray<{ readonly node: string; readonly ms: number; readonly kernel?: string }>;
}

export type Precision = 'int8' | 'fp16' | 'fp32';

/** Pending (auto-precision, FP16 export): the precision chosen per node and why; overrides `decisions`. */
export interface PrecisionChoice {
  readonly node: string;
  readonly precision: Precision;
  readonly reason: string;
}

export interface OverlayData {
  readonly layers?: readonly LayerComparison[] | null;
  readonly decisions?: readonly NodeDecision[] | null;
  /** From a WebGPU latency run (the INT8 model's when there is one): nodes onnxruntime put on the CPU. */
  readonly placement?: {
    readonly model: 'fp32' | 'int8';
    readonly cpuNodes: ReadonlyArray<{ readonly name: string; readonly opType: string }>;
  } | null;
  readonly ranges?: { readonly method: RangeMethod; readonly rows: readonly RangeOverlayRow[] } | null;
  readonly layerErrors?: LayerErrorSplit | null;
  readonly sensitivity?: SensitivityData | null;
  readonly profiles?: readonly NodeProfile[] | null;
  readonly precision?: readonly PrecisionChoice[] | null;
}
