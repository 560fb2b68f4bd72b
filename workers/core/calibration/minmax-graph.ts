/**
 * MinMax statistics computed by onnxruntime inside the graph, at little more than the cost of a plain
 * inference (issue 11 item 4). What made the straightforward form (augmentForMinMax: ReduceMin,
 * ReduceMax and Shape per tensor, three scalar outputs each) cost 1.4-3.8x a plain run, measured with
 * onnxruntime-node's profiler and optimized graphs:
 *  - every graph output costs about 5 µs to fetch, whatever its size: 3 per tensor dominated small models;
 *  - a reduction outside onnxruntime's NCHWc layout forces a ReorderOutput of the whole tensor back to
 *    NCHW (onnxruntime's NchwcTransformer keeps Conv, pooling, Concat, Add/Mul and Relu/Sigmoid in
 *    blocked layout; ReduceMin/ReduceMax and Shape are not among them);
 *  - each reduction reads the whole tensor once more.
 * So here:
 *
 *   T --> <consumers>                 T --> <consumers>
 *                        becomes        +--> ReduceMax(keepdims 1) --+
 *                                       +--> ReduceMin(keepdims 1) --+--> Concat(axis 0) --> V0 ---------------+
 *   R = Relu(...) --> <consumers>       R --> GlobalMaxPool --> ReduceMax(keepdims 1) --+                      |
 *   S = Sigmoid(T) --> <consumers>      S --> <consumers>    (no reduction)        V0 --> Sigmoid' --> V1 ---+
 *                                                                                                            |
 *                                       zeropoint_minmax_rank4 (one output per rank) <-- Concat(V0, V1, ...) <--+
 *
 *  - readings of every tensor of one rank go out packed in ONE output ([k, 1, 1, 1] for rank 4);
 *  - a tensor whose values can never be negative (the output of Relu, Sigmoid, Softmax, Clip with a
 *    min >= 0, ... and of pass-through ops over such a tensor) gets no ReduceMin: every range includes
 *    0, so its min only ever contributes 0 (ranges.ts: minmax = [min(observedMin, 0), max(observedMax, 0)],
 *    moving-average likewise, per batch), and its max comes from a GlobalMaxPool, which onnxruntime
 *    runs in NCHWc layout without reordering the tensor; the min is recorded as 0 with `minImplied`.
 *    The per-channel maxima of every such tensor of one rank (batch 1, dims known, nothing derived
 *    from it) go out joined along the channels in one output, and the host takes each one's max;
 *  - a tensor y = f(x), f elementwise and monotone in x (Relu, Clip, Sigmoid, Add/Mul/Div of a scalar
 *    constant, ...; minmax-derive.ts), with x read too, is not reduced: a copy of f's node runs on the
 *    vector holding x's reduced extremes (V0 above; a chain's next link on V1, and so on; one copy per
 *    distinct node and vector, however many tensors derive through it), and the host takes min and
 *    max of f(x's min) and f(x's max). Unobserved links count too: Clip(x + 3, 0, 6) with x + 3 not
 *    observed. Reducing y would give it a second consumer and stop onnxruntime's fusions
 *    (x * Sigmoid(x) into QuickGelu) around it;
 *  - a Concat output whose inputs are all observed is not reduced at all: its batch min and max are
 *    the min and max of its inputs' and its count their sum;
 *  - no Shape nodes: element counts come from a shape inference seeded with the real input dims, and
 *    only a tensor whose count that cannot tell keeps a Shape (all of known rank in one output);
 *  - a tensor the inference knows is not float (a shape computation's int64, say) is not reduced: its
 *    reductions would only be skipped.
 * The chosen MinMax and moving-average ranges are identical to the straightforward form's (checked
 * on every shared model in calibrate.test.ts), but for tensors derived through Sigmoid or Tanh, whose
 * CPU kernels are monotone only to a few ulps (minmax-derive.ts KERNEL_JITTER).
 *
 * Tensors this cannot pack (rank or element type unknown to the inference, rank 0) keep the
 * straightforward ReduceMin/ReduceMax/Shape outputs.
 */
import { defaultOpset, indexGraph, nameAllocator } from '../graph/graph';
import { attrFloat, attrInt, attrString, intAttr } from '../onnx/attributes';
import { inferNode, product, Scope, seedScope } from '../onnx/opset/infer';
import { derivations, type Derivation } from './minmax-derive';
import { DataType, type Model, type Node } from '../onnx/types';

/**
 * Where a tensor's dims come out when inference cannot tell them: a Shape output, or with `rank` the
 * `rank` values from `offset` of the one output every such tensor of known rank shares.
 */
export interface ShapeSlot {
  readonly shape: string;
  readonly offset?: number;
  readonly rank?: number;
}

/** Where one reduced value comes out: an output and the index into its data. */
export interface ReadingSlot {
  readonly output: string;
  readonly index: number;
  /** The value is the max of `count` values from `index` (a tensor's per-channel maxima). */
  readonly count?: number;
}

export type MinMaxReading =
  | {
      readonly kind: 'reduced';
      readonly tensor: string;
      readonly max: ReadingSlot;
      /** Absent when the tensor's values can never be negative (its min is recorded as 0, implied). */
      readonly min?: ReadingSlot;
      /** The tensor's dims when inference knows them all, else the output of a Shape node. */
      readonly dims: readonly number[] | ShapeSlot;
    }
  | {
      /**
       * y = f(source), f elementwise and monotone (minmax-derive.ts): not reduced; onnxruntime computes f
       * on the source's extremes. Its batch min and max are the min and max of the two values, its dims
       * the source's.
       */
      readonly kind: 'derived';
      readonly tensor: string;
      /** Read before it (reduced or derived). */
      readonly source: string;
      /** The op types f applies to the source's extremes, in order: its node's, after those of unobserved links between. */
      readonly ops: readonly string[];
      /** f(the source's max). */
      readonly hi: ReadingSlot;
      /** f(the source's min); absent when the source's min is implied: so is this tensor's (f increasing, f(0) >= 0). */
      readonly lo?: ReadingSlot;
    }
  | {
      /** A Concat output: its batch statistics are those of its parts (read before it). */
      readonly kind: 'concat';
      readonly tensor: string;
      readonly parts: readonly string[];
      /** The Concat's axis (possibly negative). */
      readonly axis: number;
    };

export interface MinMaxGraph {
  readonly model: Model;
  /** One per observed tensor (float graph inputs included); a derived one after its source, a Concat after its parts. */
  readonly readings: readonly MinMaxReading[];
  /** Observed tensors inference knows are not float: not reduced, skipped like the reference form skips them. */
  readonly notFloat: readonly string[];
  /** The observed graph inputs it reduces (the host need not look at their values). */
  readonly inputs: readonly string[];
}

export interface MinMaxGraphOptions {
  /** The dims every calibration run feeds, by input name (the model may declare them dynamic). */
  readonly inputDims?: Readonly<Record<string, readonly number[]>>;
}

/** Ops whose outputs are never negative (NaN aside). */
const NEVER_NEGATIVE = new Set(['Relu', 'Sigmoid', 'HardSigmoid', 'Softmax', 'Softplus', 'Exp', 'Abs', 'Sqrt']);
/** Ops whose output values are drawn from (or averaged from) the first input's only. */
const KEEPS_SIGN = new Set([
  'MaxPool', 'GlobalMaxPool', 'AveragePool', 'GlobalAveragePool', 'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Identity', 'Slice', 'Split',
  'DepthToSpace', 'SpaceToDepth', 'Gather', 'Tile', 'Expand',
]);

/** Tensors the graph proves never negative (NaN aside). */
function neverNegative(model: Model, scope: Scope): Set<string> {
  const out = new Set<string>();
  for (const n of model.graph!.node) {
    if ((n.domain ?? '') !== '' && n.domain !== 'ai.onnx') continue;
    const op = n.opType ?? '';
    let yes = NEVER_NEGATIVE.has(op);
    if (op === 'Clip') {
      const lo = n.input[1] ? scope.const(n.input[1])?.values[0] : attrFloat(n, 'min');
      yes = lo !== undefined && lo >= 0;
    } else if (KEEPS_SIGN.has(op)) yes = out.has(n.input[0]);
    else if (op === 'Concat' || op === 'Max') yes = n.input.length > 0 && n.input.every((i) => out.has(i));
    else if (op === 'Resize' || op === 'Upsample') yes = out.has(n.input[0]) && attrString(n, 'mode', 'nearest') !== 'cubic';
    if (yes) for (const o of n.output) if (o) out.add(o);
  }
  return out;
}

export function inferScope(model: Model, inputDims: MinMaxGraphOptions['inputDims']): Scope {
  const graph = model.graph!;
  const scope = new Scope();
  seedScope(scope, graph);
  for (const [name, dims] of Object.entries(inputDims ?? {})) scope.facts.set(name, { elemType: scope.elemType(name), dims: [...dims] });
  const opset = defaultOpset(model);
  for (const n of graph.node) {
    try {
      inferNode(n, scope, opset);
    } catch {
      // best effort: a tensor without facts keeps the straightforward outputs
    }
  }
  return scope;
}

export type ConcatReading = Extract<MinMaxReading, { kind: 'concat' }>;
export type DerivedReading = Extract<MinMaxReading, { kind: 'derived' }>;

/**
 * The observed Concat outputs whose parts are all observed too (graph inputs aside): their
 * statistics follow from the parts' (min, max and counts per batch; a histogram is the exact merge of
 * the parts' histograms), so they need neither reductions nor values. In graph order, so a Concat of
 * Concats comes after its parts.
 */
export function impliedConcats(model: Model, tensors: readonly string[]): ConcatReading[] {
  const graph = model.graph!;
  const inputs = new Set(graph.input.map((i) => i.name));
  const observed = new Set(tensors.filter((t) => !inputs.has(t)));
  const out: ConcatReading[] = [];
  for (const n of graph.node) {
    const tensor = n.output[0];
    if (n.opType !== 'Concat' || (n.domain ?? '') !== '' || !observed.has(tensor)) continue;
    if (n.input.length > 0 && n.input.every((i) => observed.has(i) && i !== tensor)) out.push({ kind: 'concat', tensor, parts: [...n.input], axis: attrInt(n, 'axis', 0) });
  }
  return out;
}

/** What makes two nodes compute the same f: all but the input `x` (BigInt-safe). */
function nodeSignature(n: Node, x: number): string {
  return JSON.stringify([n.opType, n.domain ?? '', n.input.map((v, i) => (i === x ? null : v)), n.attribute ?? []], (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** The tensors' min and max computed in the graph, packed, with the implied ones left out (see the file comment). */
export function minMaxGraph(model: Model, tensors: readonly string[], options: MinMaxGraphOptions = {}): MinMaxGraph {
  const graph = model.graph!;
  const index = indexGraph(graph);
  const scope = inferScope(model, options.inputDims);
  const nonNegative = neverNegative(model, scope);
  const fresh = nameAllocator(graph);
  // Float graph inputs are reduced here too: onnxruntime reduces them several times faster than a JS loop.
  const inputs = new Set(graph.input.filter((i) => i.type?.tensorType?.elemType !== DataType.FLOAT || index.initializers.has(i.name ?? '')).map((i) => i.name));
  const observed = new Set(tensors.filter((t) => !inputs.has(t)));
  const nodes: Node[] = [];
  const outputs: string[] = [];
  const keep = intAttr('keepdims', 1);
  /** Per rank, the reductions packed into one vector and how many. */
  const packs = new Map<number, { inputs: string[]; size: number }>();
  /** Appends a [1, ..., 1] reduction to its rank's pack; returns its index there. */
  const pack = (rank: number, input: string): number => {
    const list = packs.get(rank) ?? { inputs: [], size: 0 };
    packs.set(rank, list);
    list.inputs.push(input);
    return list.size++;
  };
  const packed: { tensor: string; rank: number; max: number; min?: number; dims: readonly number[] | ShapeSlot }[] = [];
  // The Shapes of tensors of known rank go out in one output (each output costs about 5 µs to fetch).
  const shapesOut = fresh('zeropoint_shapes');
  const shapes: string[] = [];
  let shapesSize = 0;
  /** Per rank, the GlobalMaxPool outputs ([1, C, 1, ...]) joined along the channels, and their sum of C. */
  const channelPacks = new Map<number, { inputs: string[]; size: number }>();
  const channelReadings: { tensor: string; rank: number; index: number; count: number; dims: number[] }[] = [];
  /** Known non-float tensors: nothing to reduce (the reference form's reductions of them are skipped too). */
  const notFloat: string[] = [];
  const readings: MinMaxReading[] = [];

  const concats = impliedConcats(model, [...observed]);
  const implied = new Set(concats.map((c) => c.tensor));
  const packable = (t: string): boolean => {
    const rank = scope.rank(t);
    return observed.has(t) && !implied.has(t) && rank !== undefined && rank > 0 && (scope.elemType(t) ?? index.valueInfo.get(t)?.type?.tensorType?.elemType) === DataType.FLOAT;
  };
  const derived = derivations(graph.node, scope, observed, (t) => (packable(t) ? (nonNegative.has(t) ? 'max' : 'both') : undefined));
  const isDerived = new Set(derived.filter((d) => d.observed).map((d) => d.tensor));
  /** Tensors something derives from: their extremes must be in the packed vector. */
  const sources = new Set(derived.map((d) => d.source));

  for (const tensor of observed) {
    if (implied.has(tensor) || isDerived.has(tensor)) continue;
    const dims = scope.dims(tensor);
    const rank = dims?.length;
    const elem = scope.elemType(tensor) ?? index.valueInfo.get(tensor)?.type?.tensorType?.elemType;
    const count = dims ? product(dims) : undefined;
    const dimsOrShape = (): readonly number[] | ShapeSlot => {
      if (count !== undefined) return dims as number[];
      const shape = fresh(`${tensor}/zeropoint_shape`);
      nodes.push({ opType: 'Shape', input: [tensor], output: [shape], name: shape, attribute: [] });
      if (rank === undefined) {
        outputs.push(shape);
        return { shape };
      }
      shapes.push(shape);
      shapesSize += rank;
      return { shape: shapesOut, offset: shapesSize - rank, rank };
    };
    if (elem !== undefined && elem !== DataType.FLOAT) {
      notFloat.push(tensor);
      continue;
    }
    if (rank === undefined || rank === 0 || elem !== DataType.FLOAT) {
      // The straightforward form: scalars out, one output each.
      const zero = intAttr('keepdims', 0);
      const max = fresh(`${tensor}/zeropoint_max`);
      const min = fresh(`${tensor}/zeropoint_min`);
      nodes.push({ opType: 'ReduceMax', input: [tensor], output: [max], name: max, attribute: [zero] });
      nodes.push({ opType: 'ReduceMin', input: [tensor], output: [min], name: min, attribute: [zero] });
      outputs.push(max, min);
      readings.push({ kind: 'reduced', tensor, max: { output: max, index: 0 }, min: { output: min, index: 0 }, dims: dimsOrShape() });
      continue;
    }
    if (nonNegative.has(tensor) && rank >= 3 && count !== undefined && dims![0] === 1 && !sources.has(tensor)) {
      // Per-channel maxima, every such tensor's of one rank in one output: the host takes the max of
      // each tensor's channels (a ReduceMax each, and the reorder out of NCHWc layout before it, cost
      // about 5 µs apiece in onnxruntime-node's profile).
      const pooled = fresh(`${tensor}/zeropoint_channel_max`);
      nodes.push({ opType: 'GlobalMaxPool', input: [tensor], output: [pooled], name: pooled, attribute: [] });
      const list = channelPacks.get(rank) ?? { inputs: [], size: 0 };
      channelPacks.set(rank, list);
      list.inputs.push(pooled);
      const channels = dims![1] as number;
      list.size += channels;
      channelReadings.push({ tensor, rank, index: list.size - channels, count: channels, dims: dims as number[] });
      continue;
    }
    const max = fresh(`${tensor}/zeropoint_max`);
    if (nonNegative.has(tensor) && rank >= 3) {
      // Per-channel max first: GlobalMaxPool stays in onnxruntime's NCHWc layout.
      const pooled = fresh(`${tensor}/zeropoint_channel_max`);
      nodes.push({ opType: 'GlobalMaxPool', input: [tensor], output: [pooled], name: pooled, attribute: [] });
      nodes.push({ opType: 'ReduceMax', input: [pooled], output: [max], name: max, attribute: [keep] });
    } else nodes.push({ opType: 'ReduceMax', input: [tensor], output: [max], name: max, attribute: [keep] });
    const entry: (typeof packed)[number] = { tensor, rank, max: pack(rank, max), dims: dimsOrShape() };
    if (!nonNegative.has(tensor)) {
      const min = fresh(`${tensor}/zeropoint_min`);
      nodes.push({ opType: 'ReduceMin', input: [tensor], output: [min], name: min, attribute: [keep] });
      entry.min = pack(rank, min);
    }
    packed.push(entry);
  }
  // Every reduced value of one rank, in one vector: [k, 1, ..., 1].
  const vectors = new Map<number, string[]>();
  for (const [rank, list] of packs) {
    const out = fresh(`zeropoint_reduced_rank${rank}`);
    nodes.push({ opType: 'Concat', input: list.inputs, output: [out], name: out, attribute: [intAttr('axis', 0)] });
    vectors.set(rank, [out]);
  }
  // Derived tensors, in graph order. A derivation's node copy runs on the whole vector holding its
  // source's extremes, once per distinct node (op, attributes, constants) and vector, so the extra
  // nodes are a few per op kind, however many tensors derive; f of the other values is not read.
  const at = new Map<string, { rank: number; vector: number; lo?: number; hi: number }>();
  for (const p of packed) at.set(p.tensor, { rank: p.rank, vector: 0, lo: p.min, hi: p.max });
  const applied = new Map<string, number>();
  /** Unobserved links: the read tensor their chain starts from and the ops so far. */
  const links = new Map<string, { source: string; ops: string[] }>();
  const derivedAt: { d: Derivation; source: string; ops: string[]; rank: number; vector: number; lo?: number; hi: number }[] = [];
  for (const d of derived) {
    const src = at.get(d.source)!;
    const list = vectors.get(src.rank)!;
    const key = `${src.rank}|${src.vector}|${nodeSignature(d.node, d.monotone.input)}`;
    let vector = applied.get(key);
    if (vector === undefined) {
      const out = fresh(`${d.tensor}/zeropoint_extremes`);
      nodes.push({ ...d.node, name: out, input: d.node.input.map((v, i) => (i === d.monotone.input ? list[src.vector] : v)), output: [out] });
      vector = list.push(out) - 1;
      applied.set(key, vector);
    }
    const where = { rank: src.rank, vector, ...(d.maxOnly ? {} : { lo: src.lo }), hi: src.hi };
    at.set(d.tensor, where);
    const link = links.get(d.source);
    const chain = { source: link?.source ?? d.source, ops: [...(link?.ops ?? []), d.node.opType ?? ''] };
    if (d.observed) derivedAt.push({ d, ...chain, ...where });
    else links.set(d.tensor, chain);
  }
  // One output per rank: the reduced vector, then the derived ones.
  const packOutput = new Map<number, string>();
  for (const [rank, list] of vectors) {
    let out = list[0];
    if (list.length > 1) {
      out = fresh(`zeropoint_minmax_rank${rank}`);
      nodes.push({ opType: 'Concat', input: list, output: [out], name: out, attribute: [intAttr('axis', 0)] });
    }
    outputs.push(out);
    packOutput.set(rank, out);
  }
  const slot = (rank: number, vector: number, index: number): ReadingSlot => ({ output: packOutput.get(rank)!, index: vector * packs.get(rank)!.size + index });
  for (const p of packed) {
    readings.push({ kind: 'reduced', tensor: p.tensor, max: slot(p.rank, 0, p.max), ...(p.min === undefined ? {} : { min: slot(p.rank, 0, p.min) }), dims: p.dims });
  }
  for (const { d, source, ops, rank, vector, lo, hi } of derivedAt) {
    readings.push({ kind: 'derived', tensor: d.tensor, source, ops, hi: slot(rank, vector, hi), ...(lo === undefined ? {} : { lo: slot(rank, vector, lo) }) });
  }
  for (const [rank, list] of channelPacks) {
    const out = fresh(`zeropoint_channel_max_rank${rank}`);
    nodes.push({ opType: 'Concat', input: list.inputs, output: [out], name: out, attribute: [intAttr('axis', 1)] });
    outputs.push(out);
    for (const c of channelReadings) if (c.rank === rank) readings.push({ kind: 'reduced', tensor: c.tensor, max: { output: out, index: c.index, count: c.count }, dims: c.dims });
  }
  if (shapes.length) {
    nodes.push({ opType: 'Concat', input: shapes, output: [shapesOut], name: shapesOut, attribute: [intAttr('axis', 0)] });
    outputs.push(shapesOut);
  }
  return {
    model: { ...model, graph: { ...graph, node: [...graph.node, ...nodes], output: [...graph.output, ...outputs.map((name) => ({ name }))] } },
    notFloat,
    readings: [...readings, ...concats],
    inputs: graph.input.flatMap((i) => (i.name && observed.has(i.name) ? [i.name] : [])),
  };
}
