/**
 * Broken and hostile inputs made at test time (nothing here is committed as a file): the real MNIST
 * model bent one field at a time, If subgraphs nested past the decoder's limit (40 levels through the
 * engine's encoder, 5,000 levels written as bytes without recursion), a tiny image model whose Loop
 * runs 1e12 iterations behind a computed condition (no static check can prove it endless; only a run
 * budget stops it), and a valid 16000x16000 PNG of a few hundred kilobytes. Used by
 * workers/model-files.test.ts and workers/decode-image.test.ts (the intake refuses each) and
 * e2e/bad-input.spec.ts (the workbench says so in the Model, Data and Calibrate steps).
 */
import { readFileSync } from 'node:fs';
import zlib, { crc32 } from 'node:zlib';
import { buildModel, floatTensor, node, valueInfo } from '../workers/core/onnx/build';
import { decodeModel } from '../workers/core/onnx/decode';
import { encodeModel } from '../workers/core/onnx/encode';
import { makeTensor } from '../workers/core/onnx/tensor';
import { DataType, type Attribute, type Graph, type Model, type Node, type TensorProto } from '../workers/core/onnx/types';
import { model as modelPath } from './assets';

export const MNIST_PATH = modelPath('mnist.onnx');

/** A fresh decoded copy of MNIST (opset 7: Input3 [1,1,28,28] -> Conv/Add/Relu/MaxPool x2 -> MatMul -> [1,10]). */
export function mnist(): Model {
  return decodeModel(readFileSync(MNIST_PATH), { source: 'mnist.onnx' });
}

/** MNIST with one change applied, encoded. */
export function bentMnist(change: (m: Model) => void): Uint8Array {
  const m = mnist();
  change(m);
  return encodeModel(m);
}

const attr = (a: Partial<Attribute> & { name: string }): Attribute => ({ floats: [], ints: [], strings: [], tensors: [], graphs: [], ...a });

function initializer(m: Model, name: string) {
  const t = m.graph!.initializer.find((x) => x.name === name);
  if (!t) throw new Error(`mnist.onnx has no initializer ${name}`);
  return t;
}

/** A Loop `name` over `carried` (shape `dims`) of M = 1e12 iterations; `computed` makes its condition `iter < 1e12`. */
function loopOf(name: string, carried: string, out: string, dims: number[], computed: boolean): { loop: Node; tensors: TensorProto[] } {
  const body: Graph = {
    name: `${name}_body`,
    node: [
      computed ? node('Less', ['iter', 'limit'], ['cond_out'], { name: 'keep_going' }) : node('Identity', ['cond_in'], ['cond_out'], { name: 'same_condition' }),
      node('Identity', ['v_in'], ['v_out'], { name: 'carry' }),
    ],
    initializer: computed ? [makeTensor('limit', DataType.INT64, [], new BigInt64Array([10n ** 12n]))] : [],
    input: [valueInfo('iter', [], DataType.INT64), valueInfo('cond_in', [], DataType.BOOL), valueInfo('v_in', dims)],
    output: [valueInfo('cond_out', [], DataType.BOOL), valueInfo('v_out', dims)],
    valueInfo: [],
  };
  const tensors = [makeTensor(`${name}_trips`, DataType.INT64, [], new BigInt64Array([10n ** 12n]))];
  if (computed) tensors.push(makeTensor(`${name}_start`, DataType.BOOL, [], new Uint8Array([1])));
  const loop = node('Loop', [`${name}_trips`, computed ? `${name}_start` : '', carried], [out], { name, attributes: [attr({ name: 'body', type: 5, g: body })] });
  return { loop, tensors };
}

/** `depth` If nodes nested through their then_branch, built as objects (the engine's encoder recurses; fine for tens). */
function nestedIfGraph(depth: number): Graph {
  let inner: Graph = { name: 'innermost', node: [], initializer: [], input: [], output: [], valueInfo: [] };
  for (let k = depth - 1; k >= 0; k--) {
    inner = { name: `level_${k}`, node: [node('If', ['c'], ['o'], { name: `if_${k}`, attributes: [attr({ name: 'then_branch', type: 5, g: inner })] })], initializer: [], input: [], output: [], valueInfo: [] };
  }
  return inner;
}

function varint(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

function lengthDelimited(field: number, payload: readonly number[]): number[] {
  const out: number[] = [];
  varint((field << 3) | 2, out);
  varint(payload.length, out);
  out.push(...payload);
  return out;
}

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/**
 * A ModelProto whose graph nests If subgraphs `depth` deep, written as bytes from the inside out
 * with no recursion: each level is graph{node{input 'c', output 'o', op_type 'If', attribute{name
 * 'then_branch', type GRAPH, g: <the level inside>}}}.
 */
export function nestedIfBytes(depth: number): Uint8Array {
  const nodeHead = [...lengthDelimited(1, ascii('c')), ...lengthDelimited(2, ascii('o')), ...lengthDelimited(4, ascii('If'))];
  const attrHead = [...lengthDelimited(1, ascii('then_branch')), 0xa0, 0x01, 0x05]; // name; type (field 20) = GRAPH
  let innerSize = 0; // the innermost graph is empty
  const prefixes: number[][] = [];
  for (let k = 0; k < depth; k++) {
    const g: number[] = [0x32]; // AttributeProto.g (field 6)
    varint(innerSize, g);
    const attrSize = attrHead.length + g.length + innerSize;
    const a: number[] = [0x2a]; // NodeProto.attribute (field 5)
    varint(attrSize, a);
    const nodeSize = nodeHead.length + a.length + attrSize;
    const n: number[] = [0x0a]; // GraphProto.node (field 1)
    varint(nodeSize, n);
    prefixes.push([...n, ...nodeHead, ...a, ...attrHead, ...g]);
    innerSize = n.length + nodeSize;
  }
  const head = [0x08, 0x08, ...lengthDelimited(8, [0x10, 0x0d]), 0x3a]; // ir_version 8; opset_import {version 13}; graph (field 7)
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

export interface BrokenModel {
  /** What is wrong, as in the issue. */
  readonly what: string;
  /** The file name it is dropped as. */
  readonly file: string;
  readonly bytes: () => Uint8Array;
  /** The intake's code for it. */
  readonly code: 'bad-model' | 'too-large' | 'bad-graph';
  /** Parts of the one-line message: the file, the tensor or node, what to do. */
  readonly says: readonly (string | RegExp)[];
}

/** The models issue 8 item 11 found shown as normal models, or as a bare "Something went wrong". */
export const BROKEN_MODELS: readonly BrokenModel[] = [
  {
    what: 'dims of 2^40',
    file: 'dims-2e40.onnx',
    bytes: () => bentMnist((m) => void (initializer(m, 'Parameter6').dims = [2 ** 40])),
    code: 'bad-model',
    says: ["'dims-2e40.onnx' has initializer 'Parameter6' with dims [1099511627776], 1.10e+12 elements, more than the 268,435,456 Zeropoint holds in one tensor", /export the model again\.$/],
  },
  {
    what: 'short raw_data',
    file: 'short-raw.onnx',
    bytes: () =>
      bentMnist((m) => {
        const t = initializer(m, 'Parameter5');
        delete t.floatData;
        t.rawData = new Uint8Array(100); // [8,1,5,5] float needs 800
      }),
    code: 'bad-model',
    says: ["'short-raw.onnx' has initializer 'Parameter5' of shape [8, 1, 5, 5] FLOAT, which needs 800 bytes, but its raw_data holds 100", /truncated: export it again\.$/],
  },
  {
    what: 'negative dims',
    file: 'negative-dims.onnx',
    bytes: () => bentMnist((m) => void (initializer(m, 'Parameter87').dims = [16, -8, 5, 5])),
    code: 'bad-model',
    says: ["'negative-dims.onnx' has initializer 'Parameter87' with dims [16, -8, 5, 5]: a dimension of -8 is not a size", /export it again\.$/],
  },
  {
    what: 'data type 99',
    file: 'dtype-99.onnx',
    bytes: () => bentMnist((m) => void (initializer(m, 'Parameter88').dataType = 99)),
    code: 'bad-model',
    says: ["'dtype-99.onnx' has initializer 'Parameter88' of data type 99, which ONNX does not define (1 to 23)", /export it again\.$/],
  },
  {
    what: 'a 100000x100000 input',
    file: 'huge-input.onnx',
    bytes: () =>
      bentMnist((m) => {
        const dims = m.graph!.input.find((i) => i.name === 'Input3')!.type!.tensorType!.shape!.dim;
        dims[2] = { dimValue: 100_000 };
        dims[3] = { dimValue: 100_000 };
      }),
    code: 'bad-model',
    says: ["'huge-input.onnx' has input 'Input3' of shape [1,1,100000,100000], 1.00e+10 values (37 GiB as float32)", /export the model with a smaller input size\.$/],
  },
  {
    what: 'a Loop of 1e12 iterations that never stops',
    file: 'endless-loop.onnx',
    bytes: () =>
      bentMnist((m) => {
        const g = m.graph!;
        const { loop, tensors } = loopOf('endless_loop', 'Input3', 'looped', [1, 1, 28, 28], false);
        g.initializer.push(...tensors);
        g.node.find((n) => n.name === 'Convolution28')!.input[0] = 'looped';
        g.node.unshift(loop);
      }),
    code: 'bad-model',
    says: ["'endless-loop.onnx' has Loop node 'endless_loop' that runs 1e+12 iterations (a constant trip count, and its condition never changes)", /export it again with a bounded loop\.$/],
  },
  {
    what: 'a 50 MB doc_string',
    file: 'doc-50mb.onnx',
    bytes: () => bentMnist((m) => void (m.docString = 'x'.repeat(50_000_000))),
    code: 'bad-model',
    says: ["'doc-50mb.onnx' holds a 50.0-million-character doc_string, more than the 4.2 million", /save the model again\.$/],
  },
  {
    what: 'If subgraphs nested 40 deep (through the encoder)',
    file: 'nested-40.onnx',
    bytes: () =>
      bentMnist((m) => {
        const g = m.graph!;
        g.node.push(node('If', ['Plus214_Output_0'], ['never'], { name: 'nest', attributes: [attr({ name: 'then_branch', type: 5, g: nestedIfGraph(39) })] }));
      }),
    code: 'bad-model',
    says: ["'nested-40.onnx' nests subgraphs (If/Loop/Scan bodies) more than 32 deep", /is refused\.$/],
  },
  {
    what: 'If subgraphs nested 5,000 deep (written as bytes)',
    file: 'nested-5000.onnx',
    bytes: () => nestedIfBytes(5000),
    code: 'bad-model',
    says: ["'nested-5000.onnx' nests subgraphs (If/Loop/Scan bodies) more than 32 deep", /is refused\.$/],
  },
  {
    what: 'a graph cycle',
    file: 'cycle.onnx',
    // Convolution28 reads ReLU32's output, which needs Plus30, which needs Convolution28.
    bytes: () => bentMnist((m) => void (m.graph!.node.find((n) => n.name === 'Convolution28')!.input[0] = 'ReLU32_Output_0')),
    code: 'bad-model',
    says: ["'cycle.onnx' cannot be read as a graph: the graph has a cycle through node 'Convolution28'", /export the model again\.$/],
  },
];

/**
 * x [1,3,32,32] -> Loop (M = 1e12, condition `iter < 1e12` computed in the body) carrying x -> Conv
 * (W [4,3,3,3], pad 1) -> Relu -> y, opset 13. The model check passes it (the condition is not a
 * constant it can follow); each run never ends, so only the run budget stops calibration.
 */
export function slowLoopModel(): Uint8Array {
  const { loop, tensors } = loopOf('slow_loop', 'x', 'looped', [1, 3, 32, 32], true);
  const m = buildModel({
    opset: 13,
    name: 'slow-loop',
    nodes: [
      loop,
      node('Conv', ['looped', 'W', 'B'], ['c'], { name: 'conv', attributes: [attr({ name: 'pads', type: 7, ints: [1, 1, 1, 1] })] }),
      node('Relu', ['c'], ['y'], { name: 'relu' }),
    ],
    initializers: [...tensors, floatTensor('W', [4, 3, 3, 3], (i) => ((i * 37) % 17) / 17 - 0.5), floatTensor('B', [4], (i) => i / 10)],
    inputs: [valueInfo('x', [1, 3, 32, 32])],
    outputs: [valueInfo('y', [1, 4, 32, 32])],
  });
  return encodeModel(m);
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * A complete, valid grayscale PNG of width x height black pixels, without holding the pixels: the
 * zlib stream is one deflated block of 1 MiB of zeros repeated (each block stands alone), the rest,
 * an empty final block and the Adler-32 of that many zeros. 16000x16000 is about 250 KB; a decoder
 * that does not look at the header first really decodes it (a gigabyte of RGBA).
 */
export function blackPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit gray, deflate, adaptive filtering, no interlace
  const total = (width + 1) * height; // each row: filter byte 0, then `width` zero pixels
  const CHUNK = 2 ** 20;
  const sync = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const full = zlib.deflateRawSync(Buffer.alloc(CHUNK), sync);
  const parts: Buffer[] = [Buffer.from([0x78, 0x9c])];
  for (let n = Math.floor(total / CHUNK); n > 0; n--) parts.push(full);
  if (total % CHUNK) parts.push(zlib.deflateRawSync(Buffer.alloc(total % CHUNK), sync));
  parts.push(zlib.deflateRawSync(Buffer.alloc(0)));
  // Adler-32 of `total` zeros: a stays 1, b adds 1 per byte.
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((total % 65521) << 16) | 1) >>> 0);
  parts.push(adler);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', Buffer.concat(parts)), pngChunk('IEND', new Uint8Array(0))]);
}
