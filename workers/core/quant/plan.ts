/**
 * Mark phase: walk the graph in topological order, let each node's quantizer mark tensors, then turn
 * the marks into quantization parameters. Nothing here edits the graph (rewrite.ts does, once).
 */
import { indexGraph, nodeLabel, topologicalOrder, type GraphIndex } from '../graph/graph';
import type { Node, TensorProto } from '../onnx/types';
import { computeQuantParams, withSubject, type QuantParams } from './params';
import { quote } from '../intake/names';
import { quantizerFor } from './registry';

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
}

export interface QuantPlan {
  readonly index: GraphIndex;
  readonly order: readonly number[];
  readonly activations: ReadonlyMap<string, ActivationPlan>;
  readonly weights: ReadonlyMap<string, WeightMark>;
  /** Bias input of a node, by node index. */
  readonly biases: ReadonlyMap<number, { name: string; input: string; weight: string }>;
  /** Removed activation nodes: producer output `from` is replaced by the activation's output `to`. */
  readonly folds: ReadonlyArray<{ readonly nodeIndex: number; readonly from: string; readonly to: string }>;
  readonly decisions: readonly NodeDecision[];
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
  const folds: { nodeIndex: number; from: string; to: string }[] = [];
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
  };

  const keepFirstLast = options.keepFirstAndLast ? firstAndLastLayers(index, order) : new Set<number>();
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
    else {
      const result = quantizerFor(node)(ctx, node, i);
      if (result.quantized) quantizedNodes.add(i);
      else reason = result.reason;
    }
    decisions.push({ index: i, name, opType, quantized: reason === undefined, reason });
  }

  // Parameters. A shared tensor takes the parameters of the tensor it shares with (followed to the root).
  const activations = new Map<string, ActivationPlan>();
  for (const name of marked) {
    const source = rootOf(name);
    const range = inputs.rangeOf(source);
    if (!range) continue; // never observed (e.g. an integer tensor): stays float
    const params = withSubject(`Activation ${quote(source)}`, () => computeQuantParams(range, { type: options.activationType, symmetric: options.activationSymmetric, reduceRange: false }));
    activations.set(name, { name, params, rangeSource: source, range });
  }
  // A bias is only quantizable when its input activation got parameters.
  for (const [nodeIndex, b] of biases) if (!activations.has(b.input) || !weights.has(b.weight)) biases.delete(nodeIndex);

  return { index, order, activations, weights, biases, folds, decisions };
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
