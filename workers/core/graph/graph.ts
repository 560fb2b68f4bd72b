/**
 * Graph understanding: who produces and who consumes each tensor, a topological order, which names
 * are weights (initializers and Constant outputs) and which are the real data inputs.
 *
 * Old exporters (IR < 4, e.g. the opset-7 SqueezeNet) also list every initializer as a graph input;
 * `dataInputs` leaves those out.
 */
import { ZeropointError } from '../errors';
import { attr } from '../onnx/attributes';
import type { Graph, Node, TensorProto, ValueInfo } from '../onnx/types';

export interface NodeRef {
  readonly node: Node;
  /** Position in graph.node. */
  readonly index: number;
}

export interface ConsumerRef extends NodeRef {
  readonly inputIndex: number;
}

export interface GraphIndex {
  readonly graph: Graph;
  readonly producer: ReadonlyMap<string, NodeRef & { outputIndex: number }>;
  readonly consumers: ReadonlyMap<string, readonly ConsumerRef[]>;
  readonly initializers: ReadonlyMap<string, TensorProto>;
  /** Outputs of Constant nodes holding a tensor, so they can be treated like initializers. */
  readonly constants: ReadonlyMap<string, TensorProto>;
  readonly valueInfo: ReadonlyMap<string, ValueInfo>;
  readonly graphOutputs: ReadonlySet<string>;
  /** Graph inputs that are not initializers: what the user feeds. */
  readonly dataInputs: readonly ValueInfo[];
}

export function indexGraph(graph: Graph): GraphIndex {
  const producer = new Map<string, NodeRef & { outputIndex: number }>();
  const consumers = new Map<string, ConsumerRef[]>();
  const constants = new Map<string, TensorProto>();
  graph.node.forEach((node, index) => {
    node.output.forEach((name, outputIndex) => {
      if (name) producer.set(name, { node, index, outputIndex });
    });
    node.input.forEach((name, inputIndex) => {
      if (!name) return; // an omitted optional input
      let list = consumers.get(name);
      if (!list) consumers.set(name, (list = []));
      list.push({ node, index, inputIndex });
    });
    if (node.opType === 'Constant' && (node.domain ?? '') === '') {
      const value = attr(node, 'value');
      if (value?.t) constants.set(node.output[0], value.t);
    }
  });
  const initializers = new Map<string, TensorProto>();
  for (const t of graph.initializer) if (t.name) initializers.set(t.name, t);
  const valueInfo = new Map<string, ValueInfo>();
  for (const v of [...graph.input, ...graph.valueInfo, ...graph.output]) if (v.name) valueInfo.set(v.name, v);
  return {
    graph,
    producer,
    consumers,
    initializers,
    constants,
    valueInfo,
    graphOutputs: new Set(graph.output.map((o) => o.name ?? '')),
    dataInputs: graph.input.filter((i) => i.name !== undefined && !initializers.has(i.name)),
  };
}

/** A stable display name: the node's own, or `OpType_index` for unnamed nodes. */
export function nodeLabel(node: Node, index: number): string {
  return node.name && node.name.length > 0 ? node.name : `${node.opType ?? 'node'}_${index}`;
}

/**
 * Node indices in topological order (Kahn's algorithm, stable: ties keep file order). Throws
 * 'bad-graph' when a node reads a tensor nobody provides or when the graph has a cycle.
 */
export function topologicalOrder(graph: Graph, outerScope: ReadonlySet<string> = new Set()): number[] {
  const available = new Set<string>(outerScope);
  for (const i of graph.input) if (i.name) available.add(i.name);
  for (const t of graph.initializer) if (t.name) available.add(t.name);
  const producerOf = new Map<string, number>();
  graph.node.forEach((n, i) => n.output.forEach((o) => o && producerOf.set(o, i)));

  const pending = new Array<number>(graph.node.length).fill(0);
  const waiting = new Map<string, number[]>();
  graph.node.forEach((n, i) => {
    for (const name of nodeReads(n)) {
      if (available.has(name)) continue;
      if (!producerOf.has(name)) {
        throw new ZeropointError('bad-graph', `Node '${nodeLabel(n, i)}' (${n.opType}) reads tensor '${name}', which no node, input or initializer provides. The model may be truncated or broken; export it again.`, { subject: nodeLabel(n, i) });
      }
      pending[i]++;
      let list = waiting.get(name);
      if (!list) waiting.set(name, (list = []));
      list.push(i);
    }
  });
  // A simple stable queue: lowest index first among ready nodes keeps the file order when it is valid.
  const ready: number[] = [];
  pending.forEach((p, i) => p === 0 && ready.push(i));
  const order: number[] = [];
  let head = 0;
  while (head < ready.length) {
    const i = ready[head++];
    order.push(i);
    for (const o of graph.node[i].output) {
      for (const j of waiting.get(o) ?? []) if (--pending[j] === 0) ready.push(j);
      waiting.delete(o);
    }
  }
  if (order.length !== graph.node.length) {
    const stuck = pending.findIndex((p) => p > 0);
    throw new ZeropointError('bad-graph', `The graph has a cycle through node '${nodeLabel(graph.node[stuck], stuck)}'. ONNX graphs must be acyclic; export the model again.`);
  }
  return order;
}

/** Tensor names a node reads, including names its subgraphs read from the enclosing scope. */
export function nodeReads(node: Node): string[] {
  const reads = node.input.filter((s) => s.length > 0);
  for (const a of node.attribute) {
    for (const g of a.g ? [a.g, ...a.graphs] : a.graphs) reads.push(...outerReads(g));
  }
  return [...new Set(reads)];
}

function outerReads(g: Graph): string[] {
  const local = new Set<string>();
  for (const i of g.input) if (i.name) local.add(i.name);
  for (const t of g.initializer) if (t.name) local.add(t.name);
  for (const n of g.node) for (const o of n.output) local.add(o);
  const reads: string[] = [];
  for (const n of g.node) for (const r of nodeReads(n)) if (!local.has(r)) reads.push(r);
  return reads;
}

/** Names already used anywhere in the graph, and a generator of fresh ones. */
export function nameAllocator(graph: Graph): (base: string) => string {
  const used = new Set<string>();
  const visit = (g: Graph) => {
    for (const n of g.node) {
      if (n.name) used.add(n.name);
      for (const s of [...n.input, ...n.output]) used.add(s);
      for (const a of n.attribute) for (const sg of a.g ? [a.g, ...a.graphs] : a.graphs) visit(sg);
    }
    for (const t of g.initializer) if (t.name) used.add(t.name);
    for (const v of [...g.input, ...g.output, ...g.valueInfo]) if (v.name) used.add(v.name);
  };
  visit(graph);
  return (base: string) => {
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  };
}

/** The opset version of the default domain. */
export function defaultOpset(model: { opsetImport: { domain?: string; version?: number }[] }): number {
  const entry = model.opsetImport.find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  return entry?.version ?? 1;
}
