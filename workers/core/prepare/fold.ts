/**
 * Constant folding, as onnxruntime does before its quantizer runs (quant_pre_process) and as
 * onnx-simplifier does: a node whose inputs are all constant becomes an initializer holding its
 * output, when ./evaluate.ts can compute that output exactly (data movement, Cast, Add/Sub/Mul/Div,
 * Shape). Exporters write weights and shape arithmetic this way (MNIST's MatMul weight is
 * Reshape(Parameter193); Paddle computes Reshape targets from Constant nodes); folded, a weight is a
 * constant the quantizer can turn into int8, and the graph is what it computes at run time.
 *
 *   W (initializer) --> Reshape(shape const) --> W_r --> MatMul          W_r (initializer) --> MatMul
 *   c1, c2 (consts) --> Concat --> Cast --> s --> Reshape(x, s)    =>    s (initializer) --> Reshape(x, s)
 *
 * Shape also folds when its input is a graph input whose every dimension is declared as a number:
 * onnxruntime refuses any other input shape, so the result is the same on every run. Shapes of
 * intermediate tensors are never assumed. Nodes are visited in topological order, so a chain folds in
 * one pass. Only the main graph is folded; a folded name that a subgraph reads stays available as an
 * initializer. Initializers count as constants even where an IR < 4 model also lists them as graph
 * inputs (the engine treats them as weights everywhere). Outputs are bit-identical.
 */
import { defaultOpset, nodeLabel, topologicalOrder } from '../graph/graph';
import { makeTensor, numel } from '../onnx/tensor';
import type { Model, TensorProto, ValueInfo } from '../onnx/types';
import { GraphEdit } from './edit';
import { evaluate, FOLDABLE_OPS, valueOf, type Value } from './evaluate';

export interface FoldResult {
  readonly model: Model;
  /** Labels of the folded nodes, in the order they were folded. */
  readonly folded: readonly string[];
  /** How many nodes of each op type were folded. */
  readonly byOp: Readonly<Record<string, number>>;
}

/** A new tensor may be at most this large unless its inputs were as large (broadcasting can inflate). */
const GROWTH_LIMIT = 4096;

function staticDims(v: ValueInfo): number[] | undefined {
  const shape = v.type?.tensorType?.shape;
  if (!shape) return undefined;
  const dims = shape.dim.map((d) => (d.dimParam === undefined && d.dimValue !== undefined && d.dimValue > 0 ? d.dimValue : -1));
  return dims.every((d) => d > 0) ? dims : undefined;
}

export function foldConstants(model: Model): FoldResult {
  const graph = model.graph!;
  const opset = defaultOpset(model);
  const edit = new GraphEdit(model);
  const values = new Map<string, Value | undefined>();
  const valueOfName = (name: string): Value | undefined => {
    if (!values.has(name)) {
      const t = edit.constant(name);
      values.set(name, t ? valueOf(t) : undefined);
    }
    return values.get(name);
  };
  const inputShapes = new Map<string, number[]>();
  for (const v of graph.input) {
    const dims = staticDims(v);
    if (v.name && dims && !edit.constant(v.name)) inputShapes.set(v.name, dims);
  }
  const folded: string[] = [];
  const byOp: Record<string, number> = {};
  for (const i of topologicalOrder(graph)) {
    const node = graph.node[i];
    const op = node.opType ?? '';
    if ((node.domain ?? '') !== '' && node.domain !== 'ai.onnx') continue;
    if (!FOLDABLE_OPS.has(op) || node.output.length !== 1) continue;
    const out = node.output[0];
    if (!out || edit.graphOutputs.has(out)) continue;
    const shapeOnly = op === 'Shape' && !edit.constant(node.input[0]) ? inputShapes.get(node.input[0]) : undefined;
    const inputs = node.input.map((name) => (name ? valueOfName(name) : undefined));
    if (!shapeOnly && node.input.some((name, k) => name && !inputs[k])) continue;
    const result = evaluate(node, inputs, opset, shapeOnly)?.[0];
    if (!result) continue;
    const inputSize = inputs.reduce((s, v) => s + (v ? v.data.length : 0), 0);
    if (numel(result.dims) > Math.max(inputSize, GROWTH_LIMIT)) continue;
    const tensor: TensorProto = makeTensor(out, result.dataType, result.dims, result.data);
    edit.addInit(tensor);
    values.set(out, result);
    edit.remove(i);
    folded.push(nodeLabel(node, i));
    byOp[op] = (byOp[op] ?? 0) + 1;
  }
  return { model: edit.finish(), folded, byOp };
}
