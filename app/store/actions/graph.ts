/**
 * The graph view: the model worker gives the graph as plain data, the graph worker lays it out
 * (dagre, off the page's thread), the page draws it. Selecting a node loads its panel (activation
 * histogram, weight ranges) from the model worker; its "keep FP32" switch rebuilds the INT8 model
 * (and the comparison, when there was one) like the Quantize step's node list does.
 */
import type { GraphVariant } from '../../../workers/contracts';
import { repeatedBlocks } from '../../../workers/core/layout/layered';
import { problemOf } from '../../../workers/transfer';
import { graphWorker, modelWorker } from '../../workers';
import { initialGraph, initialNodePanel, type AnalysisData } from '../graph';
import { initialWeight } from '../quantize';
import { runComparison } from './compare';
import { buildInt8, toggleKeepNode } from './quantize';
import { currentQuery } from './ranges';
import { get } from './shared';

let layoutSeq = 0;

/** Lays out the current variant with the current collapsed blocks (fetching the view first if needed). */
async function relayout(): Promise<void> {
  const seq = ++layoutSeq;
  const { patchGraph } = get();
  const { variant, collapsed } = get().graph;
  patchGraph({ status: 'working', error: null });
  try {
    let view = get().graph.views[variant];
    if (!view) {
      view = await modelWorker.graphView(variant);
      if (seq !== layoutSeq) return;
      patchGraph({ views: { ...get().graph.views, [variant]: view } });
    }
    const layout = await graphWorker.layout(view, { collapsed: [...collapsed] });
    if (seq !== layoutSeq) return;
    patchGraph({ status: 'ready', layout, layoutOf: { variant, collapsed } });
  } catch (e) {
    if (seq !== layoutSeq) return;
    patchGraph({ status: 'error', error: problemOf(e) });
  }
}

/** After a model opens: its FP32 graph, every block open. Overlay choice and thresholds stay. */
export function loadGraph(): Promise<void> {
  const { graph, patchGraph } = get();
  patchGraph({ ...initialGraph, overlay: graph.overlay, thresholds: graph.thresholds });
  return relayout();
}

/** A new model (or none): nothing drawn until it is read. */
export function resetGraph(): void {
  layoutSeq++;
  const { graph, patchGraph } = get();
  patchGraph({ ...initialGraph, overlay: graph.overlay, thresholds: graph.thresholds });
}

/** The INT8 model changed or went: its graph is out of date (the FP32 one is shown again if it was). */
export function dropInt8Graph(): void {
  const { graph, patchGraph } = get();
  if (!graph.views.int8 && graph.variant === 'fp32') return;
  patchGraph({ views: { ...graph.views, int8: null } });
  if (graph.variant === 'int8') {
    patchGraph({ variant: 'fp32', selected: null, panel: initialNodePanel });
    void relayout();
  }
}

/**
 * Shows the FP32 graph or the INT8 model as written. The two are aligned by name: the selected node
 * stays selected and centred in the other graph (the INT8 graph keeps every FP32 node's name; only its
 * Q/DQ nodes are new).
 */
export async function setGraphVariant(variant: GraphVariant): Promise<void> {
  if (variant === 'int8' && !get().quantize.outcome) return;
  const keep = get().graph.selected;
  get().patchGraph({ variant, selected: null, panel: initialNodePanel, collapsed: [] });
  await relayout();
  const layout = get().graph.layout;
  if (keep && get().graph.variant === variant && layout?.nodes.some((n) => n.id === keep)) {
    await focusNode(keep);
    await selectGraphNode(keep);
  }
}

/** Opens or closes one block. */
export function toggleBlock(id: string): Promise<void> {
  const { collapsed } = get().graph;
  get().patchGraph({ collapsed: collapsed.includes(id) ? collapsed.filter((b) => b !== id) : [...collapsed, id] });
  return relayout();
}

/** Collapses every repeated block (the outermost of nested ones), or opens every block. */
export function collapseRepeated(on: boolean): Promise<void> {
  const view = get().graph.views[get().graph.variant];
  get().patchGraph({ collapsed: on && view ? repeatedBlocks(view) : [] });
  return relayout();
}

export function setOverlay(id: string | null): void {
  get().patchGraph({ overlay: id });
}

/** Moves one threshold of a numeric overlay (kept sorted: a threshold cannot pass its neighbours). */
export function setThreshold(overlay: string, defaults: readonly number[], k: number, value: number): void {
  const { patchGraph } = get();
  const thresholds = get().graph.thresholds;
  const current = [...(thresholds[overlay] ?? defaults)];
  const lo = k > 0 ? current[k - 1] : -Infinity;
  const hi = k < current.length - 1 ? current[k + 1] : Infinity;
  current[k] = Math.min(hi, Math.max(lo, value));
  patchGraph({ thresholds: { ...thresholds, [overlay]: current } });
}

export function resetThresholds(overlay: string): void {
  const { patchGraph } = get();
  const thresholds = get().graph.thresholds;
  const { [overlay]: _dropped, ...rest } = thresholds;
  patchGraph({ thresholds: rest });
}

export function setGraphSearch(search: string): void {
  get().patchGraph({ search });
}

/** Centres the view on a node (without selecting it), opening the collapsed blocks that hide it. */
export async function focusNode(node: string): Promise<void> {
  const { graph, patchGraph } = get();
  const view = graph.views[graph.variant];
  if (graph.layout && !graph.layout.nodes.some((n) => n.id === node) && view) {
    const hiding = new Set(view.blocks.filter((b) => b.nodes.includes(node)).map((b) => b.id));
    if (graph.collapsed.some((b) => hiding.has(b))) {
      patchGraph({ collapsed: graph.collapsed.filter((b) => !hiding.has(b)) });
      await relayout();
    }
  }
  const seq = (get().graph.focus?.seq ?? 0) + 1;
  get().patchGraph({ focus: { node, seq } });
}

let panelSeq = 0;

/** Opens a node's panel (null closes it) and loads its histogram and weight ranges. */
export async function selectGraphNode(id: string | null): Promise<void> {
  const seq = ++panelSeq;
  const { patchGraph, patchNodePanel } = get();
  patchGraph({ selected: id, panel: initialNodePanel });
  if (id === null) return;
  const { graph, ranges, calibration } = get();
  const node = graph.views[graph.variant]?.nodes.find((n) => n.id === id);
  if (!node || node.kind !== 'op') return;
  const tensor = ranges.table?.rows.find((r) => r.node === id)?.tensor ?? node.outputs[0] ?? null;
  const loads: Promise<void>[] = [];
  if (tensor && calibration.status === 'ready' && graph.variant === 'fp32') {
    patchNodePanel({ tensor, status: 'working' });
    loads.push(
      modelWorker.tensorDetail(tensor, currentQuery()).then(
        (detail) => void (seq === panelSeq && patchNodePanel({ status: 'ready', detail })),
        (e: unknown) => void (seq === panelSeq && patchNodePanel({ status: 'error', detail: null, error: problemOf(e) })),
      ),
    );
  }
  if (node.weights.length > 0 && graph.variant === 'fp32' && get().model.info?.prepared) {
    patchNodePanel({ weight: { ...initialWeight, node: id, status: 'working' } });
    loads.push(
      modelWorker.weightDetail(id, currentQuery()).then(
        (detail) => void (seq === panelSeq && patchNodePanel({ weight: { node: id, status: 'ready', detail, error: null } })),
        (e: unknown) => void (seq === panelSeq && patchNodePanel({ weight: { node: id, status: 'error', detail: null, error: problemOf(e) } })),
      ),
    );
  }
  await Promise.all(loads);
}

/**
 * The node panel's "keep FP32" switch: the keep list changes as in the node list, and a model that
 * was built is rebuilt at once (and compared again when it had been), so the graph's colours follow.
 */
export async function setNodeKeep(node: string, keep: boolean): Promise<void> {
  const { quantize, comparison } = get();
  if (quantize.keepNodes.includes(node) === keep) return;
  const hadInt8 = quantize.outcome !== null;
  const hadComparison = comparison.compare.result !== null;
  toggleKeepNode(node);
  if (!hadInt8) return;
  await buildInt8();
  if (hadComparison && get().quantize.outcome) await runComparison();
}

/**
 * For the engines that produce the pending overlays' data (sensitivity, local/accumulated SQNR,
 * per-node profiles, chosen precision): set it here and its overlay appears.
 */
export function setAnalysisData(patch: Partial<AnalysisData>): void {
  const { graph, patchGraph } = get();
  patchGraph({ analysis: { ...graph.analysis, ...patch } });
}

/** Learn mode's "show it on the graph": the node selected and centred; the link's #graph-title brings the workbench back. */
export async function showOnGraph(node: string): Promise<void> {
  await focusNode(node);
  await selectGraphNode(node);
}
