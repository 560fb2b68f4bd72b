/**
 * Conv and ConvTranspose: activation input, weight per output channel (s8 symmetric by default),
 * bias as int32 with scale = input scale * weight scale, activation output. onnxruntime fuses
 * DQ -> Conv -> Q into QLinearConv on CPU and WASM.
 */
import { attrInt } from '../../onnx/attributes';
import type { Node } from '../../onnx/types';
import type { MarkContext } from '../plan';
import { keptFp32, QUANTIZED, type MarkResult, type OpQuantizer } from '../registry';

function quantizeConvLike(ctx: MarkContext, node: Node, weightAxis: number): MarkResult {
  const [x, w, b] = node.input;
  if (!ctx.isFloatActivation(x)) return keptFp32(`input '${x}' is not a calibrated float activation`);
  const weight = ctx.constantTensor(w);
  if (!weight) return keptFp32(`weight '${w}' is not a constant initializer`);
  ctx.markActivation(x);
  ctx.markWeight(w, { axis: weightAxis });
  if (b) {
    if (ctx.constantTensor(b)) ctx.markBias(b, { input: x, weight: w });
  }
  ctx.markNodeOutput(node.output[0]);
  return QUANTIZED;
}

const conv: OpQuantizer = (ctx, node) => quantizeConvLike(ctx, node, 0);

/**
 * ConvTranspose weights are [C_in, C_out / group, kH, kW]: output channels are on axis 1. With
 * group > 1 the bias index is group * (C_out/group) + k, which a per-axis scale on axis 1 cannot
 * express, so grouped ConvTranspose uses a per-tensor weight scale.
 */
const convTranspose: OpQuantizer = (ctx, node) => quantizeConvLike(ctx, node, attrInt(node, 'group', 1) === 1 ? 1 : -1);

export const convQuantizers = { Conv: conv, ConvTranspose: convTranspose };
