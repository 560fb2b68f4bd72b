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
 *                                       +--> ReduceMin(keepdims 1) --+--> Concat(axis 0) --> zeropoint_minmax_r4 (one output per rank)
 *   R = Relu(...) --> <consumers>       R --> GlobalMaxPool --> ReduceMax(keepdims 1) --+
 *   S = Sigmoid(T) --> <consumers>      S --> <consumers>   (no reduction: derived from T's)
 *                                       [T's min, T's max] --> Sigmoid' --------------------+ (2 slots)
 *
 *  - readings of every tensor of one rank go out packed in ONE output ([k, 1, 1, 1] for rank 4);
 *  - a tensor whose values can never be negative (the output of Relu, Sigmoid, Softmax, Clip with a
 *    min >= 0, ... and of pass-through ops over such a tensor) gets no ReduceMin: every range includes
 *    0, so its min only ever contributes 0 (ranges.ts: minmax = [min(observedMin, 0), max(observedMax, 0)],
 *    moving-average likewise, per batch), and its max comes from a GlobalMaxPool, which onnxruntime
 *    runs in NCHWc layout without reordering the tensor; the min is recorded as 0 with `minImplied`;
 *  - a tensor y = f(x), f elementwise and monotone in x (Relu, Clip, Sigmoid, Add/Mul/Div of a scalar
 *    constant, ...; minmax-derive.ts), with x read too, is not reduced: a copy of f's node runs on x's
 *    two reduced extremes (through unobserved links too: Clip(x + 3, 0, 6) with x + 3 not observed)
 *    and the host takes min and max of the two values. Reducing y would give it
 *    a second consumer and stop onnxruntime's fusions (x * Sigmoid(x) into QuickGelu) and blocked
 *    layout around it;
 *  - a Concat output whose inputs are all observed is not reduced at all: its batch min and max are
 *    the min and max of its inputs' and its count their sum;
 *  - no Shape nodes: element counts come from a shape inference seeded with the real input dims, and
 *    only a tensor whose count that cannot tell keeps a Shape output.
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

/** Where one reduced value comes out: an output and the index into its data. */
export interface ReadingSlot {
  readonly output: string;
  readonly index: number;
}

export type MinMaxReading =
  | {
      readonly kind: 'reduced';
      readonly tensor: string;
      readonly max: ReadingSlot;
      /** Absent when the tensor's values can never be negative (its min is recorded as 0, implied). */
      readonly min?: ReadingSlot;
      /** The tensor's dims when inference knows them all, else the output of a Shape node. */
      readonly dims: readonly number[] | { readonly shape: string };
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
  /** One per observed tensor (float graph inputs included): reduced, then derived (sources first), then Concats (parts first). */
  readonly readings: readonly MinMaxReading[];
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

function inferScope(model: Model, inputDims: MinMaxGraphOptions['inputDims']): Scope {
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
  /** Per rank, the packed output's inputs and how many values they hold along axis 0. */
  const packs = new Map<number, { inputs: string[]; size: number }>();
  /** Appends an input holding `size` values to its rank's pack; returns the index of its first. */
  const pack = (rank: number, input: string, size: number): number => {
    const list = packs.get(rank) ?? { inputs: [], size: 0 };
    packs.set(rank, list);
    list.inputs.push(input);
    list.size += size;
    return list.size - size;
  };
  const packed: { tensor: string; rank: number; max: number; min?: number; dims: readonly number[] | { shape: string } }[] = [];
  const readings: MinMaxReading[] = [];

  const concats = impliedConcats(model, [...observed]);
  const implied = new Set(concats.map((c) => c.tensor));
  const packable = (t: string): boolean => {
    const rank = scope.rank(t);
    return observed.has(t) && !implied.has(t) && rank !== undefined && rank > 0 && (scope.elemType(t) ?? index.valueInfo.get(t)?.type?.tensorType?.elemType) === DataType.FLOAT;
  };
  const derived = derivations(graph.node, scope, observed, (t) => (packable(t) ? (nonNegative.has(t) ? 'max' : 'both') : undefined));
  const isDerived = new Set(derived.filter((d) => d.observed).map((d) => d.tensor));
  /** The [1, ..., 1] reductions of each packed tensor, for the derivations. */
  const ends = new Map<string, { max: string; min?: string }>();

  for (const tensor of observed) {
    if (implied.has(tensor) || isDerived.has(tensor)) continue;
    const dims = scope.dims(tensor);
    const rank = dims?.length;
    const elem = scope.elemType(tensor) ?? index.valueInfo.get(tensor)?.type?.tensorType?.elemType;
    const count = dims ? product(dims) : undefined;
    const dimsOrShape = (): readonly number[] | { shape: string } => {
      if (count !== undefined) return dims as number[];
      const shape = fresh(`${tensor}/zeropoint_shape`);
      nodes.push({ opType: 'Shape', input: [tensor], output: [shape], name: shape, attribute: [] });
      outputs.push(shape);
      return { shape };
    };
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
    const max = fresh(`${tensor}/zeropoint_max`);
    if (nonNegative.has(tensor) && rank >= 3) {
      // Per-channel max first: GlobalMaxPool stays in onnxruntime's NCHWc layout.
      const pooled = fresh(`${tensor}/zeropoint_channel_max`);
      nodes.push({ opType: 'GlobalMaxPool', input: [tensor], output: [pooled], name: pooled, attribute: [] });
      nodes.push({ opType: 'ReduceMax', input: [pooled], output: [max], name: max, attribute: [keep] });
    } else nodes.push({ opType: 'ReduceMax', input: [tensor], output: [max], name: max, attribute: [keep] });
    const entry: (typeof packed)[number] = { tensor, rank, max: pack(rank, max, 1), dims: dimsOrShape() };
    ends.set(tensor, { max });
    if (!nonNegative.has(tensor)) {
      const min = fresh(`${tensor}/zeropoint_min`);
      nodes.push({ opType: 'ReduceMin', input: [tensor], output: [min], name: min, attribute: [keep] });
      entry.min = pack(rank, min, 1);
      ends.set(tensor, { max, min });
    }
    packed.push(entry);
  }
  // Derived tensors, in graph order: the node's copy on its source's extremes ([min, max] or [max]).
  const extremes = new Map<string, string>();
  const sourceExtremes = (d: Derivation): string => {
    const known = extremes.get(d.source);
    if (known) return known;
    const end = ends.get(d.source)!;
    if (d.maxOnly) return end.max;
    const pair = fresh(`${d.source}/zeropoint_extremes`);
    nodes.push({ opType: 'Concat', input: [end.min!, end.max], output: [pair], name: pair, attribute: [intAttr('axis', 0)] });
    extremes.set(d.source, pair);
    return pair;
  };
  const derivedSlots: { d: Derivation; source: string; ops: string[]; rank: number; index: number }[] = [];
  /** Unobserved links: the read tensor their chain starts from and the ops so far. */
  const links = new Map<string, { source: string; ops: string[] }>();
  for (const d of derived) {
    const input = sourceExtremes(d);
    const out = fresh(`${d.tensor}/zeropoint_extremes`);
    nodes.push({ ...d.node, name: out, input: d.node.input.map((v, i) => (i === d.monotone.input ? input : v)), output: [out] });
    extremes.set(d.tensor, out);
    const link = links.get(d.source);
    const chain = { source: link?.source ?? d.source, ops: [...(link?.ops ?? []), d.node.opType ?? ''] };
    if (!d.observed) {
      links.set(d.tensor, chain);
      continue;
    }
    const rank = scope.rank(d.tensor)!;
    derivedSlots.push({ d, ...chain, rank, index: pack(rank, out, d.maxOnly ? 1 : 2) });
  }
  const packOutput = new Map<number, string>();
  for (const [rank, list] of packs) {
    const out = fresh(`zeropoint_minmax_rank${rank}`);
    nodes.push({ opType: 'Concat', input: list.inputs, output: [out], name: out, attribute: [intAttr('axis', 0)] });
    outputs.push(out);
    packOutput.set(rank, out);
  }
  for (const p of packed) {
    const output = packOutput.get(p.rank)!;
    readings.push({ kind: 'reduced', tensor: p.tensor, max: { output, index: p.max }, ...(p.min === undefined ? {} : { min: { output, index: p.min } }), dims: p.dims });
  }
  for (const { d, source, ops, rank, index } of derivedSlots) {
    const output = packOutput.get(rank)!;
    readings.push({ kind: 'derived', tensor: d.tensor, source, ops, ...(d.maxOnly ? { hi: { output, index } } : { lo: { output, index }, hi: { output, index: index + 1 } }) });
  }
  return {
    model: { ...model, graph: { ...graph, node: [...graph.node, ...nodes], output: [...graph.output, ...outputs.map((name) => ({ name }))] } },
    readings: [...readings, ...concats],
    inputs: graph.input.flatMap((i) => (i.name && observed.has(i.name) ? [i.name] : [])),
  };
}
