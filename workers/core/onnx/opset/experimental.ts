/**
 * Opset adapters for the experimental ops removed from ONNX at opset 10. The image ops of opset-7
 * style-transfer and Caffe-converted models, and the two parametric activations, become standard ops
 * that compute the same values (onnxruntime still runs the originals below opset 10, which is how the
 * tests check them):
 *
 *   ImageScaler(scale, bias[C])      x --Mul(scale)--Add(bias as [1,C,1,1])--> y   (a factor 1 / zero bias is left out)
 *   Affine(alpha, beta)              x --Mul(alpha)--Add(beta)--> y                 (the same)
 *   Crop(border=[l,t,r,b])           x --Slice(starts [t,l], ends [-b,-r], axes [2,3])--> y  (end 0 -> INT64_MAX)
 *   Crop(border, scale=[h,w])        x --Slice(starts [t,l], ends [t+h,l+w], axes [2,3])--> y
 *   ScaledTanh(alpha, beta)          x --Mul(beta)--Tanh--Mul(alpha)--> y
 *   ParametricSoftplus(alpha, beta)  x --Mul(beta)--Softplus--Mul(alpha)--> y
 *
 * GivenTensorFill and ConstantFill are refused.
 */
import { attrFloat, attrFloats, attrInts } from '../attributes';
import { makeTensor } from '../tensor';
import { DataType } from '../types';
import { newNode, type Adapter, type NodeContext, type Work } from './common';

const INT64_MAX = 2 ** 63;

function floatOnly(w: Work, c: NodeContext): void {
  const type = c.scope.elemType(w.node.input[0]);
  if (type !== undefined && type !== DataType.FLOAT) c.fail(`its input is not float32 (element type ${type}), which is the only type handled`);
}

/**
 * Replaces the node by a chain of single-input ops (each with an optional constant second operand),
 * the last one writing the node's output and keeping its name; no step at all becomes an Identity.
 */
function chain(w: Work, c: NodeContext, steps: Array<{ op: string; operand?: string }>): void {
  const out = w.node.output[0];
  const name = w.node.name || c.fresh('node');
  if (!steps.length) {
    w.node = newNode('Identity', name, [w.node.input[0]], [out]);
    return;
  }
  let x = w.node.input[0];
  steps.forEach((s, i) => {
    const last = i === steps.length - 1;
    const y = last ? out : c.fresh(s.op.toLowerCase());
    const n = newNode(s.op, last ? name : c.fresh(`${s.op.toLowerCase()}_node`), s.operand ? [x, s.operand] : [x], [y]);
    if (last) w.node = n;
    else w.before.push(n);
    x = y;
  });
}

const scalar = (c: NodeContext, suffix: string, v: number): string => c.scalarInput(suffix, v, DataType.FLOAT);

export const imageScaler10: Adapter = (w, c) => {
  floatOnly(w, c);
  const scale = attrFloat(w.node, 'scale', 1);
  const bias = attrFloats(w.node, 'bias') ?? [];
  const channels = c.scope.dims(w.node.input[0])?.[1];
  if (bias.length && channels !== undefined && bias.length !== channels) return c.fail(`its bias has ${bias.length} values for ${channels} channels`);
  const steps: Array<{ op: string; operand?: string }> = [];
  if (scale !== 1) steps.push({ op: 'Mul', operand: scalar(c, 'scale', scale) });
  if (bias.some((b) => b !== 0)) steps.push({ op: 'Add', operand: c.addInit(makeTensor(c.fresh('bias'), DataType.FLOAT, [1, bias.length, 1, 1], new Float32Array(bias))) });
  chain(w, c, steps);
  w.changes.push(`experimental ImageScaler (gone at opset 10) -> ${steps.map((s) => s.op).join(' + ') || 'Identity'} (scale ${scale}, bias [${bias.join(', ')}])`);
};

export const affine10: Adapter = (w, c) => {
  floatOnly(w, c);
  const alpha = attrFloat(w.node, 'alpha', 1);
  const beta = attrFloat(w.node, 'beta', 0);
  const steps: Array<{ op: string; operand?: string }> = [];
  if (alpha !== 1) steps.push({ op: 'Mul', operand: scalar(c, 'alpha', alpha) });
  if (beta !== 0) steps.push({ op: 'Add', operand: scalar(c, 'beta', beta) });
  chain(w, c, steps);
  w.changes.push(`experimental Affine (gone at opset 10) -> ${steps.map((s) => s.op).join(' + ') || 'Identity'} (alpha ${alpha}, beta ${beta})`);
};

export const crop10: Adapter = (w, c) => {
  const border = attrInts(w.node, 'border') ?? [];
  const scale = attrInts(w.node, 'scale');
  if (border.length !== 4) return c.fail(`its border [${border.join(', ')}] is not the 4 values (left, top, right, bottom) Crop needs`);
  if (border.some((b) => b < 0)) return c.fail(`its border [${border.join(', ')}] has a negative value`);
  if (scale && scale.length !== 2) return c.fail(`its scale [${scale.join(', ')}] is not the 2 values (height, width) Crop needs`);
  const r = c.scope.rank(w.node.input[0]);
  if (r !== undefined && r !== 4) return c.fail(`Crop takes a 4-D NCHW input, this one has rank ${r}`);
  const [left, top, right, bottom] = border;
  const ends = scale ? [top + scale[0], left + scale[1]] : [bottom ? -bottom : INT64_MAX, right ? -right : INT64_MAX];
  const inputs = [w.node.input[0], c.int64Input('starts', [top, left]), c.int64Input('ends', ends), c.int64Input('axes', [2, 3])];
  w.node = newNode('Slice', w.node.name || c.fresh('slice'), inputs, [w.node.output[0]]);
  w.changes.push(`experimental Crop (gone at opset 10) with border [${border.join(', ')}]${scale ? ` and scale [${scale.join(', ')}]` : ''} -> Slice on H, W`);
};

const scaledActivation =
  (op: string, inner: string): Adapter =>
  (w, c) => {
    floatOnly(w, c);
    const alpha = attrFloat(w.node, 'alpha');
    const beta = attrFloat(w.node, 'beta');
    if (alpha === undefined || beta === undefined) return c.fail(`${op} needs both alpha and beta attributes`);
    const steps: Array<{ op: string; operand?: string }> = [];
    if (beta !== 1) steps.push({ op: 'Mul', operand: scalar(c, 'beta', beta) });
    steps.push({ op: inner });
    if (alpha !== 1) steps.push({ op: 'Mul', operand: scalar(c, 'alpha', alpha) });
    chain(w, c, steps);
    w.changes.push(`experimental ${op} (gone at opset 10) -> ${steps.map((s) => s.op).join(' + ')} (alpha ${alpha}, beta ${beta})`);
  };

export const scaledTanh10 = scaledActivation('ScaledTanh', 'Tanh');
export const parametricSoftplus10 = scaledActivation('ParametricSoftplus', 'Softplus');

export const removedExperimental: Adapter = (w, c) => c.fail('this experimental op was removed from ONNX at opset 10 and has no converter here');
