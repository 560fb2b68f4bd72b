/**
 * Opset adapters for normalization and training-time ops: BatchNormalization (is_test removed at 7,
 * spatial at 9, training-only outputs at 14), Dropout (removed, or made an Identity, at the first
 * change crossed: it is a no-op at inference) and GroupNormalization (per-channel scale/bias at 21).
 */
import { attrInt } from '../attributes';
import { makeTensor, tensorToArray } from '../tensor';
import { DataType } from '../types';
import { dropAttrs, type Adapter } from './common';

export const bn7: Adapter = (w) => {
  const isTest = attrInt(w.node, 'is_test');
  if (dropAttrs(w, 'is_test')) w.changes.push(`removed is_test${isTest === 0 ? '=0 (inference uses the running statistics)' : ''} (opset 7)`);
};

export const bn9: Adapter = (w, c) => {
  const spatial = attrInt(w.node, 'spatial');
  if (spatial === 0) {
    const r = c.scope.rank(w.node.input[0]);
    if (r === undefined || r > 2) return c.fail('spatial=0 (per-activation statistics) was removed at opset 9', 'spatial=0');
  }
  if (dropAttrs(w, 'spatial')) w.changes.push('removed spatial attribute (opset 9)');
};

export const bn14: Adapter = (w, c) => {
  const extra = w.node.output.slice(1).filter((o) => o);
  if (!extra.length) return;
  const used = extra.filter((o) => c.isUsed(o));
  if (used.length) return c.fail(`its training outputs (${used.map((u) => `'${u}'`).join(', ')}) are read, and from opset 14 they exist only with training_mode=1`);
  w.node.output = [w.node.output[0]];
  for (const o of extra) c.up.removed.add(o);
  w.changes.push('removed unused training-only outputs (opset 14)');
};

export const dropout: Adapter = (w, c) => {
  const [out, mask] = w.node.output;
  if (c.isUsed(mask)) return c.fail(`its mask output '${mask}' is read; Dropout's mask changed type (opset 10) and inputs (opset 12)`);
  if (mask) c.up.removed.add(mask);
  if (c.isGraphOutput(out) || !w.node.input[0]) {
    w.node = { ...w.node, opType: 'Identity', input: [w.node.input[0]], output: [out], attribute: [] };
    w.changes.push('Dropout replaced by Identity (a no-op at inference; its attributes/inputs changed at opsets 7, 10, 12)');
  } else {
    w.dropped = true;
    c.rename(out, w.node.input[0]);
    w.changes.push('Dropout removed (a no-op at inference; its attributes/inputs changed at opsets 7, 10, 12): consumers read its input');
  }
};

export const groupNorm21: Adapter = (w, c) => {
  const g = attrInt(w.node, 'num_groups');
  const channels = c.scope.dims(w.node.input[0])?.[1];
  if (g === undefined || channels === undefined) return c.fail('scale/bias become per-channel at opset 21 and the channel count is unknown');
  const expand = (name: string, suffix: string): string => {
    const init = c.g.constantInit(name);
    if (!init || init.dataType !== DataType.FLOAT) return c.fail(`its ${suffix} is not a float32 initializer, so it cannot be expanded per channel`);
    const v = tensorToArray(init) as Float32Array;
    if (v.length !== g) return c.fail(`its ${suffix} has ${v.length} values for ${g} groups`);
    const per = channels / g;
    const out = new Float32Array(channels);
    for (let i = 0; i < channels; i++) out[i] = v[Math.floor(i / per)];
    c.g.replacedInits.add(name);
    return c.addInit(makeTensor(c.fresh(suffix), DataType.FLOAT, [channels], out));
  };
  w.node.input = [w.node.input[0], expand(w.node.input[1], 'scale'), expand(w.node.input[2], 'bias')];
  w.changes.push(`scale/bias repeated per channel (${channels} channels, ${g} groups; opset 21)`);
};
