/**
 * The model's graph as plain data for drawing (the graph view, the HTML report): one node per ONNX
 * node plus one per graph input and output, the data edges between them (weights are listed on
 * their node, as Netron does, not drawn), and the blocks a person can collapse.
 *
 * Blocks come from two places:
 * - namespaces: exporters name nodes by module path ('/model.2/m.0/cv1/conv/Conv'); every path
 *   prefix holding two or more nodes is a block ('model.2', 'model.2/m.0', ...);
 * - structure, for graphs with flat names (SqueezeNet's 'Conv_3'): a fork and the join where its
 *   branches meet again (its immediate post-dominator), when nothing else enters between them, is a
 *   block (a fire module, a residual block).
 * A block whose op sequence (its signature) occurs two or more times is `repeated`: what "collapse
 * repeated blocks" folds.
 *
 * For an INT8 QDQ model (`fused`), the blocks are instead the kernels onnxruntime fuses (fusion.ts):
 * DQ -> Conv -> Q as one 'QLinearConv' block, so collapsing them shows the graph onnxruntime runs.
 */
import type { Graph } from '../onnx/types';
import { fusedKernels } from './fusion';
import { indexGraph, nodeLabel, topologicalOrder } from './graph';

export type GraphNodeKind = 'op' | 'input' | 'output';

export interface GraphViewNode {
  /** Unique: the node's label (name, or OpType_index), or 'input:NAME' / 'output:NAME'. */
  readonly id: string;
  readonly kind: GraphNodeKind;
  /** The op type; 'Input' or 'Output' for the graph's inputs and outputs. */
  readonly opType: string;
  /** The node's name as written (the tensor's for inputs and outputs). */
  readonly name: string;
  /** Data tensors read (produced by a node or a graph input). */
  readonly inputs: readonly string[];
  /** Constant inputs (initializers, Constant outputs) with their dims. */
  readonly weights: ReadonlyArray<{ readonly name: string; readonly dims: readonly number[] }>;
  readonly outputs: readonly string[];
  /** Innermost block holding the node ('' for none). */
  readonly block: string;
  /** Position in topological order (inputs first, outputs last). */
  readonly order: number;
}

export interface GraphViewEdge {
  readonly from: string;
  readonly to: string;
  readonly tensor: string;
}

export interface GraphViewBlock {
  /** A namespace path ('model.2/m.0') or 'block:FIRST_NODE' for a structural block. */
  readonly id: string;
  /** The enclosing block ('' at the top). */
  readonly parent: string;
  /** A short name for the box ('m.0', or the fork node's op). */
  readonly label: string;
  /** Node ids inside it (nested blocks included), in topological order. */
  readonly nodes: readonly string[];
  /** The op types in order: equal signatures are the same block repeated. */
  readonly signature: string;
  /** Another block has the same signature. */
  readonly repeated: boolean;
}

export interface GraphView {
  readonly nodes: readonly GraphViewNode[];
  readonly edges: readonly GraphViewEdge[];
  /** Outermost first. */
  readonly blocks: readonly GraphViewBlock[];
}

const NAMESPACE_MIN_NODES = 2;

export interface GraphViewOptions {
  /** Blocks are the fused QLinear kernels of a QDQ graph (for the INT8 model as written). */
  readonly fused?: boolean;
}

/** The plain-data view of a graph (see the file comment). Unordered graphs are drawn in file order. */
export function graphView(graph: Graph, options: GraphViewOptions = {}): GraphView {
  const index = indexGraph(graph);
  let order: number[];
  try {
    order = topologicalOrder(graph);
  } catch {
    order = graph.node.map((_, i) => i);
  }
  const constant = (t: string) => index.initializers.has(t) || index.constants.has(t);
  const ids = new Map<number, string>();
  const used = new Set<string>();
  for (const i of order) {
    let id = nodeLabel(graph.node[i], i);
    for (let k = 2; used.has(id); k++) id = `${nodeLabel(graph.node[i], i)}#${k}`;
    used.add(id);
    ids.set(i, id);
  }
  const nodes: GraphViewNode[] = [];
  const producer = new Map<string, string>();
  for (const input of index.dataInputs) {
    const id = `input:${input.name}`;
    producer.set(input.name!, id);
    nodes.push({ id, kind: 'input', opType: 'Input', name: input.name!, inputs: [], weights: [], outputs: [input.name!], block: '', order: nodes.length });
  }
  for (const i of order) {
    const n = graph.node[i];
    // Constant nodes are drawn as the weights of their consumers.
    if (n.opType === 'Constant' && (n.domain ?? '') === '' && index.constants.has(n.output[0])) continue;
    const id = ids.get(i)!;
    const inputs = n.input.filter((t) => t && !constant(t));
    const weights = n.input.filter((t) => t && constant(t)).map((t) => ({ name: t, dims: [...(index.initializers.get(t) ?? index.constants.get(t))!.dims] }));
    for (const o of n.output) if (o) producer.set(o, id);
    nodes.push({ id, kind: 'op', opType: n.opType ?? '', name: n.name ?? '', inputs, weights, outputs: n.output.filter(Boolean), block: '', order: nodes.length });
  }
  for (const output of graph.output) {
    const name = output.name ?? '';
    nodes.push({ id: `output:${name}`, kind: 'output', opType: 'Output', name, inputs: [name], weights: [], outputs: [], block: '', order: nodes.length });
  }
  const edges: GraphViewEdge[] = [];
  const seen = new Set<string>();
  for (const node of nodes) {
    for (const tensor of node.inputs) {
      const from = producer.get(tensor);
      const key = `${from}\u0000${node.id}\u0000${tensor}`;
      if (!from || from === node.id || seen.has(key)) continue;
      seen.add(key);
      edges.push({ from, to: node.id, tensor });
    }
  }
  const ops = nodes.filter((n) => n.kind === 'op');
  const drafts = options.fused
    ? fusedKernels({ nodes, edges, blocks: [] }).map((k): DraftBlock => ({ id: `fused:${k.node}`, parent: '', label: k.kernel, nodes: k.members, signature: k.kernel }))
    : namespaceBlocks(ops).length > 0
      ? namespaceBlocks(ops)
      : structuralBlocks(nodes, edges);
  const blocks = markRepeated(drafts);
  const innermost = new Map<string, string>();
  for (const b of blocks) for (const id of b.nodes) innermost.set(id, b.id); // outermost first: the last write is the innermost
  return { nodes: nodes.map((n) => (innermost.has(n.id) ? { ...n, block: innermost.get(n.id)! } : n)), edges, blocks };
}

/** A node name's module path: '/model.2/m.0/cv1/conv/Conv' -> ['model.2', 'm.0', 'cv1', 'conv']. */
export function namespaceOf(name: string): string[] {
  const parts = name.split('/').filter((p) => p.length > 0);
  return parts.slice(0, -1);
}

type DraftBlock = Omit<GraphViewBlock, 'repeated'>;

function namespaceBlocks(ops: readonly GraphViewNode[]): DraftBlock[] {
  const members = new Map<string, string[]>();
  for (const n of ops) {
    const path = namespaceOf(n.name);
    for (let k = 1; k <= path.length; k++) {
      const id = path.slice(0, k).join('/');
      let list = members.get(id);
      if (!list) members.set(id, (list = []));
      list.push(n.id);
    }
  }
  const opOf = new Map(ops.map((n) => [n.id, n.opType]));
  const kept = [...members].filter(([, list]) => list.length >= NAMESPACE_MIN_NODES);
  const keptIds = new Set(kept.map(([id]) => id));
  // A block holding exactly its only child's nodes adds nothing: keep the inner one.
  const drafts = kept
    .filter(([id, list]) => !kept.some(([other, l]) => other.startsWith(`${id}/`) && l.length === list.length))
    .map(([id, list]): DraftBlock => {
      const parts = id.split('/');
      let parent = '';
      for (let k = parts.length - 1; k >= 1 && !parent; k--) {
        const p = parts.slice(0, k).join('/');
        if (keptIds.has(p) && members.get(p)!.length !== members.get(id)!.length) parent = p;
      }
      return { id, parent, label: parts[parts.length - 1], nodes: list, signature: list.map((n) => opOf.get(n)).join(',') };
    });
  const present = new Set(drafts.map((d) => d.id));
  return drafts
    .map((d) => (present.has(d.parent) || d.parent === '' ? d : { ...d, parent: nearestPresent(d.parent, present) }))
    .sort((a, b) => a.id.split('/').length - b.id.split('/').length);
}

function nearestPresent(path: string, present: ReadonlySet<string>): string {
  const parts = path.split('/');
  for (let k = parts.length; k >= 1; k--) {
    const p = parts.slice(0, k).join('/');
    if (present.has(p)) return p;
  }
  return '';
}

/**
 * Fork-join blocks: for a node whose output several nodes read, its immediate post-dominator (where
 * every path from it meets again) closes a block when every node between them reads only from inside
 * the block. Post-dominators by Cooper, Harvey and Kennedy's iterative algorithm on the reversed graph.
 */
function structuralBlocks(nodes: readonly GraphViewNode[], edges: readonly GraphViewEdge[]): DraftBlock[] {
  const n = nodes.length;
  const at = new Map(nodes.map((node, i) => [node.id, i]));
  const succ: number[][] = nodes.map(() => []);
  const pred: number[][] = nodes.map(() => []);
  for (const e of edges) {
    const a = at.get(e.from)!;
    const b = at.get(e.to)!;
    if (!succ[a].includes(b)) {
      succ[a].push(b);
      pred[b].push(a);
    }
  }
  // Nodes are in topological order; a virtual exit (index n) follows every sink.
  const EXIT = n;
  const ipdom = new Array<number>(n + 1).fill(-1);
  ipdom[EXIT] = EXIT;
  const rank = (i: number) => (i === EXIT ? n : i); // post-order of the reversed graph: larger is closer to the exit
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (rank(a) < rank(b)) a = ipdom[a];
      while (rank(b) < rank(a)) b = ipdom[b];
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      const outs = succ[i].length ? succ[i] : [EXIT];
      let d = -1;
      for (const s of outs) if (ipdom[s] !== -1) d = d === -1 ? s : intersect(s, d);
      if (d !== -1 && ipdom[i] !== d) {
        ipdom[i] = d;
        changed = true;
      }
    }
  }
  const drafts: DraftBlock[] = [];
  for (let i = 0; i < n; i++) {
    const join = ipdom[i];
    if (succ[i].length < 2 || join === EXIT || join < 0 || nodes[i].kind !== 'op') continue;
    const inside: number[] = [];
    for (let k = i; k <= join; k++) inside.push(k);
    // Between i and join in topological order: keep those reachable from i (the others are unrelated).
    const reach = new Set<number>([i]);
    for (const k of inside) if (k !== i && pred[k].some((p) => reach.has(p))) reach.add(k);
    const members = inside.filter((k) => reach.has(k));
    const closed = members.every((k) => k === i || pred[k].every((p) => reach.has(p)));
    if (!closed || members.length < 3 || !members.includes(join)) continue;
    drafts.push({ id: `block:${nodes[i].id}`, parent: '', label: `${nodes[i].opType} block`, nodes: members.map((k) => nodes[k].id), signature: members.map((k) => nodes[k].opType).join(',') });
  }
  // Keep blocks that nest or are disjoint (a later fork inside an earlier block becomes its child).
  const kept: DraftBlock[] = [];
  for (const d of drafts.sort((a, b) => b.nodes.length - a.nodes.length)) {
    const set = new Set(d.nodes);
    const container = [...kept].reverse().find((k) => d.nodes.every((id) => k.nodes.includes(id)));
    const overlaps = kept.some((k) => k !== container && k.nodes.some((id) => set.has(id)) && !d.nodes.every((id) => k.nodes.includes(id)));
    if (overlaps) continue;
    kept.push(container ? { ...d, parent: container.id } : d);
  }
  const depth = (b: DraftBlock): number => (b.parent ? 1 + depth(kept.find((k) => k.id === b.parent)!) : 0);
  return kept.sort((a, b) => depth(a) - depth(b));
}

function markRepeated(drafts: readonly DraftBlock[]): GraphViewBlock[] {
  const count = new Map<string, number>();
  for (const d of drafts) count.set(d.signature, (count.get(d.signature) ?? 0) + 1);
  return drafts.map((d) => ({ ...d, repeated: (count.get(d.signature) ?? 0) >= 2 }));
}
