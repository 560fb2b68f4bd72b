/**
 * What the HTML report is made from: plain data that both the workbench (through the graph worker)
 * and the CLI gather. Nothing here holds model bytes.
 */
import type { ModelSummary } from '../graph/inspect';
import type { GraphLayout } from '../layout/layered';
import type { LayerComparison } from '../metrics/compare';
import type { AgreementSummary, ErrorSummary } from '../metrics/error';
import type { PreprocessSpec } from '../preprocess/spec';
import type { NodeDecision } from '../quant/plan';
import type { QuantizeOptions } from '../quant/quantize';
import type { OverlayData } from './overlay-data';

/** One quantized activation (a RangeRow carries these fields). */
export interface ReportRangeRow {
  readonly tensor: string;
  readonly node: string;
  readonly opType: string;
  readonly observed: { readonly min: number; readonly max: number };
  readonly range: { readonly min: number; readonly max: number };
  readonly scale: number;
  readonly zeroPoint: number;
  readonly type: 'u8' | 's8';
  readonly clippedFraction: number | null;
  readonly rangeSource: string;
}

export interface ReportLatencyRow {
  /** Where it ran ('WASM, 1 thread', 'onnxruntime-node CPU'). */
  readonly provider: string;
  readonly model: 'fp32' | 'int8' | 'model';
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly runs: number;
}

export interface ReportComparison {
  /** Where it ran. */
  readonly provider: string;
  readonly images: number;
  readonly outputs: ReadonlyArray<{ readonly name: string } & ErrorSummary>;
  readonly agreement: AgreementSummary | null;
  readonly layers: readonly LayerComparison[];
}

export interface ReportFidelity {
  readonly pass: boolean;
  /** The verdict in words, as the workbench or the CLI says it. */
  readonly text: string;
}

export interface ReportInput {
  /** Who wrote it ('Zeropoint workbench', 'zeropoint CLI'). */
  readonly tool: string;
  /** ISO time. */
  readonly createdAt: string;
  readonly model: { readonly name: string; readonly summary: ModelSummary };
  readonly preprocess: PreprocessSpec;
  readonly calibration: { readonly images: number; readonly source: string };
  readonly options: QuantizeOptions;
  readonly decisions: readonly NodeDecision[];
  readonly ranges: readonly ReportRangeRow[];
  readonly sizes: { readonly fp32: number; readonly int8: number };
  readonly comparison: ReportComparison | null;
  readonly latency: readonly ReportLatencyRow[];
  readonly fidelity: ReportFidelity | null;
  /** The graph as laid out, the overlay shown (id) with its thresholds, and the data every overlay is built from. */
  readonly graph: {
    readonly layout: GraphLayout;
    readonly overlay: string | null;
    readonly thresholds?: readonly number[];
    readonly data: OverlayData;
  } | null;
  /** The exact settings: the CLI command and the plan (options, preprocessing, inputs) as JSON. */
  readonly reproduce: { readonly command: string; readonly plan: unknown };
}
