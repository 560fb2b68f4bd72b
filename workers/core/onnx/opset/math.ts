/**
 * Opset adapters for math ops: the binary ops whose legacy "B into A" broadcasting became numpy
 * broadcasting at opset 7 (Add Sub Mul Div Pow And Or Xor Equal Greater Less), Gemm (broadcast
 * removed at 7), TopK (k attribute -> input at 10) and DFT (axis attribute -> input at 20).
 */
import { attr, attrInt } from '../attributes';
import { dropAttrs, removeConsumedInputs, type Adapter } from './common';
import { normAxis } from './infer';

/** 6 -> 7: legacy broadcast (B aligned at `axis`) -> numpy broadcasting. */
export const broadcast7: Adapter = (w, c) => {
  removeConsumedInputs(w, c);
  const hasB = attr(w.node, 'broadcast') !== undefined;
  const axis = attrInt(w.node, 'axis');
  if (!hasB && axis === undefined) return;
  if (attrInt(w.node, 'broadcast', 0) === 1 && axis !== undefined) {
    const ra = c.scope.rank(w.node.input[0]);
    const rb = c.scope.rank(w.node.input[1]);
    if (ra === undefined || rb === undefined) return c.fail(`legacy broadcasting with axis=${axis} needs the ranks of both inputs to align B, and they are unknown`);
    const trailing = ra - normAxis(axis, ra) - rb;
    if (trailing < 0) return c.fail(`legacy broadcast axis=${axis} does not fit a rank-${rb} B into a rank-${ra} A`);
    if (trailing > 0) {
      const b = w.node.input[1];
      const init = c.g.constantInit(b);
      const axes = Array.from({ length: trailing }, (_, i) => rb + i);
      let newB: string;
      if (init) {
        newB = c.addInit({ ...init, name: c.fresh('B'), dims: [...init.dims, ...axes.map(() => 1)], unknown: undefined });
        c.g.replacedInits.add(b);
      } else {
        const u = c.unsqueeze(b, axes, 'B');
        w.before.push(u.node);
        newB = u.output;
      }
      w.node.input = [w.node.input[0], newB, ...w.node.input.slice(2)];
      w.changes.push(`B given ${trailing} trailing 1-dim(s) to keep legacy broadcast axis=${axis}`);
    }
  }
  dropAttrs(w, 'broadcast', 'axis');
  w.changes.push('removed legacy broadcast/axis attributes (numpy broadcasting from opset 7)');
};

export const gemm7: Adapter = (w) => {
  if (dropAttrs(w, 'broadcast')) w.changes.push('removed legacy broadcast attribute (C always broadcasts from opset 7)');
};

export const topk10: Adapter = (w, c) => {
  const k = attrInt(w.node, 'k');
  if (k === undefined) return c.fail('it has no k attribute');
  w.node.input = [w.node.input[0], c.int64Input('k', [k], [1])];
  dropAttrs(w, 'k');
  w.changes.push('k attribute -> input (opset 10)');
};

export const dft20: Adapter = (w, c) => {
  const axis = attrInt(w.node, 'axis', 1);
  const inputs = [w.node.input[0], w.node.input[1] ?? '', c.int64Input('axis', [axis], [])];
  w.node.input = inputs;
  dropAttrs(w, 'axis');
  w.changes.push(`axis=${axis} attribute -> input (opset 20, whose default is -2)`);
};
