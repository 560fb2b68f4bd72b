/**
 * Gemm and MatMul. A constant right-hand side is a weight quantized per output column: Gemm's B is
 * [N, K] when transB = 1 (axis 0) and [K, N] otherwise (axis 1); MatMul's B is [..., K, N] (the last
 * axis); batch dimensions in front are fine (the scale is per N). Two activations (attention's Q*K^T and
 * P*V) are both quantized as u8 activations, as onnxruntime does (QLinearMatMul): measured on PP-OCRv4
 * rec (SVTR), keeping them in FP32 instead changes the output cosine by 0.0003 (0.9761 vs 0.9758), so
 * the INT8 kernel is kept. The Softmax between them stays FP32 (operators/float.ts), and its input (the
 * attention logits) stays float because no quantized op reads it (plan.ts).
 */
import { attrFloat, attrInt } from '../../onnx/attributes';
import type { MarkContext } from '../plan';
import { keptFp32, QUANTIZED, type OpQuantizer } from '../registry';

function markRhs(ctx: MarkContext, name: string, axis: number): string | undefined {
  const t = ctx.constantTensor(name);
  if (t) {
    // onnxruntime's QLinearMatMul takes a scale per column only for a 2-D B; a 1-D B (a dot product,
    // DFL's integral over bins) or a batched one ([..., K, N]) gets one scale (its run refuses
    // per-axis parameters there: "weight zero point must be a scalar ...").
    ctx.markWeight(name, { axis: t.dims.length !== 2 ? -1 : axis < 0 ? t.dims.length + axis : axis });
    return undefined;
  }
  if (!ctx.isFloatActivation(name)) return `input '${name}' is neither a constant weight nor a calibrated float activation`;
  ctx.markActivation(name);
  return undefined;
}

const gemm: OpQuantizer = (ctx, node) => {
  const [a, b, c] = node.input;
  if (attrInt(node, 'transA', 0) !== 0) return keptFp32('Gemm with transA = 1 is left in FP32');
  if (!ctx.isFloatActivation(a)) return keptFp32(`input '${a}' is not a calibrated float activation`);
  ctx.markActivation(a);
  const problem = markRhs(ctx, b, attrInt(node, 'transB', 0) === 1 ? 0 : 1);
  if (problem) return keptFp32(problem);
  // C becomes an int32 bias only when it is exactly alpha*A*B's per-column term (alpha = beta = 1, 1-D).
  const cTensor = c ? ctx.constantTensor(c) : undefined;
  if (cTensor && cTensor.dims.length === 1 && attrFloat(node, 'alpha', 1) === 1 && attrFloat(node, 'beta', 1) === 1 && ctx.constantTensor(b)) {
    ctx.markBias(c, { input: a, weight: b });
  }
  ctx.markNodeOutput(node.output[0]);
  return QUANTIZED;
};

const matmul: OpQuantizer = (ctx, node) => {
  const [a, b] = node.input;
  if (!ctx.isFloatActivation(a)) return keptFp32(`input '${a}' is not a calibrated float activation`);
  ctx.markActivation(a);
  const problem = markRhs(ctx, b, -1);
  if (problem) return keptFp32(problem);
  ctx.markNodeOutput(node.output[0]);
  return QUANTIZED;
};

export const matmulQuantizers = { Gemm: gemm, MatMul: matmul };
