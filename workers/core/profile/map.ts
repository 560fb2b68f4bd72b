/**
 * Per-kernel times (events.ts) mapped back to the person's nodes: the FP32 (prepared) model's node
 * names, for the FP32 model and for a quantized model derived from it.
 *
 * onnxruntime profiles the graph it optimized, whose node names are the model's own with suffixes:
 *
 *   'Conv_3'                          a node as written (FusedConv keeps the Conv's name)
 *   'Conv_3_token_12'                 a QDQ fusion (DQ -> Conv -> Q ran as QLinearConv) or a rewrite
 *   'Relu_output_0_nchwc'             onnxruntime-node's NCHWc Conv, named after the tensor it writes
 *   'Reshape_7_new_reshape', 'Gather_2/GatherSliceToSplitFusion'   other fusions
 *   'Transpose', 'Transpose_token_4', 'ReorderInput_token_9'       layout changes onnxruntime inserted
 *                                                      (NHWC around QLinearConv, NCHWc on x86)
 *
 * resolve() strips those suffixes until a node (or a tensor, whose producer then counts) of the
 * profiled model matches. In a quantized model, what matched is mapped to the FP32 model:
 *
 *   an op node        -> the FP32 node of the same name (the rewrite keeps op names)
 *   a Q of tensor T   -> the first node that reads T's DQ (the INT8 node that needed T quantized)
 *   a DQ of tensor T  -> the node that wrote T (the INT8 node whose output float readers need);
 *                        a weight's DQ -> the node reading the weight
 *
 * so a QLinearConv counts for its Conv, and so do the Q/DQ at its edges. A kernel no name leads to
 * (an inserted Transpose) is attributed to its neighbour in execution order: the next kernel when
 * its output has the next kernel's input size (a Transpose into an NHWC QLinearConv), else the
 * previous one (out of it). Every kernel is attributed, so the node times sum to the profile's.
 */
import { indexGraph, nodeLabel, type GraphIndex } from '../graph/graph';
import type { Model } from '../onnx/types';
import type { TensorMapping } from '../quant/rewrite';
import type { KernelProfile, KernelTime } from './events';

export type KernelRole = 'op' | 'quantize' | 'dequantize' | 'layout' | 'other';

export interface MappedKernel {
  readonly name: string;
  /** Kernel op type as onnxruntime ran it. */
  readonly op: string;
  readonly ms: number;
  readonly role: KernelRole;
  /** The FP32 node it counts for ('' when the model has no node at all to attribute it to). */
  readonly node: string;
  /** How: by name, or by its neighbour in execution order (inserted layout nodes). */
  readonly by: 'name' | 'neighbour';
  /** For a Q/DQ: the FP32 tensor quantized or dequantized there (a Q/DQ boundary). */
  readonly tensor?: string;
  /** Elements of its output (a Q/DQ/Transpose's per-element cost is ms / elements). */
  readonly elements: number;
  /** The kernel read int8/uint8 data (QLinear*, int8 data movement). */
  readonly int8: boolean;
}

export interface NodeTime {
  /** FP32 node name. */
  readonly node: string;
  readonly opType: string;
  /** Everything attributed: the op and its Q/DQ and layout kernels, ms per run. */
  readonly ms: number;
  readonly opMs: number;
  readonly qdqMs: number;
  readonly layoutMs: number;
  /** The op's kernel(s) as onnxruntime ran them ('QLinearConv', 'FusedConv'). */
  readonly kernels: readonly string[];
  /** In a quantized model: the node reads DQ outputs as written. */
  readonly quantized: boolean;
  /**
   * For a quantized node: 'fused' when it ran as an int8 kernel (QLinearConv, QLinearAdd, int8
   * MaxPool), 'dq-op-q' when onnxruntime ran the float op between its DQ and Q.
   */
  readonly execution?: 'fused' | 'dq-op-q';
}

export interface Boundary {
  /** FP32 tensor name. */
  readonly tensor: string;
  readonly kind: 'quantize' | 'dequantize';
  readonly ms: number;
  readonly elements: number;
}

export interface MappedProfile {
  /** Sum of the kernels' times, ms per run (= the sum of the node times plus `unattributedMs`). */
  readonly totalMs: number;
  /** onnxruntime's own run time ('model_run'), ms per run. */
  readonly runMs: number;
  readonly runs: number;
  readonly nodes: readonly NodeTime[];
  readonly unattributedMs: number;
  readonly kernels: readonly MappedKernel[];
  /** Standalone Q/DQ kernels (not inside a QLinear kernel): where float and int8 meet. */
  readonly boundaries: readonly Boundary[];
}

const SUFFIXES: readonly RegExp[] = [/_token_\d+$/, /_nchwc$/, /_new_reshape$/, /\/GatherSliceToSplitFusion$/, /_dq$/, /_q$/, /_fused$/];
const LAYOUT_OPS = new Set(['Transpose', 'ReorderInput', 'ReorderOutput']);

type Match = { kind: 'node'; index: number } | { kind: 'tensor'; index: number };

function resolve(name: string, byName: ReadonlyMap<string, number>, index: GraphIndex): Match | null {
  let current = name;
  for (let step = 0; step < 8; step++) {
    const n = byName.get(current);
    if (n !== undefined) return { kind: 'node', index: n };
    const p = index.producer.get(current);
    if (p && current !== name) return { kind: 'tensor', index: p.index };
    const next = SUFFIXES.reduce((s, r) => s.replace(r, ''), current);
    if (next === current) return null;
    current = next;
  }
  return null;
}

/** The ONNX op a kernel computes: 'FusedConv', 'QLinearConv', 'NhwcConv' -> 'Conv'. */
export function baseOp(kernel: string): string {
  const op = kernel.replace(/^com\.microsoft\./, '');
  if (/Conv$/.test(op) && !/ConvTranspose$/.test(op)) return 'Conv';
  if (/ConvTranspose$/.test(op)) return 'ConvTranspose';
  if (/Gemm$/.test(op)) return 'Gemm';
  if (/MatMul/.test(op)) return 'MatMul';
  return op.replace(/^(QLinear|Nhwc|Fused)/, '');
}

/**
 * A kernel named after a fused group's last node or tensor (onnxruntime-node's NCHWc Conv takes the
 * name of the Relu output it writes): the node of the kernel's own op up the chain counts.
 */
function headOf(i: number, kernel: string, index: GraphIndex): number {
  const want = baseOp(kernel);
  let current = i;
  for (let step = 0; step < 4; step++) {
    const n = index.graph.node[current];
    if (n.opType === want || n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear') return current;
    const p = n.input[0] ? index.producer.get(n.input[0]) : undefined;
    if (!p) break;
    current = p.index;
  }
  return i;
}

const numel = (dims: readonly number[] | undefined) => (dims ?? []).reduce((a, d) => a * Math.max(1, d), 1);

function isInt8Type(t: string | undefined): boolean {
  return t === 'uint8' || t === 'int8';
}

/** Nodes of the quantized model reading a DQ output (as written): the quantized ones. */
function quantizedNodes(index: GraphIndex): Set<number> {
  const out = new Set<number>();
  index.graph.node.forEach((n, i) => {
    if (n.opType === 'DequantizeLinear' || n.opType === 'QuantizeLinear') return;
    if (n.input.some((t) => t && index.producer.get(t)?.node.opType === 'DequantizeLinear')) out.add(i);
  });
  return out;
}

export interface MapOptions {
  /** The FP32 model the profiled one derives from (the profiled model itself for an FP32 profile). */
  readonly fp32: Model;
  /** The quantized model's tensor mapping (from its metadata). */
  readonly mapping?: readonly TensorMapping[];
}

export function mapProfile(profile: KernelProfile, profiled: Model, options: MapOptions): MappedProfile {
  const index = indexGraph(profiled.graph!);
  const fp32Index = options.fp32 === profiled ? index : indexGraph(options.fp32.graph!);
  const byName = new Map<string, number>();
  index.graph.node.forEach((n, i) => byName.set(nodeLabel(n, i), i));
  const fp32Nodes = new Map<string, number>();
  fp32Index.graph.node.forEach((n, i) => fp32Nodes.set(nodeLabel(n, i), i));
  const fp32Tensors = new Set<string>([...fp32Index.producer.keys(), ...fp32Index.graph.input.map((v) => v.name ?? '')]);
  const toFp32Tensor = new Map<string, string>();
  for (const m of options.mapping ?? []) {
    toFp32Tensor.set(m.int8, m.fp32);
    if (m.quantized) toFp32Tensor.set(m.quantized, m.fp32);
  }
  const fp32TensorOf = (t: string): string => {
    if (fp32Tensors.has(t)) return t;
    const m = toFp32Tensor.get(t);
    if (m) return m;
    const stripped = t.replace(/_before_QuantizeLinear$/, '');
    return fp32Tensors.has(stripped) ? stripped : t;
  };
  const labelOf = (i: number) => nodeLabel(index.graph.node[i], i);
  const inFp32 = (i: number | undefined): string | undefined => (i !== undefined && fp32Nodes.has(labelOf(i)) ? labelOf(i) : undefined);
  /** The first node reading tensor t (through Q -> DQ) that exists in FP32. */
  const firstReader = (t: string, depth = 0): string | undefined => {
    for (const c of index.consumers.get(t) ?? []) {
      const own = inFp32(c.index);
      if (own) return own;
      if (depth < 3 && (c.node.opType === 'QuantizeLinear' || c.node.opType === 'DequantizeLinear')) {
        const r = firstReader(c.node.output[0], depth + 1);
        if (r) return r;
      }
    }
    return undefined;
  };
  const writerOf = (t: string): string | undefined => inFp32(index.producer.get(t)?.index);

  type Draft = Omit<MappedKernel, 'node' | 'by'> & { node?: string; by?: MappedKernel['by']; order: number };
  const drafts: Draft[] = profile.kernels.map((k: KernelTime) => {
    const elements = numel(k.output?.dims);
    const int8 = isInt8Type(k.input?.type) || /^(QLinear|QGemm|QAttention)/.test(k.op);
    const match = resolve(k.name, byName, index);
    const base = { name: k.name, op: k.op, ms: k.ms, elements, int8, order: k.order };
    if (!match) {
      const role: KernelRole = LAYOUT_OPS.has(k.op) ? 'layout' : k.op === 'QuantizeLinear' ? 'quantize' : k.op === 'DequantizeLinear' ? 'dequantize' : 'other';
      return { ...base, role };
    }
    const node = index.graph.node[headOf(match.index, k.op, index)];
    if (match.kind === 'node' && node.opType === 'QuantizeLinear') {
      const t = node.input[0];
      return { ...base, role: 'quantize', tensor: fp32TensorOf(t), node: firstReader(node.output[0]) ?? writerOf(t), by: 'name' };
    }
    if (match.kind === 'node' && node.opType === 'DequantizeLinear') {
      const q = node.input[0];
      if (index.initializers.has(q) || index.constants.has(q)) return { ...base, role: 'dequantize', node: firstReader(node.output[0]), by: 'name' };
      const qNode = index.producer.get(q)?.node;
      const t = qNode?.opType === 'QuantizeLinear' ? qNode.input[0] : q;
      return { ...base, role: 'dequantize', tensor: fp32TensorOf(t), node: writerOf(t) ?? firstReader(node.output[0]), by: 'name' };
    }
    const role: KernelRole = LAYOUT_OPS.has(k.op) && !LAYOUT_OPS.has(node.opType ?? '') ? 'layout' : 'op';
    return { ...base, role, node: inFp32(headOf(match.index, k.op, index)), by: 'name' };
  });

  // Kernels no name led to: their neighbour in execution order.
  const named = drafts.filter((d) => d.node !== undefined);
  for (let i = 0; i < drafts.length; i++) {
    const d = drafts[i];
    if (d.node !== undefined) continue;
    const next = drafts.slice(i + 1).find((x) => x.node !== undefined);
    const prev = [...drafts.slice(0, i)].reverse().find((x) => x.node !== undefined);
    const k = profile.kernels[i];
    const nextKernel = next ? profile.kernels[drafts.indexOf(next)] : undefined;
    const feedsNext = nextKernel !== undefined && numel(k.output?.dims) === numel(nextKernel.input?.dims);
    const pick = (feedsNext ? next : prev) ?? next ?? named[0];
    d.node = pick?.node ?? '';
    d.by = 'neighbour';
  }
  const kernels: MappedKernel[] = drafts.map(({ order: _order, ...d }) => ({ ...d, node: d.node ?? '', by: d.by ?? 'neighbour' }));

  const quantized = options.fp32 === profiled ? new Set<number>() : quantizedNodes(index);
  const byNode = new Map<string, { opMs: number; qdqMs: number; layoutMs: number; kernels: string[]; int8: boolean; ranOp: boolean }>();
  let unattributedMs = 0;
  for (const k of kernels) {
    if (!k.node) {
      unattributedMs += k.ms;
      continue;
    }
    let e = byNode.get(k.node);
    if (!e) byNode.set(k.node, (e = { opMs: 0, qdqMs: 0, layoutMs: 0, kernels: [], int8: false, ranOp: false }));
    if (k.role === 'op') {
      e.opMs += k.ms;
      if (!e.kernels.includes(k.op)) e.kernels.push(k.op);
      e.ranOp = true;
      if (k.int8) e.int8 = true;
    } else if (k.role === 'quantize' || k.role === 'dequantize') e.qdqMs += k.ms;
    else e.layoutMs += k.ms;
  }
  const nodes: NodeTime[] = fp32Index.graph.node.map((n, i) => {
    const name = nodeLabel(n, i);
    const e = byNode.get(name);
    const q = byName.get(name);
    const isQuantized = q !== undefined && quantized.has(q);
    return {
      node: name,
      opType: n.opType ?? '',
      ms: e ? e.opMs + e.qdqMs + e.layoutMs : 0,
      opMs: e?.opMs ?? 0,
      qdqMs: e?.qdqMs ?? 0,
      layoutMs: e?.layoutMs ?? 0,
      kernels: e?.kernels ?? [],
      quantized: isQuantized,
      ...(isQuantized && e?.ranOp ? { execution: e.int8 ? ('fused' as const) : ('dq-op-q' as const) } : {}),
    };
  });
  const boundaries: Boundary[] = kernels
    .filter((k): k is MappedKernel & { tensor: string; role: 'quantize' | 'dequantize' } => (k.role === 'quantize' || k.role === 'dequantize') && k.tensor !== undefined)
    .map((k) => ({ tensor: k.tensor, kind: k.role, ms: k.ms, elements: k.elements }));
  return { totalMs: profile.kernelMs, runMs: profile.runMs, runs: profile.runs, nodes, unattributedMs, kernels, boundaries };
}
