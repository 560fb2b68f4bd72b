/**
 * Op kinds, as the speed of int8 kernels differs by them: onnxruntime-web's WASM QLinearConv is
 * im2col + an int8 GEMM for dense and pointwise convolutions, but a scalar loop for depthwise ones;
 * WebGPU has no int8 kernels at all. A mapped profile (map.ts) grouped by kind says where the time
 * goes: the node's op time by its kind, its Q/DQ and layout kernels in groups of their own.
 */
import { attrInt, attrInts } from '../onnx/attributes';
import { indexGraph } from '../graph/graph';
import type { Model } from '../onnx/types';
import type { MappedProfile } from './map';

export { KIND_LABELS, type OpKind } from './kind-labels';
import type { OpKind } from './kind-labels';

const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Relu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'LeakyRelu', 'Tanh', 'PRelu', 'Exp', 'Pow', 'Sqrt', 'Softmax', 'Erf', 'Neg', 'Abs', 'Max', 'Min']);
const DATA_MOVEMENT = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Concat', 'Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Split', 'Slice', 'Gather', 'Resize', 'DepthToSpace', 'SpaceToDepth', 'Identity', 'Pad', 'Shape', 'Cast', 'Expand', 'Tile']);

/** The kind of each FP32 node, from its op type and, for Conv, its weight's shape and group. */
export function nodeKinds(fp32: Model): Map<string, OpKind> {
  const index = indexGraph(fp32.graph!);
  const out = new Map<string, OpKind>();
  fp32.graph!.node.forEach((n, i) => {
    const name = n.name && n.name.length > 0 ? n.name : `${n.opType ?? 'node'}_${i}`;
    const op = n.opType ?? '';
    let kind: OpKind = 'other';
    if (op === 'Conv' || op === 'ConvTranspose') {
      const w = index.initializers.get(n.input[1]) ?? index.constants.get(n.input[1]);
      const dims = w?.dims.map(Number) ?? [];
      const group = attrInt(n, 'group', 1);
      const kernel = attrInts(n, 'kernel_shape') ?? dims.slice(2);
      const inPerGroup = dims[1] ?? 0;
      if (group > 1 && inPerGroup === 1) kind = 'depthwise';
      else if (group > 1) kind = 'grouped';
      else if (kernel.length > 0 && kernel.every((k) => k === 1)) kind = 'pointwise';
      else kind = 'dense';
    } else if (op === 'MatMul' || op === 'Gemm') kind = 'matmul';
    else if (ELEMENTWISE.has(op)) kind = 'elementwise';
    else if (DATA_MOVEMENT.has(op)) kind = 'data-movement';
    out.set(name, kind);
  });
  return out;
}

export interface KindTime {
  readonly kind: OpKind;
  readonly ms: number;
  readonly nodes: number;
}

/** Milliseconds per run by kind; Q/DQ and layout kernels in their own groups. Sums to the profile's total. */
export function groupByKind(profile: MappedProfile, kinds: ReadonlyMap<string, OpKind>): KindTime[] {
  const ms = new Map<OpKind, { ms: number; nodes: Set<string> }>();
  const add = (kind: OpKind, v: number, node: string) => {
    let e = ms.get(kind);
    if (!e) ms.set(kind, (e = { ms: 0, nodes: new Set() }));
    e.ms += v;
    if (node) e.nodes.add(node);
  };
  for (const k of profile.kernels) {
    if (k.role === 'quantize' || k.role === 'dequantize') add('qdq', k.ms, k.node);
    else if (k.role === 'layout') add('layout', k.ms, k.node);
    else add(kinds.get(k.node) ?? 'other', k.ms, k.node);
  }
  return [...ms].map(([kind, e]) => ({ kind, ms: e.ms, nodes: e.nodes.size })).sort((a, b) => b.ms - a.ms);
}
