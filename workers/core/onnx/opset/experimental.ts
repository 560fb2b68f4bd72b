/**
 * Opset adapters for the experimental ops removed from ONNX at opset 10: ImageScaler becomes
 * Mul(scale) + Add(bias); Affine, Crop, ParametricSoftplus, ScaledTanh, GivenTensorFill and
 * ConstantFill are refused.
 */
import { attrFloat, attrFloats } from '../attributes';
import { makeTensor } from '../tensor';
import { DataType } from '../types';
import { newNode, type Adapter } from './common';

export const imageScaler10: Adapter = (w, c) => {
  const scale = attrFloat(w.node, 'scale', 1);
  const bias = attrFloats(w.node, 'bias') ?? [];
  const type = c.scope.elemType(w.node.input[0]) ?? DataType.FLOAT;
  if (type !== DataType.FLOAT) return c.fail('only float32 input is handled');
  const out = w.node.output[0];
  const scaled = c.fresh('scaled');
  const s = c.scalarInput('scale', scale, type);
  const b = c.addInit(makeTensor(c.fresh('bias'), DataType.FLOAT, [1, bias.length, 1, 1], new Float32Array(bias)));
  w.before.push(newNode('Mul', c.fresh('mul'), [w.node.input[0], s], [scaled]));
  w.node = newNode('Add', w.node.name ?? c.fresh('add'), [scaled, b], [out]);
  w.changes.push('experimental ImageScaler (gone at opset 10) -> Mul(scale) + Add(bias)');
};

export const removedExperimental: Adapter = (w, c) => c.fail('this experimental op was removed from ONNX at opset 10 and has no converter here');
