/**
 * Conformance with the ONNX backend node tests for QuantizeLinear / DequantizeLinear: every case whose
 * types this engine quantizes to (float32 -> uint8/int8, and uint8/int8/int32 -> float32) runs through
 * params.ts and must match output_0.pb bit for bit. Cases of other types (float8, int4, 16-bit, float16
 * scales) and blocked quantization are listed as skipped tests, not failures.
 *
 * The data comes from Debian's libonnx-testdata (`apt-get install libonnx-testdata`); set
 * ZEROPOINT_ONNX_NODE_TESTS to use another copy of onnx/backend/test/data/node. Without it the suite
 * is skipped.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel, decodeTensor } from '../onnx/decode';
import { dataTypeName, tensorToArray } from '../onnx/tensor';
import { DataType, type Model, type Node, type TensorProto } from '../onnx/types';
import { computeQuantParams, dequantize, dequantizePerAxis, quantize, quantizePerAxis, type DequantizableArray, type QuantType } from './params';

const ROOT = process.env.ZEROPOINT_ONNX_NODE_TESTS ?? '/usr/share/libonnx-testdata/data/node';
const present = existsSync(ROOT);
const MAIN_CASES = ['test_quantizelinear', 'test_quantizelinear_axis', 'test_dequantizelinear', 'test_dequantizelinear_axis'];

interface Case {
  readonly dir: string;
  readonly node: Node;
  /** Node inputs by position: x, scale, zero-point (undefined when omitted). */
  readonly inputs: (TensorProto | undefined)[];
  readonly expected: TensorProto;
  readonly axis: number;
}

type Plan = { run: true; case: Case } | { run: false; reason: string };

function readTensorFile(path: string): TensorProto {
  return decodeTensor(new Uint8Array(readFileSync(path)), { source: path });
}

function attrInt(node: Node, name: string): number | undefined {
  return node.attribute.find((a) => a.name === name)?.i;
}

/** Loads a test directory and decides whether it is in scope, with the reason when it is not. */
function plan(dir: string): Plan {
  const base = join(ROOT, dir);
  const model: Model = decodeModel(new Uint8Array(readFileSync(join(base, 'model.onnx'))), { source: dir });
  const graph = model.graph!;
  const node = graph.node.find((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear');
  if (node === undefined || graph.node.length !== 1) return { run: false, reason: 'not a single QuantizeLinear/DequantizeLinear node' };

  // input_N.pb feed the graph inputs that are not initializers, in order.
  const initializers = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const fed = graph.input.map((v) => v.name ?? '').filter((n) => !initializers.has(n));
  const values = new Map<string, TensorProto>(initializers);
  const setDir = join(base, 'test_data_set_0');
  fed.forEach((name, i) => values.set(name, readTensorFile(join(setDir, `input_${i}.pb`))));
  const inputs = node.input.map((name) => (name === '' ? undefined : values.get(name)));
  const expected = readTensorFile(join(setDir, 'output_0.pb'));

  const blockSize = attrInt(node, 'block_size') ?? 0;
  if (blockSize !== 0) return { run: false, reason: `blocked quantization (block_size ${blockSize})` };
  const [x, scale, zp] = inputs;
  if (x === undefined || scale === undefined) return { run: false, reason: 'missing x or scale' };
  if (scale.dataType !== DataType.FLOAT) return { run: false, reason: `scale is ${dataTypeName(scale.dataType)}` };
  if (scale.dims.length > 1) return { run: false, reason: `blocked quantization (scale of rank ${scale.dims.length})` };

  if (node.opType === 'QuantizeLinear') {
    if (x.dataType !== DataType.FLOAT) return { run: false, reason: `input is ${dataTypeName(x.dataType)}` };
    if (expected.dataType !== DataType.UINT8 && expected.dataType !== DataType.INT8) return { run: false, reason: `output is ${dataTypeName(expected.dataType)}` };
    if (zp !== undefined && zp.dataType !== expected.dataType) return { run: false, reason: `zero-point is ${dataTypeName(zp.dataType)}` };
  } else {
    if (x.dataType !== DataType.UINT8 && x.dataType !== DataType.INT8 && x.dataType !== DataType.INT32) return { run: false, reason: `input is ${dataTypeName(x.dataType)}` };
    if (expected.dataType !== DataType.FLOAT) return { run: false, reason: `output is ${dataTypeName(expected.dataType)}` };
    if (zp !== undefined && zp.dataType !== x.dataType) return { run: false, reason: `zero-point is ${dataTypeName(zp.dataType)}` };
  }
  return { run: true, case: { dir, node, inputs, expected, axis: attrInt(node, 'axis') ?? 1 } };
}

/** Bit patterns, so -0 vs 0 and NaN payloads count as differences. */
function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

function runCase(c: Case): void {
  const [xT, scaleT, zpT] = c.inputs as [TensorProto, TensorProto, TensorProto | undefined];
  const scales = tensorToArray(scaleT) as Float32Array;
  const perAxis = scaleT.dims.length === 1;
  if (c.node.opType === 'QuantizeLinear') {
    const type: QuantType = c.expected.dataType === DataType.UINT8 ? 'u8' : 's8';
    const x = tensorToArray(xT) as Float32Array;
    // An omitted zero-point is 0 (of uint8 unless the output type says otherwise).
    const zps = zpT ? Int32Array.from(tensorToArray(zpT) as Uint8Array | Int8Array) : new Int32Array(scales.length);
    const got = perAxis
      ? quantizePerAxis(x, xT.dims, c.axis, { scales, zeroPoints: zps, type })
      : quantize(x, { scale: scales[0], zeroPoint: zps[0], type });
    const want = tensorToArray(c.expected) as Uint8Array | Int8Array;
    expect(got.constructor).toBe(want.constructor);
    expect(Array.from(got)).toEqual(Array.from(want));
  } else {
    const x = tensorToArray(xT) as DequantizableArray;
    const zps = zpT ? Int32Array.from(tensorToArray(zpT) as DequantizableArray) : new Int32Array(scales.length);
    const got = perAxis
      ? dequantizePerAxis(x, xT.dims, c.axis, { scales, zeroPoints: zps })
      : dequantize(x, { scale: scales[0], zeroPoint: zps[0] });
    expect(bits(got)).toEqual(bits(tensorToArray(c.expected) as Float32Array));
  }
  expect(c.expected.dims).toEqual(xT.dims);
}

describe.skipIf(!present)(`ONNX node tests in ${ROOT}`, () => {
  const dirs = present ? readdirSync(ROOT).filter((d) => /^test_(de)?quantizelinear/.test(d)).sort() : [];
  // A case this reader cannot load is skipped with the reason; 'covers the main cases' still fails
  // if that happens to one of the main four.
  const safePlan = (dir: string): Plan => {
    try {
      return plan(dir);
    } catch (e) {
      return { run: false, reason: `could not be read: ${(e as Error).message}` };
    }
  };
  const plans = dirs.map((dir) => ({ dir, plan: safePlan(dir) }));
  const ran = plans.filter((p) => p.plan.run).map((p) => p.dir);

  describe('QuantizeLinear / DequantizeLinear', () => {
    for (const { dir, plan: p } of plans) {
      if (p.run) it(dir, () => runCase(p.case));
      else it.skip(`${dir} (skipped: ${p.reason})`, () => {});
    }
  });

  it('covers the main cases', () => {
    for (const name of MAIN_CASES) expect(ran).toContain(name);
    const skipped = plans.filter((p) => !p.plan.run).map((p) => `${p.dir}: ${(p.plan as { reason: string }).reason}`);
    console.info(`ONNX QuantizeLinear/DequantizeLinear conformance: ${ran.length} ran [${ran.join(', ')}], ${skipped.length} skipped${skipped.length ? ` [${skipped.join('; ')}]` : ''}`);
  });

  // DynamicQuantizeLinear computes its scale and zero-point from the data (u8, asymmetric, range
  // widened to 0): the same choice computeQuantParams makes, so its test data checks our parameters.
  const dynamic = present ? readdirSync(ROOT).filter((d) => /^test_dynamicquantizelinear(_\w+)?$/.test(d) && !d.endsWith('_expanded')).sort() : [];
  describe('DynamicQuantizeLinear parameters', () => {
    for (const dir of dynamic) {
      it(dir, () => {
        const setDir = join(ROOT, dir, 'test_data_set_0');
        const x = tensorToArray(readTensorFile(join(setDir, 'input_0.pb'))) as Float32Array;
        const [y, yScale, yZp] = [0, 1, 2].map((i) => tensorToArray(readTensorFile(join(setDir, `output_${i}.pb`))));
        let min = Infinity;
        let max = -Infinity;
        for (const v of x) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        const p = computeQuantParams({ min, max }, { type: 'u8', symmetric: false, reduceRange: false });
        expect(p.scale).toBe((yScale as Float32Array)[0]);
        expect(p.zeroPoint).toBe((yZp as Uint8Array)[0]);
        expect(Array.from(quantize(x, p))).toEqual(Array.from(y as Uint8Array));
      });
    }
  });
});
