/**
 * Shape / type / constant facts for the opset upgrader: a light, best-effort inference over one graph
 * under the *source* opset's semantics. `Scope` holds what is known per value name (element type, dims,
 * small constant values), `seedScope` fills it from initializers, graph inputs/outputs and value_info,
 * and `inferNode` propagates it through one node with per-op rules. Adapters read these facts (through
 * `NodeContext.scope`) to decide whether a rewrite is safe; nothing here changes the model. It also
 * holds the small pure helpers that inference, the adapters and the driver share (default-domain test,
 * axis normalization, dims product, data type by name, bfloat16 conversion).
 */
import { attr, attrFloat, attrFloats, attrInt, attrInts, attrString } from '../attributes';
import { halfToFloat, numel, tensorToArray } from '../tensor';
import { AttributeType, DataType, type Graph, type Node, type TensorProto, type ValueInfo } from '../types';

// =============================================================================================
// Shape / type / constant facts
// =============================================================================================

export const isDefaultDomain = (d: string | undefined): boolean => d === undefined || d === '' || d === 'ai.onnx';

export type Dims = (number | undefined)[];

export interface Fact {
  elemType?: number;
  dims?: Dims;
}

export interface ConstVal {
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

export function floatToBf16(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  if (Number.isNaN(v)) return 0x7fc0;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

export class Scope {
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

export function seedScope(scope: Scope, g: Graph): void {
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

export const normAxis = (a: number, r: number): number => (a < 0 ? a + r : a);

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

export function product(d: Dims): number | undefined {
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

export function dataTypeByName(s: string): number | undefined {
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
export function inferNode(n: Node, s: Scope, opset: number): void {
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
