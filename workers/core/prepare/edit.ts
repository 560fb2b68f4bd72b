/**
 * One editing session over a model's main graph, shared by the preparation passes: nodes are removed
 * or replaced by position, initializers added, and `finish()` writes the new graph with everything
 * that no longer exists cleaned up:
 *
 *   - initializers nothing reads any more (a weight a fold replaced) are dropped, with the graph input
 *     that IR < 4 models list for each of them;
 *   - value_info of a name that is now an initializer, or that no longer exists, is dropped;
 *   - in an IR < 4 model every new initializer is also listed as a graph input (IR 3 requires it).
 *
 * "Reads" include the names a node's subgraphs (If/Loop/Scan bodies) read from the enclosing scope.
 * The input model is never mutated; untouched nodes and tensors are shared with it.
 */
import { nameAllocator, nodeReads } from '../graph/graph';
import type { Graph, Model, Node, TensorProto, ValueInfo } from '../onnx/types';

export class GraphEdit {
  readonly graph: Graph;
  /** graph.node by position; undefined once removed. */
  readonly nodes: (Node | undefined)[];
  /** Every initializer by name, the added ones included. */
  readonly inits = new Map<string, TensorProto>();
  readonly graphOutputs: ReadonlySet<string>;
  private readonly added: TensorProto[] = [];
  private readonly allocate: (base: string) => string;
  private changed = false;

  constructor(readonly model: Model) {
    this.graph = model.graph!;
    this.nodes = [...this.graph.node];
    for (const t of this.graph.initializer) if (t.name) this.inits.set(t.name, t);
    this.graphOutputs = new Set(this.graph.output.map((o) => o.name ?? ''));
    this.allocate = nameAllocator(this.graph);
  }

  /** A name used nowhere in the graph (and now reserved). */
  fresh(base: string): string {
    return this.allocate(base);
  }

  constant(name: string | undefined): TensorProto | undefined {
    return name ? this.inits.get(name) : undefined;
  }

  addInit(t: TensorProto): string {
    this.inits.set(t.name!, t);
    this.added.push(t);
    this.changed = true;
    return t.name!;
  }

  remove(index: number): void {
    this.nodes[index] = undefined;
    this.changed = true;
  }

  replace(index: number, node: Node): void {
    this.nodes[index] = node;
    this.changed = true;
  }

  /** How many times each name is read by a live node (subgraph reads included) or returned by the graph. */
  readCounts(): Map<string, number> {
    const reads = new Map<string, number>();
    const bump = (name: string) => reads.set(name, (reads.get(name) ?? 0) + 1);
    for (const n of this.nodes) if (n) for (const name of nodeReadsAll(n)) bump(name);
    for (const name of this.graphOutputs) bump(name);
    return reads;
  }

  /** The model with the edits applied (the input model itself when nothing changed). */
  finish(): Model {
    if (!this.changed) return this.model;
    const g = this.graph;
    const node = this.nodes.filter((n): n is Node => n !== undefined);
    const reads = new Set<string>(g.output.map((o) => o.name ?? ''));
    for (const n of node) for (const r of nodeReads(n)) reads.add(r);
    const addedNames = new Set(this.added.map((t) => t.name));
    const original = new Set(g.initializer.map((t) => t.name));
    const initializer = [...g.initializer, ...this.added].filter((t) => reads.has(t.name ?? '') && this.inits.get(t.name ?? '') === t);
    const kept = new Set(initializer.map((t) => t.name));
    const produced = new Set(node.flatMap((n) => n.output));
    // Graph inputs that were initializers (IR < 4 lists them) go with their initializer.
    let input = g.input.filter((v) => !(original.has(v.name) && !kept.has(v.name)));
    const inputs = new Set(input.map((v) => v.name));
    const exists = (name: string) => kept.has(name) || produced.has(name) || inputs.has(name);
    if ((this.model.irVersion ?? 0) < 4) {
      const listed = new Set(input.map((v) => v.name));
      const extra = initializer.filter((t) => addedNames.has(t.name) && !listed.has(t.name));
      input = [...input, ...extra.map((t): ValueInfo => ({ name: t.name, type: { tensorType: { elemType: t.dataType, shape: { dim: t.dims.map((d) => ({ dimValue: d })) } } } }))];
    }
    const valueInfo = g.valueInfo.filter((v) => exists(v.name ?? '') && !addedNames.has(v.name));
    return { ...this.model, graph: { ...g, node, initializer, input, valueInfo } };
  }
}

/** Every name a node reads, once per input slot (nodeReads dedupes); subgraph reads from the enclosing scope included. */
function nodeReadsAll(n: Node): string[] {
  const own = n.input.filter((s) => s.length > 0);
  if (!n.attribute.some((a) => a.g || a.graphs.length)) return own;
  const outer = nodeReads({ ...n, input: [] });
  return [...own, ...outer];
}
