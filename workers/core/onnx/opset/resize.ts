/**
 * Opset adapters for resampling ops: the Upsample chain (height/width_scale -> scales at 7, scales
 * input at 9, replaced by Resize at 10), Resize 10 -> 11 (roi input, with coordinate_transformation_mode
 * and nearest_mode chosen to keep what the old ops computed), and the later coordinate/mode changes of
 * RoiAlign (16) and GridSample (20).
 */
import { attr, attrFloat, attrFloats, attrString, floatsAttr, setAttr, stringAttr, withoutAttrs } from '../attributes';
import { makeTensor } from '../tensor';
import { DataType, type Attribute } from '../types';
import { dropAttrs, type Adapter } from './common';

export const upsample7: Adapter = (w, c) => {
  const hs = attrFloat(w.node, 'height_scale');
  const ws = attrFloat(w.node, 'width_scale');
  if (hs === undefined && ws === undefined) return;
  if (hs === undefined || ws === undefined) return c.fail('Upsample-1 needs both height_scale and width_scale');
  const r = c.scope.rank(w.node.input[0]);
  if (r !== undefined && r !== 4) return c.fail(`Upsample-1 supports only 4-D input, this one has rank ${r}`);
  let mode = attrString(w.node, 'mode', 'nearest');
  if (mode === 'bilinear') mode = 'linear';
  w.node.attribute = withoutAttrs(w.node, 'height_scale', 'width_scale', 'mode');
  setAttr(w.node, stringAttr('mode', mode));
  setAttr(w.node, floatsAttr('scales', [1, 1, hs, ws]));
  w.changes.push('height_scale/width_scale -> scales (opset 7)');
};

export const upsample9: Adapter = (w, c) => {
  const scales = attrFloats(w.node, 'scales');
  if (!scales) return;
  const name = c.addInit(makeTensor(c.fresh('scales'), DataType.FLOAT, [scales.length], new Float32Array(scales)));
  w.node.input = [w.node.input[0], name];
  dropAttrs(w, 'scales');
  w.changes.push('scales attribute -> input (opset 9)');
};

export const upsample10: Adapter = (w, c) => {
  if (w.node.input.length < 2 || !w.node.input[1]) return c.fail('it has no scales');
  const mode = attrString(w.node, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear') return c.fail(`mode '${mode}' has no Resize equivalent`, `mode '${mode}'`);
  w.node = { ...w.node, opType: 'Resize', attribute: [stringAttr('mode', mode)] };
  w.upsampleOrigin = true;
  w.changes.push('Upsample -> Resize (Upsample deprecated at opset 10)');
};

export const resize11: Adapter = (w, c) => {
  const mode = attrString(w.node, 'mode', 'nearest');
  const scalesName = w.node.input[1];
  const attrs: Attribute[] = [...withoutAttrs(w.node, 'coordinate_transformation_mode', 'nearest_mode'), stringAttr('coordinate_transformation_mode', 'asymmetric')];
  let nearest = '';
  if (mode === 'nearest') {
    const scales = c.scope.const(scalesName)?.values;
    if (w.upsampleOrigin || (scales && scales.every((s) => s >= 1))) nearest = 'floor';
    else if (scales && scales.every((s) => s <= 1)) nearest = 'ceil';
    else if (scales) return c.fail(`its scales [${scales.join(', ')}] both up- and downsample, which no single nearest_mode reproduces`, "mode 'nearest'");
    else return c.fail('its scales are computed at run time, so whether it downsamples (ceil rounding) or upsamples (floor rounding) is unknown', "mode 'nearest'");
    attrs.push(stringAttr('nearest_mode', nearest));
  }
  const roi = c.target >= 13 ? '' : c.addInit(makeTensor(c.fresh('roi'), DataType.FLOAT, [0], new Float32Array(0)));
  w.node.input = [w.node.input[0], roi, scalesName];
  w.node.attribute = attrs;
  w.changes.push(`Resize-10 -> 11: roi input added, coordinate_transformation_mode='asymmetric'${nearest ? `, nearest_mode='${nearest}'` : ''} (what opset < 11 computed)`);
};

export const roiAlign16: Adapter = (w) => {
  if (attr(w.node, 'coordinate_transformation_mode')) return;
  setAttr(w.node, stringAttr('coordinate_transformation_mode', 'output_half_pixel'));
  w.changes.push("coordinate_transformation_mode='output_half_pixel' (the pre-16 behaviour; the default became half_pixel)");
};

export const gridSample20: Adapter = (w) => {
  const mode = attrString(w.node, 'mode', 'bilinear');
  const renamed = mode === 'bilinear' ? 'linear' : mode === 'bicubic' ? 'cubic' : mode;
  setAttr(w.node, stringAttr('mode', renamed));
  if (renamed !== mode || !attr(w.node, 'mode')) w.changes.push(`mode '${mode}' -> '${renamed}' (opset 20)`);
};
