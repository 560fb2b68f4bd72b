/**
 * Exact evaluation of the ops constant folding may compute in TypeScript, on constant inputs. Each
 * kernel gives the bits onnxruntime's CPU kernel gives, or declines (undefined) where it might not:
 *
 *   data movement   Identity Reshape Flatten Squeeze Unsqueeze Transpose Concat Gather Slice Shape:
 *                   values are moved, never computed (any element type tensorToArray reads)
 *   arithmetic      Add Sub Mul Div with numpy broadcasting, on float32 / float64 / int32 / int64.
 *                   float32: the double result stored to a Float32Array is the correctly rounded
 *                   float32 result (double has more than 2*24+2 bits, so the two roundings never
 *                   disagree for + - * /); int32 wraps like the C++ kernel; int64 in BigInt; an
 *                   integer division by zero (or INT_MIN / -1) is declined
 *   Cast            between float32/float64/float16/int8/uint8/int16/uint16/int32/int64/bool.
 *                   float -> int truncates toward zero and is declined when out of range or NaN
 *                   (undefined behaviour in C++); int -> int wraps; int64 -> float32 above 2^53 is
 *                   declined (JS would round twice); float16 only to and from float32
 *
 * Everything else (Pow, Sqrt, Exp, reductions, ...) is left to run time: its last bit depends on the
 * runtime's math library.
 */
import { attrInt, attrInts } from '../onnx/attributes';
import { floatToHalf, halfToFloat, numel, tensorToArray, type TypedArray } from '../onnx/tensor';
import { DataType, type Node, type TensorProto } from '../onnx/types';

export interface Value {
  readonly dataType: number;
  readonly dims: readonly number[];
  /** tensorToArray's form: int64 as BigInt64Array, float16 as its bits in a Uint16Array, bool as Uint8Array. */
  readonly data: TypedArray;
}

/** The ops this module evaluates. */
export const FOLDABLE_OPS: ReadonlySet<string> = new Set(['Identity', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Concat', 'Gather', 'Slice', 'Shape', 'Cast', 'Add', 'Sub', 'Mul', 'Div']);

export function valueOf(t: TensorProto): Value | undefined {
  try {
    return { dataType: t.dataType ?? 0, dims: [...t.dims], data: tensorToArray(t) };
  } catch {
    return undefined; // external data not attached, strings, uint32/uint64, ...
  }
}

type Ctor = { new (n: number): TypedArray };
const like = (a: TypedArray, n: number): TypedArray => new (a.constructor as Ctor)(n);
const norm = (a: number, r: number): number => (a < 0 ? a + r : a);
const ints = (v: Value | undefined): number[] | undefined => (v ? Array.from(v.data as ArrayLike<number | bigint>, (x) => Number(x)) : undefined);

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let k = dims.length - 2; k >= 0; k--) s[k] = s[k + 1] * dims[k + 1];
  return s;
}

/** out[i] = data[sum_k index_k * strides[k] + offset] over the output index space `dims`. */
function gatherStrided(data: TypedArray, dims: readonly number[], strides: readonly number[], offset: number): TypedArray {
  const n = numel(dims);
  const out = like(data, n);
  const r = dims.length;
  const index = new Array<number>(r).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    (out as unknown as unknown[])[i] = data[src];
    for (let k = r - 1; k >= 0; k--) {
      src += strides[k];
      if (++index[k] < dims[k]) break;
      src -= strides[k] * dims[k];
      index[k] = 0;
    }
  }
  return out;
}

function reshaped(x: Value, dims: number[] | undefined): Value[] | undefined {
  if (!dims || dims.some((d) => !Number.isInteger(d) || d < 0) || numel(dims) !== x.data.length) return undefined;
  return [{ ...x, dims }];
}

function reshapeDims(node: Node, x: Value, shape: number[] | undefined): number[] | undefined {
  if (!shape) return undefined;
  const allowZero = attrInt(node, 'allowzero', 0) === 1;
  const out = shape.map((s, k) => (s === 0 && !allowZero ? x.dims[k] : s));
  const unknown = out.filter((s) => s === -1).length;
  if (unknown > 1 || out.some((s) => s === undefined || s < -1)) return undefined;
  if (unknown === 1) {
    const known = out.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
    if (known === 0 || x.data.length % known !== 0) return undefined;
    out[out.indexOf(-1)] = x.data.length / known;
  }
  return out;
}

function squeezeDims(node: Node, x: Value, axesInput: Value | undefined): number[] | undefined {
  const r = x.dims.length;
  const given = axesInput ? ints(axesInput) : attrInts(node, 'axes');
  if (node.opType === 'Squeeze') {
    const drop = new Set((given ?? x.dims.map((d, k) => (d === 1 ? k : -1)).filter((k) => k >= 0)).map((a) => norm(a, r)));
    if ([...drop].some((k) => x.dims[k] !== 1)) return undefined;
    return x.dims.filter((_, k) => !drop.has(k));
  }
  if (!given) return undefined;
  const outRank = r + given.length;
  const insert = new Set(given.map((a) => norm(a, outRank)));
  if (insert.size !== given.length || [...insert].some((a) => a < 0 || a >= outRank)) return undefined;
  const out: number[] = [];
  let j = 0;
  for (let k = 0; k < outRank; k++) out.push(insert.has(k) ? 1 : x.dims[j++]);
  return out;
}

function transpose(node: Node, x: Value): Value[] | undefined {
  const r = x.dims.length;
  const perm = attrInts(node, 'perm') ?? x.dims.map((_, k) => r - 1 - k);
  if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => p < 0 || p >= r)) return undefined;
  const inStrides = stridesOf(x.dims);
  const dims = perm.map((p) => x.dims[p]);
  return [{ dataType: x.dataType, dims, data: gatherStrided(x.data, dims, perm.map((p) => inStrides[p]), 0) }];
}

function concat(node: Node, xs: Value[]): Value[] | undefined {
  const first = xs[0];
  const r = first.dims.length;
  const axis = norm(attrInt(node, 'axis', 1), r);
  if (axis < 0 || axis >= r) return undefined;
  if (xs.some((x) => x.dataType !== first.dataType || x.dims.length !== r || x.dims.some((d, k) => k !== axis && d !== first.dims[k]))) return undefined;
  const dims = [...first.dims];
  dims[axis] = xs.reduce((s, x) => s + x.dims[axis], 0);
  const out = like(first.data, numel(dims));
  const outer = numel(first.dims.slice(0, axis));
  let o = 0;
  for (let i = 0; i < outer; i++) {
    for (const x of xs) {
      const block = numel(x.dims.slice(axis));
      (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(x.data.subarray(i * block, (i + 1) * block) as ArrayLike<unknown>, o);
      o += block;
    }
  }
  return [{ dataType: first.dataType, dims, data: out }];
}

function gather(node: Node, x: Value, indices: Value): Value[] | undefined {
  if (indices.dataType !== DataType.INT64 && indices.dataType !== DataType.INT32) return undefined;
  const r = x.dims.length;
  const axis = norm(attrInt(node, 'axis', 0), r);
  if (axis < 0 || axis >= r) return undefined;
  const n = x.dims[axis];
  const idx = ints(indices)!.map((i) => (i < 0 ? i + n : i));
  if (idx.some((i) => i < 0 || i >= n)) return undefined;
  const outer = numel(x.dims.slice(0, axis));
  const inner = numel(x.dims.slice(axis + 1));
  const dims = [...x.dims.slice(0, axis), ...indices.dims, ...x.dims.slice(axis + 1)];
  const out = like(x.data, numel(dims));
  let o = 0;
  for (let i = 0; i < outer; i++) {
    for (const j of idx) {
      const start = (i * n + j) * inner;
      (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(x.data.subarray(start, start + inner) as ArrayLike<unknown>, o);
      o += inner;
    }
  }
  return [{ dataType: x.dataType, dims, data: out }];
}

function slice(node: Node, x: Value, rest: (Value | undefined)[], opset: number): Value[] | undefined {
  const r = x.dims.length;
  const starts = opset >= 10 ? ints(rest[0]) : attrInts(node, 'starts');
  const ends = opset >= 10 ? ints(rest[1]) : attrInts(node, 'ends');
  const axes = (opset >= 10 ? ints(rest[2]) : attrInts(node, 'axes')) ?? starts?.map((_, k) => k);
  const steps = (opset >= 10 ? ints(rest[3]) : undefined) ?? starts?.map(() => 1);
  if (!starts || !ends || !axes || !steps || ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) return undefined;
  const begin = new Array<number>(r).fill(0);
  const step = new Array<number>(r).fill(1);
  const dims = [...x.dims];
  const seen = new Set<number>();
  for (let i = 0; i < starts.length; i++) {
    const a = norm(axes[i], r);
    if (a < 0 || a >= r || seen.has(a) || steps[i] === 0) return undefined;
    seen.add(a);
    const d = x.dims[a];
    let s = starts[i] < 0 ? starts[i] + d : starts[i];
    let e = ends[i] < 0 ? ends[i] + d : ends[i];
    if (steps[i] > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    begin[a] = s;
    step[a] = steps[i];
    dims[a] = Math.max(0, Math.ceil((e - s) / steps[i]));
  }
  const inStrides = stridesOf(x.dims);
  const offset = begin.reduce((acc, b, k) => acc + b * inStrides[k], 0);
  if (numel(dims) === 0) return [{ dataType: x.dataType, dims, data: like(x.data, 0) }];
  return [{ dataType: x.dataType, dims, data: gatherStrided(x.data, dims, inStrides.map((s, k) => s * step[k]), offset) }];
}

function shapeOf(node: Node, dims: readonly number[]): Value[] {
  const r = dims.length;
  const clamp = (v: number) => Math.min(Math.max(norm(v, r), 0), r);
  const start = clamp(attrInt(node, 'start', 0));
  const end = clamp(attrInt(node, 'end', r));
  const part = dims.slice(start, Math.max(start, end));
  return [{ dataType: DataType.INT64, dims: [part.length], data: BigInt64Array.from(part, (d) => BigInt(d)) }];
}

// ---------------------------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------------------------

const ARITH_TYPES = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.INT32, DataType.INT64]);

function broadcast(a: readonly number[], b: readonly number[]): number[] | undefined {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Strides of `dims` read through the broadcast output `out` (0 on broadcast axes). */
function broadcastStrides(dims: readonly number[], out: readonly number[]): number[] {
  const own = stridesOf(dims);
  return out.map((_, k) => {
    const j = k - (out.length - dims.length);
    return j < 0 || dims[j] === 1 ? 0 : own[j];
  });
}

function arithmetic(op: string, a: Value, b: Value): Value[] | undefined {
  if (a.dataType !== b.dataType || !ARITH_TYPES.has(a.dataType)) return undefined;
  const dims = broadcast(a.dims, b.dims);
  if (!dims) return undefined;
  const n = numel(dims);
  const ea = broadcastView(a, dims);
  const eb = broadcastView(b, dims);
  const out = like(a.data, n);
  if (a.dataType === DataType.INT64) {
    const [x, y, o] = [ea as BigInt64Array, eb as BigInt64Array, out as BigInt64Array];
    for (let i = 0; i < n; i++) {
      if (op === 'Div' && (y[i] === 0n || (y[i] === -1n && x[i] === -(2n ** 63n)))) return undefined;
      const v = op === 'Add' ? x[i] + y[i] : op === 'Sub' ? x[i] - y[i] : op === 'Mul' ? x[i] * y[i] : x[i] / y[i];
      o[i] = BigInt.asIntN(64, v);
    }
  } else if (a.dataType === DataType.INT32) {
    const [x, y, o] = [ea as Int32Array, eb as Int32Array, out as Int32Array];
    for (let i = 0; i < n; i++) {
      if (op === 'Div' && (y[i] === 0 || (y[i] === -1 && x[i] === -(2 ** 31)))) return undefined;
      o[i] = op === 'Add' ? (x[i] + y[i]) | 0 : op === 'Sub' ? (x[i] - y[i]) | 0 : op === 'Mul' ? Math.imul(x[i], y[i]) : Math.trunc(x[i] / y[i]);
    }
  } else {
    const [x, y, o] = [ea as Float32Array | Float64Array, eb as Float32Array | Float64Array, out as Float32Array | Float64Array];
    for (let i = 0; i < n; i++) o[i] = op === 'Add' ? x[i] + y[i] : op === 'Sub' ? x[i] - y[i] : op === 'Mul' ? x[i] * y[i] : x[i] / y[i];
  }
  return [{ dataType: a.dataType, dims, data: out }];
}

function broadcastView(v: Value, dims: readonly number[]): TypedArray {
  if (v.dims.length === dims.length && v.dims.every((d, k) => d === dims[k])) return v.data;
  return gatherStrided(v.data, dims, broadcastStrides(v.dims, dims), 0);
}

// ---------------------------------------------------------------------------------------------
// Cast
// ---------------------------------------------------------------------------------------------

const INT_RANGE: Partial<Record<number, { bits: number; signed: boolean; ctor: Ctor }>> = {
  [DataType.INT8]: { bits: 8, signed: true, ctor: Int8Array },
  [DataType.UINT8]: { bits: 8, signed: false, ctor: Uint8Array },
  [DataType.INT16]: { bits: 16, signed: true, ctor: Int16Array },
  [DataType.UINT16]: { bits: 16, signed: false, ctor: Uint16Array },
  [DataType.INT32]: { bits: 32, signed: true, ctor: Int32Array },
  [DataType.INT64]: { bits: 64, signed: true, ctor: BigInt64Array },
};
const FLOATS = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16]);

function cast(x: Value, to: number): Value[] | undefined {
  const from = x.dataType;
  const n = x.data.length;
  const isFloat = FLOATS.has(from);
  if (!isFloat && !INT_RANGE[from] && from !== DataType.BOOL) return undefined;
  if (from === to) return [{ ...x }];
  if ((to === DataType.FLOAT16 && from !== DataType.FLOAT) || (from === DataType.FLOAT16 && to !== DataType.FLOAT)) return undefined;
  // Source elements as numbers (floats, small ints) or bigints (int64).
  const at = (i: number): number | bigint => (from === DataType.FLOAT16 ? halfToFloat((x.data as Uint16Array)[i]) : x.data[i]);
  const fill = <T extends TypedArray>(out: T, f: (v: number | bigint) => number | bigint | undefined): T | undefined => {
    for (let i = 0; i < n; i++) {
      const v = f(at(i));
      if (v === undefined) return undefined;
      (out as unknown as (number | bigint)[])[i] = v;
    }
    return out;
  };
  let data: TypedArray | undefined;
  if (to === DataType.FLOAT || to === DataType.DOUBLE) {
    data = fill(to === DataType.FLOAT ? new Float32Array(n) : new Float64Array(n), (v) => {
      if (typeof v === 'number') return v;
      if (to === DataType.FLOAT && (v > 2n ** 53n || v < -(2n ** 53n))) return undefined;
      return Number(v);
    });
  } else if (to === DataType.FLOAT16) {
    data = fill(new Uint16Array(n), (v) => floatToHalf(v as number));
  } else if (to === DataType.BOOL) {
    data = fill(new Uint8Array(n), (v) => (typeof v === 'bigint' ? (v !== 0n ? 1 : 0) : v !== 0 ? 1 : 0));
  } else {
    const range = INT_RANGE[to];
    if (!range) return undefined;
    const { bits, signed } = range;
    const wrap = (b: bigint) => (signed ? BigInt.asIntN(bits, b) : BigInt.asUintN(bits, b));
    const lo = signed ? -(2 ** (bits - 1)) : 0;
    const hi = signed ? 2 ** (bits - 1) : 2 ** bits;
    data = fill(new range.ctor(n), (v) => {
      let b: bigint;
      if (typeof v === 'bigint') b = wrap(v);
      else if (isFloat) {
        if (!Number.isFinite(v)) return undefined;
        const t = Math.trunc(v);
        if (t < lo || t >= hi) return undefined; // undefined behaviour in C++: leave it to the runtime
        b = BigInt(t);
      } else b = wrap(BigInt(v));
      return bits === 64 ? b : Number(b);
    });
  }
  return data ? [{ dataType: to, dims: [...x.dims], data }] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

/**
 * The node's outputs computed from its constant inputs (by position; undefined for an omitted
 * optional input), or undefined when this module cannot give onnxruntime's exact values. `shapeOnly`
 * holds the static shape of a non-constant first input, for Shape.
 */
export function evaluate(node: Node, inputs: readonly (Value | undefined)[], opset: number, shapeOnly?: readonly number[]): Value[] | undefined {
  const op = node.opType ?? '';
  if (op === 'Shape') return shapeOnly ? shapeOf(node, shapeOnly) : inputs[0] ? shapeOf(node, inputs[0].dims) : undefined;
  const x = inputs[0];
  if (!x) return undefined;
  switch (op) {
    case 'Identity':
      return [{ ...x }];
    case 'Reshape':
      return reshaped(x, reshapeDims(node, x, inputs[1] ? ints(inputs[1]) : attrInts(node, 'shape')));
    case 'Flatten': {
      const axis = norm(attrInt(node, 'axis', 1), x.dims.length);
      if (axis < 0 || axis > x.dims.length) return undefined;
      return reshaped(x, [numel(x.dims.slice(0, axis)), numel(x.dims.slice(axis))]);
    }
    case 'Squeeze':
    case 'Unsqueeze':
      if (node.input[1] && !inputs[1]) return undefined;
      return reshaped(x, squeezeDims(node, x, inputs[1]));
    case 'Transpose':
      return transpose(node, x);
    case 'Concat':
      return inputs.every((v): v is Value => v !== undefined) ? concat(node, inputs as Value[]) : undefined;
    case 'Gather':
      return inputs[1] ? gather(node, x, inputs[1]) : undefined;
    case 'Slice':
      return slice(node, x, inputs.slice(1), opset);
    case 'Cast': {
      const to = attrInt(node, 'to');
      return to === undefined ? undefined : cast(x, to);
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
      return inputs[1] && inputs.length === 2 ? arithmetic(op, x, inputs[1]) : undefined;
    default:
      return undefined;
  }
}
