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
 * |                                      |  13/18/19: additions with compatible defaults           |  13/18/19 compatible                                                                   |
 * | Cast                                 | 6: `to` was a string                                    | string -> DataType number; 9/13/19/21 compatible                                       |
 * | Scatter                              | 11: deprecated -> ScatterElements (same contract)       | op renamed                                                                             |
 * | Tile                                 | 6: (input, tiles, axis) -> (input, repeats)             | repeats initializer when tiles/axis are constants and the rank is known, else throws   |
 * | LpPool GlobalLpPool                  | 2: `p` float -> int; LpPool 18: ceil_mode (dflt 0)      | p as int (throws when not integral)                                                     |
 * | ImageScaler (experimental)           | 10: removed from the spec                               | Mul(scale) + Add(bias as [1,C,1,1])                                                    |
 * | Affine Crop ParametricSoftplus       | 10: experimental ops removed                            | throws                                                                                 |
 * |  ScaledTanh GivenTensorFill          |                                                         |                                                                                        |
 * |  ConstantFill                        |                                                         |                                                                                        |
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
 */
import { ZeropointError } from '../errors';
import { attr, attrFloat, attrFloats, attrInt, attrInts, attrString, floatsAttr, intAttr, intsAttr, setAttr, stringAttr, withoutAttrs } from './attributes';
import { dataTypeName, floatToHalf, halfToFloat, makeTensor, numel, tensorToArray } from './tensor';
import { AttributeType, DataType, type Attribute, type Graph, type Model, type Node, type TensorProto, type ValueInfo } from './types';

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

const isDefaultDomain = (d: string | undefined): boolean => d === undefined || d === '' || d === 'ai.onnx';

/** The model's ai.onnx opset version, or undefined when it imports none. */
export function defaultDomainOpset(model: Model): number | undefined {
  let v: number | undefined;
  for (const o of model.opsetImport) if (isDefaultDomain(o.domain) && o.version !== undefined) v = Math.max(v ?? 0, o.version);
  return v;
}

// =============================================================================================
// Shape / type / constant facts
// =============================================================================================

type Dims = (number | undefined)[];

interface Fact {
  elemType?: number;
  dims?: Dims;
}

interface ConstVal {
  dataType: number;
  dims: number[];
  values: number[];
}

const SMALL = 4096;
const INT_TYPES = new Set<number>([DataType.INT8, DataType.UINT8, DataType.INT16, DataType.UINT16, DataType.INT32, DataType.INT64, DataType.UINT32, DataType.UINT64, DataType.BOOL]);

function decodeConst(t: TensorProto): ConstVal | undefined {
  if (numel(t.dims) > SMALL || (t.dataLocation === 1 && t.rawData === undefined)) return undefined;
  const dt = t.dataType ?? 0;
  try {
    const a = tensorToArray(t);
    let values: number[];
    if (a instanceof BigInt64Array) values = Array.from(a, (v) => Number(v));
    else if (dt === DataType.FLOAT16) values = Array.from(a as Uint16Array, (h) => halfToFloat(h));
    else if (dt === DataType.BFLOAT16) values = Array.from(a as Uint16Array, (h) => bf16ToFloat(h));
    else values = Array.from(a as ArrayLike<number>);
    return { dataType: dt, dims: [...t.dims], values };
  } catch {
    return undefined;
  }
}

function bf16ToFloat(h: number): number {
  const f = new Float32Array(1);
  new Uint32Array(f.buffer)[0] = h << 16;
  return f[0];
}

function floatToBf16(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  if (Number.isNaN(v)) return 0x7fc0;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

class Scope {
  readonly facts = new Map<string, Fact>();
  readonly consts = new Map<string, ConstVal>();
  readonly inits = new Map<string, TensorProto>();
  readonly graphInputs = new Set<string>();
  private readonly decoded = new Map<string, ConstVal | undefined>();

  constructor(readonly parent?: Scope) {}

  fact(name: string): Fact | undefined {
    return this.facts.get(name) ?? this.parent?.fact(name);
  }

  dims(name: string | undefined): Dims | undefined {
    return name ? this.fact(name)?.dims : undefined;
  }

  rank(name: string | undefined): number | undefined {
    return this.dims(name)?.length;
  }

  elemType(name: string | undefined): number | undefined {
    return name ? this.fact(name)?.elemType : undefined;
  }

  const(name: string | undefined): ConstVal | undefined {
    if (!name) return undefined;
    const c = this.consts.get(name);
    if (c) return c;
    const t = this.inits.get(name);
    if (t) {
      if (!this.decoded.has(name)) this.decoded.set(name, decodeConst(t));
      return this.decoded.get(name);
    }
    return this.parent?.const(name);
  }

  /** Merges an inferred fact into what is known (declared dims win, inference fills the gaps). */
  setFact(name: string, f: Fact): void {
    const old = this.facts.get(name);
    if (!old) {
      this.facts.set(name, { elemType: f.elemType, dims: f.dims ? [...f.dims] : undefined });
      return;
    }
    const elemType = old.elemType || f.elemType;
    let dims = old.dims;
    if (!dims) dims = f.dims ? [...f.dims] : undefined;
    else if (f.dims && f.dims.length === dims.length) dims = dims.map((d, i) => d ?? f.dims![i]);
    this.facts.set(name, { elemType, dims });
  }
}

function valueInfoFact(v: ValueInfo): Fact | undefined {
  const tt = v.type?.tensorType;
  if (!tt) return undefined;
  const dims = tt.shape ? tt.shape.dim.map((d) => (d.dimValue !== undefined && d.dimParam === undefined && d.dimValue >= 0 ? d.dimValue : undefined)) : undefined;
  return { elemType: tt.elemType || undefined, dims };
}

function seedScope(scope: Scope, g: Graph): void {
  for (const t of g.initializer) {
    if (!t.name) continue;
    scope.inits.set(t.name, t);
    scope.facts.set(t.name, { elemType: t.dataType, dims: [...t.dims] });
  }
  for (const v of g.input) if (v.name) scope.graphInputs.add(v.name);
  for (const v of [...g.input, ...g.valueInfo, ...g.output]) {
    if (!v.name || scope.inits.has(v.name)) continue;
    const f = valueInfoFact(v);
    if (f) scope.setFact(v.name, f);
  }
}

const normAxis = (a: number, r: number): number => (a < 0 ? a + r : a);

function broadcastDims(list: (Dims | undefined)[]): Dims | undefined {
  if (list.some((d) => d === undefined)) return undefined;
  const ds = list as Dims[];
  const r = Math.max(0, ...ds.map((d) => d.length));
  const out: Dims = [];
  for (let i = 0; i < r; i++) {
    let v: number | undefined = 1;
    let unknown = false;
    for (const d of ds) {
      const x = d[d.length - r + i];
      if (d.length - r + i < 0) continue;
      if (x === undefined) unknown = true;
      else if (x !== 1) v = x;
    }
    out.push(unknown && v === 1 ? undefined : v);
  }
  return out;
}

function product(d: Dims): number | undefined {
  let p = 1;
  for (const x of d) {
    if (x === undefined) return undefined;
    p *= x;
  }
  return p;
}

/** Integer-valued op inputs given either as attribute (old form) or as a constant input (new form). */
function intsFrom(n: Node, s: Scope, attrName: string, inputIndex: number): number[] | undefined {
  const a = attrInts(n, attrName);
  if (a) return a;
  return s.const(n.input[inputIndex])?.values;
}

function convOut(inDim: number | undefined, k: number | undefined, stride: number, dil: number, pb: number, pe: number, autoPad: string, ceil: boolean): number | undefined {
  if (inDim === undefined) return undefined;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(inDim / stride);
  if (k === undefined) return undefined;
  const dk = (k - 1) * dil + 1;
  const padded = autoPad === 'VALID' ? inDim - dk : inDim + pb + pe - dk;
  return (ceil ? Math.ceil(padded / stride) : Math.floor(padded / stride)) + 1;
}

const UNARY = new Set([
  'Identity', 'Relu', 'Sigmoid', 'Tanh', 'Abs', 'Neg', 'Exp', 'Log', 'Sqrt', 'Elu', 'LeakyRelu', 'Selu', 'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign',
  'Clip', 'Softmax', 'LogSoftmax', 'Hardmax', 'Erf', 'Floor', 'Ceil', 'Round', 'Reciprocal', 'Sign', 'Cos', 'Sin', 'Tan', 'Acos', 'Asin', 'Atan', 'Sinh', 'Cosh',
  'Asinh', 'Acosh', 'Atanh', 'Not', 'Mish', 'Gelu', 'LpNormalization', 'MeanVarianceNormalization', 'CumSum', 'Celu', 'ThresholdedRelu', 'Shrink', 'LRN',
  'InstanceNormalization', 'BatchNormalization', 'LayerNormalization', 'GroupNormalization', 'Dropout', 'ImageScaler', 'Affine', 'ScaledTanh',
  'ParametricSoftplus', 'Trilu', 'PRelu', 'ScatterElements', 'Scatter', 'ScatterND', 'ReverseSequence',
]);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'BitShift', 'Max', 'Min', 'Sum', 'Mean']);
const COMPARE = new Set(['Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'And', 'Or', 'Xor']);
/** Ops whose broadcasting was the legacy "B into A" kind before opset 7. */
const LEGACY_BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'And', 'Or', 'Xor', 'Equal', 'Greater', 'Less']);
const REDUCE = new Set(['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare']);

function castTarget(n: Node): number | undefined {
  const a = attr(n, 'to');
  if (!a) return undefined;
  if (a.type === AttributeType.STRING || (a.i === undefined && a.s !== undefined)) return dataTypeByName(new TextDecoder().decode(a.s));
  return a.i;
}

function dataTypeByName(s: string): number | undefined {
  const k = s.toUpperCase() as keyof typeof DataType;
  return Object.prototype.hasOwnProperty.call(DataType, k) ? DataType[k] : undefined;
}

function constantNodeValue(n: Node): ConstVal | undefined {
  const t = attr(n, 'value')?.t;
  if (t) return decodeConst(t);
  const f = attr(n, 'value_float');
  if (f?.f !== undefined) return { dataType: DataType.FLOAT, dims: [], values: [f.f] };
  const fs = attr(n, 'value_floats');
  if (fs) return { dataType: DataType.FLOAT, dims: [fs.floats.length], values: [...fs.floats] };
  const i = attr(n, 'value_int');
  if (i?.i !== undefined) return { dataType: DataType.INT64, dims: [], values: [i.i] };
  const is = attr(n, 'value_ints');
  if (is) return { dataType: DataType.INT64, dims: [is.ints.length], values: [...is.ints] };
  return undefined;
}

function constantNodeFact(n: Node): Fact | undefined {
  const t = attr(n, 'value')?.t;
  if (t) return { elemType: t.dataType, dims: [...t.dims] };
  const c = constantNodeValue(n);
  return c ? { elemType: c.dataType, dims: c.dims } : undefined;
}

/** Shape/type/constant inference for one node, under the source opset's semantics. Best effort. */
function inferNode(n: Node, s: Scope, opset: number): void {
  if (!isDefaultDomain(n.domain)) return;
  const op = n.opType ?? '';
  const inDims = (i: number): Dims | undefined => s.dims(n.input[i]);
  const inType = (i: number): number | undefined => s.elemType(n.input[i]);
  const x = inDims(0);
  const xt = inType(0);
  const set = (i: number, dims: Dims | undefined, elemType: number | undefined = xt): void => {
    const name = n.output[i];
    if (name) s.setFact(name, { elemType, dims });
  };
  const setConst = (i: number, c: ConstVal | undefined): void => {
    const name = n.output[i];
    if (name && c && c.values.length <= SMALL) s.consts.set(name, c);
  };
  const cin = (i: number): ConstVal | undefined => s.const(n.input[i]);

  if (UNARY.has(op)) {
    set(0, x);
    if (op === 'Dropout' && n.output[1]) set(1, x, opset >= 10 ? DataType.BOOL : xt);
    if (op === 'Identity') setConst(0, cin(0));
    return;
  }
  if (BROADCAST.has(op) || COMPARE.has(op) || op === 'Where') {
    const outType = COMPARE.has(op) ? DataType.BOOL : op === 'Where' ? inType(1) : xt;
    if (opset < 7 && LEGACY_BROADCAST.has(op)) set(0, x, outType);
    else set(0, broadcastDims(n.input.map((_, i) => inDims(i))), outType);
    if (['Add', 'Sub', 'Mul', 'Div'].includes(op)) {
      const a = cin(0);
      const b = cin(1);
      if (a && b && INT_TYPES.has(a.dataType) && (a.values.length === b.values.length || b.values.length === 1 || a.values.length === 1)) {
        const len = Math.max(a.values.length, b.values.length);
        const at = (c: ConstVal, i: number): number => c.values[c.values.length === 1 ? 0 : i];
        const f = { Add: (p: number, q: number) => p + q, Sub: (p: number, q: number) => p - q, Mul: (p: number, q: number) => p * q, Div: (p: number, q: number) => Math.trunc(p / q) }[op as 'Add'];
        const values = Array.from({ length: len }, (_, i) => f(at(a, i), at(b, i)));
        setConst(0, { dataType: a.dataType, dims: a.values.length >= b.values.length ? a.dims : b.dims, values });
      }
    }
    return;
  }
  if (REDUCE.has(op) || op === 'ArgMax' || op === 'ArgMin') {
    if (!x) return set(0, undefined, op.startsWith('Arg') ? DataType.INT64 : xt);
    const keep = attrInt(n, 'keepdims', 1) !== 0;
    let axes: number[] | undefined;
    if (op.startsWith('Arg')) axes = [attrInt(n, 'axis', 0)];
    else axes = attrInts(n, 'axes') ?? (n.input[1] ? cin(1)?.values : []);
    const type = op.startsWith('Arg') ? DataType.INT64 : xt;
    if (axes === undefined) return set(0, keep ? x.map(() => undefined) : undefined, type);
    const noop = axes.length === 0 && attrInt(n, 'noop_with_empty_axes', 0) === 1;
    if (noop) return set(0, x, type);
    const all = axes.length === 0;
    const ax = new Set(axes.map((a) => normAxis(a, x.length)));
    const out: Dims = [];
    x.forEach((d, i) => {
      if (all || ax.has(i)) {
        if (keep) out.push(1);
      } else out.push(d);
    });
    return set(0, out, type);
  }
  switch (op) {
    case 'Constant': {
      const f = constantNodeFact(n);
      if (f) set(0, f.dims, f.elemType);
      setConst(0, constantNodeValue(n));
      return;
    }
    case 'Cast': {
      const to = castTarget(n);
      set(0, x, to);
      const c = cin(0);
      if (c && to !== undefined) setConst(0, { dataType: to, dims: c.dims, values: INT_TYPES.has(to) ? c.values.map((v) => Math.trunc(v)) : c.values });
      return;
    }
    case 'CastLike':
      return set(0, x, inType(1));
    case 'Shape': {
      if (!x) return set(0, undefined, DataType.INT64);
      const r = x.length;
      let start = normAxis(attrInt(n, 'start', 0), r);
      let end = normAxis(attrInt(n, 'end', r), r);
      start = Math.min(Math.max(start, 0), r);
      end = Math.min(Math.max(end, 0), r);
      const part = x.slice(start, Math.max(start, end));
      set(0, [part.length], DataType.INT64);
      if (part.every((d) => d !== undefined)) setConst(0, { dataType: DataType.INT64, dims: [part.length], values: part as number[] });
      return;
    }
    case 'Size':
      return set(0, [], DataType.INT64);
    case 'ConstantOfShape': {
      const c = cin(0);
      const t = attr(n, 'value')?.t;
      const type = t?.dataType ?? DataType.FLOAT;
      const shapeLen = inDims(0)?.[0];
      set(0, c ? c.values : shapeLen !== undefined ? new Array<undefined>(shapeLen).fill(undefined) : undefined, type);
      if (c && numel(c.values) <= SMALL && t) {
        const v = decodeConst(t)?.values[0] ?? 0;
        setConst(0, { dataType: type, dims: c.values, values: new Array<number>(numel(c.values)).fill(v) });
      }
      return;
    }
    case 'Flatten': {
      if (!x) return set(0, [undefined, undefined]);
      const a = normAxis(attrInt(n, 'axis', 1), x.length);
      return set(0, [product(x.slice(0, a)), product(x.slice(a))]);
    }
    case 'Reshape': {
      const shape = intsFrom(n, s, 'shape', 1);
      if (!shape) {
        const len = inDims(1)?.[0];
        return set(0, len !== undefined ? new Array<undefined>(len).fill(undefined) : undefined);
      }
      const allowZero = attrInt(n, 'allowzero', 0) === 1;
      const out: Dims = shape.map((d, i) => (d === 0 && !allowZero ? x?.[i] : d === -1 ? undefined : d));
      const neg = shape.indexOf(-1);
      if (neg >= 0 && x) {
        const total = product(x);
        const rest = product(out.filter((_, i) => i !== neg));
        if (total !== undefined && rest !== undefined && rest !== 0) out[neg] = total / rest;
      }
      set(0, out);
      const c = cin(0);
      if (c) setConst(0, { ...c, dims: out.every((d) => d !== undefined) ? (out as number[]) : c.dims });
      return;
    }
    case 'Transpose': {
      if (!x) return set(0, undefined);
      const perm = attrInts(n, 'perm') ?? x.map((_, i) => x.length - 1 - i);
      return set(0, perm.map((p) => x[p]));
    }
    case 'Concat': {
      const all = n.input.map((_, i) => inDims(i));
      const known = all.find((d) => d !== undefined);
      if (!known) return set(0, undefined);
      const a = normAxis(attrInt(n, 'axis', 1), known.length);
      const out: Dims = known.map((_, i) => {
        if (i === a) return all.every((d) => d && d[i] !== undefined) ? all.reduce((p, d) => p + (d![i] as number), 0) : undefined;
        for (const d of all) if (d && d[i] !== undefined) return d[i];
        return undefined;
      });
      set(0, out);
      const cs = n.input.map((_, i) => cin(i));
      if (cs.every((c) => c && c.dims.length <= 1)) setConst(0, { dataType: cs[0]!.dataType, dims: [cs.reduce((p, c) => p + c!.values.length, 0)], values: cs.flatMap((c) => c!.values) });
      return;
    }
    case 'Split': {
      if (!x) {
        n.output.forEach((_, i) => set(i, undefined));
        return;
      }
      const a = normAxis(attrInt(n, 'axis', 0), x.length);
      let split = attrInts(n, 'split') ?? (n.input[1] ? cin(1)?.values : undefined);
      const len = x[a];
      if (!split && len !== undefined && len % n.output.length === 0) split = n.output.map(() => len / n.output.length);
      n.output.forEach((_, i) => set(i, x.map((d, j) => (j === a ? split?.[i] : d))));
      return;
    }
    case 'Slice': {
      if (!x) return set(0, undefined);
      const starts = intsFrom(n, s, 'starts', 1);
      const ends = intsFrom(n, s, 'ends', 2);
      const axesIn = attr(n, 'starts') ? attrInts(n, 'axes') : n.input[3] ? cin(3)?.values : undefined;
      const hasAxes = attr(n, 'starts') ? attr(n, 'axes') !== undefined : !!n.input[3];
      const steps = attr(n, 'starts') ? undefined : n.input[4] ? cin(4)?.values : undefined;
      if (!starts || !ends || (hasAxes && !axesIn) || (!attr(n, 'starts') && n.input[4] && !steps)) {
        const axes = hasAxes ? axesIn : undefined;
        if (!axes) return set(0, x.map(() => undefined));
        const ax = new Set(axes.map((v) => normAxis(v, x.length)));
        return set(0, x.map((d, i) => (ax.has(i) ? undefined : d)));
      }
      const axes = axesIn ?? starts.map((_, i) => i);
      const out = [...x];
      axes.forEach((axRaw, k) => {
        const ax = normAxis(axRaw, x.length);
        const dim = x[ax];
        const step = steps?.[k] ?? 1;
        if (dim === undefined) {
          out[ax] = undefined;
          return;
        }
        const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
        let st = starts[k] < 0 ? starts[k] + dim : starts[k];
        let en = ends[k] < 0 ? ends[k] + dim : ends[k];
        if (step > 0) {
          st = clamp(st, 0, dim);
          en = clamp(en, 0, dim);
          out[ax] = Math.max(0, Math.ceil((en - st) / step));
        } else {
          st = clamp(st, 0, dim - 1);
          en = clamp(en, -1, dim - 1);
          out[ax] = Math.max(0, Math.ceil((en - st) / step));
        }
      });
      set(0, out);
      const c = cin(0);
      if (c && c.dims.length === 1 && axes.length === 1 && (steps?.[0] ?? 1) === 1) {
        const dim = c.values.length;
        const st = Math.min(Math.max(starts[0] < 0 ? starts[0] + dim : starts[0], 0), dim);
        const en = Math.min(Math.max(ends[0] < 0 ? ends[0] + dim : ends[0], 0), dim);
        const values = c.values.slice(st, Math.max(st, en));
        setConst(0, { dataType: c.dataType, dims: [values.length], values });
      }
      return;
    }
    case 'Squeeze': {
      const axes = intsFrom(n, s, 'axes', 1);
      const c = cin(0);
      if (!x) return set(0, undefined);
      let out: Dims | undefined;
      if (axes) {
        const ax = new Set(axes.map((a) => normAxis(a, x.length)));
        out = x.filter((_, i) => !ax.has(i));
      } else if (!attr(n, 'axes') && !n.input[1]) {
        out = x.every((d) => d !== undefined) ? x.filter((d) => d !== 1) : undefined;
      }
      set(0, out);
      if (c && out && out.every((d) => d !== undefined)) setConst(0, { ...c, dims: out as number[] });
      return;
    }
    case 'Unsqueeze': {
      const axes = intsFrom(n, s, 'axes', 1);
      if (!x || !axes) return set(0, undefined);
      const r = x.length + axes.length;
      const ax = new Set(axes.map((a) => normAxis(a, r)));
      const out: Dims = [];
      let j = 0;
      for (let i = 0; i < r; i++) out.push(ax.has(i) ? 1 : x[j++]);
      set(0, out);
      const c = cin(0);
      if (c && out.every((d) => d !== undefined)) setConst(0, { ...c, dims: out as number[] });
      return;
    }
    case 'Gather': {
      const idx = inDims(1);
      if (!x || !idx) return set(0, undefined);
      const a = normAxis(attrInt(n, 'axis', 0), x.length);
      set(0, [...x.slice(0, a), ...idx, ...x.slice(a + 1)]);
      const c = cin(0);
      const ci = cin(1);
      if (c && ci && c.dims.length === 1 && a === 0) {
        const values = ci.values.map((i) => c.values[i < 0 ? i + c.values.length : i]);
        if (values.every((v) => v !== undefined)) setConst(0, { dataType: c.dataType, dims: ci.dims, values });
      }
      return;
    }
    case 'GatherElements':
      return set(0, inDims(1));
    case 'MatMul':
    case 'MatMulInteger':
    case 'QLinearMatMul': {
      const b = op === 'QLinearMatMul' ? inDims(3) : inDims(1);
      const type = op === 'MatMulInteger' ? DataType.INT32 : op === 'QLinearMatMul' ? inType(7) : xt;
      if (!x || !b) return set(0, undefined, type);
      const a2 = x.length === 1 ? [1, x[0]] : x;
      const b2 = b.length === 1 ? [b[0], 1] : b;
      const batch = broadcastDims([a2.slice(0, -2), b2.slice(0, -2)]) ?? [];
      const out: Dims = [...batch, a2[a2.length - 2], b2[b2.length - 1]];
      if (x.length === 1) out.splice(out.length - 2, 1);
      if (b.length === 1) out.splice(out.length - 1, 1);
      return set(0, out, type);
    }
    case 'Gemm': {
      const b = inDims(1);
      const m = x ? (attrInt(n, 'transA', 0) ? x[1] : x[0]) : undefined;
      const nn = b ? (attrInt(n, 'transB', 0) ? b[0] : b[1]) : undefined;
      return set(0, [m, nn]);
    }
    case 'Conv':
    case 'ConvInteger':
    case 'QLinearConv':
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool': {
      const isConv = op === 'Conv' || op === 'ConvInteger' || op === 'QLinearConv';
      const type = op === 'ConvInteger' ? DataType.INT32 : op === 'QLinearConv' ? inType(7) : xt;
      if (!x) return set(0, undefined, type);
      const w = isConv ? inDims(op === 'QLinearConv' ? 3 : 1) : undefined;
      const nsp = x.length - 2;
      const k = attrInts(n, 'kernel_shape') ?? w?.slice(2);
      const strides = attrInts(n, 'strides') ?? new Array<number>(nsp).fill(1);
      const dil = attrInts(n, 'dilations') ?? new Array<number>(nsp).fill(1);
      const pads = attrInts(n, 'pads') ?? new Array<number>(2 * nsp).fill(0);
      const autoPad = attrString(n, 'auto_pad', 'NOTSET');
      const ceil = attrInt(n, 'ceil_mode', 0) === 1;
      const out: Dims = [x[0], isConv ? w?.[0] : x[1]];
      for (let i = 0; i < nsp; i++) out.push(convOut(x[2 + i], k?.[i], strides[i] ?? 1, dil[i] ?? 1, pads[i] ?? 0, pads[i + nsp] ?? 0, autoPad, ceil));
      set(0, out, type);
      if (op === 'MaxPool' && n.output[1]) set(1, out, DataType.INT64);
      return;
    }
    case 'ConvTranspose': {
      const w = inDims(1);
      if (!x) return set(0, undefined);
      const g = attrInt(n, 'group', 1);
      return set(0, [x[0], w?.[1] !== undefined ? w[1] * g : undefined, ...x.slice(2).map(() => undefined)]);
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
    case 'GlobalLpPool':
      return set(0, x ? [x[0], x[1], ...x.slice(2).map(() => 1)] : undefined);
    case 'Pad': {
      if (!x) return set(0, undefined);
      const pads = attrInts(n, 'pads') ?? attrInts(n, 'paddings') ?? cin(1)?.values;
      const axes = n.input[3] ? cin(3)?.values : undefined;
      if (!pads || (n.input[3] && !axes)) return set(0, x.map(() => undefined));
      const ax = axes ? axes.map((a) => normAxis(a, x.length)) : x.map((_, i) => i);
      const out = [...x];
      ax.forEach((a, i) => {
        const d = x[a];
        out[a] = d === undefined ? undefined : d + pads[i] + pads[i + ax.length];
      });
      return set(0, out);
    }
    case 'Upsample':
    case 'Resize': {
      if (!x) return set(0, undefined);
      let scales: number[] | undefined = attrFloats(n, 'scales');
      let sizes: number[] | undefined;
      if (!scales) {
        if (op === 'Upsample' && attr(n, 'height_scale')) scales = [1, 1, attrFloat(n, 'height_scale', 1), attrFloat(n, 'width_scale', 1)];
        else if (op === 'Upsample' || opset < 11) scales = cin(1)?.values;
        else {
          const sc = cin(2);
          if (sc && sc.values.length > 0) scales = sc.values;
          else sizes = cin(3)?.values;
        }
      }
      if (op === 'Resize' && opset >= 18 && attr(n, 'axes')) return set(0, x.map(() => undefined));
      if (sizes && sizes.length === x.length) return set(0, sizes);
      if (scales && scales.length === x.length) return set(0, x.map((d, i) => (d === undefined ? undefined : Math.floor(d * Math.fround(scales![i])))));
      return set(0, x.map(() => undefined));
    }
    case 'Expand': {
      const shape = cin(1)?.values;
      if (shape && x) return set(0, broadcastDims([x, shape]));
      const len = inDims(1)?.[0];
      if (x && len !== undefined) return set(0, new Array<undefined>(Math.max(len, x.length)).fill(undefined));
      return set(0, undefined);
    }
    case 'Tile': {
      const rep = cin(1)?.values;
      if (!x) return set(0, undefined);
      return set(0, x.map((d, i) => (d !== undefined && rep && rep.length === x.length ? d * rep[i] : undefined)));
    }
    case 'TopK': {
      if (!x) {
        set(0, undefined);
        set(1, undefined, DataType.INT64);
        return;
      }
      const a = normAxis(attrInt(n, 'axis', -1), x.length);
      const k = attrInt(n, 'k') ?? cin(1)?.values[0];
      const out = x.map((d, i) => (i === a ? k : d));
      set(0, out);
      set(1, out, DataType.INT64);
      return;
    }
    case 'DepthToSpace':
    case 'SpaceToDepth': {
      if (!x || x.length !== 4) return set(0, x ? x.map(() => undefined) : undefined);
      const b = attrInt(n, 'blocksize', 1);
      const [nn, c, h, w] = x;
      const mul = (v: number | undefined, f: number): number | undefined => (v === undefined ? undefined : v * f);
      if (op === 'DepthToSpace') return set(0, [nn, c === undefined ? undefined : c / (b * b), mul(h, b), mul(w, b)]);
      return set(0, [nn, mul(c, b * b), h === undefined ? undefined : h / b, w === undefined ? undefined : w / b]);
    }
    case 'Range':
      return set(0, [undefined]);
    case 'NonZero':
      return set(0, x ? [x.length, undefined] : [undefined, undefined], DataType.INT64);
    case 'NonMaxSuppression':
      return set(0, [undefined, 3], DataType.INT64);
    case 'QuantizeLinear':
      return set(0, x, inType(2) ?? DataType.UINT8);
    case 'DequantizeLinear':
      return set(0, x, inType(1) ?? DataType.FLOAT);
    case 'DynamicQuantizeLinear':
      set(0, x, DataType.UINT8);
      set(1, [], DataType.FLOAT);
      set(2, [], DataType.UINT8);
      return;
    default:
      return;
  }
}

// =============================================================================================
// Conversion machinery
// =============================================================================================

/** One node being converted: adapters rewrite `node` and add helper nodes before/after it. */
interface Work {
  node: Node;
  readonly before: Node[];
  readonly after: Node[];
  readonly changes: string[];
  /** The node was removed (Dropout): its output is renamed to its input. */
  dropped: boolean;
  /** The node started as an Upsample, whose scales are >= 1 by definition. */
  upsampleOrigin: boolean;
  /** The last version crossed: the next adapter applied is the lowest registered above it. */
  version: number;
}

type Adapter = (w: Work, c: NodeContext) => void;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function int64Tensor(name: string, values: readonly number[], dims: readonly number[] = [values.length]): TensorProto {
  const a = new BigInt64Array(values.length);
  values.forEach((v, i) => {
    a[i] = v >= 2 ** 63 ? INT64_MAX : v <= -(2 ** 63) ? INT64_MIN : BigInt(Math.trunc(v));
  });
  return makeTensor(name, DataType.INT64, dims, a);
}

function scalarTensorOf(name: string, elemType: number, value: number): TensorProto | undefined {
  switch (elemType) {
    case DataType.FLOAT:
      return makeTensor(name, elemType, [], new Float32Array([value]));
    case DataType.DOUBLE:
      return makeTensor(name, elemType, [], new Float64Array([value]));
    case DataType.FLOAT16:
      return makeTensor(name, elemType, [], new Uint16Array([floatToHalf(value)]));
    case DataType.BFLOAT16:
      return makeTensor(name, elemType, [], new Uint16Array([floatToBf16(value)]));
    case DataType.INT8:
      return makeTensor(name, elemType, [], new Int8Array([value]));
    case DataType.UINT8:
      return makeTensor(name, elemType, [], new Uint8Array([value]));
    case DataType.INT16:
      return makeTensor(name, elemType, [], new Int16Array([value]));
    case DataType.UINT16:
      return makeTensor(name, elemType, [], new Uint16Array([value]));
    case DataType.INT32:
      return makeTensor(name, elemType, [], new Int32Array([value]));
    case DataType.INT64:
      return int64Tensor(name, [value], []);
    default:
      return undefined;
  }
}

function nodeLabel(n: Node): string {
  return n.name || n.output.find((o) => o) || '(unnamed)';
}

function newNode(opType: string, name: string, input: string[], output: string[], attribute: Attribute[] = []): Node {
  return { opType, name, input, output, attribute };
}

/** Everything an adapter may use: facts, fresh names, new initializers, failure. */
class NodeContext {
  constructor(
    readonly up: Upgrader,
    readonly g: GraphConverter,
    readonly original: Node,
    /** The version being crossed. */
    public v: number,
  ) {}

  get from(): number {
    return this.up.from;
  }
  get target(): number {
    return this.up.target;
  }
  get scope(): Scope {
    return this.g.scope;
  }
  get label(): string {
    return nodeLabel(this.original);
  }

  fail(reason: string, detail?: string): never {
    const op = this.original.opType ?? '';
    const what = detail ? `${op}, ${detail}` : op;
    throw new ZeropointError(
      'opset-upgrade',
      `Cannot upgrade node '${this.label}' (${what}) from opset ${this.from} to ${this.target}: ${reason}. Re-export the model with opset >= ${this.target}.`,
      { subject: this.label },
    );
  }

  fresh(suffix: string): string {
    return this.up.fresh(`${this.label}_${suffix}`);
  }

  addInit(t: TensorProto): string {
    this.g.newInits.push(t);
    this.scope.inits.set(t.name!, t);
    this.scope.facts.set(t.name!, { elemType: t.dataType, dims: [...t.dims] });
    return t.name!;
  }

  int64Input(suffix: string, values: readonly number[], dims?: readonly number[]): string {
    return this.addInit(int64Tensor(this.fresh(suffix), values, dims));
  }

  /** A scalar initializer of X's element type (float32 when it is unknown). */
  scalarInput(suffix: string, value: number, elemType: number | undefined): string {
    const t = scalarTensorOf(this.fresh(suffix), elemType ?? DataType.FLOAT, value);
    if (!t) return this.fail(`its ${suffix} would need a scalar of element type ${dataTypeName(elemType)}, which is not handled`);
    return this.addInit(t);
  }

  isUsed(name: string | undefined): boolean {
    return !!name && this.up.used.has(name);
  }

  /** An output of this graph or of any graph in the model (a body may return an outer name as is). */
  isGraphOutput(name: string): boolean {
    return this.up.graphOutputs.has(name);
  }

  /** Makes later readers of `from` read `to` instead. */
  rename(from: string, to: string): void {
    this.up.renames.set(from, to);
    this.up.removed.add(from);
  }

  /** An Unsqueeze node in the target opset's form. */
  unsqueeze(input: string, axes: number[], suffix: string): { node: Node; output: string } {
    const output = this.fresh(suffix);
    const name = this.fresh(`${suffix}_node`);
    const node =
      this.target >= 13
        ? newNode('Unsqueeze', name, [input, this.int64Input(`${suffix}_axes`, axes)], [output])
        : newNode('Unsqueeze', name, [input], [output], [intsAttr('axes', axes)]);
    return { node, output };
  }
}

function dropAttrs(w: Work, ...names: string[]): boolean {
  const had = names.filter((n) => attr(w.node, n) !== undefined);
  if (had.length) w.node.attribute = withoutAttrs(w.node, ...names);
  return had.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Adapters
// ---------------------------------------------------------------------------------------------

const removeConsumedInputs: Adapter = (w) => {
  if (dropAttrs(w, 'consumed_inputs')) w.changes.push('removed legacy consumed_inputs attribute (opset 6)');
};

/** 6 -> 7: legacy broadcast (B aligned at `axis`) -> numpy broadcasting. */
const broadcast7: Adapter = (w, c) => {
  removeConsumedInputs(w, c);
  const hasB = attr(w.node, 'broadcast') !== undefined;
  const axis = attrInt(w.node, 'axis');
  if (!hasB && axis === undefined) return;
  if (attrInt(w.node, 'broadcast', 0) === 1 && axis !== undefined) {
    const ra = c.scope.rank(w.node.input[0]);
    const rb = c.scope.rank(w.node.input[1]);
    if (ra === undefined || rb === undefined) return c.fail(`legacy broadcasting with axis=${axis} needs the ranks of both inputs to align B, and they are unknown`);
    const trailing = ra - normAxis(axis, ra) - rb;
    if (trailing < 0) return c.fail(`legacy broadcast axis=${axis} does not fit a rank-${rb} B into a rank-${ra} A`);
    if (trailing > 0) {
      const b = w.node.input[1];
      const init = c.g.constantInit(b);
      const axes = Array.from({ length: trailing }, (_, i) => rb + i);
      let newB: string;
      if (init) {
        newB = c.addInit({ ...init, name: c.fresh('B'), dims: [...init.dims, ...axes.map(() => 1)], unknown: undefined });
        c.g.replacedInits.add(b);
      } else {
        const u = c.unsqueeze(b, axes, 'B');
        w.before.push(u.node);
        newB = u.output;
      }
      w.node.input = [w.node.input[0], newB, ...w.node.input.slice(2)];
      w.changes.push(`B given ${trailing} trailing 1-dim(s) to keep legacy broadcast axis=${axis}`);
    }
  }
  dropAttrs(w, 'broadcast', 'axis');
  w.changes.push('removed legacy broadcast/axis attributes (numpy broadcasting from opset 7)');
};

const gemm7: Adapter = (w) => {
  if (dropAttrs(w, 'broadcast')) w.changes.push('removed legacy broadcast attribute (C always broadcasts from opset 7)');
};

const prelu7: Adapter = (w, c) => {
  removeConsumedInputs(w, c);
  const slope = c.scope.dims(w.node.input[1]);
  const xr = c.scope.rank(w.node.input[0]);
  if (slope && (product(slope) === 1 || (xr !== undefined && slope.length === xr))) return;
  c.fail('before opset 7 a slope that is neither a single value nor of the input rank had no defined layout; numpy broadcasting from opset 7 may apply it to a different axis');
};

const bn7: Adapter = (w) => {
  const isTest = attrInt(w.node, 'is_test');
  if (dropAttrs(w, 'is_test')) w.changes.push(`removed is_test${isTest === 0 ? '=0 (inference uses the running statistics)' : ''} (opset 7)`);
};

const bn9: Adapter = (w, c) => {
  const spatial = attrInt(w.node, 'spatial');
  if (spatial === 0) {
    const r = c.scope.rank(w.node.input[0]);
    if (r === undefined || r > 2) return c.fail('spatial=0 (per-activation statistics) was removed at opset 9', 'spatial=0');
  }
  if (dropAttrs(w, 'spatial')) w.changes.push('removed spatial attribute (opset 9)');
};

const bn14: Adapter = (w, c) => {
  const extra = w.node.output.slice(1).filter((o) => o);
  if (!extra.length) return;
  const used = extra.filter((o) => c.isUsed(o));
  if (used.length) return c.fail(`its training outputs (${used.map((u) => `'${u}'`).join(', ')}) are read, and from opset 14 they exist only with training_mode=1`);
  w.node.output = [w.node.output[0]];
  for (const o of extra) c.up.removed.add(o);
  w.changes.push('removed unused training-only outputs (opset 14)');
};

const dropout: Adapter = (w, c) => {
  const [out, mask] = w.node.output;
  if (c.isUsed(mask)) return c.fail(`its mask output '${mask}' is read; Dropout's mask changed type (opset 10) and inputs (opset 12)`);
  if (mask) c.up.removed.add(mask);
  if (c.isGraphOutput(out) || !w.node.input[0]) {
    w.node = { ...w.node, opType: 'Identity', input: [w.node.input[0]], output: [out], attribute: [] };
    w.changes.push('Dropout replaced by Identity (a no-op at inference; its attributes/inputs changed at opsets 7, 10, 12)');
  } else {
    w.dropped = true;
    c.rename(out, w.node.input[0]);
    w.changes.push('Dropout removed (a no-op at inference; its attributes/inputs changed at opsets 7, 10, 12): consumers read its input');
  }
};

const clip11: Adapter = (w, c) => {
  const min = attrFloat(w.node, 'min');
  const max = attrFloat(w.node, 'max');
  const type = c.scope.elemType(w.node.input[0]);
  const inputs = [w.node.input[0], min !== undefined ? c.scalarInput('min', min, type) : '', max !== undefined ? c.scalarInput('max', max, type) : ''];
  while (inputs.length > 1 && inputs[inputs.length - 1] === '') inputs.pop();
  w.node.input = inputs;
  dropAttrs(w, 'min', 'max');
  w.changes.push(`min/max attributes -> inputs (opset 11)${type === undefined ? ' (element type unknown: float32 assumed)' : ''}`);
};

const pad2: Adapter = (w) => {
  const p = attr(w.node, 'paddings');
  if (!p) return;
  w.node.attribute = withoutAttrs(w.node, 'paddings');
  setAttr(w.node, intsAttr('pads', [...p.ints]));
  w.changes.push('paddings attribute renamed pads (opset 2)');
};

const pad11: Adapter = (w, c) => {
  const pads = attrInts(w.node, 'pads');
  if (!pads) return c.fail('it has no pads attribute');
  const mode = attrString(w.node, 'mode', 'constant');
  const value = attrFloat(w.node, 'value', 0);
  const type = c.scope.elemType(w.node.input[0]);
  const inputs = [w.node.input[0], c.int64Input('pads', pads)];
  if (mode === 'constant' && value !== 0) inputs.push(c.scalarInput('value', value, type));
  w.node.input = inputs;
  dropAttrs(w, 'pads', 'value');
  const assumed = value !== 0 && mode === 'constant' && type === undefined ? ' (element type unknown: float32 assumed)' : '';
  w.changes.push(`pads${value !== 0 ? '/value' : ''} attributes -> inputs (opset 11)${assumed}`);
};

const slice10: Adapter = (w, c) => {
  const starts = attrInts(w.node, 'starts');
  const ends = attrInts(w.node, 'ends');
  if (!starts || !ends) return c.fail('it lacks starts/ends attributes');
  const axes = attrInts(w.node, 'axes');
  const inputs = [w.node.input[0], c.int64Input('starts', starts), c.int64Input('ends', ends)];
  if (axes) inputs.push(c.int64Input('axes', axes));
  w.node.input = inputs;
  dropAttrs(w, 'starts', 'ends', 'axes');
  w.changes.push('starts/ends/axes attributes -> inputs (opset 10)');
};

const topk10: Adapter = (w, c) => {
  const k = attrInt(w.node, 'k');
  if (k === undefined) return c.fail('it has no k attribute');
  w.node.input = [w.node.input[0], c.int64Input('k', [k], [1])];
  dropAttrs(w, 'k');
  w.changes.push('k attribute -> input (opset 10)');
};

const reshape5: Adapter = (w, c) => {
  removeConsumedInputs(w, c);
  const shape = attrInts(w.node, 'shape');
  if (!shape) return;
  w.node.input = [w.node.input[0], c.int64Input('shape', shape)];
  dropAttrs(w, 'shape');
  w.changes.push('shape attribute -> input (opset 5)');
};

const concat4: Adapter = (w) => {
  if (attr(w.node, 'axis')) return;
  setAttr(w.node, intAttr('axis', 1));
  w.changes.push('axis=1 made explicit (default removed at opset 4)');
};

const split2: Adapter = (w, c) => {
  if (!w.node.input[1]) return;
  const split = c.scope.const(w.node.input[1])?.values;
  if (!split) return c.fail('its split sizes come from a non-constant second input, which opset 2 removed');
  w.node.input = [w.node.input[0]];
  setAttr(w.node, intsAttr('split', split));
  w.changes.push('split input -> attribute (opset 2)');
};

const split13: Adapter = (w, c) => {
  const split = attrInts(w.node, 'split');
  if (!split) return;
  w.node.input = [w.node.input[0], c.int64Input('split', split)];
  dropAttrs(w, 'split');
  w.changes.push('split attribute -> input (opset 13)');
};

const split18: Adapter = (w) => {
  if (w.node.input[1] || attr(w.node, 'num_outputs')) return;
  setAttr(w.node, intAttr('num_outputs', w.node.output.length));
  w.changes.push(`num_outputs=${w.node.output.length} (required without a split input from opset 18)`);
};

const axesToInput =
  (required: boolean): Adapter =>
  (w, c) => {
    const axes = attrInts(w.node, 'axes');
    if (!axes) {
      if (required) return c.fail('it has no axes attribute');
      return;
    }
    w.node.input = [w.node.input[0], c.int64Input('axes', axes)];
    dropAttrs(w, 'axes');
    w.changes.push(`axes attribute -> input (opset ${c.v})`);
  };

const softmax13: Adapter = (w, c) => {
  const op = w.node.opType ?? '';
  const x = w.node.input[0];
  const axisAttr = attrInt(w.node, 'axis', 1);
  // The output has the input's shape: use whichever is known.
  const dims = c.scope.dims(x) ?? c.scope.dims(w.node.output[0]);
  if (dims) {
    const r = dims.length;
    const a = normAxis(axisAttr, r);
    const tail = dims.slice(a);
    // Coercing to 2-D at `a` normalizes over the flattened tail [a..r-1]. When at most one of those
    // dims is not known to be 1, normalizing over that single dim touches the same elements.
    const notOne = tail.map((d, i) => (d === 1 ? -1 : a + i)).filter((i) => i >= 0);
    if (a === r - 1 || notOne.length <= 1) {
      const k = a === r - 1 || notOne.length === 0 ? r - 1 : notOne[0];
      const newAxis = k === r - 1 ? -1 : k;
      setAttr(w.node, intAttr('axis', newAxis));
      w.changes.push(
        a === r - 1
          ? `axis=${axisAttr} is the last dimension: axis=-1 (single-axis semantics from opset 13)`
          : `axis=${axisAttr} with trailing dims [${tail.map((d) => d ?? '?').join(', ')}]: axis=${newAxis} normalizes the same elements (single-axis semantics from opset 13)`,
      );
      return;
    }
  }
  // Shape -> Flatten(axis) -> op(axis=-1) -> Reshape(shape), as onnx's converter does.
  const out = w.node.output[0];
  const shape = c.fresh('shape');
  const flat = c.fresh('flat');
  const mid = c.fresh('2d');
  w.before.push(newNode('Shape', c.fresh('shape_node'), [x], [shape]));
  w.before.push(newNode('Flatten', c.fresh('flatten'), [x], [flat], [intAttr('axis', axisAttr)]));
  w.node.input = [flat, ...w.node.input.slice(1)];
  w.node.output = [mid];
  setAttr(w.node, intAttr('axis', -1));
  w.after.push(newNode('Reshape', c.fresh('reshape'), [mid, shape], [out], c.target >= 14 ? [intAttr('allowzero', 1)] : []));
  w.changes.push(`${op} with axis=${axisAttr} on a ${dims ? `rank-${dims.length} input of dims [${dims.map((d) => d ?? '?').join(', ')}]` : 'input of unknown shape'}: Flatten(axis=${axisAttr}) -> ${op}(axis=-1) -> Reshape back (2-D coercion removed at opset 13)`);
};

const upsample7: Adapter = (w, c) => {
  const hs = attrFloat(w.node, 'height_scale');
  const ws = attrFloat(w.node, 'width_scale');
  if (hs === undefined && ws === undefined) return;
  if (hs === undefined || ws === undefined) return c.fail('Upsample-1 needs both height_scale and width_scale');
  const r = c.scope.rank(w.node.input[0]);
  if (r !== undefined && r !== 4) return c.fail(`Upsample-1 supports only 4-D input, this one has rank ${r}`);
  let mode = attrString(w.node, 'mode', 'nearest');
  if (mode === 'bilinear') mode = 'linear';
  w.node.attribute = withoutAttrs(w.node, 'height_scale', 'width_scale', 'mode');
  setAttr(w.node, stringAttr('mode', mode));
  setAttr(w.node, floatsAttr('scales', [1, 1, hs, ws]));
  w.changes.push('height_scale/width_scale -> scales (opset 7)');
};

const upsample9: Adapter = (w, c) => {
  const scales = attrFloats(w.node, 'scales');
  if (!scales) return;
  const name = c.addInit(makeTensor(c.fresh('scales'), DataType.FLOAT, [scales.length], new Float32Array(scales)));
  w.node.input = [w.node.input[0], name];
  dropAttrs(w, 'scales');
  w.changes.push('scales attribute -> input (opset 9)');
};

const upsample10: Adapter = (w, c) => {
  if (w.node.input.length < 2 || !w.node.input[1]) return c.fail('it has no scales');
  const mode = attrString(w.node, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear') return c.fail(`mode '${mode}' has no Resize equivalent`, `mode '${mode}'`);
  w.node = { ...w.node, opType: 'Resize', attribute: [stringAttr('mode', mode)] };
  w.upsampleOrigin = true;
  w.changes.push('Upsample -> Resize (Upsample deprecated at opset 10)');
};

const resize11: Adapter = (w, c) => {
  const mode = attrString(w.node, 'mode', 'nearest');
  const scalesName = w.node.input[1];
  const attrs: Attribute[] = [...withoutAttrs(w.node, 'coordinate_transformation_mode', 'nearest_mode'), stringAttr('coordinate_transformation_mode', 'asymmetric')];
  let nearest = '';
  if (mode === 'nearest') {
    const scales = c.scope.const(scalesName)?.values;
    if (w.upsampleOrigin || (scales && scales.every((s) => s >= 1))) nearest = 'floor';
    else if (scales && scales.every((s) => s <= 1)) nearest = 'ceil';
    else if (scales) return c.fail(`its scales [${scales.join(', ')}] both up- and downsample, which no single nearest_mode reproduces`, "mode 'nearest'");
    else return c.fail('its scales are computed at run time, so whether it downsamples (ceil rounding) or upsamples (floor rounding) is unknown', "mode 'nearest'");
    attrs.push(stringAttr('nearest_mode', nearest));
  }
  const roi = c.target >= 13 ? '' : c.addInit(makeTensor(c.fresh('roi'), DataType.FLOAT, [0], new Float32Array(0)));
  w.node.input = [w.node.input[0], roi, scalesName];
  w.node.attribute = attrs;
  w.changes.push(`Resize-10 -> 11: roi input added, coordinate_transformation_mode='asymmetric'${nearest ? `, nearest_mode='${nearest}'` : ''} (what opset < 11 computed)`);
};

const cast6: Adapter = (w, c) => {
  const a = attr(w.node, 'to');
  if (!a || a.type !== AttributeType.STRING) return;
  const s = new TextDecoder().decode(a.s);
  const to = dataTypeByName(s);
  if (to === undefined) return c.fail(`its 'to' type '${s}' is not an ONNX data type`);
  setAttr(w.node, intAttr('to', to));
  w.changes.push(`to='${s}' -> ${to} (opset 6)`);
};

const scatter11: Adapter = (w) => {
  w.node = { ...w.node, opType: 'ScatterElements' };
  w.changes.push('Scatter -> ScatterElements (Scatter deprecated at opset 11)');
};

const tile6: Adapter = (w, c) => {
  if (w.node.input.length < 3) return;
  const tiles = c.scope.const(w.node.input[1])?.values;
  const axis = c.scope.const(w.node.input[2])?.values;
  const r = c.scope.rank(w.node.input[0]);
  if (!tiles || !axis || r === undefined) return c.fail('Tile-1 (tiles, axis) needs constant tiles/axis and a known rank to become repeats');
  const repeats = new Array<number>(r).fill(1);
  repeats[normAxis(axis[0], r)] = tiles[0];
  w.node.input = [w.node.input[0], c.int64Input('repeats', repeats)];
  w.changes.push('tiles/axis inputs -> repeats (opset 6)');
};

const lpPool2: Adapter = (w, c) => {
  const p = attr(w.node, 'p');
  if (!p || p.type !== AttributeType.FLOAT) return;
  const v = p.f ?? 2;
  if (!Number.isInteger(v)) return c.fail(`p=${v} is not an integer, which opset 2 requires`);
  setAttr(w.node, intAttr('p', v));
  w.changes.push('p float -> int (opset 2)');
};

const imageScaler10: Adapter = (w, c) => {
  const scale = attrFloat(w.node, 'scale', 1);
  const bias = attrFloats(w.node, 'bias') ?? [];
  const type = c.scope.elemType(w.node.input[0]) ?? DataType.FLOAT;
  if (type !== DataType.FLOAT) return c.fail('only float32 input is handled');
  const out = w.node.output[0];
  const scaled = c.fresh('scaled');
  const s = c.scalarInput('scale', scale, type);
  const b = c.addInit(makeTensor(c.fresh('bias'), DataType.FLOAT, [1, bias.length, 1, 1], new Float32Array(bias)));
  w.before.push(newNode('Mul', c.fresh('mul'), [w.node.input[0], s], [scaled]));
  w.node = newNode('Add', w.node.name ?? c.fresh('add'), [scaled, b], [out]);
  w.changes.push('experimental ImageScaler (gone at opset 10) -> Mul(scale) + Add(bias)');
};

const removedExperimental: Adapter = (w, c) => c.fail('this experimental op was removed from ONNX at opset 10 and has no converter here');

const rnn7: Adapter = (w) => {
  if (dropAttrs(w, 'output_sequence')) w.changes.push('removed output_sequence attribute (opset 7)');
};

const scan9: Adapter = (w, c) => c.fail('Scan-8 (batch axis, directions) and Scan-9 (scan axes) differ in their body contract; no converter');

const roiAlign16: Adapter = (w) => {
  if (attr(w.node, 'coordinate_transformation_mode')) return;
  setAttr(w.node, stringAttr('coordinate_transformation_mode', 'output_half_pixel'));
  w.changes.push("coordinate_transformation_mode='output_half_pixel' (the pre-16 behaviour; the default became half_pixel)");
};

const gridSample20: Adapter = (w) => {
  const mode = attrString(w.node, 'mode', 'bilinear');
  const renamed = mode === 'bilinear' ? 'linear' : mode === 'bicubic' ? 'cubic' : mode;
  setAttr(w.node, stringAttr('mode', renamed));
  if (renamed !== mode || !attr(w.node, 'mode')) w.changes.push(`mode '${mode}' -> '${renamed}' (opset 20)`);
};

const groupNorm21: Adapter = (w, c) => {
  const g = attrInt(w.node, 'num_groups');
  const channels = c.scope.dims(w.node.input[0])?.[1];
  if (g === undefined || channels === undefined) return c.fail('scale/bias become per-channel at opset 21 and the channel count is unknown');
  const expand = (name: string, suffix: string): string => {
    const init = c.g.constantInit(name);
    if (!init || init.dataType !== DataType.FLOAT) return c.fail(`its ${suffix} is not a float32 initializer, so it cannot be expanded per channel`);
    const v = tensorToArray(init) as Float32Array;
    if (v.length !== g) return c.fail(`its ${suffix} has ${v.length} values for ${g} groups`);
    const per = channels / g;
    const out = new Float32Array(channels);
    for (let i = 0; i < channels; i++) out[i] = v[Math.floor(i / per)];
    c.g.replacedInits.add(name);
    return c.addInit(makeTensor(c.fresh(suffix), DataType.FLOAT, [channels], out));
  };
  w.node.input = [w.node.input[0], expand(w.node.input[1], 'scale'), expand(w.node.input[2], 'bias')];
  w.changes.push(`scale/bias repeated per channel (${channels} channels, ${g} groups; opset 21)`);
};

const dft20: Adapter = (w, c) => {
  const axis = attrInt(w.node, 'axis', 1);
  const inputs = [w.node.input[0], w.node.input[1] ?? '', c.int64Input('axis', [axis], [])];
  w.node.input = inputs;
  dropAttrs(w, 'axis');
  w.changes.push(`axis=${axis} attribute -> input (opset 20, whose default is -2)`);
};

/** Adapters by op and by the version whose change they cross (applied when from < v <= target). */
const ADAPTERS: Record<string, Record<number, Adapter>> = {};
function register(ops: string[], v: number, a: Adapter): void {
  for (const op of ops) (ADAPTERS[op] ??= {})[v] = a;
}

register(
  ['Abs', 'Ceil', 'Elu', 'Exp', 'Floor', 'HardSigmoid', 'InstanceNormalization', 'LeakyRelu', 'Log', 'Neg', 'Reciprocal', 'Relu', 'Selu', 'Sigmoid', 'Sqrt', 'Tanh', 'Max', 'Min', 'Mean', 'Sum', 'BatchNormalization'],
  6,
  removeConsumedInputs,
);
register(['Clip'], 6, removeConsumedInputs);
register(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'And', 'Or', 'Xor', 'Equal', 'Greater', 'Less'], 7, broadcast7);
register(['Add', 'Sub', 'Mul', 'Div'], 6, removeConsumedInputs);
register(['Gemm'], 7, gemm7);
register(['PRelu'], 7, prelu7);
register(['BatchNormalization'], 7, bn7);
register(['BatchNormalization'], 9, bn9);
register(['BatchNormalization'], 14, bn14);
for (const v of [6, 7, 10, 12]) register(['Dropout'], v, dropout);
register(['Clip'], 11, clip11);
register(['Pad'], 2, pad2);
register(['Pad'], 11, pad11);
register(['Slice'], 10, slice10);
register(['TopK'], 10, topk10);
register(['Reshape'], 5, reshape5);
register(['Concat'], 4, concat4);
register(['Split'], 2, split2);
register(['Split'], 13, split13);
register(['Split'], 18, split18);
register(['Squeeze'], 13, axesToInput(false));
register(['Unsqueeze'], 13, axesToInput(true));
register(['ReduceSum'], 13, axesToInput(false));
register(['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'], 18, axesToInput(false));
register(['Softmax', 'LogSoftmax', 'Hardmax'], 13, softmax13);
register(['Upsample'], 7, upsample7);
register(['Upsample'], 9, upsample9);
register(['Upsample'], 10, upsample10);
register(['Resize'], 11, resize11);
register(['Cast'], 6, cast6);
register(['Scatter'], 11, scatter11);
register(['Tile'], 6, tile6);
register(['LpPool', 'GlobalLpPool'], 2, lpPool2);
register(['ImageScaler'], 10, imageScaler10);
register(['Affine', 'Crop', 'ParametricSoftplus', 'ScaledTanh', 'GivenTensorFill', 'ConstantFill'], 10, removedExperimental);
register(['GRU', 'LSTM', 'RNN'], 7, rnn7);
register(['Scan'], 9, scan9);
register(['RoiAlign'], 16, roiAlign16);
register(['GridSample'], 20, gridSample20);
register(['GroupNormalization'], 21, groupNorm21);
register(['DFT'], 20, dft20);

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

class Upgrader {
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

class GraphConverter {
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
