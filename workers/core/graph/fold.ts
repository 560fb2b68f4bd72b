/**
 * Folds data-movement nodes whose inputs are all constant (Reshape, Transpose, Flatten, Squeeze,
 * Unsqueeze, Identity of a float initializer) into new initializers, as onnxruntime's constant
 * folding does before its quantizer runs (quant_pre_process). Exporters often write a weight this way
 * (MNIST's MatMul weight is Reshape(Parameter193)); folded, the weight is a constant the quantizer can
 * turn into int8. The values are only moved, never computed, so outputs are bit-identical.
 *
 *   W (float initializer) --> Reshape(shape const) --> W_r --> MatMul
 *   becomes
 *   W_r (float initializer, new dims)                      --> MatMul
 */
import { attrInt, attrInts } from '../onnx/attributes';
import { makeTensor, numel, tensorToFloat32, tensorToNumbers } from '../onnx/tensor';
import { DataType, type Model, type Node, type TensorProto } from '../onnx/types';
import { topologicalOrder } from './graph';

const FOLDABLE = new Set(['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']);

export interface FoldResult {
  readonly model: Model;
  /** Names of the folded nodes, in graph order. */
  readonly folded: readonly string[];
}

function transpose(values: Float32Array, dims: readonly number[], perm: readonly number[]): { values: Float32Array; dims: number[] } {
  const rank = dims.length;
  const outDims = perm.map((p) => dims[p]);
  const inStrides = new Array<number>(rank).fill(1);
  for (let k = rank - 2; k >= 0; k--) inStrides[k] = inStrides[k + 1] * dims[k + 1];
  const out = new Float32Array(values.length);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < out.length; i++) {
    let src = 0;
    for (let k = 0; k < rank; k++) src += index[k] * inStrides[perm[k]];
    out[i] = values[src];
    for (let k = rank - 1; k >= 0; k--) {
      if (++index[k] < outDims[k]) break;
      index[k] = 0;
    }
  }
  return { values: out, dims: outDims };
}

/** The output dims of a foldable node, or undefined when it cannot be folded safely. */
function foldedDims(node: Node, dims: readonly number[], constant: (name: string) => TensorProto | undefined): number[] | undefined {
  const rank = dims.length;
  const norm = (a: number, r: number) => (a < 0 ? a + r : a);
  switch (node.opType) {
    case 'Identity':
      return [...dims];
    case 'Transpose': {
      const perm = attrInts(node, 'perm') ?? dims.map((_, k) => rank - 1 - k);
      if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => p < 0 || p >= rank)) return undefined;
      return perm.map((p) => dims[p]);
    }
    case 'Reshape': {
      const shapeTensor = node.input[1] ? constant(node.input[1]) : undefined;
      if (!shapeTensor) return undefined;
      const shape = tensorToNumbers(shapeTensor);
      const allowZero = attrInt(node, 'allowzero', 0) === 1;
      const out = shape.map((s, k) => (s === 0 && !allowZero ? dims[k] : s));
      const known = out.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
      const unknown = out.filter((s) => s === -1).length;
      if (unknown > 1 || out.some((s) => s === undefined || s < -1)) return undefined;
      if (unknown === 1) {
        if (known === 0 || numel(dims) % known !== 0) return undefined;
        out[out.indexOf(-1)] = numel(dims) / known;
      }
      return numel(out) === numel(dims) ? out : undefined;
    }
    case 'Flatten': {
      const axis = norm(attrInt(node, 'axis', 1), rank);
      return [numel(dims.slice(0, axis)), numel(dims.slice(axis))];
    }
    case 'Squeeze':
    case 'Unsqueeze': {
      // Opset 13+: axes is an input; before that, an attribute.
      const axesTensor = node.input[1] ? constant(node.input[1]) : undefined;
      if (node.input[1] && !axesTensor) return undefined;
      const axes = axesTensor ? tensorToNumbers(axesTensor) : attrInts(node, 'axes');
      if (node.opType === 'Squeeze') {
        const drop = new Set((axes ?? dims.map((d, k) => (d === 1 ? k : -1)).filter((k) => k >= 0)).map((a) => norm(a, rank)));
        if ([...drop].some((k) => dims[k] !== 1)) return undefined;
        return dims.filter((_, k) => !drop.has(k));
      }
      if (!axes) return undefined;
      const outRank = rank + axes.length;
      const insert = new Set(axes.map((a) => norm(a, outRank)));
      const out: number[] = [];
      let j = 0;
      for (let k = 0; k < outRank; k++) out.push(insert.has(k) ? 1 : dims[j++]);
      return out;
    }
    default:
      return undefined;
  }
}

export function foldConstantDataMovement(model: Model): FoldResult {
  const graph = model.graph!;
  const initializers = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const graphOutputs = new Set(graph.output.map((o) => o.name ?? ''));
  const removedNodes = new Set<number>();
  const folded: string[] = [];
  const added: TensorProto[] = [];
  for (const i of topologicalOrder(graph)) {
    const node = graph.node[i];
    if (!FOLDABLE.has(node.opType ?? '') || (node.domain ?? '') !== '' || node.output.length !== 1) continue;
    const out = node.output[0];
    const data = initializers.get(node.input[0] ?? '');
    if (!out || graphOutputs.has(out) || !data || data.dataType !== DataType.FLOAT) continue;
    // Every other input (shape, axes) must be a constant too.
    if (node.input.slice(1).some((s) => s && !initializers.has(s))) continue;
    const dims = foldedDims(node, data.dims, (name) => initializers.get(name));
    if (!dims) continue;
    let values = tensorToFloat32(data);
    let outDims = dims;
    if (node.opType === 'Transpose') {
      const t = transpose(values, data.dims, attrInts(node, 'perm') ?? data.dims.map((_, k) => data.dims.length - 1 - k));
      values = t.values;
      outDims = t.dims;
    }
    const tensor = makeTensor(out, DataType.FLOAT, outDims, values);
    initializers.set(out, tensor);
    added.push(tensor);
    removedNodes.add(i);
    folded.push(node.name ?? `${node.opType}_${i}`);
  }
  if (folded.length === 0) return { model, folded };
  const node = graph.node.filter((_, i) => !removedNodes.has(i));
  // Initializers nothing reads any more (the original weight) go; the folded ones stay.
  const read = new Set(node.flatMap((n) => n.input));
  for (const o of graph.output) read.add(o.name ?? '');
  const initializer = [...graph.initializer, ...added].filter((t) => read.has(t.name ?? ''));
  const kept = new Set(initializer.map((t) => t.name));
  const dropped = new Set([...initializers.keys()].filter((n) => !kept.has(n)));
  const addedNames = new Set(added.map((t) => t.name));
  return {
    model: {
      ...model,
      graph: {
        ...graph,
        node,
        initializer,
        input: graph.input.filter((v) => !dropped.has(v.name ?? '')),
        valueInfo: graph.valueInfo.filter((v) => !dropped.has(v.name ?? '') && !addedNames.has(v.name ?? '')),
      },
    },
    folded,
  };
}
