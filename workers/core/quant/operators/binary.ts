/**
 * Element-wise Add and Mul, and Concat: every float input and the output are quantized activations
 * (onnxruntime turns them into QLinearAdd / QLinearMul / QLinearConcat). A constant operand is
 * quantized as a per-tensor weight with its own parameters.
 */
import type { Node } from '../../onnx/types';
import type { MarkContext } from '../plan';
import { keptFp32, QUANTIZED, type MarkResult, type OpQuantizer } from '../registry';

function quantizeAllInputs(ctx: MarkContext, node: Node): MarkResult {
  const inputs = node.input.filter((s) => s.length > 0);
  for (const name of inputs) {
    if (!ctx.constantTensor(name) && !ctx.isFloatActivation(name)) return keptFp32(`input '${name}' is not a calibrated float activation`);
  }
  for (const name of inputs) {
    if (ctx.constantTensor(name)) ctx.markWeight(name, { axis: -1, asActivation: true });
    else ctx.markActivation(name);
  }
  ctx.markNodeOutput(node.output[0]);
  return QUANTIZED;
}

const elementwise: OpQuantizer = (ctx, node) => quantizeAllInputs(ctx, node);

export const binaryQuantizers = { Add: elementwise, Mul: elementwise, Concat: elementwise };
