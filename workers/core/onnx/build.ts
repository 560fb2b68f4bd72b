/**
 * Tiny model builder for tests and synthetic fixtures: plain objects in, a valid Model out.
 */
import { makeTensor } from './tensor';
import { DataType, type Attribute, type Model, type Node, type TensorProto, type ValueInfo } from './types';

export function valueInfo(name: string, dims?: ReadonlyArray<number | string>, elemType: number = DataType.FLOAT): ValueInfo {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: dims ? { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined,
      },
    },
  };
}

export function node(opType: string, input: string[], output: string[], options: { name?: string; attributes?: Attribute[]; domain?: string } = {}): Node {
  return { opType, input, output, name: options.name ?? output[0], attribute: options.attributes ?? [], domain: options.domain };
}

export function floatTensor(name: string, dims: number[], values: ArrayLike<number> | ((i: number) => number)): TensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = typeof values === 'function' ? Float32Array.from({ length: n }, (_, i) => values(i)) : Float32Array.from(values);
  return makeTensor(name, DataType.FLOAT, dims, data);
}

export function buildModel(spec: { opset: number; nodes: Node[]; initializers?: TensorProto[]; inputs: ValueInfo[]; outputs: ValueInfo[]; irVersion?: number; name?: string }): Model {
  return {
    irVersion: spec.irVersion ?? (spec.opset >= 21 ? 10 : spec.opset >= 19 ? 9 : spec.opset >= 15 ? 8 : 7),
    producerName: 'zeropoint-test',
    opsetImport: [{ domain: '', version: spec.opset }],
    graph: { name: spec.name ?? 'test', node: spec.nodes, initializer: spec.initializers ?? [], input: spec.inputs, output: spec.outputs, valueInfo: [] },
  };
}

/** Deterministic pseudo-random numbers (mulberry32) for reproducible fixtures. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
