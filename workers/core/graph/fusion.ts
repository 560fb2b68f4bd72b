/**
 * What onnxruntime makes of an INT8 QDQ graph on CPU and WASM: its QDQ rules fuse
 *
 *   DQ(x) --+
 *   DQ(w) --+--> Conv --> Q      into one QLinearConv (int8 in, int8 out)
 *   DQ(b) --+
 *
 * and run data movement (MaxPool, Reshape, ...) between a DQ and a Q of the same parameters on the
 * int8 values directly. fusedKernels() finds those groups in a GraphView of the INT8 model as
 * written, so the graph view can show each group as the one kernel onnxruntime runs. The kernels are
 * predicted from the pattern; fusion.test.ts checks the prediction against the graph onnxruntime
 * writes after its optimizations on real models.
 */
import type { GraphView } from './view';

/** The fused kernel per op type (an op whose data inputs all come from DQ and whose outputs all go to Q). */
export const QLINEAR_KERNELS: Readonly<Record<string, string>> = {
  Conv: 'QLinearConv',
  MatMul: 'QLinearMatMul',
  Gemm: 'QGemm',
  Add: 'QLinearAdd',
  Mul: 'QLinearMul',
  Concat: 'QLinearConcat',
  GlobalAveragePool: 'QLinearGlobalAveragePool',
  AveragePool: 'QLinearAveragePool',
  Sigmoid: 'QLinearSigmoid',
  LeakyRelu: 'QLinearLeakyRelu',
};

/** Ops onnxruntime runs on int8 values when a DQ/Q pair of equal parameters surrounds them (the pair is dropped). */
export const INT8_DATA_MOVEMENT: ReadonlySet<string> = new Set(['MaxPool', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Flatten', 'Gather', 'Resize', 'Slice']);

export interface FusedKernel {
  /** The op node at the centre of the group. */
  readonly node: string;
  /** 'QLinearConv', ..., or 'int8 MaxPool' for data movement. */
  readonly kernel: string;
  /** The group's nodes in topological order: the DQs feeding it (only it), the op, the Qs after it. */
  readonly members: readonly string[];
}

export function fusedKernels(view: GraphView): FusedKernel[] {
  const byId = new Map(view.nodes.map((n) => [n.id, n]));
  const producer = new Map<string, string>();
  const consumers = new Map<string, string[]>();
  for (const e of view.edges) {
    producer.set(`${e.to}\u0000${e.tensor}`, e.from);
    const list = consumers.get(e.from) ?? [];
    list.push(e.to);
    consumers.set(e.from, list);
  }
  const opOf = (id: string | undefined) => (id ? byId.get(id)?.opType : undefined);
  const out: FusedKernel[] = [];
  for (const n of view.nodes) {
    if (n.kind !== 'op') continue;
    const kernel = QLINEAR_KERNELS[n.opType] ?? (INT8_DATA_MOVEMENT.has(n.opType) ? `int8 ${n.opType}` : undefined);
    if (!kernel || n.inputs.length === 0 || n.outputs.length === 0) continue;
    const from = n.inputs.map((t) => producer.get(`${n.id}\u0000${t}`));
    if (!from.every((p) => opOf(p) === 'DequantizeLinear')) continue;
    const to = consumers.get(n.id) ?? [];
    if (to.length === 0 || !to.every((c) => opOf(c) === 'QuantizeLinear')) continue;
    // A DQ read by other nodes too stays outside (onnxruntime duplicates it; drawing it once is clearer).
    const dqs = [...new Set(from as string[])].filter((p) => (consumers.get(p) ?? []).every((c) => c === n.id));
    const members = [...dqs, n.id, ...new Set(to)].sort((a, b) => byId.get(a)!.order - byId.get(b)!.order);
    out.push({ node: n.id, kernel, members });
  }
  return out;
}
