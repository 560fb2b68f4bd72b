/**
 * Opset upgrade for the default ONNX domain ('' / 'ai.onnx'), like onnx's version_converter but in
 * TypeScript and stricter: a node whose meaning changes between the model's opset and the target is
 * rewritten (attributes moved to inputs, ops replaced, helper nodes inserted) or the upgrade throws
 * ZeropointError('opset-upgrade') naming the node, the op and why. Nothing is ever "just renumbered"
 * when the op's contract changed.
 *
 * Per-channel QDQ needs opset >= 13; the quantizer calls `upgradeOpset(model, 13)` (or up to 21).
 *
 * How it works. A light shape/type/constant inference runs over each graph first (value_info, graph
 * inputs/outputs, initializers, Constant nodes, then per-op rules), with the *source* opset's
 * semantics. Then each default-domain node walks through the adapters registered for its op at the
 * versions v with from < v <= target, in increasing order (an adapter may replace the op, e.g.
 * Upsample -> Resize at 10, and the new op's later adapters then apply: Resize 10 -> 11). Nodes
 * inside If/Loop/Scan bodies are converted the same way (recursively). The input model is not
 * mutated: graphs are shallow-cloned, changed nodes are new objects, initializer bytes are shared.
 *
 * Ops not listed below keep working under the new number (their changes between 1 and 21 only add
 * types, attributes with the old behaviour as default, or negative axes). Ops outside the default
 * domain are never touched. Opset 22+ targets are refused (not verified yet).
 *
 * | op                                   | version: what changed                                   | what upgradeOpset does                                                                 |
 * |--------------------------------------|---------------------------------------------------------|----------------------------------------------------------------------------------------|
 * | Abs Ceil Elu Exp Floor HardSigmoid   | 6: legacy `consumed_inputs` attribute removed           | drop `consumed_inputs`                                                                  |
 * |  InstanceNormalization LeakyRelu Log |                                                         |                                                                                        |
 * |  Neg Reciprocal Relu Selu Sigmoid    |                                                         |                                                                                        |
 * |  Sqrt Tanh Max Min Mean Sum          | Max/Min/Mean/Sum 8: numpy broadcasting (superset)       | compatible                                                                              |
 * | Add Sub Mul Div Pow And Or Xor       | 6: consumed_inputs removed; 7: `broadcast`/`axis`       | drop the attributes; with broadcast=1 and an `axis` that is not suffix-aligned, B gets |
 * |  Equal Greater Less                  |  attributes removed, numpy (suffix) broadcasting        |  trailing 1-dims (new reshaped initializer sharing the bytes, or an Unsqueeze); throws |
 * |                                      |                                                         |  when the ranks needed for that are unknown                                           |
 * | Gemm                                 | 7: `broadcast` removed (C always broadcasts); 11: C opt. | drop `broadcast`                                                                       |
 * | PRelu                                | 7: slope broadcasts unidirectionally (numpy)            | kept when slope has one value or X's rank; otherwise throws (ambiguous legacy layout)   |
 * | BatchNormalization                   | 6: consumed_inputs; 7: `is_test` removed; 9: `spatial`  | drop them (spatial=0 only when X is at most 2-D, else throw); from 14 the extra outputs |
 * |                                      |  removed; 14: training_mode, outputs 2-5 training-only   |  (mean/var/saved_*) are removed when unused, throw when a node reads them              |
 * | Dropout                              | 6, 7 (is_test removed), 10 (mask is bool), 12 (ratio and | removed at the first change crossed (an inference no-op): consumers read its input;    |
 * |                                      |  training_mode become inputs), 13                       |  an Identity when its output is a graph output; throws when the mask output is used    |
 * | Clip                                 | 6: consumed_inputs; 11: `min`/`max` attributes -> inputs | scalar initializers of X's element type                                                |
 * | Pad                                  | 2: `paddings` renamed `pads`; 11: `pads` -> int64 input, | rename; int64 `pads` initializer, `constant_value` scalar initializer of X's type when  |
 * |                                      |  `value` -> constant_value input; 18 axes; 19 wrap      |  value != 0; mode kept; 18/19/21 compatible                                            |
 * | Slice                                | 10: starts/ends/axes attributes -> inputs (+ steps)     | int64 initializers (INT64 sentinels kept); 11/13 compatible                             |
 * | TopK                                 | 10: `k` attribute -> input; 11: largest/sorted (same dflt)| int64 [1] initializer                                                                  |
 * | Reshape                              | 5: `shape` attribute -> input; 14: allowzero (dflt 0)   | int64 initializer                                                                      |
 * | Concat                               | 4: `axis` required (was default 1)                      | set axis=1 when absent                                                                 |
 * | Split                                | 2: split as 2nd input removed; 13: `split` -> input;    | constant 2nd input -> attribute; int64 `split` initializer; `num_outputs` = number of   |
 * |                                      |  18: num_outputs required when split is absent          |  outputs when there is no split input                                                  |
 * | Squeeze Unsqueeze                    | 13: `axes` attribute -> input                           | int64 initializer (Squeeze without axes stays "squeeze all 1s")                         |
 * | ReduceSum                            | 13: `axes` attribute -> input (noop_with_empty_axes)    | int64 initializer when axes were given (absent = reduce all, same as before)           |
 * | ReduceMean ReduceMax ReduceMin       | 18: `axes` attribute -> input                           | same                                                                                   |
 * |  ReduceProd ReduceL1 ReduceL2        |                                                         |                                                                                        |
 * |  ReduceLogSum ReduceLogSumExp        |                                                         |                                                                                        |
 * |  ReduceSumSquare                     |                                                         |                                                                                        |
 * | Softmax LogSoftmax Hardmax           | 13: was "coerce to 2-D at axis (default 1)", now one    | axis = the one non-1 dim of [axis..] when shapes say so (last dim -> -1); otherwise    |
 * |                                      |  axis (default -1)                                      |  Shape + Flatten(axis) + op(axis=-1) + Reshape(back) like onnx's converter             |
 * | Upsample                             | 7: height/width_scale -> `scales`, bilinear -> linear;  | converted step by step to Resize; Resize 10 -> 11 sets coordinate_transformation_mode |
 * |                                      |  9: scales attribute -> input; 10: deprecated -> Resize |  'asymmetric' (+ nearest_mode 'floor', Upsample scales are >= 1) - what the old ops    |
 * |                                      |                                                         |  computed; onnx's converter leaves half_pixel, which changes results                   |
 * | Resize                               | 11: roi input, coordinate_transformation_mode (default  | roi = '' (>= 13) or an empty tensor, asymmetric; nearest_mode 'floor' when all scales  |
 * |                                      |  half_pixel), nearest_mode (default round_prefer_floor) |  >= 1, 'ceil' when all <= 1 (onnxruntime's old rule), throws when unknown or mixed;    |
 * |                                      | 13: roi/scales optional (a named scales counts as       | 13: a 0-element roi / scales (next to sizes) -> '' and trailing '' dropped;            |
 * |                                      |  given), tf_half_pixel_for_nn removed                   |  tf_half_pixel_for_nn -> half_pixel with nearest_mode floor -> round_prefer_ceil,      |
 * |                                      |                                                         |  round_prefer_floor -> ceil (same pixels), otherwise throws; 18/19 compatible          |
 * | Cast                                 | 6: `to` was a string                                    | string -> DataType number; 9/13/19/21 compatible                                       |
 * | Scatter                              | 11: deprecated -> ScatterElements (same contract)       | op renamed                                                                             |
 * | Tile                                 | 6: (input, tiles, axis) -> (input, repeats)             | repeats initializer when tiles/axis are constants and the rank is known, else throws   |
 * | LpPool GlobalLpPool                  | 2: `p` float -> int; LpPool 18: ceil_mode (dflt 0)      | p as int (throws when not integral)                                                     |
 * | ImageScaler Affine (experimental)    | 10: removed from the spec                               | Mul(scale) + Add(bias as [1,C,1,1]); Affine Mul(alpha) + Add(beta) (trivial steps left |
 * |                                      |                                                         |  out; none -> Identity)                                                                |
 * | Crop (experimental)                  | 10: removed                                             | Slice on axes [2,3]: starts [top,left], ends [-bottom,-right] or [top+h,left+w]        |
 * | ScaledTanh ParametricSoftplus        | 10: removed                                             | Mul(beta) + Tanh / Softplus + Mul(alpha)                                               |
 * | GivenTensorFill ConstantFill         | 10: removed                                             | throws                                                                                 |
 * | GRU LSTM RNN                         | 7: `output_sequence` removed; 14: layout (dflt 0)       | drop output_sequence                                                                   |
 * | Scan                                 | 9: batch axis removed, scan axes attributes             | throws                                                                                 |
 * | RoiAlign                             | 16: coordinate_transformation_mode (dflt half_pixel)    | set 'output_half_pixel' (the old behaviour) when absent                                 |
 * | GridSample                           | 20: modes renamed, N-D                                  | bilinear -> linear, bicubic -> cubic                                                   |
 * | GroupNormalization                   | 21: scale/bias per channel instead of per group         | scale/bias initializers repeated C/G times (C from shapes), else throws                 |
 * | DFT                                  | 20: `axis` attribute -> input, default 1 -> -2          | int64 axis initializer (the old value, default 1)                                       |
 * | If Loop                              | 11/13/16/19/21: types, optional outputs                 | compatible; bodies converted recursively                                               |
 * | Conv ConvTranspose MaxPool           | 8/10/11/12/19: dilations, ceil_mode, storage_order,     | compatible                                                                              |
 * |  AveragePool Flatten Gather Expand   |  count_include_pad, negative axes, more types, Indices   |                                                                                        |
 * |  Transpose Shape Identity Constant   |  output, Shape start/end, Reshape allowzero, ...         |                                                                                        |
 * |  ConstantOfShape MatMul DepthToSpace |                                                         |                                                                                        |
 * |  ScatterElements ScatterND ArgMax    |                                                         |                                                                                        |
 * |  Quantize/DequantizeLinear LRN ...   |                                                         |                                                                                        |
 *
 * The model's IR version is raised to what the target opset needs (onnx.helper VERSION_TABLE:
 * opset <= 8 -> 3, 9 -> 4, 10 -> 5, 11 -> 6, 12-14 -> 7, 15-18 -> 8, 19-20 -> 9, 21-22 -> 10).
 * When the IR version stays below 4 (targets <= 8), new initializers are also listed as graph inputs,
 * as IR 3 requires.
 *
 * Layout. This file is the public module and the driver (`upgradeOpset`, the graph walk, renames).
 * ./opset/infer.ts holds the shape/type/constant inference; ./opset/common.ts the machinery every
 * adapter shares (`Work`, `NodeContext`, tensor builders); one file per op family holds the adapters
 * (math, activation, normalization, shape, resize, nn, experimental); ./opset/adapters.ts registers
 * them in the table this driver walks. Nothing under ./opset imports this file.
 */
import { ZeropointError } from '../errors';
import { ADAPTERS } from './opset/adapters';
import { NodeContext, nodeLabel, type GraphState, type UpgradeState, type Work } from './opset/common';
import { inferNode, isDefaultDomain, Scope, seedScope } from './opset/infer';
import type { Attribute, Graph, Model, Node, TensorProto, ValueInfo } from './types';

export const MAX_TARGET_OPSET = 21;

export interface OpsetChange {
  /** The node's name, or its first output's name when it has none. */
  readonly node: string;
  /** The op type in the source model. */
  readonly opType: string;
  /** What was done, one clause per change crossed, joined by '; '. */
  readonly change: string;
}

export interface OpsetUpgrade {
  readonly model: Model;
  readonly converted: OpsetChange[];
  readonly from: number;
  readonly to: number;
}

/** The lowest IR version a model importing ai.onnx `opset` must declare (onnx.helper VERSION_TABLE). */
export function minIrVersion(opset: number): number {
  if (opset <= 8) return 3;
  if (opset === 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

/** The model's ai.onnx opset version, or undefined when it imports none. */
export function defaultDomainOpset(model: Model): number | undefined {
  let v: number | undefined;
  for (const o of model.opsetImport) if (isDefaultDomain(o.domain) && o.version !== undefined) v = Math.max(v ?? 0, o.version);
  return v;
}

/** The ops whose contract changes at some version, with those versions (for callers and docs). */
export function opsetChangePoints(): Record<string, number[]> {
  return Object.fromEntries(
    Object.entries(ADAPTERS).map(([op, byV]) => [
      op,
      Object.keys(byV)
        .map(Number)
        .sort((a, b) => a - b),
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// Graph walk
// ---------------------------------------------------------------------------------------------

function collectNames(g: Graph, names: Set<string>, used: Set<string>, outputs?: Set<string>): void {
  for (const t of g.initializer) if (t.name) names.add(t.name);
  for (const v of [...g.input, ...g.output, ...g.valueInfo]) if (v.name) names.add(v.name);
  for (const v of g.output) {
    if (!v.name) continue;
    used.add(v.name);
    outputs?.add(v.name);
  }
  for (const n of g.node) {
    if (n.name) names.add(n.name);
    for (const i of n.input) {
      if (!i) continue;
      names.add(i);
      used.add(i);
    }
    for (const o of n.output) if (o) names.add(o);
    for (const a of n.attribute) {
      if (a.g) collectNames(a.g, names, used, outputs);
      for (const sg of a.graphs) collectNames(sg, names, used, outputs);
    }
  }
}

class Upgrader implements UpgradeState {
  readonly names = new Set<string>();
  readonly used = new Set<string>();
  readonly graphOutputs = new Set<string>();
  readonly renames = new Map<string, string>();
  readonly removed = new Set<string>();
  readonly converted: OpsetChange[] = [];
  /** Initializers created in graphs whose model stays below IR 4 need graph inputs too. */
  irBelow4 = false;
  /** The source model is IR < 4, where every initializer is also a graph input (still a weight). */
  legacyInitInputs = false;

  constructor(
    readonly from: number,
    readonly target: number,
  ) {}

  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_');
    let name = clean;
    for (let i = 1; this.names.has(name); i++) name = `${clean}_${i}`;
    this.names.add(name);
    return name;
  }

  resolve(name: string): string {
    let n = name;
    for (let i = 0; i < 1000 && this.renames.has(n); i++) n = this.renames.get(n)!;
    return n;
  }
}

class GraphConverter implements GraphState {
  readonly scope: Scope;
  readonly newInits: TensorProto[] = [];
  /** Initializers a conversion replaced by a new one: removed when nothing reads them any more. */
  readonly replacedInits = new Set<string>();
  private readonly own: Set<string>;
  private readonly isMain: boolean;

  constructor(
    readonly up: Upgrader,
    readonly graph: Graph,
    parent?: Scope,
  ) {
    this.isMain = parent === undefined;
    this.scope = new Scope(parent);
    seedScope(this.scope, graph);
    this.own = new Set(graph.initializer.map((t) => t.name ?? ''));
    for (const n of graph.node) inferNode(n, this.scope, up.from);
  }

  /** An initializer of this graph that no caller overrides (IR < 4 lists every weight as an input too). */
  constantInit(name: string): TensorProto | undefined {
    const t = this.scope.inits.get(name);
    if (!t || !this.own.has(name)) return undefined;
    if (this.scope.graphInputs.has(name) && !this.up.legacyInitInputs) return undefined;
    return t;
  }

  convert(): Graph {
    const nodes: Node[] = [];
    let changed = false;
    for (const original of this.graph.node) {
      const out = this.convertNode(original);
      if (out.length !== 1 || out[0] !== original) changed = true;
      nodes.push(...out);
    }
    if (!changed && !this.newInits.length) return this.graph;
    let kept = this.graph.initializer;
    if (this.replacedInits.size) {
      // Unused now, unless another node (here or in a subgraph), a graph output or an IR < 4 graph input refers to it.
      const reads = new Set<string>(this.graph.output.map((o) => o.name ?? ''));
      for (const v of this.graph.input) reads.add(v.name ?? '');
      collectNames({ ...this.graph, node: nodes, initializer: [] }, new Set(), reads);
      kept = kept.filter((t) => !this.replacedInits.has(t.name ?? '') || reads.has(t.name ?? ''));
    }
    const g: Graph = { ...this.graph, node: nodes, initializer: [...kept, ...this.newInits] };
    if (this.isMain && this.up.irBelow4 && this.newInits.length) {
      g.input = [...this.graph.input, ...this.newInits.map((t): ValueInfo => ({ name: t.name, type: { tensorType: { elemType: t.dataType, shape: { dim: t.dims.map((d) => ({ dimValue: d })) } } } }))];
    }
    return g;
  }

  private convertNode(original: Node): Node[] {
    // Subgraphs first (their nodes see this graph's facts as outer scope).
    let node = original;
    const attrs = original.attribute.map((a) => this.convertAttrGraphs(a));
    if (attrs.some((a, i) => a !== original.attribute[i])) node = { ...original, attribute: attrs };

    if (!isDefaultDomain(original.domain)) return [node];
    if (!ADAPTERS[original.opType ?? '']) return [node];

    const w: Work = { node: { ...node, input: [...node.input], output: [...node.output], attribute: [...node.attribute] }, before: [], after: [], changes: [], dropped: false, upsampleOrigin: false, version: this.up.from };
    const ctx = new NodeContext(this.up, this, original, this.up.from);
    for (;;) {
      const table = ADAPTERS[w.node.opType ?? ''];
      if (!table || w.dropped) break;
      const next = Object.keys(table)
        .map(Number)
        .filter((v) => v > w.version && v <= this.up.target)
        .sort((a, b) => a - b)[0];
      if (next === undefined) break;
      ctx.v = next;
      table[next](w, ctx);
      w.version = next;
    }
    if (!w.changes.length && !w.dropped && !w.before.length && !w.after.length) return [node];
    this.up.converted.push({ node: nodeLabel(original), opType: original.opType ?? '', change: w.changes.join('; ') });
    return [...w.before, ...(w.dropped ? [] : [w.node]), ...w.after];
  }

  private convertAttrGraphs(a: Attribute): Attribute {
    if (!a.g && !a.graphs.length) return a;
    const g = a.g ? new GraphConverter(this.up, a.g, this.scope).convert() : undefined;
    const graphs = a.graphs.map((sg) => new GraphConverter(this.up, sg, this.scope).convert());
    if (g === a.g && graphs.every((sg, i) => sg === a.graphs[i])) return a;
    return { ...a, g, graphs };
  }
}

/** Applies Dropout renames to every node input (recursively) and drops value_info of removed names. */
function applyRenames(g: Graph, up: Upgrader): Graph {
  let changed = false;
  const nodes = g.node.map((n) => {
    let input = n.input;
    if (n.input.some((i) => up.renames.has(i))) input = n.input.map((i) => (i ? up.resolve(i) : i));
    let attribute = n.attribute;
    if (n.attribute.some((a) => a.g || a.graphs.length)) {
      attribute = n.attribute.map((a) => {
        if (!a.g && !a.graphs.length) return a;
        const sg = a.g ? applyRenames(a.g, up) : undefined;
        const sgs = a.graphs.map((x) => applyRenames(x, up));
        return sg === a.g && sgs.every((x, i) => x === a.graphs[i]) ? a : { ...a, g: sg, graphs: sgs };
      });
      if (attribute.every((a, i) => a === n.attribute[i])) attribute = n.attribute;
    }
    if (input === n.input && attribute === n.attribute) return n;
    changed = true;
    return { ...n, input, attribute };
  });
  const valueInfo = g.valueInfo.filter((v) => !up.removed.has(v.name ?? ''));
  if (!changed && valueInfo.length === g.valueInfo.length) return g;
  return { ...g, node: nodes, valueInfo };
}

/**
 * Upgrades the model's ai.onnx opset to `target` (at most 21), converting every node whose contract
 * changes on the way, or throwing ZeropointError('opset-upgrade') naming the node that cannot be
 * converted safely. The input model is not modified.
 */
export function upgradeOpset(model: Model, target: number): OpsetUpgrade {
  const from = defaultDomainOpset(model);
  if (!Number.isInteger(target) || target < 1) throw new ZeropointError('opset-upgrade', `Target opset '${target}' is not a positive integer.`);
  if (target > MAX_TARGET_OPSET) throw new ZeropointError('opset-upgrade', `Cannot upgrade to opset ${target}: Zeropoint converts up to opset ${MAX_TARGET_OPSET}. Choose a target between 13 and ${MAX_TARGET_OPSET}.`);
  if (from === undefined) throw new ZeropointError('opset-upgrade', "The model imports no ai.onnx opset, so its operators' versions are unknown. Re-export the model with a declared opset.");
  if (target < from) throw new ZeropointError('opset-upgrade', `Cannot downgrade the model from opset ${from} to ${target}. Choose a target of at least ${from}.`);
  if (!model.graph) throw new ZeropointError('opset-upgrade', 'The model has no graph.');
  const irVersion = Math.max(model.irVersion ?? 0, minIrVersion(target));
  if (target === from) {
    return { model: irVersion === model.irVersion ? model : { ...model, irVersion }, converted: [], from, to: target };
  }

  const up = new Upgrader(from, target);
  up.irBelow4 = irVersion < 4;
  up.legacyInitInputs = (model.irVersion ?? 0) < 4;
  collectNames(model.graph, up.names, up.used, up.graphOutputs);
  let graph = new GraphConverter(up, model.graph).convert();
  if (up.renames.size || up.removed.size) graph = applyRenames(graph, up);

  const opsetImport = model.opsetImport.map((o) => (isDefaultDomain(o.domain) ? { ...o, version: target } : o));
  return { model: { ...model, irVersion, opsetImport, graph }, converted: up.converted, from, to: target };
}
