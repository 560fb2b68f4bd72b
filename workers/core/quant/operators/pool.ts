/**
 * Pooling. MaxPool keeps its input's parameters on the output (the max of quantized values is a
 * quantized value, so onnxruntime drops the Q/DQ around it and runs an int8 MaxPool). Average pools
 * get their own output parameters (QLinearAveragePool / QLinearGlobalAveragePool).
 */
import { QUANTIZED, keptFp32, type OpQuantizer } from '../registry';

const maxPool: OpQuantizer = (ctx, node) => {
  const x = node.input[0];
  if (node.output.length > 1 && node.output[1]) return keptFp32('MaxPool with an Indices output is left in FP32');
  if (!ctx.isFloatActivation(x)) return keptFp32(`input '${x}' is not a calibrated float activation`);
  ctx.markActivation(x);
  ctx.shareParams(node.output[0], x);
  return QUANTIZED;
};

const averagePool: OpQuantizer = (ctx, node) => {
  const x = node.input[0];
  if (!ctx.isFloatActivation(x)) return keptFp32(`input '${x}' is not a calibrated float activation`);
  ctx.markActivation(x);
  ctx.markNodeOutput(node.output[0]);
  return QUANTIZED;
};

export const poolQuantizers = { MaxPool: maxPool, AveragePool: averagePool, GlobalAveragePool: averagePool, GlobalMaxPool: maxPool };
