/**
 * Element-wise Add and Mul, and Concat: every float input and the output are quantized activations
 * (onnxruntime turns them into QLinearAdd / QLinearMul / QLinearConcat). A constant operand is
 * quantized as a per-tensor weight with its own parameters, unless it is one value per channel right
 * after a quantized Conv/ConvTranspose/Gemm: then it folds into that layer (../affine.ts).
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

/** A per-channel constant right after a quantized layer goes into its weight and bias (affine.ts). */
const affineOrElementwise: OpQuantizer = (ctx, node) => (ctx.tryFoldAffineIntoLayer(node) ? QUANTIZED : quantizeAllInputs(ctx, node));

/** Sub has no INT8 kernel: only its fold into a layer (t - c) is quantized. */
const sub: OpQuantizer = (ctx, node) =>
  ctx.tryFoldAffineIntoLayer(node) ? QUANTIZED : keptFp32('Sub: no INT8 kernel in onnxruntime CPU/WASM (in current models mostly x - mean of a LayerNorm); kept in FP32');

export const binaryQuantizers = { Add: affineOrElementwise, Mul: affineOrElementwise, Sub: sub, Concat: elementwise };
