/**
 * Mark phase: walk the graph in topological order, let each node's quantizer mark tensors, then turn
 * the marks into quantization parameters. Nothing here edits the graph (rewrite.ts does, once).
 */
import { indexGraph, nodeLabel, topologicalOrder, type GraphIndex } from '../graph/graph';
import type { Node, TensorProto } from '../onnx/types';
import { computeQuantParams, withSubject, type QuantParams } from './params';
import { quote } from '../intake/names';
import { quantizerFor } from './registry';
import { saturationOf } from './saturation';
import { affineFoldOf, type AffineFoldCandidate } from './affine';
import { CHANNEL_LAYERS } from '../graph/channels';
import { outputHead } from './head';

export { outputHead } from './head';

export type ActivationType = 'u8' | 's8';

export interface WeightMark {
  /** Per-channel axis, or -1 for per-tensor. */
  readonly axis: number;
  /** Quantize like an activation (per-tensor, activation type, asymmetric): constant operands of Add/Mul/Concat. */
  readonly asActivation?: boolean;
}

/** The door quantizers mark through; see operators/. */
export interface MarkContext {
  /** A float tensor that calibration observed (so it has a range). */
  isFloatActivation(name: string): boolean;
  /** The initializer or Constant-node tensor of that name, if it is one. */
  constantTensor(name: string): TensorProto | undefined;
  markActivation(name: string): void;
  /** Marks a node output that gets its own parameters (the Q after a compute op). */
  markNodeOutput(name: string): void;
  markWeight(name: string, mark: WeightMark): void;
  markBias(name: string, refs: { input: string; weight: string }): void;
  /** `output` uses the same scale and zero-point as `input`. */
  shareParams(output: string, input: string): void;
  /** Removes a Relu/Clip after a quantized op by letting the Q clamp; true when done. */
  tryFoldIntoProducer(node: Node): boolean;
  /** Folds a per-channel constant Mul/Add/Sub into the quantized layer before it (affine.ts); true when done. */
  tryFoldAffineIntoLayer(node: Node): boolean;
}

export interface PlanOptions {
  readonly activationType: ActivationType;
  readonly activationSymmetric: boolean;
  readonly perChannel: boolean;
  readonly reduceRange: boolean;
  /** Node names (or OpType_index labels) to keep in FP32. */
  readonly keepNodes: readonly string[];
  readonly keepOpTypes: readonly string[];
  /** Keep the first and last compute layers (Conv, ConvTranspose, Gemm, MatMul) in FP32. */
  readonly keepFirstAndLast: boolean;
}

export interface NodeDecision {
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  readonly quantized: boolean;
  readonly reason?: string;
}

export interface ActivationPlan {
  readonly name: string;
  readonly params: QuantParams;
  /** The tensor whose range set the parameters (itself, or the input of a pass-through op). */
  readonly rangeSource: string;
  readonly range: { readonly min: number; readonly max: number };
  /** Set when a plan rule narrowed the calibrated range (saturation.ts): the range calibration gave, and why. */
  readonly narrowed?: { readonly calibrated: { readonly min: number; readonly max: number }; readonly reason: string };
}

export interface QuantPlan {
  readonly index: GraphIndex;
  readonly order: readonly number[];
  readonly activations: ReadonlyMap<string, ActivationPlan>;
  readonly weights: ReadonlyMap<string, WeightMark>;
  /** Bias input of a node, by node index. */
  readonly biases: ReadonlyMap<number, { name: string; input: string; weight: string }>;
  /**
   * Removed nodes, in order: the node writing `from` writes `to` instead. A Relu/Clip folded into the
   * Q after its producer, or (with `affine`) a per-channel Mul/Add/Sub folded into a layer's weight and bias.
   */
  readonly folds: readonly Fold[];
  readonly decisions: readonly NodeDecision[];
  /**
   * Tensors a quantizer marked that the plan leaves float, and why (data): outputs no quantized
   * consumer reads (a Q/DQ there only adds rounding), e.g. a graph output or the input of an op kept
   * in FP32.
   */
  readonly floatTensors: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

const COMPUTE_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/** Compute nodes with no compute ancestor (first) or no compute descendant (last). */
export function firstAndLastLayers(index: GraphIndex, order: readonly number[]): Set<number> {
  const nodes = index.graph.node;
  const hasComputeAbove = new Set<string>();
  for (const i of order) {
    const n = nodes[i];
    const above = n.input.some((s) => hasComputeAbove.has(s)) || COMPUTE_OPS.has(n.opType ?? '');
    if (above) for (const o of n.output) hasComputeAbove.add(o);
  }
  const hasComputeBelow = new Set<number>();
  const below = new Set<string>();
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k];
    const n = nodes[i];
    const feedsCompute = n.output.some((o) => below.has(o));
    if (feedsCompute) hasComputeBelow.add(i);
    if (feedsCompute || COMPUTE_OPS.has(n.opType ?? '')) for (const s of n.input) below.add(s);
  }
  const keep = new Set<number>();
  for (const i of order) {
    const n = nodes[i];
    if (!COMPUTE_OPS.has(n.opType ?? '')) continue;
    const first = !n.input.some((s) => hasComputeAbove.has(s));
    const last = !hasComputeBelow.has(i);
    if (first || last) keep.add(i);
  }
  return keep;
}

export interface Fold {
  readonly nodeIndex: number;
  readonly from: string;
  readonly to: string;
  readonly affine?: AffineFoldCandidate;
}

export interface PlanInputs {
  /** The calibrated range of a float tensor, for the chosen method; undefined when never observed. */
  readonly rangeOf: (name: string) => { min: number; max: number } | undefined;
}

export function planQuantization(graph: import('../onnx/types').Graph, inputs: PlanInputs, options: PlanOptions): QuantPlan {
  const index = indexGraph(graph);
  const order = topologicalOrder(graph);
  const nodes = graph.node;

  const marked = new Set<string>();
  const ownOutput = new Set<string>(); // marked by their producer's quantizer
  const shared = new Map<string, string>();
  const weights = new Map<string, WeightMark>();
  const biases = new Map<number, { name: string; input: string; weight: string }>();
  const folds: Fold[] = [];
  // The quantized layer whose own output a tensor is, once affine folds moved it past a Mul/Add.
  const layerOf = new Map<string, number>();
  const quantizedNodes = new Set<number>();
  const decisions: NodeDecision[] = [];
  let current = -1;
  const rootOf = (name: string): string => {
    let n = name;
    for (let guard = 0; shared.has(n) && guard < 10_000; guard++) n = shared.get(n)!;
    return n;
  };

  const ctx: MarkContext = {
    // A pass-through op's output is a float activation when the tensor it shares parameters with is:
    // calibration need not observe it (its range is never used).
    isFloatActivation: (name) =>
      name.length > 0 && !index.initializers.has(name) && !index.constants.has(name) && (inputs.rangeOf(name) !== undefined || (shared.has(name) && inputs.rangeOf(rootOf(name)) !== undefined)),
    constantTensor: (name) => index.initializers.get(name) ?? index.constants.get(name),
    markActivation: (name) => void marked.add(name),
    markNodeOutput: (name) => {
      marked.add(name);
      ownOutput.add(name);
    },
    markWeight: (name, mark) => {
      if (!weights.has(name)) weights.set(name, options.perChannel || mark.asActivation ? mark : { ...mark, axis: -1 });
    },
    markBias: (name, refs) => void biases.set(current, { name, ...refs }),
    shareParams: (output, input) => {
      shared.set(output, input);
      marked.add(output);
    },
    tryFoldIntoProducer: (node) => {
      if (options.activationSymmetric) return false; // a symmetric grid has codes below 0: the Q no longer clamps like Relu
      const x = node.input[0];
      const y = node.output[0];
      const producer = index.producer.get(x);
      if (!producer || !quantizedNodes.has(producer.index) || !ownOutput.has(x)) return false;
      if ((index.consumers.get(x)?.length ?? 0) !== 1 || index.graphOutputs.has(x)) return false;
      if (node.opType === 'Clip' && !clipStartsAtZeroOrBelow(node, index)) return false;
      marked.delete(x);
      ownOutput.delete(x);
      marked.add(y);
      ownOutput.add(y);
      folds.push({ nodeIndex: current, from: x, to: y });
      return true;
    },
    tryFoldAffineIntoLayer: (node) => {
      const fold = affineFoldOf(index, node, (x) => {
        if (!ownOutput.has(x)) return undefined;
        const own = layerOf.get(x);
        if (own !== undefined) return own;
        const p = index.producer.get(x);
        return p && quantizedNodes.has(p.index) && CHANNEL_LAYERS.has(p.node.opType ?? '') ? p.index : undefined;
      });
      if (!fold) return false;
      marked.delete(fold.from);
      ownOutput.delete(fold.from);
      marked.add(fold.to);
      ownOutput.add(fold.to);
      layerOf.set(fold.to, fold.layer);
      folds.push({ nodeIndex: current, from: fold.from, to: fold.to, affine: fold });
      return true;
    },
  };

  const keepFirstLast = options.keepFirstAndLast ? firstAndLastLayers(index, order) : new Set<number>();
  const head = outputHead(index, order);
  const keepNames = new Set(options.keepNodes);
  const keepOps = new Set(options.keepOpTypes);

  for (const i of order) {
    const node = nodes[i];
    const name = nodeLabel(node, i);
    const opType = node.opType ?? '';
    current = i;
    let reason: string | undefined;
    if (keepNames.has(name)) reason = 'kept in FP32 by name';
    else if (keepOps.has(opType)) reason = `op type '${opType}' kept in FP32`;
    else if (keepFirstLast.has(i)) reason = 'first or last layer kept in FP32';
    else if (head.has(i)) reason = head.get(i);
    else {
      const result = quantizerFor(node)(ctx, node, i);
      if (result.quantized) quantizedNodes.add(i);
      else reason = result.reason;
    }
    decisions.push({ index: i, name, opType, quantized: reason === undefined, reason });
  }

  // A marked tensor that no quantized consumer reads stays float: its Q/DQ would only round it (a graph
  // output; the input of an op kept in FP32). A folded Relu/Clip output keeps its Q (the Q is the Relu),
  // and a tensor others share parameters with keeps them.
  const floatTensors: { name: string; reason: string }[] = [];
  const foldTargets = new Set(folds.filter((f) => !f.affine).map((f) => f.to));
  const sharedRoots = new Set(shared.values());
  for (const name of [...marked]) {
    if (foldTargets.has(name) || sharedRoots.has(name)) continue;
    const readers = (index.consumers.get(name) ?? []).filter((c) => quantizedNodes.has(c.index));
    if (readers.length > 0) continue;
    marked.delete(name);
    const output = index.graphOutputs.has(name);
    const consumers = index.consumers.get(name) ?? [];
    floatTensors.push({
      name,
      reason: output
        ? `graph output${consumers.length ? ' read only by ops kept in FP32' : ''}: a Q/DQ on it would only round the result`
        : `read only by ops kept in FP32 (${[...new Set(consumers.map((c) => c.node.opType ?? ''))].join(', ')}): a Q/DQ on it would only round their input`,
    });
  }

  // Parameters. A shared tensor takes the parameters of the tensor it shares with (followed to the root).
  const activations = new Map<string, ActivationPlan>();
  const groups = new Map<string, string[]>();
  for (const name of marked) {
    const root = rootOf(name);
    const g = groups.get(root);
    if (g) g.push(name);
    else groups.set(root, [name]);
  }
  const narrowedBy = new Map<string, { min: number; max: number; reason: string }>();
  for (const [root, members] of groups) {
    const calibrated = inputs.rangeOf(root);
    if (!calibrated) continue;
    const n = saturatedRange(index, new Set(members), (a, b) => rootOf(a) === rootOf(b), calibrated);
    if (n) narrowedBy.set(root, n);
  }
  for (const name of marked) {
    const source = rootOf(name);
    const calibrated = inputs.rangeOf(source);
    if (!calibrated) continue; // never observed (e.g. an integer tensor): stays float
    const n = narrowedBy.get(source);
    const range = n ? { min: n.min, max: n.max } : calibrated;
    const params = withSubject(`Activation ${quote(source)}`, () => computeQuantParams(range, { type: options.activationType, symmetric: options.activationSymmetric, reduceRange: false }));
    activations.set(name, { name, params, rangeSource: source, range, ...(n ? { narrowed: { calibrated: { min: calibrated.min, max: calibrated.max }, reason: n.reason } } : {}) });
  }
  // A bias is only quantizable when its input activation got parameters.
  for (const [nodeIndex, b] of biases) if (!activations.has(b.input) || !weights.has(b.weight)) biases.delete(nodeIndex);

  return { index, order, activations, weights, biases, folds, decisions, floatTensors };
}


/**
 * Saturation rule (saturation.ts): when every consumer of a parameter group (a tensor and the
 * pass-through copies sharing its parameters) is flat outside an interval, the grid covers only the
 * union of those intervals. A graph output in the group, or any other consumer, keeps the full range.
 */
function saturatedRange(
  index: GraphIndex,
  members: ReadonlySet<string>,
  sameValue: (a: string, b: string) => boolean,
  calibrated: { min: number; max: number },
): { min: number; max: number; reason: string } | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  const why = new Set<string>();
  for (const m of members) {
    if (index.graphOutputs.has(m)) return undefined;
    for (const c of index.consumers.get(m) ?? []) {
      // A pass-through consumer whose outputs share these parameters is checked through its outputs.
      if (c.node.output.length > 0 && c.node.output.every((o) => !o || members.has(o))) continue;
      const b = saturationOf(index, c.node, c.inputIndex, sameValue);
      if (!b) return undefined;
      lo = Math.min(lo, b.lo);
      hi = Math.max(hi, b.hi);
      why.add(b.why);
    }
  }
  if (why.size === 0) return undefined;
  const min = Math.max(calibrated.min, lo);
  const max = Math.min(calibrated.max, hi);
  if (min === calibrated.min && max === calibrated.max) return undefined;
  if (!(min < max)) return undefined;
  const fmt = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : v > 0 ? '+inf' : '-inf');
  return { min, max, reason: `every consumer saturates outside [${fmt(lo)}, ${fmt(hi)}] (${[...why].join(', ')}): range [${fmt(calibrated.min)}, ${fmt(calibrated.max)}] narrowed to [${fmt(min)}, ${fmt(max)}]` };
}

function clipStartsAtZeroOrBelow(node: Node, index: GraphIndex): boolean {
  // Clip-11+: min is input 1; older: attribute. Unknown min (a computed tensor) is not folded.
  const minName = node.input[1];
  if (minName) {
    const t = index.initializers.get(minName) ?? index.constants.get(minName);
    if (!t) return false;
    const bytes = t.rawData;
    const v = bytes ? new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true) : (t.floatData?.[0] ?? 0);
    return v <= 0;
  }
  const attr = node.attribute.find((a) => a.name === 'min');
  return attr?.f === undefined || attr.f <= 0;
}
