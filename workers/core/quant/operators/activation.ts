/**
 * Activations. Relu and Clip directly after a quantized op are removable: with an asymmetric output
 * range [0, max] the QuantizeLinear clamp is the Relu, so the producer writes the activation's output
 * and the activation node disappears (ORT's QDQRemovableActivation; lets onnxruntime fuse
 * Conv+Relu into one QLinearConv). Sigmoid, LeakyRelu, HardSigmoid and HardSwish get their own
 * output parameters. x * Sigmoid(x) (SiLU) is covered by Sigmoid here and Mul in binary.ts.
 */
import { QUANTIZED, keptFp32, type OpQuantizer } from '../registry';

const removable: OpQuantizer = (ctx, node) => {
  const x = node.input[0];
  // Folding needs only the activation's output range: the producer's own output is never quantized then.
  if (ctx.isFloatActivation(node.output[0]) && ctx.tryFoldIntoProducer(node)) return QUANTIZED;
  if (!ctx.isFloatActivation(x)) return keptFp32(`input '${x}' is not a calibrated float activation`);
  ctx.markActivation(x);
  ctx.markNodeOutput(node.output[0]);
  return QUANTIZED;
};

const unary: OpQuantizer = (ctx, node) => {
  const x = node.input[0];
  if (!ctx.isFloatActivation(x)) return keptFp32(`input '${x}' is not a calibrated float activation`);
  ctx.markActivation(x);
  ctx.markNodeOutput(node.output[0]);
  return QUANTIZED;
};

export const activationQuantizers = {
  Relu: removable,
  Clip: removable,
  LeakyRelu: unary,
  Sigmoid: unary,
  HardSigmoid: unary,
  HardSwish: unary,
};
