/**
 * Data-movement ops that do not change values: their outputs share the input's scale and zero-point
 * (ORT's "quantize output same as input"), so onnxruntime can drop the surrounding Q/DQ and move int8
 * data. Only the data input (input 0) is quantized; shape/index inputs stay as they are.
 */
import { attrString } from '../../onnx/attributes';
import { keptFp32, QUANTIZED, type OpQuantizer } from '../registry';

const shareFirstInput: OpQuantizer = (ctx, node) => {
  const x = node.input[0];
  // A constant input (e.g. a bias reshaped at run time) is folded by onnxruntime; nothing to quantize.
  if (ctx.constantTensor(x)) return keptFp32(`input '${x}' is a constant`);
  if (!ctx.isFloatActivation(x)) return keptFp32(`input '${x}' is not a calibrated float activation`);
  ctx.markActivation(x);
  for (const out of node.output) if (out) ctx.shareParams(out, x);
  return QUANTIZED;
};

/** Resize in nearest mode only picks values; linear modes interpolate but stay within the input range. */
const resize: OpQuantizer = (ctx, node, index) => {
  const mode = attrString(node, 'mode', 'nearest');
  if (mode === 'cubic') return keptFp32('Resize in cubic mode can overshoot the input range and is left in FP32');
  return shareFirstInput(ctx, node, index);
};

export const passthroughQuantizers = {
  Reshape: shareFirstInput,
  Transpose: shareFirstInput,
  Flatten: shareFirstInput,
  Squeeze: shareFirstInput,
  Unsqueeze: shareFirstInput,
  Split: shareFirstInput,
  Slice: shareFirstInput,
  Gather: shareFirstInput,
  Resize: resize,
  DepthToSpace: shareFirstInput,
  SpaceToDepth: shareFirstInput,
};
