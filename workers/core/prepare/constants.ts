/**
 * `Constant` nodes become initializers of the same name, as onnxruntime's and onnx-simplifier's
 * preparation does. Paddle exports carry every weight this way (ppocr-cls-v2: 250 Constant nodes and
 * no initializer); as initializers, the folding and BatchNormalization passes and the quantizer see
 * them as the constants they are.
 *
 *   Constant(value=T) --> w --> Conv        w (initializer T) --> Conv
 *
 * value (a tensor), value_float / value_floats (float32 scalar / 1-D) and value_int / value_ints
 * (int64 scalar / 1-D) are converted. A Constant whose output is a graph output, or whose value is a
 * sparse tensor or a string, stays a node. Only the main graph is converted (subgraph bodies keep
 * theirs).
 */
import { attr } from '../onnx/attributes';
import { makeTensor } from '../onnx/tensor';
import { DataType, type Model, type Node, type TensorProto } from '../onnx/types';
import { nodeLabel } from '../graph/graph';
import { GraphEdit } from './edit';

export interface ConstantsResult {
  readonly model: Model;
  /** Labels of the Constant nodes that became initializers. */
  readonly converted: readonly string[];
}

/** A decoded int64 (a number; INT64_MAX reads as 2^63) as a bigint: BigInt64Array would wrap 2^63 to INT64_MIN. */
const int64 = (v: number): bigint => (v >= 2 ** 63 ? 2n ** 63n - 1n : v <= -(2 ** 63) ? -(2n ** 63n) : BigInt(v));

function constantTensor(n: Node, name: string): TensorProto | undefined {
  const value = attr(n, 'value')?.t;
  if (value) return value.dataType === DataType.STRING ? undefined : { ...value, name };
  const f = attr(n, 'value_float');
  if (f?.f !== undefined) return makeTensor(name, DataType.FLOAT, [], new Float32Array([f.f]));
  const fs = attr(n, 'value_floats');
  if (fs) return makeTensor(name, DataType.FLOAT, [fs.floats.length], Float32Array.from(fs.floats));
  const i = attr(n, 'value_int');
  if (i?.i !== undefined) return makeTensor(name, DataType.INT64, [], new BigInt64Array([int64(i.i)]));
  const is = attr(n, 'value_ints');
  if (is) return makeTensor(name, DataType.INT64, [is.ints.length], BigInt64Array.from(is.ints, int64));
  return undefined;
}

export function constantsToInitializers(model: Model): ConstantsResult {
  const edit = new GraphEdit(model);
  const converted: string[] = [];
  edit.nodes.forEach((n, index) => {
    if (!n || n.opType !== 'Constant' || ((n.domain ?? '') !== '' && n.domain !== 'ai.onnx')) return;
    const out = n.output[0];
    if (!out || n.output.length !== 1 || edit.graphOutputs.has(out) || edit.constant(out)) return;
    const t = constantTensor(n, out);
    if (!t) return;
    edit.addInit(t);
    edit.remove(index);
    converted.push(nodeLabel(n, index));
  });
  return { model: converted.length ? edit.finish() : model, converted };
}
