/**
 * Ops of current vision models that stay in FP32 on purpose, each with its reason (data in the plan's
 * decisions, not a generic "no quantizer"). The rule (issue 9 item 5): quantize what onnxruntime has
 * INT8 kernels for on CPU/WASM (Conv, MatMul, Gemm, Add, Mul, pools, data movement: the other
 * operators/ files); leave the rest in FP32 where an 8-bit grid would cost accuracy for no kernel.
 * A tensor that only these ops read is left float too (plan.ts), so no Q/DQ pair is spent on it.
 */
import { keptFp32, QUANTIZED, type OpQuantizer } from '../registry';

const kept =
  (reason: string): OpQuantizer =>
  () =>
    keptFp32(reason);

const NORMALIZATION = 'normalization divides by a data-dependent deviation: an 8-bit input grid is amplified by 1/std; kept in FP32 (no INT8 kernel in onnxruntime CPU/WASM)';
const LAYERNORM_PART = 'part of a normalization written as primitives (ReduceMean, Sub, Pow, Sqrt, Div: LayerNorm): statistics and 1/std are kept in FP32';

/** A BN after a quantized layer's folded bias Add (Paddle's ConvTranspose -> Add -> BN) goes into the layer (../affine.ts). */
const batchNorm: OpQuantizer = (ctx, node) =>
  ctx.tryFoldAffineIntoLayer(node) ? QUANTIZED : keptFp32('BatchNormalization not folded into a Conv (it follows another op): its per-channel gain would amplify an 8-bit input grid; kept in FP32');

export const floatQuantizers = {
  Softmax: kept('Softmax: exponentials of 8-bit logits are coarse (one step scales a probability by e^step); kept in FP32 (no INT8 kernel in onnxruntime CPU/WASM)'),
  LogSoftmax: kept('LogSoftmax: kept in FP32 like Softmax'),
  LayerNormalization: kept(NORMALIZATION),
  InstanceNormalization: kept(NORMALIZATION),
  GroupNormalization: kept(NORMALIZATION),
  BatchNormalization: batchNorm,
  ReduceMean: kept(LAYERNORM_PART),
  Div: kept('Div: no INT8 kernel in onnxruntime CPU/WASM (x / std of a LayerNorm, x / 6 of a hard swish); kept in FP32'),
  Pow: kept(LAYERNORM_PART),
  Sqrt: kept(LAYERNORM_PART),
  Erf: kept('Erf (of a Gelu): no INT8 kernel; kept in FP32'),
  Gelu: kept('Gelu: no INT8 kernel in onnxruntime CPU/WASM; kept in FP32'),
  Tanh: kept('Tanh: no INT8 kernel in onnxruntime CPU/WASM; kept in FP32'),
  Mish: kept('Mish: no INT8 kernel; kept in FP32'),
  Softplus: kept('Softplus (of a Mish): no INT8 kernel; kept in FP32'),
  Exp: kept('Exp: an 8-bit input grid becomes a relative error of e^step; kept in FP32'),
  Log: kept('Log: no INT8 kernel; kept in FP32'),
  PRelu: kept('PRelu: no QDQ fusion in onnxruntime CPU/WASM; kept in FP32'),
  Einsum: kept('Einsum: no INT8 kernel in onnxruntime CPU/WASM; kept in FP32 (export it as MatMul to quantize it)'),
  GridSample: kept('GridSample: sampling coordinates need more than 8 bits (one step of a [-1, 1] grid is 0.8% of the image); kept in FP32'),
  TopK: kept('TopK: selects indices (detections), no arithmetic to quantize; kept in FP32'),
  Where: kept('Where: selects between tensors by a condition; kept in FP32'),
  Pad: kept('Pad: kept in FP32 (a constant pad value need not lie on the input grid; reflect/edge pads read float)'),
};
