/**
 * Hostile inputs for the CLI, made at test time (cli/hostile.test.ts) and for the bench's memory
 * figures (bench/hostile.ts): a tiny Conv model bent one field at a time or with its weight in an
 * external file, models with 200k unpacked values, FIFOs and device nodes in a folder of the
 * caller's. Nothing here touches a path outside that folder. The models and images the workbench
 * is also tested with (nested Ifs, endless Loops, a 16000x16000 PNG) are in test/hostile-models.ts.
 */
import { execFileSync } from 'node:child_process';
import { buildModel, floatTensor, node, valueInfo } from '../workers/core/onnx/build';
import { encodeModel } from '../workers/core/onnx/encode';
import { DataType, type Model, type TensorProto } from '../workers/core/onnx/types';

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

function varint(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
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
