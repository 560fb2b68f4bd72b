/**
 * The one place that edits the graph: turns a QuantPlan into a QDQ model.
 *
 * Activation T (own or shared parameters):
 *
 *   <Producer> --T--> <Consumers>
 *   becomes
 *   <Producer> --T--> QuantizeLinear --T_QuantizeLinear_Output--> DequantizeLinear --T_DequantizeLinear_Output--> <Consumers>
 *
 * Only the consumers that are quantized read the DQ output. A node kept in FP32 reads and writes float
 * tensors; a Q/DQ pair may still feed its quantized neighbours (onnxruntime's DedicatedQDQPair):
 *
 *   both neighbours quantized        one (the consumer)               none
 *
 *   <A> --T--> Q -> DQ --> <B>        <A> --T--> Q -> DQ --> <B>        <A> --T--> <K> --U--> <C>
 *          |                          <K> --U--> Q -> DQ --> <C>        (no Q/DQ: nothing quantized reads T or U)
 *          +--------> <K> --U--> Q -> DQ --> <C>
 *
 *   (A, B, C quantized; K kept in FP32 reads T itself, never its rounded copy, and writes float U;
 *   U gets a Q/DQ because the quantized C reads it.)
 *
 * A graph output keeps its name, type and float value; its quantized consumers read the DQ output:
 *
 *   <Producer> --T--> (graph output)
 *              +----> Q --> DQ --T_DequantizeLinear_Output--> <quantized consumers>
 *
 * A folded Relu/Clip output (below) is the one exception: the Q is the activation, so every reader,
 * the graph output included, takes the DQ output (the producer writes T_before_QuantizeLinear).
 *
 * Weight W (constant) and bias B of a node:
 *
 *   W_quantized (int8) --> DequantizeLinear(W_scale, W_zero_point, axis) --> <Conv>
 *   B_quantized (int32) --> DequantizeLinear(B_scale)                     --> <Conv>   (no zero-point input)
 *
 * A folded Relu/Clip after a quantized op:
 *
 *   <Conv> --X--> Relu --Y-->   becomes   <Conv> --Y--> Q --> DQ -->
 *
 * onnxruntime's graph optimizer then fuses DQ -> Conv -> Q into QLinearConv (CPU and WASM). Graph
 * inputs and outputs keep their names and float types.
 */
import { ZeropointError } from '../errors';
import { nameAllocator, nodeLabel } from '../graph/graph';
import { quote } from '../intake/names';
import { attrInt, attrInts, intAttr } from '../onnx/attributes';
import { makeTensor, tensorToFloat32 } from '../onnx/tensor';
import { DataType, type Graph, type Node, type TensorProto } from '../onnx/types';
import {
  dequantize,
  dequantizePerAxis,
  quantizeBias,
  withSubject,
  type QuantType,
} from './params';
import { inputChannels, outputChannels, weightErrorShift, type CorrectionLayout } from './bias-correction';
import type { ActivationType, QuantPlan } from './plan';
import { composeAffine, foldedBias, type AffineFoldCandidate } from './affine';
import { outputChannelsOf, scaleOutputChannels } from '../graph/channels';
import { floatValuesOf, quantizeWeight } from './weights';


/** How an FP32 tensor can be found in the INT8 model (for per-layer comparison; no name parsing). */
export interface TensorMapping {
  /** Name in the FP32 model. */
  readonly fp32: string;
  /** The float tensor in the INT8 model holding the same quantity (dequantized when quantized). */
  readonly int8: string;
  /** The integer tensor (QuantizeLinear output), when the tensor is quantized. */
  readonly quantized?: string;
  readonly scale?: number;
  readonly zeroPoint?: number;
  readonly type?: QuantType;
  /**
   * For a tensor whose grid the saturation rule narrowed (saturation.ts): the interval its readers
   * are not flat in. Values outside it give the same result at its edge, so errors are measured on
   * the tensor clamped to it.
   */
  readonly window?: { readonly min: number; readonly max: number };
}

export interface WeightReport {
  readonly name: string;
  readonly dims: readonly number[];
  readonly axis: number;
  readonly scales: readonly number[];
  readonly zeroPoints: readonly number[];
  readonly type: QuantType;
  /** Per-channel min/max of the FP32 weight (the UI draws these). */
  readonly channelMin: readonly number[];
  readonly channelMax: readonly number[];
}

export interface BiasReport {
  readonly name: string;
  readonly node: string;
  readonly saturated: number;
  /**
   * With bias correction: ε·E[x] per output channel, the shift of the layer's output mean that weight
   * rounding causes and that was subtracted from the bias. Absent when the bias was not corrected.
   */
  readonly shift?: readonly number[];
  /** The layer had no bias; bias correction added one. */
  readonly added?: boolean;
}

/** A layer bias correction left alone, and why (data, not an error). */
export interface BiasCorrectionSkip {
  readonly node: string;
  readonly reason: string;
}

export interface RewriteResult {
  readonly graph: Graph;
  readonly mapping: readonly TensorMapping[];
  readonly weights: readonly WeightReport[];
  readonly biases: readonly BiasReport[];
  /** Only with the biasCorrection option. */
  readonly biasCorrectionSkips: readonly BiasCorrectionSkip[];
}

export interface RewriteOptions {
  readonly activationType: ActivationType;
  readonly activationSymmetric: boolean;
  readonly reduceRange: boolean;
  readonly weightType?: QuantType;
  /**
   * Per-channel weights: 'sum-preserving' (the default) moves a few codes so each kernel's rounding
   * errors sum to within half a step (sum-rounding.ts); 'nearest' rounds every weight on its own.
   */
  readonly weightRounding?: 'nearest' | 'sum-preserving';
  /** Correct each quantized Conv/ConvTranspose/Gemm bias for weight rounding (bias-correction.ts). */
  readonly biasCorrection?: {
    /** E[x] per channel of an activation, from calibration; undefined when it was not collected. */
    channelMean(tensor: string): ArrayLike<number> | undefined;
  };
}

const QTYPE: Record<QuantType, number> = { u8: DataType.UINT8, s8: DataType.INT8 };

function zeroPointTensor(name: string, type: QuantType, values: ArrayLike<number>, perAxis: boolean): TensorProto {
  const dims = perAxis ? [values.length] : [];
  return type === 'u8' ? makeTensor(name, QTYPE.u8, dims, Uint8Array.from(values)) : makeTensor(name, QTYPE.s8, dims, Int8Array.from(values));
}

export { channelMinMax } from './weights';

/** How a node's weight maps output channels to input channels, for bias correction. */
function correctionLayout(node: Node): CorrectionLayout | undefined {
  switch (node.opType) {
    case 'Conv':
      return { kind: 'conv', group: attrInt(node, 'group', 1) };
    case 'ConvTranspose': {
      const strides = attrInts(node, 'strides') ?? [];
      return { kind: 'conv-transpose', group: attrInt(node, 'group', 1), strides: strides.length ? strides : [1] };
    }
    case 'Gemm':
      return attrInt(node, 'transA', 0) === 0 ? { kind: 'gemm', transB: attrInt(node, 'transB', 0) === 1 } : undefined;
    default:
      return undefined;
  }
}

export function rewriteToQdq(plan: QuantPlan, options: RewriteOptions): RewriteResult {
  const source = plan.index.graph;
  const fresh = nameAllocator(source);
  const nodes = source.node.map((n) => ({ ...n, input: [...n.input], output: [...n.output] }));
  const initializers: TensorProto[] = [];
  const removedInitializers = new Set<string>();
  const head: Node[] = []; // DQ of weights and QDQ of graph inputs: before every other node
  const after = new Map<number, Node[]>(); // QDQ nodes placed right after the node that produces their input
  const graphOutputs = new Set(source.output.map((o) => o.name ?? ''));

  const newNode = (opType: string, inputs: string[], outputs: string[], base: string, attrs: Node['attribute'] = []): Node => ({
    opType,
    input: inputs,
    output: outputs,
    name: fresh(base),
    attribute: attrs,
    domain: '',
  });

  // 1. Folds: the node writing `from` writes `to`, and the folded node goes (a chain of folds follows
  //    its writer: Conv -> Mul -> Add -> Relu leaves the Conv writing the Relu's output).
  const removed = new Set<number>();
  const writer = new Map<string, number>();
  source.node.forEach((n, i) => n.output.forEach((o) => o && writer.set(o, i)));
  for (const fold of plan.folds) {
    removed.add(fold.nodeIndex);
    const w = writer.get(fold.from);
    if (w === undefined) throw new Error(`internal: folded tensor '${fold.from}' has no producer`);
    nodes[w].output = nodes[w].output.map((o) => (o === fold.from ? fold.to : o));
    writer.set(fold.to, w);
  }
  // Affine folds (affine.ts) per layer, composed in order: the weight is scaled before it is
  // quantized, the bias becomes b·scale + shift.
  const layerFolds = new Map<number, AffineFoldCandidate[]>();
  for (const f of plan.folds) if (f.affine) layerFolds.set(f.affine.layer, [...(layerFolds.get(f.affine.layer) ?? []), f.affine]);
  const layerAffine = new Map([...layerFolds].map(([i, folds]) => [i, composeAffine(folds)] as const));
  const affineOfWeight = new Map([...layerAffine].map(([i, affine]) => [source.node[i].input[1], { layer: i, affine }] as const));
  const scaledWeightValues = (name: string, values: Float32Array, dims: readonly number[]): Float32Array => {
    const fa = affineOfWeight.get(name);
    if (!fa?.affine.scale) return values;
    const scaled = scaleOutputChannels(source.node[fa.layer], values, dims, fa.affine.scale);
    if (!scaled) throw new Error(`internal: weight '${name}' does not fit its layer's folded scale`);
    return scaled;
  };
  const producerIndex = new Map<string, number>();
  nodes.forEach((n, i) => !removed.has(i) && n.output.forEach((o) => producerIndex.set(o, i)));

  // Nodes kept in FP32 read float tensors; only quantized nodes are rewired to DQ outputs.
  const quantizedNodes = new Set(plan.decisions.filter((d) => d.quantized).map((d) => d.index));
  const replaceInput = (from: string, to: string, options: { everyReader?: boolean } = {}) => {
    nodes.forEach((n, i) => {
      if (removed.has(i) || (!options.everyReader && !quantizedNodes.has(i))) return;
      n.input = n.input.map((s) => (s === from ? to : s));
    });
  };

  // 2. Weights: int8 initializer behind a DequantizeLinear.
  const weightReports: WeightReport[] = [];
  const quantizedWeights = new Map<string, { scales: Float32Array; perAxis: boolean; values: Float32Array; dequantized?: Float32Array; dims: readonly number[] }>();
  for (const [name, mark] of plan.weights) {
    const tensor = plan.index.initializers.get(name) ?? plan.index.constants.get(name);
    if (!tensor) continue;
    const dims = tensor.dims;
    const values = scaledWeightValues(name, floatValuesOf(tensor), dims);
    const perAxis = mark.axis >= 0 && dims.length > 0;
    // Weights: s8 symmetric by default (zero-point 0, so onnxruntime skips the zero-point term);
    // u8 weights are asymmetric like ORT's QUInt8 weight type.
    const weightType = options.weightType ?? 's8';
    const type: QuantType = mark.asActivation ? options.activationType : weightType;
    const symmetric = mark.asActivation ? options.activationSymmetric : weightType === 's8';
    const users = (plan.index.consumers.get(name) ?? []).map((c) => quote(nodeLabel(c.node, c.index)));
    const subject = `Weight ${quote(name)}${users.length ? ` of node ${users.slice(0, 2).join(', ')}` : ''}`;
    const fold = affineOfWeight.get(name);
    const { q, scales, zeroPoints, mm } = quantizeWeight(tensor, values, {
      axis: perAxis ? mark.axis : -1,
      type,
      symmetric,
      reduceRange: options.reduceRange,
      sumPreserving: !mark.asActivation && (options.weightRounding ?? 'sum-preserving') === 'sum-preserving',
      subject,
      variant: fold?.affine.scale ? `scaled by the folds of node ${fold.layer}: ${layerFolds.get(fold.layer)!.map((f) => f.to).join(',')}` : '',
    });
    const qName = fresh(`${name}_quantized`);
    const sName = fresh(`${name}_scale`);
    const zName = fresh(`${name}_zero_point`);
    const dqOut = fresh(`${name}_DequantizeLinear_Output`);
    initializers.push(makeTensor(qName, QTYPE[type], dims, q));
    initializers.push(perAxis ? makeTensor(sName, DataType.FLOAT, [scales.length], scales) : makeTensor(sName, DataType.FLOAT, [], scales));
    initializers.push(zeroPointTensor(zName, type, zeroPoints, perAxis));
    head.push(newNode('DequantizeLinear', [qName, sName, zName], [dqOut], `${name}_DequantizeLinear`, perAxis ? [intAttr('axis', mark.axis)] : []));
    replaceInput(name, dqOut);
    removedInitializers.add(name);
    // Bias correction compares the weight with what the INT8 model will compute with.
    const dequantized = options.biasCorrection ? (perAxis ? dequantizePerAxis(q, dims, mark.axis, { scales, zeroPoints }) : dequantize(q, { scale: scales[0], zeroPoint: zeroPoints[0] })) : undefined;
    quantizedWeights.set(name, { scales, perAxis, values, dequantized, dims });
    weightReports.push({ name, dims, axis: perAxis ? mark.axis : -1, scales: Array.from(scales), zeroPoints: Array.from(zeroPoints), type, channelMin: mm.min, channelMax: mm.max });
  }

  // 3. Biases: int32, scale = input scale * weight scale, no zero-point input. With bias correction,
  //    bias - ε·E[x] first; a quantized Conv/ConvTranspose/Gemm without a bias gets one:
  //
  //      X_dq --> Conv(W_dq)          X_dq --> Conv(W_dq, B_dq)  with  B_quantized (int32) --> DequantizeLinear --> B_dq
  const biasReports: BiasReport[] = [];
  const skips: BiasCorrectionSkip[] = [];
  const targets: Array<{ nodeIndex: number; name?: string; input: string; weight: string }> = [...plan.biases].map(([nodeIndex, b]) => ({ nodeIndex, ...b }));
  if (options.biasCorrection) {
    const quantized = new Set(plan.decisions.filter((d) => d.quantized).map((d) => d.index));
    for (const i of plan.order) {
      const n = source.node[i]; // original input names (step 2 renamed the weights in `nodes`)
      if (!quantized.has(i) || plan.biases.has(i) || !correctionLayout(n)) continue;
      const [x, w, b] = n.input;
      if (b) skips.push({ node: nodeLabel(n, i), reason: `its bias '${b}' is not a constant or the layer's scaling (alpha, beta) keeps it in float` });
      else if (!plan.activations.has(x) || !quantizedWeights.has(w)) skips.push({ node: nodeLabel(n, i), reason: 'its input or weight is not quantized' });
      else targets.push({ nodeIndex: i, input: x, weight: w });
    }
  }
  // A folded layer without a bias gets one for its shift.
  for (const [i, affine] of layerAffine) {
    const [x, w, b] = source.node[i].input;
    if (!b && affine.shift && !targets.some((t) => t.nodeIndex === i)) targets.push({ nodeIndex: i, input: x, weight: w });
  }
  const biasDone = new Set<number>();
  for (const b of targets) {
    const node = nodes[b.nodeIndex];
    const label = nodeLabel(node, b.nodeIndex);
    const tensor = b.name ? (plan.index.initializers.get(b.name) ?? plan.index.constants.get(b.name)) : undefined;
    const act = plan.activations.get(b.input);
    const w = quantizedWeights.get(b.weight);
    if ((b.name && !tensor) || !act || !w) continue;
    const layout = correctionLayout(node);
    const outChannels = layout ? outputChannels(w.dims, layout) : 0;
    const affine = layerAffine.get(b.nodeIndex);
    let bias = (affine && foldedBias(tensor ? tensorToFloat32(tensor) : undefined, affine, outChannels)) || (tensor ? tensorToFloat32(tensor) : new Float32Array(outChannels));
    if (w.perAxis && w.scales.length !== bias.length) {
      // Grouped layouts the bias cannot follow: keep float.
      if (options.biasCorrection) skips.push({ node: label, reason: `its ${w.scales.length} weight scales do not line up with its ${bias.length} bias values` });
      continue;
    }
    let shift: Float64Array | undefined;
    if (options.biasCorrection) {
      const mean = options.biasCorrection.channelMean(b.input);
      if (!layout || !w.dequantized) skips.push({ node: label, reason: `${node.opType} has no bias correction` });
      else if (!mean) skips.push({ node: label, reason: `calibration collected no channel means of its input '${b.input}'` });
      else if (mean.length !== inputChannels(w.dims, layout) || bias.length !== outChannels) skips.push({ node: label, reason: `its input '${b.input}' has ${mean.length} channels, which its weight [${w.dims.join(', ')}] does not read` });
      else {
        shift = weightErrorShift({ weight: w.values, dequantized: w.dequantized, dims: w.dims, layout, inputMean: mean });
        bias = Float32Array.from(bias, (v, c) => v - shift![c]);
      }
    }
    if (!b.name && !shift && !affine?.shift) continue; // nothing to add
    const base = b.name ?? `${label}_bias`;
    const wScales = w.perAxis ? w.scales : w.scales[0];
    const qb = withSubject(`Bias ${quote(base)} of node ${quote(label)}`, () => quantizeBias(bias, act.params.scale, wScales));
    const qName = fresh(`${base}_quantized`);
    const sName = fresh(`${base}_scale`);
    const dqOut = fresh(`${base}_DequantizeLinear_Output`);
    initializers.push(makeTensor(qName, DataType.INT32, tensor?.dims ?? [bias.length], qb.values));
    initializers.push(w.perAxis ? makeTensor(sName, DataType.FLOAT, [qb.scales.length], qb.scales) : makeTensor(sName, DataType.FLOAT, [], qb.scales.subarray(0, 1)));
    head.push(newNode('DequantizeLinear', [qName, sName], [dqOut], `${base}_DequantizeLinear`, w.perAxis ? [intAttr('axis', 0)] : []));
    if (b.name) node.input = node.input.map((s) => (s === b.name ? dqOut : s));
    else node.input = [node.input[0], node.input[1], dqOut];
    biasReports.push({ name: base, node: label, saturated: qb.saturated.length, ...(shift ? { shift: Array.from(shift) } : {}), ...(b.name ? {} : { added: true }) });
    if (b.name) removedInitializers.add(b.name);
    biasDone.add(b.nodeIndex);
  }
  // A folded layer whose bias stays float still needs b·scale + shift (a float bias the INT8 path did not take).
  for (const [i, affine] of layerAffine) {
    if (biasDone.has(i)) continue;
    const n = nodes[i];
    const bName = source.node[i].input[2];
    const t = bName ? (plan.index.initializers.get(bName) ?? plan.index.constants.get(bName)) : undefined;
    const w = plan.index.initializers.get(source.node[i].input[1]) ?? plan.index.constants.get(source.node[i].input[1]);
    const bias = foldedBias(t ? tensorToFloat32(t) : undefined, affine, w ? outputChannelsOf(source.node[i], w.dims) : 0);
    if (!bias) continue;
    const name = fresh(`${bName || `${nodeLabel(n, i)}_bias`}_folded`);
    initializers.push(makeTensor(name, DataType.FLOAT, [bias.length], bias));
    n.input = [n.input[0], n.input[1], name];
    if (bName) removedInitializers.add(bName);
  }
  // Another node may still read a float weight or bias; keep it then.
  for (const name of [...removedInitializers]) {
    if (nodes.some((n, i) => !removed.has(i) && n.input.includes(name))) removedInitializers.delete(name);
  }

  // 4. Activations: a Q/DQ pair after the producer (or at the head for graph inputs).
  const mapping: TensorMapping[] = [];
  const foldTargets = new Set(plan.folds.map((f) => f.to));
  const actNames = [...plan.activations.keys()].sort((a, b) => (producerIndex.get(a) ?? -1) - (producerIndex.get(b) ?? -1));
  for (const name of actNames) {
    const act = plan.activations.get(name)!;
    const { scale, zeroPoint, type } = act.params;
    const sName = fresh(`${name}_scale`);
    const zName = fresh(`${name}_zero_point`);
    initializers.push(makeTensor(sName, DataType.FLOAT, [], new Float32Array([scale])));
    initializers.push(zeroPointTensor(zName, type, [zeroPoint], false));
    const qOut = fresh(`${name}_QuantizeLinear_Output`);
    const producer = producerIndex.get(name);
    let qIn = name;
    let dqOut: string;
    if (graphOutputs.has(name) && foldTargets.has(name)) {
      // The Q is the folded Relu/Clip: the producer writes the pre-activation value under a new name
      // and the DQ writes the output's name, which every reader (and the graph) takes.
      if (producer === undefined) continue; // an input passed straight through to an output: leave it
      qIn = fresh(`${name}_before_QuantizeLinear`);
      const p = nodes[producer];
      p.output = p.output.map((o) => (o === name ? qIn : o));
      dqOut = name;
    } else {
      dqOut = fresh(`${name}_DequantizeLinear_Output`);
      replaceInput(name, dqOut, { everyReader: foldTargets.has(name) });
    }
    const q = newNode('QuantizeLinear', [qIn, sName, zName], [qOut], `${name}_QuantizeLinear`);
    const dq = newNode('DequantizeLinear', [qOut, sName, zName], [dqOut], `${name}_DequantizeLinear`);
    if (producer === undefined) head.push(q, dq);
    else {
      const list = after.get(producer) ?? [];
      list.push(q, dq);
      after.set(producer, list);
    }
    mapping.push({ fp32: name, int8: dqOut, quantized: qOut, scale, zeroPoint, type, ...(act.narrowed ? { window: { min: act.range.min, max: act.range.max } } : {}) });
  }

  // Unquantized float tensors that still exist by the same name map to themselves.
  const quantizedNames = new Set(mapping.map((m) => m.fp32));
  const folded = new Set(plan.folds.map((f) => f.from));
  // A weight that stays float but was scaled by a fold (it was not quantized) is written scaled.
  for (const [name, fa] of affineOfWeight) {
    if (plan.weights.has(name) || !fa.affine.scale) continue;
    const t = plan.index.initializers.get(name) ?? plan.index.constants.get(name);
    if (!t) continue;
    const scaledName = fresh(`${name}_folded`);
    initializers.push(makeTensor(scaledName, DataType.FLOAT, t.dims, scaledWeightValues(name, tensorToFloat32(t), t.dims)));
    nodes[fa.layer].input = nodes[fa.layer].input.map((s, k) => (k === 1 && s === name ? scaledName : s));
    removedInitializers.add(name);
  }
  for (const n of source.node)
    for (const o of n.output) if (o && !quantizedNames.has(o) && !folded.has(o)) mapping.push({ fp32: o, int8: o });

  // 5. Assemble in a valid topological order: head, then each node followed by its Q/DQ pairs.
  const ordered: Node[] = [...head];
  for (const i of plan.order) {
    if (removed.has(i)) continue;
    const n = nodes[i];
    if (!n.name) n.name = fresh(nodeLabel(n, i));
    ordered.push(n, ...(after.get(i) ?? []));
  }
  // Constant nodes whose tensor became an int8 initializer are dropped when nothing reads them.
  const read = new Set(ordered.flatMap((n) => n.input));
  const finalNodes = ordered.filter((n) => !(n.opType === 'Constant' && removedInitializers.has(n.output[0]) && !read.has(n.output[0])));

  const keptInitializers = source.initializer.filter((t) => !removedInitializers.has(t.name ?? ''));
  const initializerNames = new Set([...keptInitializers, ...initializers].map((t) => t.name));
  for (const n of finalNodes) for (const s of n.input) if (s && removedInitializers.has(s)) throw new ZeropointError('bad-graph', `Internal rewrite error: node '${n.name}' still reads removed initializer '${s}'.`);

  const graph: Graph = {
    ...source,
    node: finalNodes,
    initializer: [...keptInitializers, ...initializers],
    // IR >= 4: initializers are not graph inputs (listing them would let a caller override int8 weights).
    input: source.input.filter((i) => !initializerNames.has(i.name) && !removedInitializers.has(i.name ?? '')),
    // value_info of tensors that were renamed or removed would be stale; onnxruntime infers them.
    valueInfo: source.valueInfo.filter((v) => !removedInitializers.has(v.name ?? '') && !folded.has(v.name ?? '')),
  };
  return { graph, mapping, weights: weightReports, biases: biasReports, biasCorrectionSkips: skips };
}
