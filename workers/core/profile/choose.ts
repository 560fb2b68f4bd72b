/**
 * The latency-aware choice: which precision units (analysis/units.ts) run INT8 so that the model is
 * as fast as it can be on the profiled provider. From two profiles of the same provider, the FP32
 * model and the model with every unit INT8 (map.ts), each unit has a float time and an int8 time;
 * where an INT8 region meets a float one, a tensor crosses a Q/DQ boundary:
 *
 *   float --T--> Q --> [int8 units] --> DQ --U--> float          cost(T) = q(T) + layout(T)
 *
 * with q the per-element cost of QuantizeLinear (DequantizeLinear for U) and layout the per-element
 * cost of the Transpose onnxruntime puts around NHWC int8 convs, both measured in the INT8 profile.
 * The modeled time of a choice S (the units in INT8):
 *
 *   T(S) = T(FP32) - sum over u in S of (float(u) - int8(u)) + sum of the boundary costs S creates
 *
 * A boundary is per tensor: one Q serves every int8 reader of a float tensor. Data movement (MaxPool,
 * Reshape, ...) takes its input's side. Local search: from three seeds (the units that gain alone,
 * all, none), flip single units while T falls; the best modeled choice wins. The host then measures
 * it against FP32 (latency-aware.ts): a model is only trusted by its measured time.
 */
import { indexGraph, nodeLabel } from '../graph/graph';
import type { Model } from '../onnx/types';
import type { PrecisionUnit } from '../analysis/units';
import type { MappedProfile } from './map';
import { nodeKinds, type OpKind } from './kinds';

export interface UnitTiming {
  readonly id: string;
  readonly kind: OpKind;
  /** ms per run in the FP32 model (its nodes' kernels, with layout kernels attributed to them). */
  readonly fp32Ms: number;
  /** ms per run of its int8 kernels in the all-INT8 model (Q/DQ at its edges counted as boundaries). */
  readonly int8Ms: number;
}

export interface BoundaryCosts {
  /** ms per element. */
  readonly quantize: number;
  readonly dequantize: number;
  readonly layout: number;
}

export interface Choice {
  /** Units in INT8, by id. */
  readonly int8: readonly string[];
  /** Modeled ms per run. */
  readonly modeledMs: number;
  /** Modeled boundary ms per run within that. */
  readonly boundaryMs: number;
  /** How it was found. */
  readonly seed: 'gainers' | 'all' | 'none';
}

export interface ChoiceModel {
  readonly units: readonly UnitTiming[];
  readonly costs: BoundaryCosts;
  readonly fp32Ms: number;
  readonly int8Ms: number;
  /**
   * Modeled time of a choice. `boundaryScale` multiplies the boundary costs: the per-element costs
   * of the all-INT8 profile undercount what a boundary costs inside a graph (onnxruntime keeps data
   * movement around it in float, adds transposes the all-INT8 graph cancels), and a measured
   * candidate tells by how much (latency-aware.ts refines it).
   */
  modeled(int8: ReadonlySet<string>, boundaryScale?: number): { ms: number; boundaryMs: number };
}

const CONV_KINDS: ReadonlySet<OpKind> = new Set(['depthwise', 'grouped', 'pointwise', 'dense']);

/** Per-element Q, DQ and layout costs measured in a profile (ms per element); fallbacks when it has none. */
export function boundaryCosts(profile: MappedProfile): BoundaryCosts {
  const rate = (pred: (role: string, op: string) => boolean) => {
    let ms = 0;
    let n = 0;
    for (const k of profile.kernels) {
      if (!pred(k.role, k.op) || k.elements <= 1) continue;
      ms += k.ms;
      n += k.elements;
    }
    return n > 0 ? ms / n : undefined;
  };
  const q = rate((r) => r === 'quantize');
  const dq = rate((r) => r === 'dequantize');
  const layout = rate((r) => r === 'layout');
  // No boundary in the profile (none measured): one float pass per element at the slowest rate seen.
  const fallback = q ?? dq ?? layout ?? 2e-6;
  return { quantize: q ?? fallback, dequantize: dq ?? fallback, layout: layout ?? fallback / 2 };
}

export function choiceModel(fp32Model: Model, units: readonly PrecisionUnit[], fp32: MappedProfile, int8: MappedProfile): ChoiceModel {
  const graph = fp32Model.graph!;
  const index = indexGraph(graph);
  const kinds = nodeKinds(fp32Model);
  const fp32Times = new Map(fp32.nodes.map((n) => [n.node, n]));
  const int8Times = new Map(int8.nodes.map((n) => [n.node, n]));
  const unitOf = new Map<string, string>();
  for (const u of units) for (const n of u.nodes) unitOf.set(n, u.id);
  const timings: UnitTiming[] = units.map((u) => ({
    id: u.id,
    kind: kinds.get(u.id) ?? 'other',
    fp32Ms: u.nodes.reduce((a, n) => a + (fp32Times.get(n)?.ms ?? 0), 0),
    int8Ms: u.nodes.reduce((a, n) => a + (int8Times.get(n)?.opMs ?? 0) + (int8Times.get(n)?.layoutMs ?? 0), 0),
  }));
  const convUnit = new Set(timings.filter((t) => CONV_KINDS.has(t.kind)).map((t) => t.id));
  const costs = boundaryCosts(int8);

  // Elements of each tensor: the FP32 profile's output sizes of the node writing it.
  const elements = new Map<string, number>();
  const position = new Map(graph.node.map((x, i) => [nodeLabel(x, i), i]));
  for (const k of fp32.kernels) if (k.role === 'op' && k.by === 'name') {
    const n = position.get(k.node);
    const out = n !== undefined ? graph.node[n].output[0] : undefined;
    if (out && !elements.has(out)) elements.set(out, k.elements);
  }
  for (const b of int8.boundaries) if (!elements.has(b.tensor)) elements.set(b.tensor, b.elements);
  for (const input of graph.input) {
    const dims = input.type?.tensorType?.shape?.dim?.map((d) => Number(d.dimValue ?? 1)) ?? [];
    if (input.name && !elements.has(input.name) && dims.length) elements.set(input.name, dims.reduce((a, d) => a * Math.max(1, d), 1));
  }
  // Tensors no kernel wrote (a Relu fused into its Conv): the size of the node's largest data input.
  for (const n of graph.node) for (const out of n.output) {
    if (!out || elements.has(out)) continue;
    const sizes = n.input.filter((t) => t && !index.initializers.has(t)).map((t) => elements.get(t) ?? 0);
    elements.set(out, Math.max(0, ...sizes));
  }

  // Which nodes are units, data movement that follows its input, or float whatever S is.
  const order = graph.node.map((n, i) => ({ n, i, name: nodeLabel(n, i) }));
  const quantizedInFull = new Set(int8.nodes.filter((n) => n.quantized).map((n) => n.node));
  const follows = new Set(order.filter(({ name }) => !unitOf.has(name) && quantizedInFull.has(name) && kinds.get(name) === 'data-movement').map(({ name }) => name));
  const tensors = [...new Set(graph.node.flatMap((n) => n.output.filter(Boolean)).concat(graph.input.map((v) => v.name ?? '')))];

  const edges = new Map<string, { producer?: string; readers: string[]; e: number; nearConv: boolean; output: boolean }>();
  for (const t of tensors) {
    const p = index.producer.get(t);
    const producer = p ? nodeLabel(p.node, p.index) : undefined;
    const readers = (index.consumers.get(t) ?? []).map((c) => nodeLabel(c.node, c.index));
    const nearConv = [producer, ...readers].some((r) => r !== undefined && convUnit.has(unitOf.get(r) ?? ''));
    edges.set(t, { producer, readers, e: elements.get(t) ?? 0, nearConv, output: index.graphOutputs.has(t) });
  }

  function modeled(S: ReadonlySet<string>, boundaryScale = 1): { ms: number; boundaryMs: number } {
    // Domain of each node in graph order (the graph is topologically sorted by prepareModel).
    const int8Node = new Set<string>();
    for (const { n, name } of order) {
      const u = unitOf.get(name);
      if (u !== undefined) {
        if (S.has(u)) int8Node.add(name);
      } else if (follows.has(name)) {
        const p = n.input[0] ? index.producer.get(n.input[0]) : undefined;
        if (p && int8Node.has(nodeLabel(p.node, p.index))) int8Node.add(name);
      }
    }
    let boundaryMs = 0;
    for (const t of tensors) {
      const { producer, readers, e, nearConv, output } = edges.get(t)!;
      const producerInt8 = producer !== undefined && int8Node.has(producer);
      const layout = nearConv ? costs.layout * e : 0;
      if (!producerInt8 && readers.some((r) => int8Node.has(r))) boundaryMs += costs.quantize * e + layout;
      if (producerInt8 && (output || readers.some((r) => !int8Node.has(r)))) boundaryMs += costs.dequantize * e + layout;
    }
    boundaryMs *= boundaryScale;
    let gain = 0;
    for (const u of timings) if (S.has(u.id)) gain += u.fp32Ms - u.int8Ms;
    return { ms: fp32.totalMs - gain + boundaryMs, boundaryMs };
  }

  return { units: timings, costs, fp32Ms: fp32.totalMs, int8Ms: int8.totalMs, modeled };
}

/** The best modeled choice (local search from three seeds), and every seed's result. */
export function chooseUnits(model: ChoiceModel, options: { maxPasses?: number; boundaryScale?: number } = {}): { best: Choice; tried: readonly Choice[] } {
  const scale = options.boundaryScale ?? 1;
  const ids = model.units.map((u) => u.id);
  const seeds: Array<[Choice['seed'], Set<string>]> = [
    ['gainers', new Set(model.units.filter((u) => u.int8Ms < u.fp32Ms).map((u) => u.id))],
    ['all', new Set(ids)],
    ['none', new Set()],
  ];
  const tried: Choice[] = [];
  for (const [seed, S] of seeds) {
    let current = model.modeled(S, scale).ms;
    for (let pass = 0; pass < (options.maxPasses ?? 12); pass++) {
      let improved = false;
      for (const id of ids) {
        if (S.has(id)) S.delete(id);
        else S.add(id);
        const t = model.modeled(S, scale).ms;
        if (t < current - 1e-9) {
          current = t;
          improved = true;
        } else if (S.has(id)) S.delete(id);
        else S.add(id);
      }
      if (!improved) break;
    }
    const m = model.modeled(S, scale);
    tried.push({ int8: ids.filter((id) => S.has(id)), modeledMs: m.ms, boundaryMs: m.boundaryMs, seed });
  }
  const best = tried.reduce((a, b) => (b.modeledMs < a.modeledMs ? b : a));
  return { best, tried };
}
