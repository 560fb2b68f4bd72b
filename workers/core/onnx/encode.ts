/**
 * ModelProto encoder: fields in field-number order (as protobuf's C++ and upb serializers write them),
 * with the fields the engine does not model re-emitted verbatim at their field-number position. For a
 * model written by a standard serializer, decode -> encode reproduces the exact bytes.
 */
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
import { encodeMessage, type Out, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './wire';

/** Emits unknown fields in order, interleaved with known ones by field number. */
class UnknownCursor {
  private i = 0;
  constructor(
    private readonly fields: UnknownField[] | undefined,
    private readonly out: Out,
  ) {}
  /** Writes every pending unknown field numbered below `field`. */
  before(field: number): void {
    const f = this.fields;
    if (!f) return;
    while (this.i < f.length && f[this.i].field < field) this.out.raw(f[this.i++].bytes);
  }
  rest(): void {
    this.before(Number.MAX_SAFE_INTEGER);
  }
}

function str(out: Out, field: number, v: string | undefined): void {
  if (v === undefined) return;
  out.tag(field, WIRE_LEN);
  out.string(v);
}
function int(out: Out, field: number, v: number | undefined): void {
  if (v === undefined) return;
  out.tag(field, WIRE_VARINT);
  out.int64(v);
}
function msgs<T extends object>(out: Out, field: number, list: T[] | undefined, enc: (m: T, out: Out) => void): void {
  if (!list) return;
  for (const m of list) {
    out.tag(field, WIRE_LEN);
    out.message(m, enc);
  }
}
function msg<T extends object>(out: Out, field: number, m: T | undefined, enc: (m: T, out: Out) => void): void {
  if (m === undefined) return;
  out.tag(field, WIRE_LEN);
  out.message(m, enc);
}

function encStringEntry(e: StringStringEntry, out: Out): void {
  const u = new UnknownCursor(e.unknown, out);
  u.before(1);
  str(out, 1, e.key);
  u.before(2);
  str(out, 2, e.value);
  u.rest();
}

function encOpset(o: OperatorSetId, out: Out): void {
  const u = new UnknownCursor(o.unknown, out);
  u.before(1);
  str(out, 1, o.domain);
  u.before(2);
  int(out, 2, o.version);
  u.rest();
}

function encTensor(t: TensorProto, out: Out): void {
  const u = new UnknownCursor(t.unknown, out);
  u.before(1);
  for (const d of t.dims) int(out, 1, d); // proto2, not packed
  u.before(2);
  int(out, 2, t.dataType);
  u.before(4);
  const fd = t.floatData;
  if (fd && fd.length > 0) {
    out.tag(4, WIRE_LEN);
    out.packed(fd, (o) => o.raw(new Uint8Array(fd.buffer, fd.byteOffset, fd.byteLength)));
  }
  u.before(5);
  const i32 = t.int32Data;
  if (i32 && i32.length > 0) {
    out.tag(5, WIRE_LEN);
    out.packed(i32, (o) => {
      for (const v of i32) o.int64(v);
    });
  }
  u.before(6);
  for (const s of t.stringData ?? []) {
    out.tag(6, WIRE_LEN);
    out.bytes(s);
  }
  u.before(7);
  const i64 = t.int64Data;
  if (i64 && i64.length > 0) {
    out.tag(7, WIRE_LEN);
    out.packed(i64, (o) => {
      for (const v of i64) o.int64(v);
    });
  }
  u.before(8);
  str(out, 8, t.name);
  u.before(9);
  if (t.rawData !== undefined) {
    out.tag(9, WIRE_LEN);
    out.bytes(t.rawData);
  }
  u.before(10);
  const dd = t.doubleData;
  if (dd && dd.length > 0) {
    out.tag(10, WIRE_LEN);
    out.packed(dd, (o) => {
      for (const v of dd) o.double(v);
    });
  }
  u.before(11);
  const u64 = t.uint64Data;
  if (u64 && u64.length > 0) {
    out.tag(11, WIRE_LEN);
    out.packed(u64, (o) => {
      for (const v of u64) o.uint64(v);
    });
  }
  u.before(12);
  str(out, 12, t.docString);
  u.before(13);
  msgs(out, 13, t.externalData, encStringEntry);
  u.before(14);
  int(out, 14, t.dataLocation);
  u.before(16);
  msgs(out, 16, t.metadataProps, encStringEntry);
  u.rest();
}

function encDimension(d: Dimension, out: Out): void {
  const u = new UnknownCursor(d.unknown, out);
  u.before(1);
  int(out, 1, d.dimValue);
  u.before(2);
  str(out, 2, d.dimParam);
  u.before(3);
  str(out, 3, d.denotation);
  u.rest();
}
function encShape(s: TensorShape, out: Out): void {
  const u = new UnknownCursor(s.unknown, out);
  u.before(1);
  msgs(out, 1, s.dim, encDimension);
  u.rest();
}
function encTensorType(t: TensorTypeProto, out: Out): void {
  const u = new UnknownCursor(t.unknown, out);
  u.before(1);
  int(out, 1, t.elemType);
  u.before(2);
  msg(out, 2, t.shape, encShape);
  u.rest();
}
function encType(t: TypeProto, out: Out): void {
  const u = new UnknownCursor(t.unknown, out);
  u.before(1);
  msg(out, 1, t.tensorType, encTensorType);
  u.before(6);
  str(out, 6, t.denotation);
  u.rest();
}
function encValueInfo(v: ValueInfo, out: Out): void {
  const u = new UnknownCursor(v.unknown, out);
  u.before(1);
  str(out, 1, v.name);
  u.before(2);
  msg(out, 2, v.type, encType);
  u.before(3);
  str(out, 3, v.docString);
  u.before(4);
  msgs(out, 4, v.metadataProps, encStringEntry);
  u.rest();
}

function encAttribute(a: Attribute, out: Out): void {
  const u = new UnknownCursor(a.unknown, out);
  u.before(1);
  str(out, 1, a.name);
  u.before(2);
  if (a.f !== undefined) {
    out.tag(2, WIRE_FIXED32);
    out.float(a.f);
  }
  u.before(3);
  int(out, 3, a.i);
  u.before(4);
  if (a.s !== undefined) {
    out.tag(4, WIRE_LEN);
    out.bytes(a.s);
  }
  u.before(5);
  msg(out, 5, a.t, encTensor);
  u.before(6);
  msg(out, 6, a.g, encGraph);
  u.before(7);
  for (const f of a.floats) {
    out.tag(7, WIRE_FIXED32);
    out.float(f);
  }
  u.before(8);
  for (const i of a.ints) int(out, 8, i);
  u.before(9);
  for (const s of a.strings) {
    out.tag(9, WIRE_LEN);
    out.bytes(s);
  }
  u.before(10);
  msgs(out, 10, a.tensors, encTensor);
  u.before(11);
  msgs(out, 11, a.graphs, encGraph);
  u.before(13);
  str(out, 13, a.docString);
  u.before(20);
  int(out, 20, a.type);
  u.before(21);
  str(out, 21, a.refAttrName);
  u.rest();
}

function encNode(n: Node, out: Out): void {
  const u = new UnknownCursor(n.unknown, out);
  u.before(1);
  for (const s of n.input) str(out, 1, s);
  u.before(2);
  for (const s of n.output) str(out, 2, s);
  u.before(3);
  str(out, 3, n.name);
  u.before(4);
  str(out, 4, n.opType);
  u.before(5);
  msgs(out, 5, n.attribute, encAttribute);
  u.before(6);
  str(out, 6, n.docString);
  u.before(7);
  str(out, 7, n.domain);
  u.before(8);
  str(out, 8, n.overload);
  u.before(9);
  msgs(out, 9, n.metadataProps, encStringEntry);
  u.rest();
}

function encGraph(g: Graph, out: Out): void {
  const u = new UnknownCursor(g.unknown, out);
  u.before(1);
  msgs(out, 1, g.node, encNode);
  u.before(2);
  str(out, 2, g.name);
  u.before(5);
  msgs(out, 5, g.initializer, encTensor);
  u.before(10);
  str(out, 10, g.docString);
  u.before(11);
  msgs(out, 11, g.input, encValueInfo);
  u.before(12);
  msgs(out, 12, g.output, encValueInfo);
  u.before(13);
  msgs(out, 13, g.valueInfo, encValueInfo);
  u.before(16);
  msgs(out, 16, g.metadataProps, encStringEntry);
  u.rest();
}

function encModel(m: Model, out: Out): void {
  const u = new UnknownCursor(m.unknown, out);
  u.before(1);
  int(out, 1, m.irVersion);
  u.before(2);
  str(out, 2, m.producerName);
  u.before(3);
  str(out, 3, m.producerVersion);
  u.before(4);
  str(out, 4, m.domain);
  u.before(5);
  int(out, 5, m.modelVersion);
  u.before(6);
  str(out, 6, m.docString);
  u.before(7);
  msg(out, 7, m.graph, encGraph);
  u.before(8);
  msgs(out, 8, m.opsetImport, encOpset);
  u.before(14);
  msgs(out, 14, m.metadataProps, encStringEntry);
  u.rest();
}

export function encodeModel(model: Model): Uint8Array {
  return encodeMessage(model, encModel);
}

export function encodeTensor(tensor: TensorProto): Uint8Array {
  return encodeMessage(tensor, encTensor);
}

// double fixed64 tag constant kept for readers of this file: doubleData is packed (WIRE_LEN).
void WIRE_FIXED64;
