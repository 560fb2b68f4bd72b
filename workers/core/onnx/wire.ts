/**
 * Protobuf wire format primitives shared by decode.ts and encode.ts.
 *
 * int64 values travel as JS numbers. Splitting into 32-bit halves keeps them exact up to 2^53 and
 * maps the INT64_MAX / INT64_MIN sentinels (Slice "to the end") to +/-2^63 and back.
 */
import { ZeropointError } from '../errors';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;

/** Thrown by the reader; decode.ts turns it into 'truncated' or 'not-onnx' with the file's context. */
export class WireError extends Error {
  constructor(
    message: string,
    readonly kind: 'eof' | 'malformed',
  ) {
    super(message);
  }
}

// ignoreBOM: a string that starts with U+FEFF keeps it (the default decoder strips it, so the string
// would lose 3 bytes and the model would no longer round-trip). Invalid UTF-8 still decodes to U+FFFD.
const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

export class Reader {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    public end = buf.length,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Varint that must fit in 32 bits unsigned (tags, lengths). */
  uint32(): number {
    const b = this.buf;
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('varint runs past the end', 'eof');
      const byte = b[this.pos++];
      if (shift < 32) result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result >>> 0 === result ? result : result % TWO_32;
      shift += 7;
    }
    throw new WireError('varint longer than 10 bytes', 'malformed');
  }

  /** Signed int64 varint (also used for int32/enum fields, which are sign-extended to 64 bits). */
  int64(): number {
    const { lo, hi } = this.varint64();
    return (hi | 0) * TWO_32 + lo;
  }

  uint64(): number {
    const { lo, hi } = this.varint64();
    return hi * TWO_32 + lo;
  }

  private varint64(): { lo: number; hi: number } {
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (; i < 4; i++) {
      if (this.pos >= this.end) throw new WireError('varint runs past the end', 'eof');
      const byte = b[this.pos++];
      lo = (lo | ((byte & 0x7f) << (i * 7))) >>> 0;
      if ((byte & 0x80) === 0) return { lo, hi };
    }
    // 5th byte: 4 bits to lo, 3 bits to hi
    if (this.pos >= this.end) throw new WireError('varint runs past the end', 'eof');
    let byte = b[this.pos++];
    lo = (lo | ((byte & 0x0f) << 28)) >>> 0;
    hi = (byte & 0x7f) >> 4;
    if ((byte & 0x80) === 0) return { lo, hi };
    for (i = 0; i < 5; i++) {
      if (this.pos >= this.end) throw new WireError('varint runs past the end', 'eof');
      byte = b[this.pos++];
      hi = (hi | ((byte & 0x7f) << (i * 7 + 3))) >>> 0;
      if ((byte & 0x80) === 0) return { lo, hi };
    }
    throw new WireError('varint longer than 10 bytes', 'malformed');
  }

  float(): number {
    if (this.pos + 4 > this.end) throw new WireError('fixed32 runs past the end', 'eof');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new WireError('fixed64 runs past the end', 'eof');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A zero-copy view of a length-delimited payload. */
  bytes(): Uint8Array {
    const len = this.uint32();
    const start = this.pos;
    if (start + len > this.end) throw new WireError(`a ${len}-byte field runs past the end`, 'eof');
    this.pos = start + len;
    return this.buf.subarray(start, start + len);
  }

  string(): string {
    return textDecoder.decode(this.bytes());
  }

  /** Reads a length prefix and returns the end of the sub-message. */
  subEnd(): number {
    const len = this.uint32();
    const end = this.pos + len;
    if (end > this.end) throw new WireError(`a ${len}-byte message runs past the end`, 'eof');
    return end;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        if (this.pos + 8 > this.end) throw new WireError('fixed64 runs past the end', 'eof');
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.bytes();
        return;
      case WIRE_FIXED32:
        if (this.pos + 4 > this.end) throw new WireError('fixed32 runs past the end', 'eof');
        this.pos += 4;
        return;
      default:
        throw new WireError(`wire type ${wireType} is not valid here`, 'malformed');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writing: one encode function per message runs twice, first against a Sizer (which records each
// sub-message's length), then against a Writer that fills one buffer allocated to the exact size.
// ---------------------------------------------------------------------------------------------

export interface Out {
  tag(field: number, wireType: number): void;
  uint32(v: number): void;
  int64(v: number): void;
  uint64(v: number): void;
  float(v: number): void;
  double(v: number): void;
  bytes(v: Uint8Array): void;
  /** Already-encoded bytes written verbatim (unknown fields keep their tag in `v`). */
  raw(v: Uint8Array): void;
  string(v: string): void;
  message<T extends object>(v: T, encode: (m: T, out: Out) => void): void;
  /** A packed repeated field whose payload is produced by `body`. */
  packed(key: object, body: (out: Out) => void): void;
}

export function varint32Size(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function split64(v: number, signed: boolean): { lo: number; hi: number } {
  if (signed) {
    if (v >= TWO_63) return { lo: 0xffffffff, hi: 0x7fffffff };
    if (v <= -TWO_63) return { lo: 0, hi: 0x80000000 };
  } else if (v >= TWO_63 * 2) {
    return { lo: 0xffffffff, hi: 0xffffffff };
  }
  const hi = Math.floor(v / TWO_32);
  const lo = v - hi * TWO_32;
  return { lo: lo >>> 0, hi: hi >>> 0 };
}

function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varint32Size(lo);
  // bits used = 32 + bit length of hi
  const bits = 32 + (32 - Math.clz32(hi));
  return Math.ceil(bits / 7);
}

const textEncoder = new TextEncoder();

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

export class Sizer implements Out {
  len = 0;
  readonly sizes = new Map<object, number>();
  tag(field: number, wireType: number): void {
    this.len += varint32Size(((field << 3) | wireType) >>> 0);
  }
  uint32(v: number): void {
    this.len += varint32Size(v >>> 0);
  }
  int64(v: number): void {
    const { lo, hi } = split64(v, true);
    this.len += varint64Size(lo, hi);
  }
  uint64(v: number): void {
    const { lo, hi } = split64(v, false);
    this.len += varint64Size(lo, hi);
  }
  float(): void {
    this.len += 4;
  }
  double(): void {
    this.len += 8;
  }
  bytes(v: Uint8Array): void {
    this.len += varint32Size(v.length) + v.length;
  }
  raw(v: Uint8Array): void {
    this.len += v.length;
  }
  string(v: string): void {
    const n = utf8Length(v);
    this.len += varint32Size(n) + n;
  }
  message<T extends object>(v: T, encode: (m: T, out: Out) => void): void {
    const start = this.len;
    encode(v, this);
    const size = this.len - start;
    this.sizes.set(v, size);
    this.len += varint32Size(size);
  }
  packed(key: object, body: (out: Out) => void): void {
    this.message(key, (_k, out) => body(out));
  }
}

export class Writer implements Out {
  readonly buf: Uint8Array;
  pos = 0;
  private readonly view: DataView;
  constructor(
    size: number,
    private readonly sizes: Map<object, number>,
  ) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
  tag(field: number, wireType: number): void {
    this.uint32(((field << 3) | wireType) >>> 0);
  }
  uint32(v: number): void {
    v >>>= 0;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }
  private varint64(lo: number, hi: number): void {
    while (hi !== 0 || lo >= 0x80) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }
  int64(v: number): void {
    const { lo, hi } = split64(v, true);
    this.varint64(lo, hi);
  }
  uint64(v: number): void {
    const { lo, hi } = split64(v, false);
    this.varint64(lo, hi);
  }
  float(v: number): void {
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }
  double(v: number): void {
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  bytes(v: Uint8Array): void {
    this.uint32(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }
  raw(v: Uint8Array): void {
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }
  string(v: string): void {
    const n = utf8Length(v);
    this.uint32(n);
    const { written } = textEncoder.encodeInto(v, this.buf.subarray(this.pos, this.pos + n));
    this.pos += written;
  }
  message<T extends object>(v: T, encode: (m: T, out: Out) => void): void {
    const size = this.sizes.get(v);
    if (size === undefined) throw new Error('internal: message was not sized');
    this.uint32(size);
    const start = this.pos;
    encode(v, this);
    if (this.pos - start !== size) throw new Error(`internal: message size ${this.pos - start} != sized ${size}`);
  }
  packed(key: object, body: (out: Out) => void): void {
    this.message(key, (_k, out) => body(out));
  }
}

/** Runs `encode` twice (size, then write) and returns exactly sized bytes. */
export function encodeMessage<T extends object>(msg: T, encode: (m: T, out: Out) => void): Uint8Array {
  const sizer = new Sizer();
  encode(msg, sizer);
  const writer = new Writer(sizer.len, sizer.sizes);
  encode(msg, writer);
  if (writer.pos !== sizer.len) throw new Error(`internal: wrote ${writer.pos} of ${sizer.len} bytes`);
  return writer.buf;
}

export function malformed(message: string): never {
  throw new ZeropointError('not-onnx', message);
}
