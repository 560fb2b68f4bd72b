/**
 * The augment-graph technique (ONNX Runtime's calibrate.py): make the tensors to be quantized
 * visible as extra graph outputs of the FP32 model, so one ordinary inference per image yields them.
 *
 * Two forms:
 * - `augmentModel` exposes the tensors themselves (histogram methods need every value);
 * - `augmentForMinMax` adds ReduceMin, ReduceMax and Shape per tensor and exposes only those scalars,
 *   so for MinMax onnxruntime computes the statistics natively and nothing large is copied out.
 *
 * With the quantization options known up front, `calibrationCandidates` asks the planner which
 * tensors will actually carry parameters (a Conv output folded into its Relu does not), so fewer
 * outputs are exposed and fewer fusions are blocked.
 */
import { defaultOpset, indexGraph, nameAllocator } from '../graph/graph';
import { intAttr, intsAttr } from '../onnx/attributes';
import { isFloatType, makeTensor } from '../onnx/tensor';
import { DataType, type Model, type Node, type TensorProto } from '../onnx/types';
import { planQuantization, type PlanOptions } from '../quant/plan';
import { quantizerFor, registry } from '../quant/registry';

/** Float tensors read or written by an op in the quantizer registry. */
function registryTensors(model: Model): Set<string> {
  const graph = model.graph!;
  const index = indexGraph(graph);
  const isCandidate = (name: string): boolean => {
    if (!name || index.initializers.has(name) || index.constants.has(name)) return false;
    const elem = index.valueInfo.get(name)?.type?.tensorType?.elemType;
    return elem === undefined || isFloatType(elem);
  };
  const out = new Set<string>();
  for (const node of graph.node) {
    const quantizer = registry[node.opType ?? ''];
    if (!quantizer || quantizerFor(node) !== quantizer) continue;
    for (const name of [...node.input, ...node.output]) if (isCandidate(name)) out.add(name);
  }
  return out;
}

/**
 * The tensors calibration must observe. Without options: every float input/output of a registry op
 * (what a UI that changes its mind after calibrating needs). With options: only the tensors whose
 * range the planner will use.
 */
export function calibrationCandidates(model: Model, planOptions?: PlanOptions): string[] {
  if (!planOptions) return [...registryTensors(model)];
  const plan = planBeforeCalibration(model, planOptions);
  return [...new Set([...plan.activations.values()].map((a) => a.rangeSource))];
}

/** What the planner would do once every registry tensor has a range (the values do not matter yet). */
function planBeforeCalibration(model: Model, planOptions: PlanOptions) {
  const all = registryTensors(model);
  return planQuantization(model.graph!, { rangeOf: (name) => (all.has(name) ? { min: -1, max: 1 } : undefined) }, planOptions);
}

/** A copy of the model whose graph also outputs `tensors` (name-only outputs: onnxruntime infers their types). */
export function augmentModel(model: Model, tensors: readonly string[]): Model {
  const graph = model.graph!;
  const existing = new Set(graph.output.map((o) => o.name));
  const inputs = new Set(graph.input.map((i) => i.name));
  const extra = tensors.filter((t) => !existing.has(t) && !inputs.has(t)).map((name) => ({ name }));
  return { ...model, graph: { ...graph, output: [...graph.output, ...extra] } };
}

export interface MinMaxOutputs {
  readonly tensor: string;
  readonly min: string;
  readonly max: string;
  readonly shape: string;
}

/**
 *   T --> <consumers>            T --> <consumers>
 *                        becomes   +--> ReduceMin(keepdims 0) --> T/min  (graph output)
 *                                  +--> ReduceMax(keepdims 0) --> T/max  (graph output)
 *                                  +--> Shape                 --> T/shape (graph output)
 *
 * Graph inputs are left out: the host sees their values anyway.
 */
export function augmentForMinMax(model: Model, tensors: readonly string[]): { model: Model; outputs: MinMaxOutputs[] } {
  const graph = model.graph!;
  const inputs = new Set(graph.input.map((i) => i.name));
  const fresh = nameAllocator(graph);
  const nodes: Node[] = [];
  const outputs: MinMaxOutputs[] = [];
  for (const tensor of tensors) {
    if (inputs.has(tensor)) continue;
    const o = { tensor, min: fresh(`${tensor}/zeropoint_min`), max: fresh(`${tensor}/zeropoint_max`), shape: fresh(`${tensor}/zeropoint_shape`) };
    const keepdims = { name: 'keepdims', type: 2, i: 0, floats: [], ints: [], strings: [], tensors: [], graphs: [] };
    nodes.push({ opType: 'ReduceMin', input: [tensor], output: [o.min], name: o.min, attribute: [keepdims] });
    nodes.push({ opType: 'ReduceMax', input: [tensor], output: [o.max], name: o.max, attribute: [keepdims] });
    nodes.push({ opType: 'Shape', input: [tensor], output: [o.shape], name: o.shape, attribute: [] });
    outputs.push(o);
  }
  const extra = outputs.flatMap((o) => [{ name: o.min }, { name: o.max }, { name: o.shape }]);
  return { model: { ...model, graph: { ...graph, node: [...graph.node, ...nodes], output: [...graph.output, ...extra] } }, outputs };
}

/** A tensor whose per-channel mean bias correction needs: the activation input of a weighted layer. */
export interface ChannelMeanRequest {
  readonly tensor: string;
  /** The tensor's rank (Conv: the weight's rank; Gemm: 2). */
  readonly rank: number;
  /** The channel axis (1: NCHW channels or Gemm's K). */
  readonly axis: number;
}

/** Layers whose bias correction can use E[x] per input channel (quant/bias-correction.ts). */
export const BIAS_CORRECTION_OPS: ReadonlySet<string> = new Set(['Conv', 'ConvTranspose', 'Gemm']);

/**
 * The inputs whose per-channel means bias correction needs: the activation input of every Conv,
 * ConvTranspose and Gemm (transA = 0) with a constant weight; with plan options, only of the nodes
 * the plan quantizes.
 */
export function channelMeanCandidates(model: Model, planOptions?: PlanOptions): ChannelMeanRequest[] {
  const graph = model.graph!;
  const index = indexGraph(graph);
  const quantized = planOptions ? new Set(planBeforeCalibration(model, planOptions).decisions.filter((d) => d.quantized).map((d) => d.index)) : undefined;
  const out = new Map<string, ChannelMeanRequest>();
  graph.node.forEach((node, i) => {
    const op = node.opType ?? '';
    if (!BIAS_CORRECTION_OPS.has(op) || (node.domain ?? '') !== '' || (quantized && !quantized.has(i))) return;
    const [x, w] = node.input;
    if (!x || index.initializers.has(x) || index.constants.has(x) || out.has(x)) return;
    const weight = index.initializers.get(w) ?? index.constants.get(w);
    if (!weight) return;
    if (op === 'Gemm') {
      if (node.attribute.some((a) => a.name === 'transA' && Number(a.i ?? 0) !== 0)) return;
      out.set(x, { tensor: x, rank: 2, axis: 1 });
    } else if (weight.dims.length >= 3) out.set(x, { tensor: x, rank: weight.dims.length, axis: 1 });
  });
  return [...out.values()];
}

export interface ChannelMeanOutput extends ChannelMeanRequest {
  readonly mean: string;
}

/**
 *   X --> <consumers>          X --> <consumers>
 *                    becomes     +--> ReduceMean(axes = all but the channel axis, keepdims 0) --> X/mean [C]
 *
 * ReduceMean's axes are an attribute before opset 18 and an input from 18 on. Graph inputs are
 * reduced the same way (the host could, but one code path is simpler and the cost is one image).
 */
export function augmentForChannelMeans(model: Model, requests: readonly ChannelMeanRequest[]): { model: Model; outputs: ChannelMeanOutput[] } {
  if (requests.length === 0) return { model, outputs: [] };
  const graph = model.graph!;
  const fresh = nameAllocator(graph);
  const opset = defaultOpset(model);
  const nodes: Node[] = [];
  const initializers: TensorProto[] = [];
  const outputs: ChannelMeanOutput[] = [];
  for (const r of requests) {
    const axes = Array.from({ length: r.rank }, (_, k) => k).filter((k) => k !== r.axis);
    const mean = fresh(`${r.tensor}/zeropoint_channel_mean`);
    const keepdims = intAttr('keepdims', 0);
    if (opset >= 18) {
      const axesName = fresh(`${r.tensor}/zeropoint_channel_mean_axes`);
      initializers.push(makeTensor(axesName, DataType.INT64, [axes.length], BigInt64Array.from(axes, BigInt)));
      nodes.push({ opType: 'ReduceMean', input: [r.tensor, axesName], output: [mean], name: mean, attribute: [keepdims] });
    } else {
      nodes.push({ opType: 'ReduceMean', input: [r.tensor], output: [mean], name: mean, attribute: [keepdims, intsAttr('axes', axes)] });
    }
    outputs.push({ ...r, mean });
  }
  return {
    model: {
      ...model,
      graph: { ...graph, node: [...graph.node, ...nodes], initializer: [...graph.initializer, ...initializers], output: [...graph.output, ...outputs.map((o) => ({ name: o.mean }))] },
    },
    outputs,
  };
}
