/**
 * Opset adapters for activation-style ops: PRelu (numpy slope broadcasting at 7), Clip (min/max
 * attributes -> inputs at 11) and Softmax / LogSoftmax / Hardmax (the 2-D coercion at `axis` replaced
 * by single-axis semantics at 13).
 */
import { attrFloat, attrInt, intAttr, setAttr } from '../attributes';
import { dropAttrs, newNode, removeConsumedInputs, type Adapter } from './common';
import { normAxis, product } from './infer';

export const prelu7: Adapter = (w, c) => {
  removeConsumedInputs(w, c);
  const slope = c.scope.dims(w.node.input[1]);
  const xr = c.scope.rank(w.node.input[0]);
  if (slope && (product(slope) === 1 || (xr !== undefined && slope.length === xr))) return;
  c.fail('before opset 7 a slope that is neither a single value nor of the input rank had no defined layout; numpy broadcasting from opset 7 may apply it to a different axis');
};

export const clip11: Adapter = (w, c) => {
  const min = attrFloat(w.node, 'min');
  const max = attrFloat(w.node, 'max');
  const type = c.scope.elemType(w.node.input[0]);
  const inputs = [w.node.input[0], min !== undefined ? c.scalarInput('min', min, type) : '', max !== undefined ? c.scalarInput('max', max, type) : ''];
  while (inputs.length > 1 && inputs[inputs.length - 1] === '') inputs.pop();
  w.node.input = inputs;
  dropAttrs(w, 'min', 'max');
  w.changes.push(`min/max attributes -> inputs (opset 11)${type === undefined ? ' (element type unknown: float32 assumed)' : ''}`);
};

export const softmax13: Adapter = (w, c) => {
  const op = w.node.opType ?? '';
  const x = w.node.input[0];
  const axisAttr = attrInt(w.node, 'axis', 1);
  // The output has the input's shape: use whichever is known.
  const dims = c.scope.dims(x) ?? c.scope.dims(w.node.output[0]);
  if (dims) {
    const r = dims.length;
    const a = normAxis(axisAttr, r);
    const tail = dims.slice(a);
    // Coercing to 2-D at `a` normalizes over the flattened tail [a..r-1]. When at most one of those
    // dims is not known to be 1, normalizing over that single dim touches the same elements.
    const notOne = tail.map((d, i) => (d === 1 ? -1 : a + i)).filter((i) => i >= 0);
    if (a === r - 1 || notOne.length <= 1) {
      const k = a === r - 1 || notOne.length === 0 ? r - 1 : notOne[0];
      const newAxis = k === r - 1 ? -1 : k;
      setAttr(w.node, intAttr('axis', newAxis));
      w.changes.push(
        a === r - 1
          ? `axis=${axisAttr} is the last dimension: axis=-1 (single-axis semantics from opset 13)`
          : `axis=${axisAttr} with trailing dims [${tail.map((d) => d ?? '?').join(', ')}]: axis=${newAxis} normalizes the same elements (single-axis semantics from opset 13)`,
      );
      return;
    }
  }
  // Shape -> Flatten(axis) -> op(axis=-1) -> Reshape(shape), as onnx's converter does.
  const out = w.node.output[0];
  const shape = c.fresh('shape');
  const flat = c.fresh('flat');
  const mid = c.fresh('2d');
  w.before.push(newNode('Shape', c.fresh('shape_node'), [x], [shape]));
  w.before.push(newNode('Flatten', c.fresh('flatten'), [x], [flat], [intAttr('axis', axisAttr)]));
  w.node.input = [flat, ...w.node.input.slice(1)];
  w.node.output = [mid];
  setAttr(w.node, intAttr('axis', -1));
  w.after.push(newNode('Reshape', c.fresh('reshape'), [mid, shape], [out], c.target >= 14 ? [intAttr('allowzero', 1)] : []));
  w.changes.push(`${op} with axis=${axisAttr} on a ${dims ? `rank-${dims.length} input of dims [${dims.map((d) => d ?? '?').join(', ')}]` : 'input of unknown shape'}: Flatten(axis=${axisAttr}) -> ${op}(axis=-1) -> Reshape back (2-D coercion removed at opset 13)`);
};
