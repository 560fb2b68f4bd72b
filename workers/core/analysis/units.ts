/**
 * Precision units: what "keep this in FP32" is applied to, as a person thinks of it ("this layer").
 * A unit is a quantized node that owns quantization parameters (a weight, or its own output grid) plus
 * the nodes that only exist in INT8 together with it:
 *
 *   - its folds: a Relu/Clip the Q clamps, a per-channel Mul/Add folded into its weight and bias;
 *   - its gate: the self-gated activation that reads its output (SiLU = x * Sigmoid(x), hard swish
 *     = x * HardSigmoid(x)), or a lone Sigmoid/HardSigmoid/LeakyRelu/Tanh/HardSwish after it. Kept
 *     alone, the layer would still see its output rounded for those readers.
 *
 * Data-movement ops (Reshape, Transpose, Slice, Resize, MaxPool, ...) share their input's grid and are
 * no units of their own. Units are plain data: the planner's node names, in graph order.
 */
import { nodeLabel } from '../graph/graph';
import { numel } from '../onnx/tensor';
import type { QuantPlan } from '../quant/plan';

export interface PrecisionUnit {
  /** The head node's name (the layer). */
  readonly id: string;
  readonly opType: string;
  /** Every node kept in FP32 with it, the head first. */
  readonly nodes: readonly string[];
  /** Graph order of the head node (for plots in graph order). */
  readonly order: number;
  /** Bytes its weights take in FP32 (what keeping it costs: 4 bytes a value instead of 1). */
  readonly weightBytes: number;
}

/** Ops whose output shares the input's parameters (operators/passthrough.ts, MaxPool). */
const SHARING = new Set(['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Split', 'Slice', 'Gather', 'Resize', 'DepthToSpace', 'SpaceToDepth', 'MaxPool', 'GlobalMaxPool', 'Identity']);
const GATES = new Set(['Sigmoid', 'HardSigmoid']);
const ACTIVATIONS = new Set(['Sigmoid', 'HardSigmoid', 'LeakyRelu', 'Tanh', 'HardSwish', 'Relu', 'Clip']);

export function precisionUnits(plan: QuantPlan): PrecisionUnit[] {
  const nodes = plan.index.graph.node;
  const quantized = new Set(plan.decisions.filter((d) => d.quantized).map((d) => d.index));
  const positionOf = new Map(plan.order.map((i, k) => [i, k]));
  const owner = new Map<number, number>(); // node index -> head node index
  // Folds join the node that writes their input (a chain of folds joins the first writer).
  const writer = new Map<string, number>();
  nodes.forEach((n, i) => n.output.forEach((o) => o && writer.set(o, i)));
  for (const f of plan.folds) {
    const w = writer.get(f.from);
    if (w === undefined) continue;
    const head = f.affine ? f.affine.layer : (owner.get(w) ?? w);
    owner.set(f.nodeIndex, owner.get(head) ?? head);
    writer.set(f.to, head);
  }
  // Gates reading a head's (final) output.
  for (const i of plan.order) {
    if (!quantized.has(i) || owner.has(i) || SHARING.has(nodes[i].opType ?? '')) continue;
    const n = nodes[i];
    const outs = n.output.filter(Boolean).map((o) => o);
    // The tensor the head writes in the INT8 graph: its own output, or the last fold's.
    const written = [...writer].filter(([, w]) => w === i).map(([t]) => t);
    for (const t of new Set([...outs, ...written])) {
      const readers = plan.index.consumers.get(t) ?? [];
      const gates = readers.filter((c) => quantized.has(c.index) && ACTIVATIONS.has(c.node.opType ?? '') && !owner.has(c.index));
      for (const g of gates) owner.set(g.index, i);
      const gateOutputs = new Set(gates.filter((g) => GATES.has(g.node.opType ?? '')).flatMap((g) => g.node.output));
      for (const c of readers) {
        if (c.node.opType !== 'Mul' || !quantized.has(c.index) || owner.has(c.index)) continue;
        const other = c.node.input[1 - c.inputIndex];
        if (other && gateOutputs.has(other)) owner.set(c.index, i);
      }
    }
  }
  const units = new Map<number, number[]>();
  for (const i of plan.order) {
    if (!quantized.has(i)) continue;
    const head = owner.get(i);
    if (head !== undefined) {
      if (!units.has(head)) units.set(head, [head]);
      units.get(head)!.push(i);
    } else if (!SHARING.has(nodes[i].opType ?? '') && !units.has(i)) units.set(i, [i]);
  }
  return [...units].map(([head, members]) => {
    const n = nodes[head];
    const weight = n.input[1] && plan.weights.has(n.input[1]) ? (plan.index.initializers.get(n.input[1]) ?? plan.index.constants.get(n.input[1])) : undefined;
    return {
      id: nodeLabel(n, head),
      opType: n.opType ?? '',
      nodes: [...new Set(members)].map((m) => nodeLabel(nodes[m], m)),
      order: positionOf.get(head) ?? head,
      weightBytes: weight ? 4 * numel(weight.dims) : 0,
    };
  }).sort((a, b) => a.order - b.order);
}
