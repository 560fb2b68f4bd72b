import { describe, expect, it } from 'vitest';
import { decodeModel } from './decode';
import { encodeModel } from './encode';
import { attachExternalData, externalDataFiles, safeLocation } from './external';
import { tensorToArray, tensorToFloat32 } from './tensor';
import { AttributeType, DataType, type Attribute, type Graph, type Model, type TensorProto } from './types';

function ext(name: string, location: string, offset: number, values: number, extra: Array<[string, string]> = []): TensorProto {
  return {
    name,
    dataType: DataType.FLOAT,
    dims: [values],
    dataLocation: 1,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(values * 4) },
      ...extra.map(([key, value]) => ({ key, value })),
    ],
  };
}

function graph(initializer: TensorProto[], node: Graph['node'] = []): Graph {
  return { name: 'g', node, initializer, input: [], output: [], valueInfo: [] };
}

function attr(name: string, a: Partial<Attribute>): Attribute {
  return { name, floats: [], ints: [], strings: [], tensors: [], graphs: [], ...a };
}

function model(g: Graph): Model {
  return { irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: g };
}

/** Floats 0..n-1 as little-endian bytes. */
function floats(n: number, start = 0): Uint8Array {
  return new Uint8Array(Float32Array.from({ length: n }, (_, i) => start + i).buffer);
}

describe('externalDataFiles', () => {
  it('lists each location once, from initializers, tensor attributes and subgraphs, normalized', () => {
    const thenBranch = graph([ext('e', 'e.bin', 0, 1)]);
    const body = graph([], [{ input: [], output: ['c'], opType: 'Constant', attribute: [attr('value', { type: AttributeType.TENSOR, t: ext('f', 'sub\\f.bin', 0, 1) })] }]);
    const m = model(
      graph(
        [ext('a', 'a.bin', 0, 2), ext('a2', 'a.bin', 8, 2), ext('b', 'sub/b.bin', 0, 1), ext('c', './c.bin', 0, 1), { name: 'inline', dataType: DataType.FLOAT, dims: [1], floatData: new Float32Array([1]) }],
        [
          { input: [], output: ['d'], name: 'const', opType: 'Constant', attribute: [attr('value', { type: AttributeType.TENSOR, t: ext('d', 'd.bin', 0, 1) })] },
          { input: ['cond'], output: ['y'], opType: 'If', attribute: [attr('then_branch', { type: AttributeType.GRAPH, g: thenBranch }), attr('else_branch', { type: AttributeType.GRAPH, g: graph([]) })] },
          { input: [], output: ['z'], opType: 'Custom', attribute: [attr('bodies', { type: AttributeType.GRAPHS, graphs: [body] }), attr('ts', { type: AttributeType.TENSORS, tensors: [ext('g', 'g.bin', 0, 1)] })] },
        ],
      ),
    );
    expect(externalDataFiles(model(graph([])))).toEqual([]);
    expect(externalDataFiles(m)).toEqual(['a.bin', 'sub/b.bin', 'c.bin', 'd.bin', 'e.bin', 'sub/f.bin', 'g.bin']);
    // survives the codec
    expect(externalDataFiles(decodeModel(encodeModel(m)))).toEqual(['a.bin', 'sub/b.bin', 'c.bin', 'd.bin', 'e.bin', 'sub/f.bin', 'g.bin']);
  });

  it('refuses locations outside the model folder', () => {
    for (const bad of ['../evil', '/etc/passwd', 'a/../../b', 'sub/../w.bin', 'C:\\w.bin', 'c:/w.bin', '\\\\server\\share\\w.bin', '..\\evil', '', '.', './']) {
      expect(safeLocation(bad), bad).toBeUndefined();
      const m = model(graph([ext('w', bad, 0, 1)]));
      expect(() => externalDataFiles(m, { source: 'x.onnx' }), bad).toThrow(expect.objectContaining({ code: 'external-data' }));
    }
    expect(() => externalDataFiles(model(graph([ext('w', '../evil', 0, 1)])), { source: 'x.onnx' })).toThrow(
      "Model 'x.onnx' refers to external data file '../evil' for initializer 'w', which is outside the model's folder.",
    );
    expect(safeLocation('weights/w.bin')).toBe('weights/w.bin');
    expect(safeLocation('./w.bin')).toBe('w.bin');
    expect(safeLocation('x.onnx..data')).toBe('x.onnx..data');
  });
});

describe('attachExternalData', () => {
  it('points raw_data at views of the files and makes the model self-contained', () => {
    const a = new Uint8Array(64);
    a.set(floats(4, 10), 16); // 'a' at offset 16
    a.set(floats(2, 20), 40); // 'a2' at offset 40
    const c = floats(3, 30);
    const m = model(graph([ext('a', 'a.bin', 16, 4), ext('a2', './a.bin', 40, 2, [['checksum', 'ignored']])], [{ input: [], output: ['c'], opType: 'Constant', attribute: [attr('value', { type: AttributeType.TENSOR, t: ext('c', 'sub/c.bin', 0, 3) })] }]));
    const files = new Map([
      ['a.bin', a],
      ['sub/c.bin', c],
    ]);
    const out = attachExternalData(m, files, { source: 'x.onnx' });
    expect(out).toBe(m);
    const [ta, ta2] = m.graph!.initializer;
    const tc = m.graph!.node[0].attribute[0].t!;
    expect(Array.from(tensorToFloat32(ta))).toEqual([10, 11, 12, 13]);
    expect(Array.from(tensorToFloat32(ta2))).toEqual([20, 21]);
    expect(Array.from(tensorToFloat32(tc))).toEqual([30, 31, 32]);
    // views, no copies
    expect(ta.rawData!.buffer).toBe(a.buffer);
    expect(ta.rawData!.byteOffset).toBe(16);
    expect(tc.rawData!.buffer).toBe(c.buffer);
    for (const t of [ta, ta2, tc]) {
      expect(t.externalData).toBeUndefined();
      expect(t.dataLocation).toBeUndefined();
      expect('dataLocation' in t).toBe(false);
    }
    expect(externalDataFiles(m)).toEqual([]);
    // encodes as an ordinary model with inline weights
    const back = decodeModel(encodeModel(m));
    expect(back.graph!.initializer[0].dataLocation).toBeUndefined();
    expect(Array.from(tensorToFloat32(back.graph!.initializer[0]))).toEqual([10, 11, 12, 13]);
  });

  it('takes a lookup function, and reads to the end of the file without offset/length', () => {
    const t: TensorProto = { name: 'w', dataType: DataType.INT64, dims: [2], dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] };
    const m = model(graph([t]));
    const asked: string[] = [];
    attachExternalData(m, (loc) => {
      asked.push(loc);
      return new Uint8Array(new BigInt64Array([-1n, 5n]).buffer);
    });
    expect(asked).toEqual(['w.bin']);
    expect(Array.from(tensorToArray(t) as BigInt64Array)).toEqual([-1n, 5n]);
  });

  it('says which file is missing, for which tensor', () => {
    const m = model(graph([ext('w', 'x.onnx.data', 0, 4)]));
    let err: unknown;
    try {
      attachExternalData(m, new Map(), { source: 'x.onnx' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'external-data',
      subject: 'x.onnx.data',
      message: "Model 'x.onnx' needs external data file 'x.onnx.data' for initializer 'w'. Drop or select it together with the model.",
    });
    expect(() => attachExternalData(m, () => undefined)).toThrow("The model needs external data file 'x.onnx.data' for initializer 'w'.");
  });

  it('rejects offsets and lengths outside the file, or not matching the shape, without attaching anything', () => {
    const file = floats(4); // 16 bytes
    const cases: Array<[TensorProto, RegExp]> = [
      [ext('w', 'w.bin', 12, 2), /reads bytes 12\.\.20 of 'w\.bin' for initializer 'w', but that file has only 16 bytes/],
      [ext('w', 'w.bin', 100, 1), /reads bytes 100\.\.104 of 'w\.bin'/],
      [{ ...ext('w', 'w.bin', 0, 2), dims: [3] }, /stores 8 bytes in 'w\.bin' for initializer 'w', but its shape \[3\] of FLOAT needs 12/],
      [{ ...ext('w', 'w.bin', 0, 1), externalData: [{ key: 'location', value: 'w.bin' }, { key: 'offset', value: '-4' }] }, /offset '-4' is not a byte count/],
      [{ ...ext('w', 'w.bin', 0, 1), externalData: [{ key: 'location', value: 'w.bin' }, { key: 'length', value: 'lots' }] }, /length 'lots' is not a byte count/],
      [{ ...ext('w', 'w.bin', 0, 1), externalData: [{ key: 'offset', value: '0' }] }, /names no file/],
    ];
    for (const [bad, message] of cases) {
      const good = ext('ok', 'w.bin', 0, 1);
      const m = model(graph([good, bad]));
      expect(() => attachExternalData(m, new Map([['w.bin', file]]), { source: 'x.onnx' })).toThrow(message);
      expect(() => attachExternalData(m, new Map([['w.bin', file]]))).toThrow(expect.objectContaining({ code: 'external-data' }));
      // all or nothing: the good tensor was not attached either
      expect(good.rawData).toBeUndefined();
      expect(good.dataLocation).toBe(1);
    }
  });

  it('refuses locations outside the model folder before looking anything up', () => {
    const asked: string[] = [];
    const m = model(graph([ext('w', '../evil', 0, 1)]));
    expect(() =>
      attachExternalData(m, (loc) => {
        asked.push(loc);
        return floats(1);
      }),
    ).toThrow(/outside the model's folder/);
    expect(asked).toEqual([]);
  });
});
