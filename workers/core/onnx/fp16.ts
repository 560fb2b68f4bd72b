/**
 * FP16 -> FP32 widening, so a float16 model can be calibrated and quantized through an exact FP32
 * copy (every float16 value is exactly representable in float32). The INT8 model built from it has
 * float32 inputs and outputs; `widenFloat16` reports which inputs and outputs changed type so the
 * CLI and UI can say so.
 */
import { AttributeType, DataType, type Graph, type Model, type Node, type TensorProto, type ValueInfo } from './types';
import { makeTensor, tensorToFloat32 } from './tensor';

export interface WidenResult {
  readonly model: Model;
  /** True when anything was float16. */
  readonly changed: boolean;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

function widenTensor(t: TensorProto): TensorProto {
  if (t.dataType !== DataType.FLOAT16) return t;
  const wide = makeTensor(t.name ?? '', DataType.FLOAT, t.dims, tensorToFloat32(t));
  return { ...t, dataType: DataType.FLOAT, rawData: wide.rawData, int32Data: undefined };
}

function widenValueInfo(v: ValueInfo): ValueInfo {
  const tt = v.type?.tensorType;
  if (tt?.elemType !== DataType.FLOAT16) return v;
  return { ...v, type: { ...v.type, tensorType: { ...tt, elemType: DataType.FLOAT } } };
}

const DTYPE_ATTRS = new Set(['to', 'dtype']);

function widenNode(n: Node, touched: { any: boolean }): Node {
  let changed = false;
  const attribute = n.attribute.map((a) => {
    if (a.type === AttributeType.INT && DTYPE_ATTRS.has(a.name ?? '') && a.i === DataType.FLOAT16) {
      changed = true;
      return { ...a, i: DataType.FLOAT };
    }
    if (a.t && a.t.dataType === DataType.FLOAT16) {
      changed = true;
      return { ...a, t: widenTensor(a.t) };
    }
    if (a.g || a.graphs.length > 0) {
      changed = true;
      return { ...a, g: a.g ? widenGraph(a.g, touched) : undefined, graphs: a.graphs.map((g) => widenGraph(g, touched)) };
    }
    return a;
  });
  if (changed) touched.any = true;
  return changed ? { ...n, attribute } : n;
}

function widenGraph(g: Graph, touched: { any: boolean }): Graph {
  const initializer = g.initializer.map((t) => {
    if (t.dataType !== DataType.FLOAT16) return t;
    touched.any = true;
    return widenTensor(t);
  });
  const vi = (list: ValueInfo[]) =>
    list.map((v) => {
      const w = widenValueInfo(v);
      if (w !== v) touched.any = true;
      return w;
    });
  return { ...g, initializer, node: g.node.map((n) => widenNode(n, touched)), input: vi(g.input), output: vi(g.output), valueInfo: vi(g.valueInfo) };
}

export function widenFloat16(model: Model): WidenResult {
  const g = model.graph!;
  const touched = { any: false };
  const graph = widenGraph(g, touched);
  const isHalf = (v: ValueInfo) => v.type?.tensorType?.elemType === DataType.FLOAT16;
  const init = new Set(g.initializer.map((t) => t.name));
  return {
    model: touched.any ? { ...model, graph } : model,
    changed: touched.any,
    inputs: g.input.filter((v) => isHalf(v) && !init.has(v.name)).map((v) => v.name ?? ''),
    outputs: g.output.filter(isHalf).map((v) => v.name ?? ''),
  };
}
