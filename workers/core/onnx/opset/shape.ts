/**
 * Opset adapters for shape and data-movement ops (ONNX's tensor category): Pad (2, 11), Slice (10),
 * Reshape (5), Concat (4), Split (2, 13, 18), Tile (6), Cast (6) and Scatter (-> ScatterElements at
 * 11). Squeeze / Unsqueeze (axes attribute -> input at 13) use the shared `axesToInput` from ./common,
 * as the Reduce* ops do; those registrations are in ./adapters.
 */
import { attr, attrFloat, attrInts, attrString, intAttr, intsAttr, setAttr, withoutAttrs } from '../attributes';
import { AttributeType } from '../types';
import { dropAttrs, removeConsumedInputs, type Adapter } from './common';
import { dataTypeByName, normAxis } from './infer';

export const pad2: Adapter = (w) => {
  const p = attr(w.node, 'paddings');
  if (!p) return;
  w.node.attribute = withoutAttrs(w.node, 'paddings');
  setAttr(w.node, intsAttr('pads', [...p.ints]));
  w.changes.push('paddings attribute renamed pads (opset 2)');
};

export const pad11: Adapter = (w, c) => {
  const pads = attrInts(w.node, 'pads');
  if (!pads) return c.fail('it has no pads attribute');
  const mode = attrString(w.node, 'mode', 'constant');
  const value = attrFloat(w.node, 'value', 0);
  const type = c.scope.elemType(w.node.input[0]);
  const inputs = [w.node.input[0], c.int64Input('pads', pads)];
  if (mode === 'constant' && value !== 0) inputs.push(c.scalarInput('value', value, type));
  w.node.input = inputs;
  dropAttrs(w, 'pads', 'value');
  const assumed = value !== 0 && mode === 'constant' && type === undefined ? ' (element type unknown: float32 assumed)' : '';
  w.changes.push(`pads${value !== 0 ? '/value' : ''} attributes -> inputs (opset 11)${assumed}`);
};

export const slice10: Adapter = (w, c) => {
  const starts = attrInts(w.node, 'starts');
  const ends = attrInts(w.node, 'ends');
  if (!starts || !ends) return c.fail('it lacks starts/ends attributes');
  const axes = attrInts(w.node, 'axes');
  const inputs = [w.node.input[0], c.int64Input('starts', starts), c.int64Input('ends', ends)];
  if (axes) inputs.push(c.int64Input('axes', axes));
  w.node.input = inputs;
  dropAttrs(w, 'starts', 'ends', 'axes');
  w.changes.push('starts/ends/axes attributes -> inputs (opset 10)');
};

export const reshape5: Adapter = (w, c) => {
  removeConsumedInputs(w, c);
  const shape = attrInts(w.node, 'shape');
  if (!shape) return;
  w.node.input = [w.node.input[0], c.int64Input('shape', shape)];
  dropAttrs(w, 'shape');
  w.changes.push('shape attribute -> input (opset 5)');
};

export const concat4: Adapter = (w) => {
  if (attr(w.node, 'axis')) return;
  setAttr(w.node, intAttr('axis', 1));
  w.changes.push('axis=1 made explicit (default removed at opset 4)');
};

export const split2: Adapter = (w, c) => {
  if (!w.node.input[1]) return;
  const split = c.scope.const(w.node.input[1])?.values;
  if (!split) return c.fail('its split sizes come from a non-constant second input, which opset 2 removed');
  w.node.input = [w.node.input[0]];
  setAttr(w.node, intsAttr('split', split));
  w.changes.push('split input -> attribute (opset 2)');
};

export const split13: Adapter = (w, c) => {
  const split = attrInts(w.node, 'split');
  if (!split) return;
  w.node.input = [w.node.input[0], c.int64Input('split', split)];
  dropAttrs(w, 'split');
  w.changes.push('split attribute -> input (opset 13)');
};

export const split18: Adapter = (w) => {
  if (w.node.input[1] || attr(w.node, 'num_outputs')) return;
  setAttr(w.node, intAttr('num_outputs', w.node.output.length));
  w.changes.push(`num_outputs=${w.node.output.length} (required without a split input from opset 18)`);
};

export const tile6: Adapter = (w, c) => {
  if (w.node.input.length < 3) return;
  const tiles = c.scope.const(w.node.input[1])?.values;
  const axis = c.scope.const(w.node.input[2])?.values;
  const r = c.scope.rank(w.node.input[0]);
  if (!tiles || !axis || r === undefined) return c.fail('Tile-1 (tiles, axis) needs constant tiles/axis and a known rank to become repeats');
  const repeats = new Array<number>(r).fill(1);
  repeats[normAxis(axis[0], r)] = tiles[0];
  w.node.input = [w.node.input[0], c.int64Input('repeats', repeats)];
  w.changes.push('tiles/axis inputs -> repeats (opset 6)');
};

export const cast6: Adapter = (w, c) => {
  const a = attr(w.node, 'to');
  if (!a || a.type !== AttributeType.STRING) return;
  const s = new TextDecoder().decode(a.s);
  const to = dataTypeByName(s);
  if (to === undefined) return c.fail(`its 'to' type '${s}' is not an ONNX data type`);
  setAttr(w.node, intAttr('to', to));
  w.changes.push(`to='${s}' -> ${to} (opset 6)`);
};

export const scatter11: Adapter = (w) => {
  w.node = { ...w.node, opType: 'ScatterElements' };
  w.changes.push('Scatter -> ScatterElements (Scatter deprecated at opset 11)');
};
