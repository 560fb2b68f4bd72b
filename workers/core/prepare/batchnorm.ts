/**
 * BatchNormalization folded into the Conv / ConvTranspose / Gemm that feeds it, as onnxruntime's
 * graph optimizer and quant_pre_process do. Paddle and older PyTorch exports keep BN unfused; left in,
 * each BN stays FP32 between two quantized layers (ppocr-cls-v2: 35 of them).
 *
 *   X --Conv(W, b)--> t --BatchNormalization(γ, β, μ, σ², ε)--> Y      =>      X --Conv(W', b')--> Y
 *
 *   s[o]  = γ[o] / sqrt(σ²[o] + ε)                 (per output channel o)
 *   W'    = W with output channel o scaled by s[o]
 *   b'[o] = (b[o] - μ[o]) · s[o] + β[o]             (β[o] - μ[o] · s[o] when the Conv has no bias)
 *
 * Each step is a float32 operation, in the order of onnxruntime's ConvBNFusion: the folded Conv is
 * bit-identical to the one onnxruntime builds from the original at its default optimization level
 * (checked on the Paddle models), so the prepared model computes what onnxruntime computes for the
 * original. Against the original run node by node (optimizations off) the outputs move by float32
 * rounding, as they do under onnxruntime's own fusion.
 *
 * Where the output channel sits in W: ../graph/channels.ts. Gemm: Y = α·A·B + β_g·C, column (row) n
 * of B scaled by s[n], C' = (β_g·C - μ)·s + β and beta = 1; C may be absent, a scalar, [N] or [1, N]
 *
 * Folded only when t is read by the BN alone (and is no graph output), the BN runs in inference mode
 * (no training_mode, spatial=1) with its extra outputs unused, and W, b and the four BN parameters are
 * float32 initializers. New initializers get new names (a weight shared with another node is left as
 * it is). Outputs move by float32 rounding only (relative 1e-7 per layer).
 */
import { attrFloat, attrInt, withoutAttrs } from '../onnx/attributes';
import { makeTensor, numel, tensorToFloat32 } from '../onnx/tensor';
import { DataType, type Model, type Node, type TensorProto } from '../onnx/types';
import { outputChannelsOf, scaleOutputChannels } from '../graph/channels';
import { nodeLabel } from '../graph/graph';
import { GraphEdit } from './edit';

export interface BatchNormFoldResult {
  readonly model: Model;
  /** Each folded BatchNormalization and the node it went into. */
  readonly folded: ReadonlyArray<{ readonly batchNorm: string; readonly into: string; readonly opType: string }>;
}

const isDefault = (n: Node) => (n.domain ?? '') === '' || n.domain === 'ai.onnx';

function floats(t: TensorProto | undefined, length?: number): Float32Array | undefined {
  if (!t || t.dataType !== DataType.FLOAT) return undefined;
  try {
    const v = tensorToFloat32(t);
    return length === undefined || v.length === length ? v : undefined;
  } catch {
    return undefined;
  }
}

/** W with each output channel scaled, for the producer's weight layout; undefined when W does not fit. */
function scaledWeight(p: Node, w: TensorProto, s: Float32Array): Float32Array | undefined {
  const values = floats(w);
  return values ? scaleOutputChannels(p, values, w.dims, s) : undefined;
}

/**
 * The producer's bias per output channel, with Gemm's beta applied (float32); undefined when there is
 * none (Conv/ConvTranspose without bias, Gemm without C) and null when it does not fit one value per channel.
 */
function biasOf(p: Node, t: TensorProto | undefined, c: number): Float32Array | undefined | null {
  if (!t) return undefined;
  const v = floats(t);
  if (!v) return null;
  if (p.opType === 'Gemm') {
    const beta = Math.fround(attrFloat(p, 'beta', 1));
    // C broadcasts over [M, N]: only a scalar, [N] or [1, N] is one value per channel.
    if (v.length === 1) return new Float32Array(c).fill(beta * v[0]);
    if (v.length === c && (t.dims.length === 1 || (t.dims.length === 2 && t.dims[0] === 1))) return Float32Array.from(v, (x) => beta * x);
    return null;
  }
  return v.length === c ? v : null;
}

export function foldBatchNorms(model: Model): BatchNormFoldResult {
  const edit = new GraphEdit(model);
  const reads = edit.readCounts();
  const producer = new Map<string, number>();
  edit.nodes.forEach((n, i) => n?.output.forEach((o) => o && producer.set(o, i)));
  const folded: Array<{ batchNorm: string; into: string; opType: string }> = [];

  edit.nodes.forEach((bn, bi) => {
    if (!bn || bn.opType !== 'BatchNormalization' || !isDefault(bn) || bn.input.length !== 5 || !bn.output[0]) return;
    if (attrInt(bn, 'training_mode', 0) !== 0 || attrInt(bn, 'spatial', 1) !== 1) return;
    if (bn.output.slice(1).some((o) => o && (reads.get(o) ?? 0) > 0)) return;
    const t = bn.input[0];
    const pi = producer.get(t);
    const p = pi === undefined ? undefined : edit.nodes[pi];
    if (!p || pi === undefined || !isDefault(p) || !['Conv', 'ConvTranspose', 'Gemm'].includes(p.opType ?? '')) return;
    if (p.output.length !== 1 || reads.get(t) !== 1 || edit.graphOutputs.has(t)) return;
    const wName = p.input[1];
    const w = edit.constant(wName);
    if (!w) return;
    const channels = outputChannelsOf(p, w.dims);
    if (!channels) return;
    const [gamma, beta, mean, variance] = bn.input.slice(1).map((n) => floats(edit.constant(n), channels));
    if (!gamma || !beta || !mean || !variance) return;
    if (p.input[2] && !edit.constant(p.input[2])) return;
    // float32 steps in the order of onnxruntime's ConvBNFusion (conv_bn_fusion.cc), so a Conv folded
    // here is bit-identical to the one onnxruntime makes of the original at its default optimization level.
    const f = Math.fround;
    const eps = f(attrFloat(bn, 'epsilon', 1e-5));
    const s = Float32Array.from(gamma, (g, i) => f(g / f(Math.sqrt(f(variance[i] + eps)))));
    const weight = scaledWeight(p, w, s);
    const bias = biasOf(p, edit.constant(p.input[2]), channels);
    if (!weight || bias === null) return;
    const newBias = Float32Array.from(bias ?? mean, (b, i) => (bias ? f(f(f(b - mean[i]) * s[i]) + beta[i]) : f(beta[i] - f(mean[i] * s[i]))));
    const label = nodeLabel(p, pi);
    const wNew = edit.addInit(makeTensor(edit.fresh(`${wName}_bn`), DataType.FLOAT, w.dims, weight));
    const bNew = edit.addInit(makeTensor(edit.fresh(`${p.input[2] || `${label}_bias`}_bn`), DataType.FLOAT, [channels], newBias));
    const attribute = p.opType === 'Gemm' ? withoutAttrs(p, 'beta') : p.attribute;
    const merged: Node = { ...p, input: [p.input[0], wNew, bNew], output: [bn.output[0]], attribute };
    edit.replace(pi, merged);
    edit.remove(bi);
    producer.set(bn.output[0], pi);
    folded.push({ batchNorm: nodeLabel(bn, bi), into: label, opType: p.opType ?? '' });
  });
  return { model: folded.length ? edit.finish() : model, folded };
}
