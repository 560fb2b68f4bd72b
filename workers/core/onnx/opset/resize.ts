/**
 * Opset adapters for resampling ops: the Upsample chain (height/width_scale -> scales at 7, scales
 * input at 9, replaced by Resize at 10), Resize 10 -> 11 (roi input, with coordinate_transformation_mode
 * and nearest_mode chosen to keep what the old ops computed), Resize 11 -> 13 (optional roi/scales,
 * tf_half_pixel_for_nn removed), and the later coordinate/mode changes of RoiAlign (16) and
 * GridSample (20).
 *
 * Resize inputs across the versions (what an opset-11 exporter writes, and what this makes of it):
 *
 *   Resize-10:  [X, scales]
 *   Resize-11:  [X, roi, scales, sizes?]    roi and scales required; with sizes, scales is an EMPTY tensor
 *   Resize-13+: [X, roi?, scales?, sizes?]  a named scales counts as given (onnxruntime: "Either sizes or
 *                                           scales must be provided, but not both of them")
 *
 *   [X, roi(0 elements), scales(0 elements), sizes]  --13-->  [X, '', '', sizes]
 *   [X, roi(0 elements), scales]                     --13-->  [X, '', scales]
 */
import { attr, attrFloat, attrFloats, attrString, floatsAttr, setAttr, stringAttr, withoutAttrs } from '../attributes';
import { makeTensor, numel } from '../tensor';
import { DataType, type Attribute } from '../types';
import { dropAttrs, type Adapter, type NodeContext } from './common';

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

/** A constant of this graph with no elements: an initializer nothing overrides, or a Constant node's output. */
export function isEmptyConstant(c: NodeContext, name: string | undefined): boolean {
  if (!name) return false;
  const init = c.g.constantInit(name);
  if (init) return numel(init.dims) === 0;
  if (c.scope.inits.has(name)) return false; // an initializer a caller may override
  const v = c.scope.consts.get(name);
  return v !== undefined && v.values.length === 0 && numel(v.dims) === 0;
}

/**
 * 13: roi and scales became optional, and the removed coordinate_transformation_mode
 * tf_half_pixel_for_nn is rewritten.
 *
 * Empty roi/scales. Opset-11 exporters pass a 0-element tensor for the roi and, next to sizes, for
 * scales; from 13 on an input is omitted by the name '' instead. A 0-element roi is only read by
 * tf_crop_and_resize (which needs a real one), so '' changes nothing; a 0-element scales next to a
 * sizes input means "use sizes" in both versions.
 *
 * tf_half_pixel_for_nn (nearest only) maps x_out to x_in = (x_out + 0.5) / scale; half_pixel maps it
 * to x_in - 0.5. So rounding x_in with nearest_mode 'floor' is rounding (x_in - 0.5) half up
 * ('round_prefer_ceil'), and 'round_prefer_floor' (the default) is 'ceil' of (x_in - 0.5):
 *
 *   tf_half_pixel_for_nn + floor               ==  half_pixel + round_prefer_ceil
 *   tf_half_pixel_for_nn + round_prefer_floor  ==  half_pixel + ceil
 *   tf_half_pixel_for_nn + ceil / round_prefer_ceil, or mode linear/cubic: no equivalent, refused
 */
export const resize13: Adapter = (w, c) => {
  const changes: string[] = [];
  const inputs = [...w.node.input];
  const ctm = attrString(w.node, 'coordinate_transformation_mode', 'half_pixel');
  if (ctm !== 'tf_crop_and_resize' && isEmptyConstant(c, inputs[1])) {
    c.g.replacedInits.add(inputs[1]);
    inputs[1] = '';
    changes.push("empty roi -> '' (roi optional from opset 13)");
  }
  if (inputs[3] && isEmptyConstant(c, inputs[2])) {
    c.g.replacedInits.add(inputs[2]);
    inputs[2] = '';
    changes.push("empty scales next to sizes -> '' (from opset 13 a named scales counts as given)");
  }
  while (inputs.length > 1 && inputs[inputs.length - 1] === '') inputs.pop();
  w.node.input = inputs;
  if (ctm === 'tf_half_pixel_for_nn') {
    const mode = attrString(w.node, 'mode', 'nearest');
    const nearest = attrString(w.node, 'nearest_mode', 'round_prefer_floor');
    const mapped = nearest === 'floor' ? 'round_prefer_ceil' : nearest === 'round_prefer_floor' ? 'ceil' : undefined;
    if (mode !== 'nearest' || !mapped) {
      return c.fail(
        `coordinate_transformation_mode 'tf_half_pixel_for_nn' was removed at opset 13 and has no equivalent with mode '${mode}' and nearest_mode '${nearest}'`,
        "coordinate_transformation_mode 'tf_half_pixel_for_nn'",
      );
    }
    setAttr(w.node, stringAttr('coordinate_transformation_mode', 'half_pixel'));
    setAttr(w.node, stringAttr('nearest_mode', mapped));
    changes.push(`coordinate_transformation_mode 'tf_half_pixel_for_nn' (removed at opset 13) with nearest_mode '${nearest}' -> 'half_pixel' with nearest_mode '${mapped}' (the same pixels)`);
  }
  w.changes.push(...changes);
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
