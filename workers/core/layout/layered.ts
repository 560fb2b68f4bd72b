/**
 * A layered (Sugiyama) layout of a GraphView: what is drawn (nodes, collapsed blocks as one box,
 * edges between them), how big each box is, and the engine's positions turned into plain data.
 *
 * The engine itself is a port (LayeredEngine): the worker and the CLI plug in dagre
 * (workers/layout-dagre.ts), so the engine stays free of outside imports and tests can check this
 * file's part with any engine.
 *
 *   GraphView + collapsed blocks --units()--> boxes and edges --engine--> positions --> GraphLayout
 */
import type { GraphView, GraphViewBlock, GraphViewNode } from '../graph/view';

export interface LayeredInput {
  readonly nodes: ReadonlyArray<{ readonly id: string; readonly width: number; readonly height: number }>;
  readonly edges: ReadonlyArray<{ readonly id: string; readonly from: string; readonly to: string }>;
  /** Space between boxes on a layer, and between layers. */
  readonly nodeSpacing: number;
  readonly layerSpacing: number;
}

export interface LayeredOutput {
  /** Box centres. */
  readonly nodes: ReadonlyMap<string, { readonly x: number; readonly y: number }>;
  /** Each edge's polyline, from its source box to its target box. */
  readonly edges: ReadonlyMap<string, ReadonlyArray<{ readonly x: number; readonly y: number }>>;
}

/** The layout library behind the port (dagre in the worker and the CLI). */
export interface LayeredEngine {
  readonly name: string;
  layout(input: LayeredInput): LayeredOutput;
}

export type LayoutNodeKind = 'op' | 'input' | 'output' | 'block';

export interface LayoutNode {
  /** The GraphView node id, or the block id for a collapsed block. */
  readonly id: string;
  readonly kind: LayoutNodeKind;
  /** What the box says: the op type, the input/output name, or the block's label. */
  readonly label: string;
  /** Top-left corner and size, in layout units (CSS pixels at zoom 1). */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** For a block: how many nodes it holds. */
  readonly members?: number;
}

export interface LayoutEdge {
  readonly from: string;
  readonly to: string;
  /** The tensors the edge carries (several when a collapsed block reads several). */
  readonly tensors: readonly string[];
  /** The polyline as x0, y0, x1, y1, ... */
  readonly points: readonly number[];
}

export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
  /** The blocks drawn as one box. */
  readonly collapsed: readonly string[];
  /** Which engine placed it. */
  readonly engine: string;
}

export interface LayoutOptions {
  /** Block ids to draw as one box (a block inside a collapsed one is hidden with it). */
  readonly collapsed?: readonly string[];
}

export const NODE_HEIGHT = 28;
export const BLOCK_HEIGHT = 34;
/** Rough width of one character of the 12 px label font (no text measuring in a worker or in Node). */
const CHAR_WIDTH = 7;
const MARGIN = 20;

export function boxWidth(label: string, extra = 0): number {
  return Math.max(56, Math.min(260, Math.ceil(label.length * CHAR_WIDTH) + 20 + extra));
}

/** What a node box says. */
export function nodeText(node: GraphViewNode): string {
  if (node.kind === 'op') return node.opType;
  return node.name;
}

export function blockText(block: GraphViewBlock): string {
  return `${block.label} · ${block.nodes.length} nodes`;
}

/** For each node, the outermost collapsed block holding it (or itself). */
export function unitOf(view: GraphView, collapsed: readonly string[]): Map<string, string> {
  const blocks = new Map(view.blocks.map((b) => [b.id, b]));
  const closed = new Set(collapsed.filter((id) => blocks.has(id)));
  const unit = new Map<string, string>();
  for (const node of view.nodes) {
    let outer = node.id;
    for (let b = blocks.get(node.block); b; b = blocks.get(b.parent)) if (closed.has(b.id)) outer = b.id;
    unit.set(node.id, outer);
  }
  return unit;
}

export function layoutGraph(view: GraphView, engine: LayeredEngine, options: LayoutOptions = {}): GraphLayout {
  const collapsed = (options.collapsed ?? []).filter((id) => view.blocks.some((b) => b.id === id));
  const unit = unitOf(view, collapsed);
  const blocks = new Map(view.blocks.map((b) => [b.id, b]));
  const boxes = new Map<string, Omit<LayoutNode, 'x' | 'y'>>();
  for (const node of view.nodes) {
    const id = unit.get(node.id)!;
    if (boxes.has(id)) continue;
    if (id === node.id) {
      const label = nodeText(node);
      boxes.set(id, { id, kind: node.kind, label, width: boxWidth(label), height: NODE_HEIGHT });
    } else {
      const block = blocks.get(id)!;
      const label = blockText(block);
      boxes.set(id, { id, kind: 'block', label, width: boxWidth(label, 12), height: BLOCK_HEIGHT, members: block.nodes.length });
    }
  }
  const edgeTensors = new Map<string, { from: string; to: string; tensors: string[] }>();
  for (const e of view.edges) {
    const from = unit.get(e.from)!;
    const to = unit.get(e.to)!;
    if (from === to) continue;
    const key = `${from}\u0000${to}`;
    const entry = edgeTensors.get(key);
    if (entry) {
      if (!entry.tensors.includes(e.tensor)) entry.tensors.push(e.tensor);
    } else edgeTensors.set(key, { from, to, tensors: [e.tensor] });
  }
  const edgeList = [...edgeTensors.values()];
  const placed = placeInBands(
    engine,
    [...boxes.values()].map((b) => ({ id: b.id, width: b.width, height: b.height })),
    edgeList.map((e, i) => ({ id: String(i), from: e.from, to: e.to })),
  );
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const grow = (x: number, y: number) => {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  };
  const nodes: LayoutNode[] = [...boxes.values()].map((b) => {
    const c = placed.nodes.get(b.id) ?? { x: 0, y: 0 };
    grow(c.x - b.width / 2, c.y - b.height / 2);
    grow(c.x + b.width / 2, c.y + b.height / 2);
    return { ...b, x: c.x - b.width / 2, y: c.y - b.height / 2 };
  });
  const edges: LayoutEdge[] = edgeList.map((e, i) => {
    const points = (placed.edges.get(String(i)) ?? []).flatMap((p) => [p.x, p.y]);
    for (let k = 0; k < points.length; k += 2) grow(points[k], points[k + 1]);
    return { ...e, points };
  });
  if (!Number.isFinite(minX)) minX = minY = maxX = maxY = 0;
  // Shift so the drawing starts at (MARGIN, MARGIN).
  const dx = MARGIN - minX;
  const dy = MARGIN - minY;
  return {
    width: maxX - minX + 2 * MARGIN,
    height: maxY - minY + 2 * MARGIN,
    nodes: nodes.map((n) => ({ ...n, x: n.x + dx, y: n.y + dy })),
    edges: edges.map((e) => ({ ...e, points: e.points.map((v, k) => v + (k % 2 === 0 ? dx : dy)) })),
    collapsed,
    engine: engine.name,
  };
}

/**
 * Layers per band. Layout engines walk the graph depth first by recursion (dagre's ranking and cycle
 * removal), and a worker's stack runs out on a chain of about a thousand layers; deeper graphs are laid
 * out in bands of this many layers, stacked, with the edges between bands drawn straight.
 */
export const MAX_LAYERS_PER_BAND = 300;
const BAND_GAP = 40;

type Box = LayeredInput['nodes'][number];
type Link = LayeredInput['edges'][number];

/** Longest-path layer of each box from the sources (iterative; boxes on a cycle follow their placed predecessors). */
export function layersOf(nodes: readonly Box[], edges: readonly Link[]): Map<string, number> {
  const preds = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  const succs = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    preds.get(e.to)?.push(e.from);
    succs.get(e.from)?.push(e.to);
  }
  const waiting = new Map(nodes.map((n) => [n.id, preds.get(n.id)!.length]));
  const layer = new Map<string, number>();
  const ready = nodes.filter((n) => waiting.get(n.id) === 0).map((n) => n.id);
  const place = (id: string) => {
    layer.set(id, Math.max(0, ...preds.get(id)!.map((p) => (layer.has(p) ? layer.get(p)! + 1 : 0))));
    for (const s of succs.get(id)!) {
      const left = waiting.get(s)! - 1;
      waiting.set(s, left);
      if (left === 0 && !layer.has(s)) ready.push(s);
    }
  };
  for (let head = 0; head < ready.length; head++) place(ready[head]);
  for (const n of nodes) if (!layer.has(n.id)) place(n.id);
  return layer;
}

function placeInBands(engine: LayeredEngine, nodes: readonly Box[], edges: readonly Link[]): LayeredOutput {
  const spacing = { nodeSpacing: 18, layerSpacing: 26 };
  const layer = layersOf(nodes, edges);
  const bands = Math.floor(Math.max(0, ...layer.values()) / MAX_LAYERS_PER_BAND) + 1;
  if (bands === 1) return engine.layout({ nodes, edges, ...spacing });
  const bandOf = (id: string) => Math.floor(layer.get(id)! / MAX_LAYERS_PER_BAND);
  const size = new Map(nodes.map((n) => [n.id, n]));
  const centres = new Map<string, { x: number; y: number }>();
  const lines = new Map<string, ReadonlyArray<{ x: number; y: number }>>();
  let top = 0;
  for (let b = 0; b < bands; b++) {
    const inBand = nodes.filter((n) => bandOf(n.id) === b);
    const links = edges.filter((e) => bandOf(e.from) === b && bandOf(e.to) === b);
    const out = engine.layout({ nodes: inBand, edges: links, ...spacing });
    let minY = Infinity;
    let maxY = -Infinity;
    for (const n of inBand) {
      const c = out.nodes.get(n.id)!;
      minY = Math.min(minY, c.y - n.height / 2);
      maxY = Math.max(maxY, c.y + n.height / 2);
    }
    const dy = top - minY;
    for (const n of inBand) {
      const c = out.nodes.get(n.id)!;
      centres.set(n.id, { x: c.x, y: c.y + dy });
    }
    for (const e of links) lines.set(e.id, (out.edges.get(e.id) ?? []).map((p) => ({ x: p.x, y: p.y + dy })));
    top += maxY - minY + BAND_GAP;
  }
  for (const e of edges) {
    if (lines.has(e.id)) continue;
    const a = centres.get(e.from)!;
    const z = centres.get(e.to)!;
    const y0 = a.y + size.get(e.from)!.height / 2;
    const y1 = z.y - size.get(e.to)!.height / 2;
    lines.set(e.id, [
      { x: a.x, y: y0 },
      { x: a.x, y: y0 + 10 },
      { x: z.x, y: y1 - 10 },
      { x: z.x, y: y1 },
    ]);
  }
  return { nodes: centres, edges: lines };
}

/** The blocks "collapse repeated blocks" folds: repeated blocks not inside another repeated block. */
export function repeatedBlocks(view: GraphView): string[] {
  const blocks = new Map(view.blocks.map((b) => [b.id, b]));
  const insideRepeated = (b: GraphViewBlock): boolean => {
    for (let p = blocks.get(b.parent); p; p = blocks.get(p.parent)) if (p.repeated) return true;
    return false;
  };
  return view.blocks.filter((b) => b.repeated && !insideRepeated(b)).map((b) => b.id);
}
