import type { StateCreator } from 'zustand';
import type { GraphLayout, GraphVariant, GraphView, LayerErrorSplit, NodeProfile, PrecisionChoice, SensitivityData, TensorDetail } from '../../workers/contracts';
import type { Store } from './index';
import { initialWeight, type WeightState } from './quantize';
import type { Problem, Status } from './types';

/**
 * Overlay inputs the engine does not produce yet: other engines set them (actions/graph.ts
 * setAnalysisData) and their overlays appear on the graph and in the report.
 */
export interface AnalysisData {
  readonly layerErrors: LayerErrorSplit | null;
  readonly sensitivity: SensitivityData | null;
  readonly profiles: readonly NodeProfile[] | null;
  readonly precision: readonly PrecisionChoice[] | null;
}

/** The node panel: the selected node's activation histogram and weight ranges, loaded from the model worker. */
export interface NodePanelState {
  /** The output tensor whose calibration histogram is shown. */
  readonly tensor: string | null;
  readonly status: Status;
  readonly detail: TensorDetail | null;
  readonly error: Problem | null;
  readonly weight: WeightState;
}

export interface GraphState {
  /** The graph drawn: the FP32 model, or the INT8 model as written. */
  readonly variant: GraphVariant;
  readonly views: { readonly fp32: GraphView | null; readonly int8: GraphView | null };
  readonly layout: GraphLayout | null;
  /** What the layout was made for. */
  readonly layoutOf: { readonly variant: GraphVariant; readonly collapsed: readonly string[] } | null;
  readonly status: Status;
  readonly error: Problem | null;
  /** Blocks drawn as one box. */
  readonly collapsed: readonly string[];
  /** The overlay shown (an id of workers/core/report/overlays.ts); null: none. */
  readonly overlay: string | null;
  /** Thresholds the person moved, per overlay id. */
  readonly thresholds: Readonly<Record<string, readonly number[]>>;
  /** The node whose panel is open (a GraphView node id or a block id). */
  readonly selected: string | null;
  /** The view centres on this node when it changes (search, "go to worst", arrow keys); `seq` repeats a request. */
  readonly focus: { readonly node: string; readonly seq: number } | null;
  readonly search: string;
  readonly panel: NodePanelState;
  readonly analysis: AnalysisData;
  /** Set while the HTML report is being written. */
  readonly reporting: boolean;
  readonly reportError: Problem | null;
}

export interface GraphSlice {
  readonly graph: GraphState;
  patchGraph(patch: Partial<GraphState>): void;
  patchNodePanel(patch: Partial<NodePanelState>): void;
}

export const initialNodePanel: NodePanelState = { tensor: null, status: 'idle', detail: null, error: null, weight: initialWeight };

export const initialAnalysis: AnalysisData = { layerErrors: null, sensitivity: null, profiles: null, precision: null };

export const initialGraph: GraphState = {
  variant: 'fp32',
  views: { fp32: null, int8: null },
  layout: null,
  layoutOf: null,
  status: 'idle',
  error: null,
  collapsed: [],
  overlay: null,
  thresholds: {},
  selected: null,
  focus: null,
  search: '',
  panel: initialNodePanel,
  analysis: initialAnalysis,
  reporting: false,
  reportError: null,
};

export const createGraphSlice: StateCreator<Store, [], [], GraphSlice> = (set) => ({
  graph: initialGraph,
  patchGraph: (patch) => set((s) => ({ graph: { ...s.graph, ...patch } })),
  patchNodePanel: (patch) => set((s) => ({ graph: { ...s.graph, panel: { ...s.graph.panel, ...patch } } })),
});
