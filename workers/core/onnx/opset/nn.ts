/**
 * Opset adapters for the remaining neural-net ops with a single early change: LpPool / GlobalLpPool
 * (p float -> int at 2), GRU / LSTM / RNN (output_sequence removed at 7) and Scan (the 8 -> 9 body
 * contract change, which is refused).
 */
import { attr, intAttr, setAttr } from '../attributes';
import { AttributeType } from '../types';
import { dropAttrs, type Adapter } from './common';

export const lpPool2: Adapter = (w, c) => {
  const p = attr(w.node, 'p');
  if (!p || p.type !== AttributeType.FLOAT) return;
  const v = p.f ?? 2;
  if (!Number.isInteger(v)) return c.fail(`p=${v} is not an integer, which opset 2 requires`);
  setAttr(w.node, intAttr('p', v));
  w.changes.push('p float -> int (opset 2)');
};

export const rnn7: Adapter = (w) => {
  if (dropAttrs(w, 'output_sequence')) w.changes.push('removed output_sequence attribute (opset 7)');
};

export const scan9: Adapter = (w, c) => c.fail('Scan-8 (batch axis, directions) and Scan-9 (scan axes) differ in their body contract; no converter');
