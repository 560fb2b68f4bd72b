/**
 * Affine folds (a plan rule, data only; rewrite.ts applies them): a per-channel constant Mul, Add or
 * Sub right after a quantized Conv / ConvTranspose / Gemm goes into that layer's weight and bias, so
 * the layer has one quantized output instead of two, and the constant is never squeezed onto a
 * per-tensor u8 grid:
 *
 *   X --Conv(W, b)--> t --Mul(s)--> u --Add(c)--> Y     =>    X --Conv(W·s, b·s + c)--> Y --> Q --> DQ
 *
 * Paddle exports write BatchNormalization as Mul + Add (affine_channel) and every bias as
 * elementwise_add(Reshape(b)); derived graphs carry `_bias_add` nodes. Measured on PP-OCRv4 rec
 * (SVTR, 28 Conv -> Mul -> Add): output cosine 0.9753 -> 0.9812.
 *
 * This is a quantization-time fusion, not a preparation pass: in float32 the folded layer sums in a
 * different order (onnxruntime fuses only some of these itself), and on sensitive models that moves
 * the outputs by more than the preparation's 1e-5 rule; with per-channel weights the scale is exact
 * once the weight is quantized anyway.
 *
 * A BatchNormalization in inference mode folds the same way (a scale, then a shift), after earlier folds.
 *
 * A fold needs: the layer quantized with the tensor as its own output, read by this node alone and no
 * graph output; a weight no other node reads; a constant with one value per output channel
 * (graph/channels.ts: perChannelValues); Sub only as t - c. Not into a grouped ConvTranspose (its
 * weight is per-tensor and its bias cannot follow) nor a Gemm with alpha/beta other than 1 or a C
 * that is not one value per column.
 */
import { CHANNEL_LAYERS, outputChannelsOf, outputRankOf, perChannelValues } from '../graph/channels';
import type { GraphIndex } from '../graph/graph';
import { attrFloat, attrInt } from '../onnx/attributes';
import { tensorToFloat32 } from '../onnx/tensor';
import type { Node } from '../onnx/types';

export interface AffineFoldCandidate {
  /** The layer (node index) the constant goes into. */
  readonly layer: number;
  /** The layer-side input of the Mul/Add/Sub (the tensor that disappears). */
  readonly from: string;
  readonly to: string;
  /** Output channel o is multiplied by scale[o] (Mul, BatchNormalization) ... */
  readonly scale?: Float32Array;
  /** ... and/or shift[o] is added to it after (Add; Sub as its negation; BatchNormalization). */
  readonly shift?: Float32Array;
}

const isDefault = (n: Node) => (n.domain ?? '') === '' || n.domain === 'ai.onnx';

/** Whether `layer` can take per-channel folds at all (weight and bias layout). */
function foldableLayer(index: GraphIndex, layer: Node): boolean {
  if (!isDefault(layer) || !CHANNEL_LAYERS.has(layer.opType ?? '') || layer.output.length !== 1) return false;
  const w = layer.input[1];
  if (!w || !(index.initializers.has(w) || index.constants.has(w))) return false;
  if ((index.consumers.get(w)?.length ?? 0) !== 1) return false;
  const b = layer.input[2];
  if (b && !(index.initializers.has(b) || index.constants.has(b))) return false;
  if (layer.opType === 'ConvTranspose' && attrInt(layer, 'group', 1) !== 1) return false;
  if (layer.opType === 'Gemm') {
    if (attrInt(layer, 'transA', 0) !== 0 || attrFloat(layer, 'alpha', 1) !== 1 || attrFloat(layer, 'beta', 1) !== 1) return false;
    if (b && (index.initializers.get(b) ?? index.constants.get(b))!.dims.length !== 1) return false;
  }
  return true;
}

/**
 * The fold of `node` (a Mul/Add/Sub) into the layer that owns its input `x`, or undefined.
 * `layerOwning(x)` names the quantized layer whose own output `x` is (after earlier folds).
 */
export function affineFoldOf(index: GraphIndex, node: Node, layerOwning: (tensor: string) => number | undefined): AffineFoldCandidate | undefined {
  const op = node.opType ?? '';
  if (op === 'BatchNormalization') return batchNormFoldOf(index, node, layerOwning);
  if (!isDefault(node) || !['Mul', 'Add', 'Sub'].includes(op) || node.input.length !== 2 || node.output.length !== 1 || !node.output[0]) return undefined;
  const constant = (name: string) => index.initializers.get(name) ?? index.constants.get(name);
  const at = constant(node.input[1]) ? 1 : constant(node.input[0]) ? 0 : -1;
  if (at < 0 || (op === 'Sub' && at !== 1)) return undefined;
  const x = node.input[1 - at];
  if (constant(x) || index.graphOutputs.has(x) || (index.consumers.get(x)?.length ?? 0) !== 1) return undefined;
  const layerIndex = layerOwning(x);
  if (layerIndex === undefined) return undefined;
  const layer = index.graph.node[layerIndex];
  if (!foldableLayer(index, layer)) return undefined;
  const w = constant(layer.input[1])!;
  const channels = outputChannelsOf(layer, w.dims);
  const t = constant(node.input[at])!;
  let values: Float32Array;
  try {
    values = tensorToFloat32(t);
  } catch {
    return undefined;
  }
  const c = perChannelValues(values, t.dims, channels, outputRankOf(layer, w.dims));
  if (!c || !c.every(Number.isFinite)) return undefined;
  const base = { layer: layerIndex, from: x, to: node.output[0] };
  if (op === 'Mul') return { ...base, scale: c };
  return { ...base, shift: op === 'Sub' ? Float32Array.from(c, (v) => -v) : Float32Array.from(c) };
}

/**
 * A BatchNormalization (inference mode) after a layer and its earlier folds, as one scale and shift:
 * s = γ / sqrt(σ² + ε), shift = β - μ·s (float32 steps as in prepare/batchnorm.ts). Prepare folds a BN
 * that reads the layer's output directly; this one follows a fold, as in Paddle's DBNet head
 * (ConvTranspose -> elementwise_add(bias) -> BatchNorm -> Relu), where the BN was left in FP32 between
 * two Q/DQ pairs.
 */
function batchNormFoldOf(index: GraphIndex, node: Node, layerOwning: (tensor: string) => number | undefined): AffineFoldCandidate | undefined {
  if (!isDefault(node) || node.input.length !== 5 || !node.output[0]) return undefined;
  if (attrInt(node, 'training_mode', 0) !== 0 || attrInt(node, 'spatial', 1) !== 1) return undefined;
  if (node.output.slice(1).some((o) => o && ((index.consumers.get(o)?.length ?? 0) > 0 || index.graphOutputs.has(o)))) return undefined;
  const x = node.input[0];
  if (index.graphOutputs.has(x) || (index.consumers.get(x)?.length ?? 0) !== 1) return undefined;
  const layerIndex = layerOwning(x);
  if (layerIndex === undefined) return undefined;
  const layer = index.graph.node[layerIndex];
  if (!foldableLayer(index, layer)) return undefined;
  const w = (index.initializers.get(layer.input[1]) ?? index.constants.get(layer.input[1]))!;
  const channels = outputChannelsOf(layer, w.dims);
  const params = node.input.slice(1).map((name) => {
    const t = index.initializers.get(name) ?? index.constants.get(name);
    try {
      const v = t ? tensorToFloat32(t) : undefined;
      return v && v.length === channels && v.every(Number.isFinite) ? v : undefined;
    } catch {
      return undefined;
    }
  });
  const [gamma, beta, mean, variance] = params;
  if (!gamma || !beta || !mean || !variance) return undefined;
  const f = Math.fround;
  const eps = f(attrFloat(node, 'epsilon', 1e-5));
  const scale = Float32Array.from(gamma, (g, i) => f(g / f(Math.sqrt(f(variance[i] + eps)))));
  const shift = Float32Array.from(beta, (b, i) => f(b - f(mean[i] * scale[i])));
  if (!scale.every(Number.isFinite)) return undefined;
  return { layer: layerIndex, from: x, to: node.output[0], scale, shift };
}

/** The composition of a layer's folds, in order: y = (W·x + b)·scale + shift. */
export interface LayerAffine {
  readonly scale?: Float32Array;
  readonly shift?: Float32Array;
}

export function composeAffine(folds: readonly AffineFoldCandidate[]): LayerAffine {
  let scale: Float32Array | undefined;
  let shift: Float32Array | undefined;
  const f = Math.fround;
  for (const fold of folds) {
    if (fold.scale) {
      const s = fold.scale;
      scale = scale ? Float32Array.from(scale, (v, i) => f(v * s[i])) : Float32Array.from(s);
      if (shift) shift = Float32Array.from(shift, (v, i) => f(v * s[i]));
    }
    if (fold.shift) {
      const c = fold.shift;
      shift = shift ? Float32Array.from(shift, (v, i) => f(v + c[i])) : Float32Array.from(c);
    }
  }
  return { ...(scale ? { scale } : {}), ...(shift ? { shift } : {}) };
}

/** A layer's float bias after its folds (undefined: no bias and nothing to add). */
export function foldedBias(bias: Float32Array | undefined, affine: LayerAffine, channels: number): Float32Array | undefined {
  if (!bias && !affine.shift) return bias;
  const f = Math.fround;
  const b = bias ?? new Float32Array(channels);
  return Float32Array.from(b, (v, i) => f((affine.scale ? f(v * affine.scale[i]) : v) + (affine.shift ? affine.shift[i] : 0)));
}
