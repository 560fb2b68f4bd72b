/**
 * ModelProto decoder. One hand-written reader per message (like Netron's onnx.js): fields the engine
 * models become typed properties, everything else is kept as exact bytes in `unknown`. Byte payloads
 * (raw_data, strings of bytes) are views into the input, so decoding a 100 MB model does not copy its
 * weights.
 */
import { ZeropointError } from '../errors';
import type {
  Attribute,
  Dimension,
  Graph,
  Model,
  Node,
  OperatorSetId,
  StringStringEntry,
  TensorProto,
  TensorShape,
  TensorTypeProto,
  TypeProto,
  UnknownField,
  ValueInfo,
} from './types';
import { DEFAULT_LIMITS } from '../intake/limits';
import { Reader, WireError, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './wire';

type FieldReader<T> = (r: Reader, msg: T, field: number, wireType: number) => boolean;

/** Reads fields until `end`; a field the reader does not claim (or with an unexpected wire type) is kept verbatim. */
function readFields<T extends { unknown?: UnknownField[] }>(r: Reader, end: number, msg: T, read: FieldReader<T>): T {
  while (r.pos < end) {
    const start = r.pos;
    const key = r.uint32();
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 0) throw new WireError('field number 0', 'malformed');
    if (!read(r, msg, field, wireType)) {
      r.pos = start;
      r.uint32();
      r.skip(wireType);
      (msg.unknown ??= []).push({ field, bytes: r.buf.subarray(start, r.pos) });
    }
  }
  if (r.pos !== end) throw new WireError('a field runs past the end of its message', 'malformed');
  return msg;
}

function sub<T extends { unknown?: UnknownField[] }>(r: Reader, make: () => T, read: FieldReader<T>): T {
  const end = r.subEnd();
  const saved = r.end;
  r.end = end;
  const msg = readFields(r, end, make(), read);
  r.end = saved;
  return msg;
}

/** Repeated scalar: accepts packed and unpacked encodings. */
function repeated(r: Reader, wireType: number, scalarWire: number, readOne: () => void): boolean {
  if (wireType === WIRE_LEN) {
    const end = r.subEnd();
    while (r.pos < end) readOne();
    if (r.pos !== end) throw new WireError('a packed field runs past its end', 'malformed');
    return true;
  }
  if (wireType === scalarWire) {
    readOne();
    return true;
  }
  return false;
}

/**
 * Numeric repeated fields as they are read: chunks and values are collected here and joined once
 * when the tensor's message ends (finishTensor), so a field written unpacked (one tag per value) costs
 * linear time, not a copy of everything read so far per value.
 */
interface PendingTensorData {
  /** Packed chunks as typed arrays; unpacked values gathered into plain arrays between them. */
  floats?: Array<Float32Array | number[]>;
  int32?: number[];
  doubles?: number[];
}
const pendingData = new WeakMap<TensorProto, PendingTensorData>();

function pendingOf(t: TensorProto): PendingTensorData {
  let p = pendingData.get(t);
  if (!p) {
    p = {};
    pendingData.set(t, p);
  }
  return p;
}

function readFloats(r: Reader, wireType: number, t: TensorProto): boolean {
  if (wireType === WIRE_LEN) {
    const bytes = r.bytes();
    if (bytes.length % 4 !== 0) throw new WireError('packed float field length is not a multiple of 4', 'malformed');
    const values = new Float32Array(bytes.length / 4);
    new Uint8Array(values.buffer).set(bytes);
    (pendingOf(t).floats ??= []).push(values);
    return true;
  }
  if (wireType === WIRE_FIXED32) {
    const chunks = (pendingOf(t).floats ??= []);
    const last = chunks.at(-1);
    const v = r.float();
    if (Array.isArray(last)) last.push(v);
    else chunks.push([v]);
    return true;
  }
  return false;
}

/** Joins what readTensor collected into the tensor's typed arrays. */
function finishTensor(t: TensorProto): TensorProto {
  const p = pendingData.get(t);
  if (!p) return t;
  pendingData.delete(t);
  if (p.floats) {
    const out = new Float32Array(p.floats.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of p.floats) {
      out.set(c, at);
      at += c.length;
    }
    t.floatData = out;
  }
  if (p.int32) t.int32Data = Int32Array.from(p.int32);
  if (p.doubles) t.doubleData = Float64Array.from(p.doubles);
  return t;
}

const readStringEntry: FieldReader<StringStringEntry> = (r, m, f, w) => {
  if (w !== WIRE_LEN) return false;
  if (f === 1) m.key = r.string();
  else if (f === 2) m.value = r.string();
  else return false;
  return true;
};
const stringEntry = (r: Reader) => sub<StringStringEntry>(r, () => ({}), readStringEntry);

const readOpset: FieldReader<OperatorSetId> = (r, m, f, w) => {
  if (f === 1 && w === WIRE_LEN) m.domain = r.string();
  else if (f === 2 && w === WIRE_VARINT) m.version = r.int64();
  else return false;
  return true;
};

export const readTensor: FieldReader<TensorProto> = (r, t, f, w) => {
  switch (f) {
    case 1:
      return repeated(r, w, WIRE_VARINT, () => t.dims.push(r.int64()));
    case 2:
      if (w !== WIRE_VARINT) return false;
      t.dataType = r.int64();
      return true;
    case 4:
      return readFloats(r, w, t);
    case 5: {
      if (w !== WIRE_LEN && w !== WIRE_VARINT) return false;
      const vals = (pendingOf(t).int32 ??= []);
      return repeated(r, w, WIRE_VARINT, () => vals.push(r.int64()));
    }
    case 6:
      if (w !== WIRE_LEN) return false;
      (t.stringData ??= []).push(r.bytes());
      return true;
    case 7: {
      const vals = (t.int64Data ??= []);
      return repeated(r, w, WIRE_VARINT, () => vals.push(r.int64()));
    }
    case 8:
      if (w !== WIRE_LEN) return false;
      t.name = r.string();
      return true;
    case 9:
      if (w !== WIRE_LEN) return false;
      t.rawData = r.bytes();
      return true;
    case 10: {
      if (w !== WIRE_LEN && w !== WIRE_FIXED64) return false;
      const vals = (pendingOf(t).doubles ??= []);
      return repeated(r, w, WIRE_FIXED64, () => vals.push(r.double()));
    }
    case 11: {
      const vals = (t.uint64Data ??= []);
      return repeated(r, w, WIRE_VARINT, () => vals.push(r.uint64()));
    }
    case 12:
      if (w !== WIRE_LEN) return false;
      t.docString = r.string();
      return true;
    case 13:
      if (w !== WIRE_LEN) return false;
      (t.externalData ??= []).push(stringEntry(r));
      return true;
    case 14:
      if (w !== WIRE_VARINT) return false;
      t.dataLocation = r.int64();
      return true;
    case 16:
      if (w !== WIRE_LEN) return false;
      (t.metadataProps ??= []).push(stringEntry(r));
      return true;
    default:
      return false;
  }
};
const tensor = (r: Reader) => finishTensor(sub<TensorProto>(r, () => ({ dims: [] }), readTensor));

const readDimension: FieldReader<Dimension> = (r, d, f, w) => {
  if (f === 1 && w === WIRE_VARINT) d.dimValue = r.int64();
  else if (f === 2 && w === WIRE_LEN) d.dimParam = r.string();
  else if (f === 3 && w === WIRE_LEN) d.denotation = r.string();
  else return false;
  return true;
};
const readShape: FieldReader<TensorShape> = (r, s, f, w) => {
  if (f !== 1 || w !== WIRE_LEN) return false;
  s.dim.push(sub<Dimension>(r, () => ({}), readDimension));
  return true;
};
const readTensorType: FieldReader<TensorTypeProto> = (r, t, f, w) => {
  if (f === 1 && w === WIRE_VARINT) t.elemType = r.int64();
  else if (f === 2 && w === WIRE_LEN) t.shape = sub<TensorShape>(r, () => ({ dim: [] }), readShape);
  else return false;
  return true;
};
const readType: FieldReader<TypeProto> = (r, t, f, w) => {
  if (f === 1 && w === WIRE_LEN) t.tensorType = sub<TensorTypeProto>(r, () => ({}), readTensorType);
  else if (f === 6 && w === WIRE_LEN) t.denotation = r.string();
  else return false;
  return true;
};
const readValueInfo: FieldReader<ValueInfo> = (r, v, f, w) => {
  if (w !== WIRE_LEN) return false;
  if (f === 1) v.name = r.string();
  else if (f === 2) v.type = sub<TypeProto>(r, () => ({}), readType);
  else if (f === 3) v.docString = r.string();
  else if (f === 4) (v.metadataProps ??= []).push(stringEntry(r));
  else return false;
  return true;
};
const valueInfo = (r: Reader) => sub<ValueInfo>(r, () => ({}), readValueInfo);

const readAttribute: FieldReader<Attribute> = (r, a, f, w) => {
  switch (f) {
    case 1:
      if (w !== WIRE_LEN) return false;
      a.name = r.string();
      return true;
    case 2:
      if (w !== WIRE_FIXED32) return false;
      a.f = r.float();
      return true;
    case 3:
      if (w !== WIRE_VARINT) return false;
      a.i = r.int64();
      return true;
    case 4:
      if (w !== WIRE_LEN) return false;
      a.s = r.bytes();
      return true;
    case 5:
      if (w !== WIRE_LEN) return false;
      a.t = tensor(r);
      return true;
    case 6:
      if (w !== WIRE_LEN) return false;
      a.g = graph(r);
      return true;
    case 7:
      return repeated(r, w, WIRE_FIXED32, () => a.floats.push(r.float()));
    case 8:
      return repeated(r, w, WIRE_VARINT, () => a.ints.push(r.int64()));
    case 9:
      if (w !== WIRE_LEN) return false;
      a.strings.push(r.bytes());
      return true;
    case 10:
      if (w !== WIRE_LEN) return false;
      a.tensors.push(tensor(r));
      return true;
    case 11:
      if (w !== WIRE_LEN) return false;
      a.graphs.push(graph(r));
      return true;
    case 13:
      if (w !== WIRE_LEN) return false;
      a.docString = r.string();
      return true;
    case 20:
      if (w !== WIRE_VARINT) return false;
      a.type = r.int64();
      return true;
    case 21:
      if (w !== WIRE_LEN) return false;
      a.refAttrName = r.string();
      return true;
    default:
      return false;
  }
};

const readNode: FieldReader<Node> = (r, n, f, w) => {
  if (w !== WIRE_LEN) return false;
  switch (f) {
    case 1:
      n.input.push(r.string());
      return true;
    case 2:
      n.output.push(r.string());
      return true;
    case 3:
      n.name = r.string();
      return true;
    case 4:
      n.opType = r.string();
      return true;
    case 5:
      n.attribute.push(sub<Attribute>(r, () => ({ floats: [], ints: [], strings: [], tensors: [], graphs: [] }), readAttribute));
      return true;
    case 6:
      n.docString = r.string();
      return true;
    case 7:
      n.domain = r.string();
      return true;
    case 8:
      n.overload = r.string();
      return true;
    case 9:
      (n.metadataProps ??= []).push(stringEntry(r));
      return true;
    default:
      return false;
  }
};

const readGraph: FieldReader<Graph> = (r, g, f, w) => {
  if (w !== WIRE_LEN) return false;
  switch (f) {
    case 1:
      g.node.push(sub<Node>(r, () => ({ input: [], output: [], attribute: [] }), readNode));
      return true;
    case 2:
      g.name = r.string();
      return true;
    case 5:
      g.initializer.push(tensor(r));
      return true;
    case 10:
      g.docString = r.string();
      return true;
    case 11:
      g.input.push(valueInfo(r));
      return true;
    case 12:
      g.output.push(valueInfo(r));
      return true;
    case 13:
      g.valueInfo.push(valueInfo(r));
      return true;
    case 16:
      (g.metadataProps ??= []).push(stringEntry(r));
      return true;
    default:
      return false;
  }
};
/** Graphs being read, outermost first: decoding is synchronous, so one counter serves every call. */
let graphDepth = 0;
let maxGraphDepth = DEFAULT_LIMITS.maxGraphDepth;

/** Thrown when subgraphs nest deeper than the limit; decodeModel names the file. */
class TooDeep extends Error {}

function graph(r: Reader): Graph {
  // The main graph is depth 1; each If/Loop/Scan body one more. The bound keeps the recursion (here
  // and in every later walk over subgraphs) to what a real model needs.
  if (graphDepth >= maxGraphDepth + 1) throw new TooDeep();
  graphDepth++;
  try {
    return sub<Graph>(r, () => ({ node: [], initializer: [], input: [], output: [], valueInfo: [] }), readGraph);
  } finally {
    graphDepth--;
  }
}

const readModel: FieldReader<Model> = (r, m, f, w) => {
  switch (f) {
    case 1:
      if (w !== WIRE_VARINT) return false;
      m.irVersion = r.int64();
      return true;
    case 2:
      if (w !== WIRE_LEN) return false;
      m.producerName = r.string();
      return true;
    case 3:
      if (w !== WIRE_LEN) return false;
      m.producerVersion = r.string();
      return true;
    case 4:
      if (w !== WIRE_LEN) return false;
      m.domain = r.string();
      return true;
    case 5:
      if (w !== WIRE_VARINT) return false;
      m.modelVersion = r.int64();
      return true;
    case 6:
      if (w !== WIRE_LEN) return false;
      m.docString = r.string();
      return true;
    case 7:
      if (w !== WIRE_LEN) return false;
      m.graph = graph(r);
      return true;
    case 8:
      if (w !== WIRE_LEN) return false;
      m.opsetImport.push(sub<OperatorSetId>(r, () => ({}), readOpset));
      return true;
    case 14:
      if (w !== WIRE_LEN) return false;
      (m.metadataProps ??= []).push(stringEntry(r));
      return true;
    default:
      return false;
  }
};

/** ModelProto fields the codec does not model: training_info (20), functions (25), configuration (26). */
const MODEL_FIELDS_KEPT_AS_BYTES = new Set([20, 25, 26]);

export interface DecodeOptions {
  /** Named in error messages: a file name or path. */
  readonly source?: string;
  /** Subgraphs nested inside subgraphs that are accepted (DEFAULT_LIMITS.maxGraphDepth). */
  readonly maxGraphDepth?: number;
}

/**
 * Decodes an ONNX model. Throws 'truncated' when the bytes end inside a field of what looks like a
 * model, and 'not-onnx' for anything else that is not a ModelProto with a graph.
 */
export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): Model {
  const source = options.source ?? 'the model';
  const model: Model = { opsetImport: [] };
  const depthLimit = options.maxGraphDepth ?? DEFAULT_LIMITS.maxGraphDepth;
  try {
    maxGraphDepth = depthLimit;
    graphDepth = 0;
    readFields(new Reader(bytes), bytes.length, model, readModel);
  } catch (e) {
    if (e instanceof TooDeep) {
      throw new ZeropointError('bad-model', `'${source}' nests subgraphs (If/Loop/Scan bodies) more than ${depthLimit} deep, where real models nest a few levels; the file is malformed or made to exhaust the reader, and is refused.`, { subject: source });
    }
    if (!(e instanceof WireError)) throw e;
    // A ModelProto written by any ONNX exporter starts with ir_version (field 1, varint): 0x08.
    if (e.kind === 'eof' && bytes[0] === 0x08) {
      throw new ZeropointError('truncated', `'${source}' is truncated: it ends in the middle of the model (${bytes.length} bytes read). Copy or download the file again.`, { subject: source });
    }
    throw notOnnx(source);
  }
  // Stray fields that are not ModelProto fields at all suggest some other protobuf that happens to
  // parse. training_info, functions and configuration are kept as bytes but are legitimate, and a
  // model may have any number of them (one entry per local function).
  const stray = model.unknown?.filter((u) => !MODEL_FIELDS_KEPT_AS_BYTES.has(u.field)).length ?? 0;
  if (model.graph === undefined || model.irVersion === undefined || stray > model.opsetImport.length + 8) {
    throw notOnnx(source);
  }
  return model;
}

function notOnnx(source: string): ZeropointError {
  return new ZeropointError('not-onnx', `'${source}' is not an ONNX model (no ModelProto with a graph could be read). Choose a .onnx file exported by PyTorch, TensorFlow or another ONNX exporter.`, { subject: source });
}

/** Decodes a serialized TensorProto (the .pb files of ONNX test data sets). */
export function decodeTensor(bytes: Uint8Array, options: DecodeOptions = {}): TensorProto {
  try {
    return finishTensor(readFields<TensorProto>(new Reader(bytes), bytes.length, { dims: [] }, readTensor));
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    throw new ZeropointError('not-onnx', `'${options.source ?? 'the tensor'}' is not a serialized ONNX TensorProto (${e.message}).`);
  }
}
