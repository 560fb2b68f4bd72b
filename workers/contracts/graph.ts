import type { KindTime, OpKind } from '../core/profile/kinds';
import type { VariantId, VariantRow } from '../core/profile/variants';
import type { GraphView, GraphViewBlock, GraphViewNode } from '../core/graph/view';
import type { GraphLayout, LayoutOptions } from '../core/layout/layered';
import type { LayerErrorSplit, NodeProfile, OverlayData, PrecisionChoice, RangeOverlayRow, SensitivityData } from '../core/report/overlay-data';
import type { NodeOverlay } from '../core/report/overlays';
import type { ReportInput } from '../core/report/types';
import type { ExportedFile } from './model';

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
