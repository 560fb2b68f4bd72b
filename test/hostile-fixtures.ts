/**
 * Hostile inputs made at test time (cli/hostile.test.ts) and for the bench's memory figures
 * (bench/hostile.ts): small valid models bent one field at a time, models and files whose bytes are
 * built directly (a 5,000-deep If nest, 200k unpacked values, a 16000x16000 PNG header), links,
 * devices and FIFOs in a folder of the caller's. Nothing here touches a path outside that folder.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { buildModel, floatTensor, node, valueInfo } from '../workers/core/onnx/build';
import { encodeModel } from '../workers/core/onnx/encode';
import { makeTensor } from '../workers/core/onnx/tensor';
import { DataType, type Attribute, type Graph, type Model, type TensorProto } from '../workers/core/onnx/types';

/** x [1,3,8,8] -> Conv(W [4,3,3,3], B [4], pad 1) -> Relu -> y [1,4,8,8], opset 13: quantizes in a second. */
export function tinyConvModel(): Model {
  return buildModel({
    opset: 13,
    nodes: [
      node('Conv', ['x', 'W', 'B'], ['c'], { name: 'conv', attributes: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1], floats: [], strings: [], tensors: [], graphs: [] }] }),
      node('Relu', ['c'], ['y'], { name: 'relu' }),
    ],
    initializers: [floatTensor('W', [4, 3, 3, 3], (i) => ((i * 37) % 17) / 17 - 0.5), floatTensor('B', [4], (i) => i / 10)],
    inputs: [valueInfo('x', [1, 3, 8, 8])],
    outputs: [valueInfo('y', [1, 4, 8, 8])],
  });
}

export const encode = (m: Model): Uint8Array => encodeModel(m);

/** The tiny model with one change applied to a fresh copy. */
export function bent(change: (m: Model) => void): Uint8Array {
  const m = tinyConvModel();
  change(m);
  return encodeModel(m);
}

/** The tiny model with W in an external data file at `location` (its bytes returned for writing). */
export function externalWeightModel(location: string): { model: Uint8Array; data: Uint8Array } {
  const m = tinyConvModel();
  const w = m.graph!.initializer[0];
  const data = w.rawData!.slice();
  delete w.rawData;
  w.dataLocation = 1;
  w.externalData = [
    { key: 'location', value: location },
    { key: 'offset', value: '0' },
    { key: 'length', value: String(data.length) },
  ];
  return { model: encodeModel(m), data };
}

const attr = (a: Partial<Attribute> & { name: string }): Attribute => ({ floats: [], ints: [], strings: [], tensors: [], graphs: [], ...a });

/**
 * x -> Loop(M = 1e12, cond computed in the body as iter < 1e12) carrying x -> Conv -> y. The check
 * cannot prove it endless (the condition is computed), so only the run budget stops it.
 */
export function slowLoopModel(): Uint8Array {
  const body: Graph = {
    name: 'body',
    node: [node('Less', ['iter', 'limit'], ['cond_out'], { name: 'keep_going' }), node('Identity', ['v_in'], ['v_out'], { name: 'carry' })],
    initializer: [makeTensor('limit', DataType.INT64, [], new BigInt64Array([10n ** 12n]))],
    input: [valueInfo('iter', [], DataType.INT64), valueInfo('cond_in', [], DataType.BOOL), valueInfo('v_in', [1, 3, 8, 8])],
    output: [valueInfo('cond_out', [], DataType.BOOL), valueInfo('v_out', [1, 3, 8, 8])],
    valueInfo: [],
  };
  const m = tinyConvModel();
  const g = m.graph!;
  g.initializer.push(makeTensor('M', DataType.INT64, [], new BigInt64Array([10n ** 12n])), makeTensor('start', DataType.BOOL, [], new Uint8Array([1])));
  g.node.unshift(node('Loop', ['M', 'start', 'x'], ['looped'], { name: 'loop', attributes: [attr({ name: 'body', type: 5, g: body })] }));
  g.node[1].input[0] = 'looped';
  return encodeModel(m);
}

/** A Loop of 1e12 iterations with a constant true condition passed through: provably endless. */
export function constantLoopModel(): Uint8Array {
  const body: Graph = {
    name: 'body',
    node: [node('Identity', ['cond_in'], ['cond_out'], { name: 'same' }), node('Identity', ['v_in'], ['v_out'], { name: 'carry' })],
    initializer: [],
    input: [valueInfo('iter', [], DataType.INT64), valueInfo('cond_in', [], DataType.BOOL), valueInfo('v_in', [1, 3, 8, 8])],
    output: [valueInfo('cond_out', [], DataType.BOOL), valueInfo('v_out', [1, 3, 8, 8])],
    valueInfo: [],
  };
  const m = tinyConvModel();
  const g = m.graph!;
  g.initializer.push(makeTensor('M', DataType.INT64, [], new BigInt64Array([10n ** 12n])));
  g.node.unshift(node('Loop', ['M', '', 'x'], ['looped'], { name: 'endless_loop', attributes: [attr({ name: 'body', type: 5, g: body })] }));
  g.node[1].input[0] = 'looped';
  return encodeModel(m);
}

function varint(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

function lengthDelimited(field: number, payload: number[]): number[] {
  const out: number[] = [];
  varint((field << 3) | 2, out);
  varint(payload.length, out);
  for (const b of payload) out.push(b);
  return out;
}

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/**
 * A model whose graph nests If subgraphs `depth` deep, built as bytes from the inside out without
 * recursion (every level is a prefix: graph{node{input,output,op_type,attribute{name,type,g:<inner>}}}).
 */
export function nestedIfModel(depth: number): Uint8Array {
  const nodeHead = [...lengthDelimited(1, ascii('c')), ...lengthDelimited(2, ascii('o')), ...lengthDelimited(4, ascii('If'))];
  const attrHead = [...lengthDelimited(1, ascii('then_branch')), 0xa0, 0x01, 0x05]; // name, type (field 20) = GRAPH
  let innerSize = 0; // the innermost graph is empty
  const prefixes: number[][] = [];
  for (let k = 0; k < depth; k++) {
    const gField: number[] = [0x32];
    varint(innerSize, gField); // attribute.g (field 6)
    const attrSize = attrHead.length + gField.length + innerSize;
    const aField: number[] = [0x2a];
    varint(attrSize, aField); // node.attribute (field 5)
    const nodeSize = nodeHead.length + aField.length + attrSize;
    const nField: number[] = [0x0a];
    varint(nodeSize, nField); // graph.node (field 1)
    prefixes.push([...nField, ...nodeHead, ...aField, ...attrHead, ...gField]);
    innerSize = nField.length + nodeSize;
  }
  const head: number[] = [0x08, 0x08, ...lengthDelimited(8, [0x10, 0x0d]), 0x3a]; // ir 8, opset 13, graph (field 7)
  varint(innerSize, head);
  const out = new Uint8Array(head.length + innerSize);
  out.set(head);
  let at = head.length;
  for (let k = prefixes.length - 1; k >= 0; k--) {
    out.set(prefixes[k], at);
    at += prefixes[k].length;
  }
  return out;
}

/** The tiny model plus an initializer of `count` int32 values written unpacked (one tag each). */
export function unpackedInt32Model(count: number): Uint8Array {
  const m = tinyConvModel();
  const field: number[] = [];
  for (let i = 0; i < count; i++) {
    field.push(0x28);
    varint(i % 100, field);
  }
  const big: TensorProto = { name: 'unpacked', dims: [count], dataType: DataType.INT32, unknown: [{ field: 5, bytes: Uint8Array.from(field) }] };
  m.graph!.initializer.push(big);
  return encodeModel(m);
}

/** The tiny model plus an initializer of `count` floats written unpacked (5 bytes each). */
export function unpackedFloatModel(count: number): Uint8Array {
  const m = tinyConvModel();
  const field = new Uint8Array(count * 5);
  for (let i = 0; i < count; i++) field.set([0x25, 0, 0, 0x80, 0x3f], i * 5);
  m.graph!.initializer.push({ name: 'unpacked', dims: [count], dataType: DataType.FLOAT, unknown: [{ field: 4, bytes: field }] });
  return encodeModel(m);
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(ascii(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A PNG that declares width x height gray pixels (valid header and CRCs; the pixel data is cut short). */
export function bigPngHeader(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', Uint8Array.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), pngChunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** JSON nested `depth` arrays deep. */
export const nestedJson = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

export function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

/** A character device node like /dev/null (major 1, minor 3) at `path`; false when not allowed (not root). */
export function mknodNull(path: string): boolean {
  try {
    execFileSync('mknod', [path, 'c', '1', '3'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function writeBytes(path: string, bytes: Uint8Array | string): void {
  writeFileSync(path, bytes);
}
