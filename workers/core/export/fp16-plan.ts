/**
 * The FP16 plan: for every node of an FP32 graph, whether it computes in float16 or stays in FP32 and
 * why (data, from the rule table fp16-rules.ts and the graph-level rules below). fp16.ts turns the plan
 * into the float16 model; nothing here edits the graph.
 *
 * Graph-level rules, in this order:
 *   1. per node: custom domain, subgraphs, the user's keep lists, Cast of integers, the op table,
 *      float64 or untyped inputs, constants float16 cannot hold, reductions over too many values;
 *   2. attention logits: the MatMul (and the scaling/masking ops) that computes a Softmax's input;
 *   3. the first layer on an unnormalized image input (0..255 pixels), by interval arithmetic from the
 *      input's range through data movement and constant Add/Sub/Mul/Div;
 *   4. until nothing changes: 'follow' ops take their data input's type; a float16 op with only FP32
 *      neighbours (an island) goes back to FP32.
 */
import { indexGraph, nodeLabel, topologicalOrder, type GraphIndex } from '../graph/graph';
import { attr, attrInt } from '../onnx/attributes';
import { inferNode, product, Scope, seedScope } from '../onnx/opset/infer';
import { float16ToFloat32, float32ToFloat16, tensorToFloat32 } from '../onnx/tensor';
import { DataType, type Graph, type Node } from '../onnx/types';
import type { ExportNodeDecision } from './formats';
import { FP16_LIMITS, FP16_OP_RULES, FP16_REASONS, type Fp16OpRule } from './fp16-rules';

export type Fp16Mode = 'fp16' | 'fp32' | 'any';

export interface Fp16NodePlan {
  readonly mode: Fp16Mode;
  readonly reason?: string;
  readonly rule?: Fp16OpRule;
}

export interface Fp16PlanOptions {
  readonly keepNodes?: readonly string[];
  readonly keepOpTypes?: readonly string[];
  /** Value range of each graph input (from the preprocessing), for the first-layer rule; missing: unknown. */
  readonly inputRanges?: Readonly<Record<string, { readonly min: number; readonly max: number }>>;
  /** The float graph inputs will be float16 (so ops that only move them follow in float16). */
  readonly float16Inputs?: boolean;
  /** Shapes of graph inputs whose dims are symbolic (the size the model is run at), for reductions' sizes. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}

export interface Fp16Plan {
  readonly index: GraphIndex;
  readonly order: readonly number[];
  /** Element type of every tensor inference could type (the FP32 graph's). */
  readonly typeOf: (name: string) => number | undefined;
  /** By node index. */
  readonly nodes: ReadonlyMap<number, Fp16NodePlan>;
  readonly decisions: readonly ExportNodeDecision[];
}

const F = DataType.FLOAT;
const COMPUTE_LAYERS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);
/** Layers with weights: converting one halves its weights, so it is never an island kept FP32. */
const LAYERS = new Set([...COMPUTE_LAYERS, 'Einsum']);
const ATTENTION_PATH = new Set(['Add', 'Sub', 'Mul', 'Div', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Identity', 'Where', 'Cast']);
const MATMULS = new Set(['MatMul', 'Gemm', 'Einsum']);
/** Ops infer.ts does not type whose first output has the type of their first input. */
const SAME_TYPE_AS_INPUT = new Set(['GridSample', 'Einsum', 'RoiAlign', 'GatherND', 'Compress', 'AffineGrid', 'Col2Im', 'CenterCropPad', 'ReverseSequence', 'Trilu', 'Det']);

function inferTypes(graph: Graph, order: readonly number[], opset: number, shapes: Fp16PlanOptions['inputShapes']): Scope {
  const scope = new Scope();
  seedScope(scope, graph);
  for (const [name, dims] of Object.entries(shapes ?? {})) if (scope.fact(name)) scope.facts.set(name, { elemType: scope.elemType(name), dims: [...dims] });
  for (const i of order) {
    const n = graph.node[i];
    try {
      inferNode(n, scope, opset);
    } catch {
      // best effort: an untyped output keeps its consumers in FP32
    }
    const out = n.output[0];
    if (out && scope.elemType(out) === undefined && SAME_TYPE_AS_INPUT.has(n.opType ?? '')) scope.setFact(out, { elemType: scope.elemType(n.input[0]) });
  }
  return scope;
}

const isDefaultDomain = (d: string | undefined) => (d ?? '') === '' || d === 'ai.onnx';
const hasSubgraph = (n: Node) => n.attribute.some((a) => a.g !== undefined || a.graphs.length > 0);

/** A constant input float16 cannot hold: a value past 65504, or a small constant (an epsilon) rounded off. */
function constantProblem(name: string, values: Float32Array, summed: boolean): string | undefined {
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  if (maxAbs > FP16_LIMITS.max) return FP16_REASONS.constantBeyondRange(name, maxAbs);
  // A weight or bias of a Conv/Gemm/MatMul is summed with products far larger than its rounding.
  if (summed || values.length > FP16_LIMITS.smallConstant) return undefined;
  const half = float16ToFloat32(float32ToFloat16(values));
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== 0 && Math.abs(half[i] - v) > FP16_LIMITS.constantTolerance * Math.abs(v) && Math.abs(v) < FP16_LIMITS.minNormal) return FP16_REASONS.constantUnderflow(name, v, half[i]);
  }
  return undefined;
}

/** Largest sum of |weights| feeding one output of a compute layer (the bound on its partial sums per unit input). */
function weightSumBound(node: Node, index: GraphIndex): number {
  const w = index.initializers.get(node.input[1]);
  if (!w) return NaN;
  const values = tensorToFloat32(w);
  const dims = w.dims;
  if (dims.length < 2) return NaN;
  let axis: number;
  if (node.opType === 'Conv') axis = 0;
  else if (node.opType === 'ConvTranspose') axis = 1;
  else if (node.opType === 'Gemm') axis = attrInt(node, 'transB', 0) === 1 ? 0 : 1;
  else axis = dims.length - 1;
  const channels = dims[axis];
  const inner = product(dims.slice(axis + 1)) ?? 1;
  const sums = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) sums[Math.floor(i / inner) % channels] += Math.abs(values[i]);
  return Math.max(...sums);
}

type Interval = { min: number; max: number };

function constantRange(index: GraphIndex, name: string): Interval | undefined {
  const t = index.initializers.get(name) ?? index.constants.get(name);
  if (!t || (t.dataType !== F && t.dataType !== DataType.FLOAT16)) return undefined;
  const v = tensorToFloat32(t);
  if (v.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  return { min, max };
}

/** The range of a node's output from the range of its (single) varying input; undefined: unknown. */
function propagate(n: Node, input: string, r: Interval, index: GraphIndex): Interval | undefined {
  const op = n.opType ?? '';
  const rule = FP16_OP_RULES[op];
  if (op === 'Cast') return r;
  if (rule?.kind === 'follow') {
    if (op === 'Pad') return { min: Math.min(r.min, 0), max: Math.max(r.max, 0) };
    return n.input.filter((s) => s && !index.initializers.has(s)).length === 1 ? r : undefined;
  }
  if (!['Add', 'Sub', 'Mul', 'Div'].includes(op) || n.input.length !== 2) return undefined;
  const other = n.input[0] === input ? n.input[1] : n.input[0];
  const c = constantRange(index, other);
  if (!c) return undefined;
  const lhs = n.input[0] === input;
  const span = (vals: number[]) => ({ min: Math.min(...vals), max: Math.max(...vals) });
  switch (op) {
    case 'Add':
      return { min: r.min + c.min, max: r.max + c.max };
    case 'Sub':
      return lhs ? { min: r.min - c.max, max: r.max - c.min } : { min: c.min - r.max, max: c.max - r.min };
    case 'Mul':
      return span([r.min * c.min, r.min * c.max, r.max * c.min, r.max * c.max]);
    default:
      if (!lhs || (c.min <= 0 && c.max >= 0)) return undefined;
      return span([r.min / c.min, r.min / c.max, r.max / c.min, r.max / c.max]);
  }
}

export function planFloat16(graph: Graph, opset: number, options: Fp16PlanOptions = {}): Fp16Plan {
  const index = indexGraph(graph);
  const order = topologicalOrder(graph);
  const scope = inferTypes(graph, order, opset, options.inputShapes);
  const typeOf = (name: string) => scope.elemType(name);
  const nodes = graph.node;
  const plans = new Map<number, Fp16NodePlan>();
  const keepNames = new Set(options.keepNodes ?? []);
  const keepOps = new Set(options.keepOpTypes ?? []);
  const kept = (reason: string, rule?: Fp16OpRule): Fp16NodePlan => ({ mode: 'fp32', reason, rule });

  // 1. Per node.
  for (const i of order) {
    const n = nodes[i];
    const op = n.opType ?? '';
    const rule = FP16_OP_RULES[op];
    const plan = ((): Fp16NodePlan => {
      const maybeFloat = (t: string) => t.length > 0 && (typeOf(t) === F || typeOf(t) === DataType.DOUBLE || typeOf(t) === undefined);
      if (isDefaultDomain(n.domain) && !hasSubgraph(n) && ![...n.input, ...n.output].some(maybeFloat)) return { mode: 'any', reason: FP16_REASONS.noFloat };
      if (!isDefaultDomain(n.domain)) return kept(FP16_REASONS.customDomain(n.domain ?? ''));
      if (hasSubgraph(n)) return kept(FP16_REASONS.subgraph);
      if (keepNames.has(nodeLabel(n, i))) return kept(FP16_REASONS.keptByName);
      if (keepOps.has(op)) return kept(FP16_REASONS.keptByOp(op));
      if (op === 'Cast') {
        const to = attr(n, 'to')?.i;
        if (to !== F) return { mode: 'any' };
        return typeOf(n.input[0]) === F ? { mode: 'fp16', rule: { kind: 'follow' } } : kept(FP16_REASONS.integerCast);
      }
      if (!rule) return kept(FP16_REASONS.noRule(op));
      if (rule.kind === 'fp32') return kept(rule.reason ?? FP16_REASONS.noRule(op), rule);
      if (rule.kind === 'any') return { mode: 'any', rule };
      for (const [p, s] of n.input.entries()) {
        if (!s || rule.float32Inputs?.includes(p)) continue;
        const t = typeOf(s);
        if (t === DataType.DOUBLE) return kept(FP16_REASONS.doubleInput, rule);
        if (t === undefined && !index.initializers.has(s)) return kept(FP16_REASONS.unknownType(s), rule);
        const c = t === F ? (index.initializers.get(s) ?? index.constants.get(s)) : undefined;
        const problem = c ? constantProblem(s, tensorToFloat32(c), LAYERS.has(op)) : undefined;
        if (problem) return kept(problem, rule);
      }
      if (rule.maxReduced !== undefined) {
        const dims = scope.dims(n.input[0]);
        const count = dims && dims.length > 2 ? product(dims.slice(2)) : undefined;
        if (count === undefined) return kept(FP16_REASONS.unknownReduction, rule);
        if (count > rule.maxReduced) return kept(FP16_REASONS.largeReduction(count, rule.maxReduced), rule);
      }
      return { mode: 'fp16', rule };
    })();
    plans.set(i, plan);
  }
  const isFp16Compute = (i: number) => plans.get(i)?.mode === 'fp16' && plans.get(i)?.rule?.kind === 'compute';

  // 2. Attention logits: from each Softmax back through scaling/masking/reshaping to its MatMul.
  for (const i of order) {
    const n = nodes[i];
    if (n.opType !== 'Softmax' && n.opType !== 'LogSoftmax') continue;
    const path: number[] = [];
    let tensor = n.input[0];
    for (let step = 0; step < 8; step++) {
      const p = index.producer.get(tensor);
      if (!p) break;
      const op = p.node.opType ?? '';
      path.push(p.index);
      // Attention: a product of two activations (a MatMul with a constant weight is a classifier: fine in float16).
      if (MATMULS.has(op) && p.node.input.filter((t) => t && !index.initializers.has(t) && !index.constants.has(t)).length >= 2) {
        const softmax = nodeLabel(n, i);
        for (const k of path) if (isFp16Compute(k)) plans.set(k, kept(FP16_REASONS.attentionLogits(softmax), plans.get(k)?.rule));
        break;
      }
      if (MATMULS.has(op) || !ATTENTION_PATH.has(op)) break;
      const next = p.node.input.find((s) => s && !index.initializers.has(s) && !index.constants.has(s) && typeOf(s) === F);
      if (!next) break;
      tensor = next;
    }
  }

  // 3. The first layer on an unnormalized input.
  const ranges = new Map<string, Interval | null>();
  for (const v of index.dataInputs) {
    const name = v.name ?? '';
    const elem = v.type?.tensorType?.elemType;
    const given = options.inputRanges?.[name];
    ranges.set(name, given ? { min: given.min, max: given.max } : elem === DataType.UINT8 ? { min: 0, max: 255 } : null);
  }
  for (const i of order) {
    const n = nodes[i];
    const fed = n.input.find((s) => ranges.has(s));
    if (fed === undefined) continue;
    // Concat: the union of its inputs' ranges (a Focus / space-to-depth stem of 4 slices), when all are known.
    const varying = n.input.filter((s) => s && !index.initializers.has(s) && !index.constants.has(s));
    const known = varying.map((s) => ranges.get(s));
    const r = n.opType === 'Concat' ? (known.every((k) => k) ? { min: Math.min(...known.map((k) => k!.min)), max: Math.max(...known.map((k) => k!.max)) } : null) : ranges.get(fed)!;
    if (COMPUTE_LAYERS.has(n.opType ?? '')) {
      const maxAbs = r ? Math.max(Math.abs(r.min), Math.abs(r.max)) : Infinity;
      if (isFp16Compute(i) && maxAbs > FP16_LIMITS.normalizedInput) plans.set(i, kept(FP16_REASONS.firstLayer(r, maxAbs * weightSumBound(n, index)), plans.get(i)?.rule));
      continue;
    }
    const out = r ? (n.opType === 'Concat' ? r : propagate(n, fed, r, index)) : null;
    if (out === undefined) continue;
    for (const o of n.output) if (o && typeOf(o) === F) ranges.set(o, out);
  }

  // 4. Follow ops and islands, until stable.
  const inputs = new Set(index.dataInputs.map((v) => v.name ?? ''));
  const homeIsFp16 = (name: string): boolean => {
    const p = index.producer.get(name);
    if (!p) return inputs.has(name) && options.float16Inputs === true;
    return plans.get(p.index)?.mode === 'fp16';
  };
  const floatInputs = (n: Node) => n.input.filter((s, p) => s && typeOf(s) === F && !index.initializers.has(s) && !index.constants.has(s) && !FP16_OP_RULES[n.opType ?? '']?.float32Inputs?.includes(p));
  const followers = order.filter((i) => plans.get(i)!.mode === 'fp16' && plans.get(i)!.rule?.kind === 'follow');
  for (let round = 0, changed = true; changed && round < nodes.length + 1; round++) {
    changed = false;
    for (const i of followers) {
      const plan = plans.get(i)!;
      const fp16 = floatInputs(nodes[i]).some(homeIsFp16);
      const next: Fp16NodePlan = fp16 ? { mode: 'fp16', rule: plan.rule } : { mode: 'fp32', rule: plan.rule, reason: FP16_REASONS.follows };
      if (next.mode !== plan.mode) changed = true;
      plans.set(i, next);
    }
    for (let k = order.length - 1; k >= 0; k--) {
      const i = order[k];
      if (!isFp16Compute(i) || LAYERS.has(nodes[i].opType ?? '')) continue;
      const n = nodes[i];
      const ins = floatInputs(n);
      const fromFp32Ops = ins.length > 0 && ins.every((s) => index.producer.has(s) && !homeIsFp16(s));
      const outs = n.output.filter((o) => o && typeOf(o) === F);
      const toFp32Ops =
        outs.length > 0 &&
        outs.every((o) => {
          const cs = index.consumers.get(o) ?? [];
          return !index.graphOutputs.has(o) && cs.length > 0 && cs.every((c) => plans.get(c.index)?.mode !== 'fp16');
        });
      if (fromFp32Ops && toFp32Ops) {
        plans.set(i, kept(FP16_REASONS.island, plans.get(i)?.rule));
        changed = true;
      }
    }
  }

  const decisions: ExportNodeDecision[] = order.map((i) => {
    const n = nodes[i];
    const p = plans.get(i)!;
    return { index: i, name: nodeLabel(n, i), opType: n.opType ?? '', converted: p.mode === 'fp16', ...(p.mode === 'fp16' ? {} : { reason: p.reason ?? FP16_REASONS.anyType }) };
  });
  return { index, order, typeOf, nodes: plans, decisions };
}
