/**
 * TensorProto <-> typed arrays, dtype facts and float16 conversion.
 *
 * Data may sit in raw_data (little-endian bytes) or in the typed repeated fields; both are read. A
 * Float32Array view over raw_data is zero-copy when the bytes are 4-byte aligned, a copy otherwise
 * (typed arrays require alignment).
 */
import { ZeropointError } from '../errors';
import type { RunnerTensor, TensorElementType, TensorValues } from '../runner';
import { DataType, type TensorProto } from './types';

export type TypedArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | BigInt64Array;

const names: Record<number, string> = Object.fromEntries(Object.entries(DataType).map(([k, v]) => [v, k]));

export function dataTypeName(dataType: number | undefined): string {
  return names[dataType ?? 0] ?? `unknown(${dataType})`;
}

/** Bytes per element of the types the engine handles; undefined for others. */
export function elementSize(dataType: number): number | undefined {
  switch (dataType) {
    case DataType.FLOAT:
    case DataType.INT32:
    case DataType.UINT32:
      return 4;
    case DataType.UINT8:
    case DataType.INT8:
    case DataType.BOOL:
      return 1;
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
    case DataType.INT16:
    case DataType.UINT16:
      return 2;
    case DataType.INT64:
    case DataType.DOUBLE:
    case DataType.UINT64:
      return 8;
    default:
      return undefined;
  }
}

export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function isFloatType(dataType: number | undefined): boolean {
  return dataType === DataType.FLOAT || dataType === DataType.FLOAT16 || dataType === DataType.DOUBLE || dataType === DataType.BFLOAT16;
}

function unsupported(t: TensorProto, where?: string): ZeropointError {
  return new ZeropointError('unsupported-dtype', `Unsupported data type '${t.dataType}' (${dataTypeName(t.dataType)}) in ${where ?? 'initializer'} '${t.name ?? ''}'.`, { subject: t.name });
}

function rawView<T extends TypedArray>(t: TensorProto, raw: Uint8Array, ctor: { new (b: ArrayBufferLike, o: number, n: number): T; new (n: number): T; BYTES_PER_ELEMENT: number }): T {
  if (raw.byteLength % ctor.BYTES_PER_ELEMENT !== 0) {
    throw new ZeropointError('bad-graph', `Tensor '${t.name ?? ''}' has ${raw.byteLength} bytes of raw data, not a multiple of its ${ctor.BYTES_PER_ELEMENT}-byte ${dataTypeName(t.dataType)} elements.`, { subject: t.name });
  }
  const n = raw.byteLength / ctor.BYTES_PER_ELEMENT;
  if (raw.byteOffset % ctor.BYTES_PER_ELEMENT === 0) return new ctor(raw.buffer, raw.byteOffset, n);
  const out = new ctor(n);
  new Uint8Array(out.buffer).set(raw);
  return out;
}

/**
 * The tensor's values as the natural typed array of its dtype (float16 as raw bits in a Uint16Array).
 * External data must have been attached first (see external.ts).
 */
export function tensorToArray(t: TensorProto): TypedArray {
  const dt = t.dataType ?? 0;
  if (t.dataLocation === 1 && t.rawData === undefined) {
    throw new ZeropointError('external-data', `Initializer '${t.name ?? ''}' keeps its data in an external file that was not provided. Add the model's data file(s) next to the .onnx.`, { subject: t.name });
  }
  const raw = t.rawData;
  const n = numel(t.dims);
  const check = <T extends TypedArray>(a: T): T => {
    if (a.length !== n) throw new ZeropointError('bad-graph', `Initializer '${t.name ?? ''}' has ${a.length} values but its shape [${t.dims.join(', ')}] needs ${n}.`, { subject: t.name });
    return a;
  };
  switch (dt) {
    case DataType.FLOAT:
      return check(raw ? rawView(t, raw, Float32Array) : (t.floatData ?? new Float32Array(0)));
    case DataType.DOUBLE:
      return check(raw ? rawView(t, raw, Float64Array) : (t.doubleData ?? new Float64Array(0)));
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
    case DataType.UINT16:
      // typed field: int32_data holds the 16-bit patterns
      return check(raw ? rawView(t, raw, Uint16Array) : Uint16Array.from(t.int32Data ?? []));
    case DataType.INT16:
      return check(raw ? rawView(t, raw, Int16Array) : Int16Array.from(t.int32Data ?? []));
    case DataType.INT8:
      return check(raw ? rawView(t, raw, Int8Array) : Int8Array.from(t.int32Data ?? []));
    case DataType.UINT8:
    case DataType.BOOL:
      return check(raw ? rawView(t, raw, Uint8Array) : Uint8Array.from(t.int32Data ?? []));
    case DataType.INT32:
      return check(raw ? rawView(t, raw, Int32Array) : (t.int32Data ?? new Int32Array(0)));
    case DataType.INT64:
      return check(raw ? rawView(t, raw, BigInt64Array) : BigInt64Array.from(t.int64Data ?? [], int64ToBigInt));
    default:
      throw unsupported(t);
  }
}

const INT64_MAX = 2n ** 63n - 1n;

/** A decoded int64 (a number; INT64_MAX reads as 2^63) as a bigint. BigInt64Array would wrap 2^63 to INT64_MIN. */
function int64ToBigInt(v: number): bigint {
  return v >= 9223372036854775808 ? INT64_MAX : BigInt(v);
}

/** Float values of a float32/float16/double tensor as a Float32Array. */
export function tensorToFloat32(t: TensorProto): Float32Array {
  const a = tensorToArray(t);
  switch (t.dataType) {
    case DataType.FLOAT:
      return a as Float32Array;
    case DataType.FLOAT16:
      return float16ToFloat32(a as Uint16Array);
    case DataType.DOUBLE:
      return Float32Array.from(a as Float64Array);
    default:
      throw unsupported(t, 'float tensor');
  }
}

/** Integer values (int8/uint8/int16/int32/int64) as plain numbers. */
export function tensorToNumbers(t: TensorProto): number[] {
  const a = tensorToArray(t);
  if (a instanceof BigInt64Array) return Array.from(a, (v) => Number(v));
  return Array.from(a as ArrayLike<number>);
}

function bytesOf(a: TypedArray): Uint8Array {
  // A fresh copy so the tensor owns its bytes (the input may be a reused scratch buffer).
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** Builds an initializer in raw_data form (how exporters write weights). */
export function makeTensor(name: string, dataType: number, dims: readonly number[], values: TypedArray): TensorProto {
  const size = elementSize(dataType);
  if (size === undefined) throw new ZeropointError('unsupported-dtype', `Unsupported data type '${dataType}' for new tensor '${name}'.`);
  if (values.length !== numel(dims)) throw new Error(`internal: tensor '${name}' has ${values.length} values for shape [${dims.join(',')}]`);
  return { name, dataType, dims: [...dims], rawData: bytesOf(values) };
}

export function scalarTensor(name: string, dataType: number, value: number): TensorProto {
  switch (dataType) {
    case DataType.FLOAT:
      return makeTensor(name, dataType, [], new Float32Array([value]));
    case DataType.UINT8:
      return makeTensor(name, dataType, [], new Uint8Array([value]));
    case DataType.INT8:
      return makeTensor(name, dataType, [], new Int8Array([value]));
    case DataType.INT32:
      return makeTensor(name, dataType, [], new Int32Array([value]));
    case DataType.INT64:
      return makeTensor(name, dataType, [], new BigInt64Array([BigInt(value)]));
    default:
      throw new ZeropointError('unsupported-dtype', `Unsupported scalar data type '${dataType}' for '${name}'.`);
  }
}

// ---------------------------------------------------------------------------------------------
// float16
// ---------------------------------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** float32 -> float16 bits, round to nearest even (IEEE), as numpy's astype(float16). */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rem > mid || (rem === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // a carry from the mantissa into the exponent is the correct rounding, including to Infinity
  return sign | (half + (rem > 0x1000 || (rem === 0x1000 && half & 1) ? 1 : 0));
}

export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfToFloat(bits[i]);
  return out;
}

export function float32ToFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// ONNX data type <-> runner element type
// ---------------------------------------------------------------------------------------------

const toElement: Partial<Record<number, TensorElementType>> = {
  [DataType.FLOAT]: 'float32',
  [DataType.FLOAT16]: 'float16',
  [DataType.INT8]: 'int8',
  [DataType.UINT8]: 'uint8',
  [DataType.INT32]: 'int32',
  [DataType.INT64]: 'int64',
  [DataType.BOOL]: 'bool',
  [DataType.DOUBLE]: 'float64',
  [DataType.INT16]: 'int16',
  [DataType.UINT16]: 'uint16',
};

export function elementTypeOf(dataType: number | undefined): TensorElementType | undefined {
  return toElement[dataType ?? 0];
}

/** A runner tensor's values as float32 (float16 bits are widened). */
export function runnerTensorToFloat32(t: RunnerTensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') return float16ToFloat32(t.data as Uint16Array);
  if (t.data instanceof BigInt64Array) return Float32Array.from(t.data, (v) => Number(v));
  return Float32Array.from(t.data as ArrayLike<number>);
}

/**
 * A TensorProto (an initializer, a Constant's value, an ONNX test data set's input_N.pb) as a runner
 * tensor: float16 stays as its bits in a Uint16Array, bool as a Uint8Array. Data in raw_data is a view,
 * not a copy. Throws 'unsupported-dtype' for a type the runner port has no element type for.
 */
export function tensorProtoToRunner(t: TensorProto): RunnerTensor {
  const type = elementTypeOf(t.dataType);
  if (type === undefined) {
    throw new ZeropointError('unsupported-dtype', `Tensor '${t.name ?? ''}' has data type ${dataTypeName(t.dataType)}, which the runner cannot carry.`, { subject: t.name });
  }
  return { type, dims: [...t.dims], data: tensorToArray(t) as TensorValues };
}
