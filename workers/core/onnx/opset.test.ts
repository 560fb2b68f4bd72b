/**
 * upgradeOpset: every upgraded model must compute what the original computes, checked with
 * onnxruntime-node on the shared models, the shared test vectors and small hand-built graphs (one per
 * op whose contract changes), plus the cases that must refuse with a message naming the node.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import { isZeropointError, type ZeropointError } from '../errors';
import type { Feeds, RunnerTensor } from '../runner';
import { floatAttr, floatsAttr, intAttr, intsAttr, stringAttr } from './attributes';
import { decodeModel, decodeTensor } from './decode';
import { encodeModel } from './encode';
import { opsetChangePoints, upgradeOpset, type OpsetUpgrade } from './opset';
import { elementTypeOf, float32ToFloat16, makeTensor, numel, runnerTensorToFloat32, tensorToArray } from './tensor';
import { DataType, type Attribute, type Model, type Node, type TensorProto, type ValueInfo } from './types';
import { seededRandom } from './build';

const ASSETS = join(import.meta.dirname, '../../../../shared/assets');
const MODELS = join(ASSETS, 'models');
const VECTORS = join(ASSETS, 'testvectors');
const TOLERANCE = 1e-5;

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

const runner = createNodeRunner({ source: 'opset.test' });
const measured: string[] = [];

afterAll(() => {
  if (measured.length) console.log(`max relative differences (upgraded vs original):\n  ${measured.join('\n  ')}`);
});

async function run(model: Model, feeds: Feeds): Promise<Record<string, RunnerTensor>> {
  const session = await runner.createSession(encodeModel(model), { optimization: 'disabled', threads: 1 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** max |a - b| / max |a| over every output (absolute when the reference is all zeros). */
function relMaxDiff(ref: Record<string, RunnerTensor>, got: Record<string, RunnerTensor>): number {
  let worst = 0;
  for (const [name, r] of Object.entries(ref)) {
    const g = got[name];
    expect(g, `output '${name}' missing`).toBeDefined();
    expect([...g.dims]).toEqual([...r.dims]);
    const a = runnerTensorToFloat32(r);
    const b = runnerTensorToFloat32(g);
    let maxA = 0;
    let maxD = 0;
    for (let i = 0; i < a.length; i++) {
      maxA = Math.max(maxA, Math.abs(a[i]));
      const d = Math.abs(a[i] - b[i]);
      maxD = Number.isNaN(d) ? (Number.isNaN(a[i]) && Number.isNaN(b[i]) ? maxD : Infinity) : Math.max(maxD, d);
    }
    worst = Math.max(worst, maxA > 0 ? maxD / maxA : maxD);
  }
  return worst;
}

const mulberry32 = seededRandom;

function randomFloats(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

function f32(dims: number[], data: Float32Array): RunnerTensor {
  return { type: 'float32', dims, data };
}

/** Random feeds for the graph inputs that are not initializers (unknown dims = 1). */
function randomFeeds(model: Model, seed = 1): Feeds {
  const g = model.graph!;
  const inits = new Set(g.initializer.map((t) => t.name));
  const feeds: Feeds = {};
  for (const v of g.input) {
    if (inits.has(v.name)) continue;
    const tt = v.type!.tensorType!;
    const dims = tt.shape!.dim.map((d) => (d.dimValue && d.dimValue > 0 ? d.dimValue : 1));
    const values = randomFloats(numel(dims), seed++, 0, 1);
    if (tt.elemType === DataType.FLOAT16) feeds[v.name!] = { type: 'float16', dims, data: float32ToFloat16(values) };
    else {
      expect(tt.elemType).toBe(DataType.FLOAT);
      feeds[v.name!] = f32(dims, values);
    }
  }
  return feeds;
}

function tensorFeed(t: TensorProto): RunnerTensor {
  const type = elementTypeOf(t.dataType);
  if (!type) throw new Error(`test data type ${t.dataType}`);
  return { type, dims: [...t.dims], data: tensorToArray(t) };
}

function defaultOpset(m: Model): number | undefined {
  return m.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
}

/** Upgrades, checks the bookkeeping, and returns the max relative difference on `feeds`. */
async function upgradeAndCompare(label: string, model: Model, target: number, feeds: Feeds, reference?: Record<string, RunnerTensor>): Promise<{ diff: number; up: OpsetUpgrade }> {
  const before = encodeModel(model);
  const up = upgradeOpset(model, target);
  // the input model is untouched
  expect(Buffer.from(encodeModel(model)).equals(Buffer.from(before))).toBe(true);
  expect(up.to).toBe(target);
  expect(defaultOpset(up.model)).toBe(target);
  expect(up.model.irVersion).toBeGreaterThanOrEqual(target >= 21 ? 10 : target >= 19 ? 9 : target >= 15 ? 8 : target >= 12 ? 7 : 3);
  // round trip through the codec, as the quantizer will
  const reread = decodeModel(encodeModel(up.model));
  const ref = reference ?? (await run(model, feeds));
  const got = await run(reread, feeds);
  const diff = relMaxDiff(ref, got);
  measured.push(`${label} ${up.from} -> ${target}: ${diff.toExponential(2)} (${up.converted.length} node(s) converted)`);
  return { diff, up };
}

// ---------------------------------------------------------------------------------------------
// a tiny model builder
// ---------------------------------------------------------------------------------------------

function vi(name: string, dims?: (number | string)[], elemType: number = DataType.FLOAT): ValueInfo {
  return {
    name,
    type: { tensorType: { elemType, shape: dims ? { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined } },
  };
}

function node(opType: string, input: string[], output: string[], attribute: Attribute[] = [], name = `${opType.toLowerCase()}_1`): Node {
  return { opType, input, output, attribute, name };
}

interface Spec {
  opset: number;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  inits?: TensorProto[];
  valueInfo?: ValueInfo[];
  ir?: number;
}

function build(s: Spec): Model {
  const irVersion = s.ir ?? (s.opset >= 13 ? 7 : s.opset >= 9 ? 4 : 3);
  const inits = s.inits ?? [];
  // IR < 4 lists every initializer as a graph input too
  const input = irVersion < 4 ? [...s.inputs, ...inits.map((t) => vi(t.name!, t.dims, t.dataType))] : s.inputs;
  return {
    irVersion,
    producerName: 'opset.test',
    opsetImport: [{ domain: '', version: s.opset }],
    graph: { name: 'g', node: s.nodes, initializer: inits, input, output: s.outputs, valueInfo: s.valueInfo ?? [] },
  };
}

const floatInit = (name: string, dims: number[], values: number[]): TensorProto => makeTensor(name, DataType.FLOAT, dims, new Float32Array(values));
const int64Init = (name: string, values: number[]): TensorProto => makeTensor(name, DataType.INT64, [values.length], BigInt64Array.from(values.map(BigInt)));

/** The model with only its opset number raised: what upgradeOpset must never do when a contract changed. */
function renumbered(m: Model, target: number): Model {
  return { ...m, irVersion: Math.max(m.irVersion ?? 0, 7), opsetImport: [{ domain: '', version: target }] };
}

function opTypes(m: Model): string[] {
  return m.graph!.node.map((n) => n.opType!);
}

function attrOf(m: Model, opType: string, name: string): Attribute | undefined {
  return m.graph!.node.find((n) => n.opType === opType)?.attribute.find((a) => a.name === name);
}

const text = (a: Attribute | undefined): string | undefined => (a?.s ? new TextDecoder().decode(a.s) : undefined);

function catchError(f: () => unknown): ZeropointError {
  try {
    f();
  } catch (e) {
    if (isZeropointError(e)) return e;
    throw e;
  }
  throw new Error('expected a ZeropointError');
}

// ---------------------------------------------------------------------------------------------
// shared models and test vectors
// ---------------------------------------------------------------------------------------------

/**
 * float16 models are held to 2 float16 ULPs of the largest output (2^-9): onnxruntime picks other
 * float16 kernels at higher opsets (its CPU float16 Conv exists from opset 11; older opsets run float32
 * through inserted Casts), which moves results by one float16 rounding step even before any converted
 * node, e.g. SqueezeNet fp16's pool10.
 */
const FP16_TOLERANCE = 2 ** -9;

const SHARED: Array<{ file: string; from: number; targets: number[]; tolerance?: number }> = [
  { file: 'squeezenet1.1-fp32.onnx', from: 7, targets: [13, 17, 21] },
  { file: 'mnist.onnx', from: 7, targets: [13, 17, 21] },
  { file: 'ultraface-rfb-320.onnx', from: 9, targets: [13, 17, 21] },
  { file: 'yolo-fastestv2.onnx', from: 11, targets: [13, 17, 21] },
  { file: 'fastestdet.onnx', from: 16, targets: [17, 21] },
  // beyond the brief: float16 weights/IO, opset 15, and a QOperator model with com.microsoft ops
  { file: 'squeezenet1.1-fp16.onnx', from: 7, targets: [13], tolerance: FP16_TOLERANCE },
  { file: 'super-resolution.onnx', from: 15, targets: [17, 21] },
  { file: 'mobilenetv2-12-int8-qoperator.onnx', from: 12, targets: [13, 21] },
  // opset-11/12 exports whose Resize passes 0-element roi/scales next to sizes (the NanoDet pattern)
  { file: 'scrfd-500m-kps.onnx', from: 12, targets: [13, 21] },
  { file: 'mlsd-tiny-512.onnx', from: 11, targets: [13] },
];

describe.skipIf(!existsSync(MODELS))('shared models give the same outputs after the upgrade', () => {
  for (const { file, from, targets, tolerance } of SHARED) {
    for (const target of targets) {
      it(`${file}: opset ${from} -> ${target}`, async () => {
        const model = decodeModel(new Uint8Array(readFileSync(join(MODELS, file))), { source: file });
        expect(defaultOpset(model)).toBe(from);
        const { diff, up } = await upgradeAndCompare(file, model, target, randomFeeds(model));
        expect(diff).toBeLessThanOrEqual(tolerance ?? TOLERANCE);
        if (file.startsWith('squeezenet1.1-fp32')) {
          // Dropout dropped, Softmax over [1,1000,1,1] at axis 1 keeps one axis (no Flatten/Reshape)
          expect(opTypes(up.model)).not.toContain('Dropout');
          expect(opTypes(up.model)).not.toContain('Flatten');
          expect(attrOf(up.model, 'Softmax', 'axis')?.i).toBe(1);
          expect(up.converted.map((c) => c.opType).sort()).toEqual(['Dropout', 'Softmax']);
        }
        if (file.startsWith('ultraface')) {
          expect(opTypes(up.model)).not.toContain('Flatten'); // rank inferred through Reshape/Concat: axis 2 is the last
          expect(attrOf(up.model, 'Softmax', 'axis')?.i).toBe(-1);
          expect(up.model.graph!.node.filter((n) => n.opType === 'Slice').every((n) => n.input.length >= 3 && n.attribute.length === 0)).toBe(true);
        }
        if (file.startsWith('scrfd') || file.startsWith('mlsd')) {
          const resizes = up.model.graph!.node.filter((n) => n.opType === 'Resize');
          expect(resizes.length).toBeGreaterThan(0);
          for (const n of resizes) expect(n.input.slice(1, 3)).toEqual(['', '']);
        }
        if (file.startsWith('yolo-fastestv2')) {
          expect(up.model.graph!.node.filter((n) => n.opType === 'Unsqueeze').every((n) => n.input.length === 2)).toBe(true);
        }
      });
    }
  }
});

function vectorDirs(): string[] {
  if (!existsSync(VECTORS)) return [];
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (existsSync(join(dir, 'model.onnx')) && existsSync(join(dir, 'test_data_set_0'))) out.push(dir);
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory() && !e.name.startsWith('test_data_set')) walk(join(dir, e.name));
  };
  walk(VECTORS);
  return out.sort();
}

describe.skipIf(!existsSync(VECTORS))('shared test vectors give the same outputs after the upgrade', () => {
  for (const dir of vectorDirs()) {
    const label = dir.slice(VECTORS.length + 1);
    it(label, async () => {
      const model = decodeModel(new Uint8Array(readFileSync(join(dir, 'model.onnx'))), { source: label });
      const data = join(dir, 'test_data_set_0');
      const g = model.graph!;
      const inits = new Set(g.initializer.map((t) => t.name));
      const dataInputs = g.input.filter((v) => !inits.has(v.name));
      const feeds: Feeds = {};
      dataInputs.forEach((v, i) => {
        feeds[v.name!] = tensorFeed(decodeTensor(new Uint8Array(readFileSync(join(data, `input_${i}.pb`)))));
      });
      const ref = await run(model, feeds);
      const from = defaultOpset(model)!;
      for (const target of [13, 21]) {
        if (target < from) continue;
        const { diff } = await upgradeAndCompare(label, model, target, feeds, ref);
        expect(diff).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// hand-built cases, one per changed contract
// ---------------------------------------------------------------------------------------------

describe('Softmax / LogSoftmax / Hardmax: 2-D coercion before 13, single axis from 13', () => {
  const x = randomFloats(2 * 3 * 4 * 5, 7, -3, 3);
  const feeds = { x: f32([2, 3, 4, 5], x) };

  for (const op of ['Softmax', 'LogSoftmax', 'Hardmax']) {
    for (const declared of [true, false]) {
      it(`${op} opset 11, 4-D input, axis=1, input shape ${declared ? 'declared' : 'unknown'}`, async () => {
        const model = build({
          opset: 11,
          nodes: [node(op, ['x'], ['y'], [intAttr('axis', 1)], 'softmax_1')],
          inputs: [vi('x', declared ? [2, 3, 4, 5] : undefined)],
          outputs: [vi('y', declared ? [2, 3, 4, 5] : undefined)],
        });
        const { diff, up } = await upgradeAndCompare(`${op} axis=1 ${declared ? 'shaped' : 'unshaped'}`, model, 13, feeds);
        expect(diff).toBeLessThanOrEqual(TOLERANCE);
        expect(opTypes(up.model)).toEqual(['Shape', 'Flatten', op, 'Reshape']);
        expect(up.converted).toHaveLength(1);
        expect(up.converted[0]).toMatchObject({ node: 'softmax_1', opType: op });

        // Just renumbering would change the results: the test above is meaningful.
        expect(relMaxDiff(await run(model, feeds), await run(renumbered(model, 13), feeds))).toBeGreaterThan(0.01);
      });
    }
  }

  it('axis on the last dimension only becomes -1', async () => {
    const model = build({ opset: 11, nodes: [node('Softmax', ['x'], ['y'], [intAttr('axis', 3)])], inputs: [vi('x', [2, 3, 4, 5])], outputs: [vi('y', [2, 3, 4, 5])] });
    const { diff, up } = await upgradeAndCompare('Softmax axis=3', model, 13, feeds);
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    expect(opTypes(up.model)).toEqual(['Softmax']);
    expect(attrOf(up.model, 'Softmax', 'axis')?.i).toBe(-1);
  });

  it('default axis (1) with trailing 1-dims keeps a single axis', async () => {
    const model = build({ opset: 7, nodes: [node('Softmax', ['x'], ['y'])], inputs: [vi('x', [2, 6, 1, 1])], outputs: [vi('y', [2, 6, 1, 1])] });
    const { diff, up } = await upgradeAndCompare('Softmax [2,6,1,1]', model, 13, { x: f32([2, 6, 1, 1], randomFloats(12, 3)) });
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    expect(opTypes(up.model)).toEqual(['Softmax']);
    expect(attrOf(up.model, 'Softmax', 'axis')?.i).toBe(1);
  });

  it('rank inferred through the graph (no shapes declared on the Softmax)', async () => {
    const model = build({
      opset: 9,
      nodes: [node('Transpose', ['x'], ['t'], [intsAttr('perm', [0, 2, 3, 1])]), node('Reshape', ['t', 'shape'], ['r']), node('Softmax', ['r'], ['y'], [intAttr('axis', 2)])],
      inputs: [vi('x', [1, 6, 4, 5])],
      outputs: [vi('y')],
      inits: [int64Init('shape', [1, -1, 2])],
    });
    const { diff, up } = await upgradeAndCompare('Softmax after Reshape', model, 13, { x: f32([1, 6, 4, 5], randomFloats(120, 4)) });
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    expect(opTypes(up.model)).toEqual(['Transpose', 'Reshape', 'Softmax']);
  });
});

describe('attributes that became inputs', () => {
  const x = randomFloats(2 * 3 * 4 * 5, 11, -2, 2);
  const feeds = { x: f32([2, 3, 4, 5], x) };

  it('Clip-6 min/max -> Clip-11 inputs', async () => {
    const model = build({ opset: 6, nodes: [node('Clip', ['x'], ['y'], [floatAttr('min', -0.5), floatAttr('max', 0.7)])], inputs: [vi('x', [2, 3, 4, 5])], outputs: [vi('y', [2, 3, 4, 5])] });
    for (const target of [11, 13, 21]) {
      const { diff, up } = await upgradeAndCompare('Clip-6 min/max', model, target, feeds);
      expect(diff).toBeLessThanOrEqual(TOLERANCE);
      expect(up.model.graph!.node[0].input).toHaveLength(3);
      expect(up.model.graph!.node[0].attribute).toHaveLength(0);
    }
  });

  it('Clip-6 with only max leaves min empty', async () => {
    const model = build({ opset: 6, nodes: [node('Clip', ['x'], ['y'], [floatAttr('max', 0.25)])], inputs: [vi('x', [2, 3, 4, 5])], outputs: [vi('y', [2, 3, 4, 5])] });
    const { diff, up } = await upgradeAndCompare('Clip-6 max', model, 13, feeds);
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    expect(up.model.graph!.node[0].input[1]).toBe('');
  });

  for (const [mode, value] of [
    ['constant', 1.5],
    ['constant', 0],
    ['reflect', 0],
    ['edge', 0],
  ] as const) {
    it(`Pad-2 mode '${mode}' value ${value} -> Pad-11+ inputs`, async () => {
      const attrs = [stringAttr('mode', mode), intsAttr('pads', [0, 0, 1, 2, 0, 0, 2, 1])];
      if (value) attrs.push(floatAttr('value', value));
      const model = build({ opset: 2, nodes: [node('Pad', ['x'], ['y'], attrs)], inputs: [vi('x', [2, 3, 4, 5])], outputs: [vi('y', [2, 3, 7, 8])] });
      for (const target of [11, 13, 19]) {
        const { diff, up } = await upgradeAndCompare(`Pad-2 ${mode} ${value}`, model, target, feeds);
        expect(diff).toBeLessThanOrEqual(TOLERANCE);
        expect(up.model.graph!.node[0].input).toHaveLength(value ? 3 : 2);
        expect(text(attrOf(up.model, 'Pad', 'mode'))).toBe(mode);
      }
    });
  }

  it("Pad-1 'paddings' is renamed and moved", () => {
    const model = build({ opset: 1, nodes: [node('Pad', ['x'], ['y'], [intsAttr('paddings', [0, 0, 1, 1, 0, 0, 1, 1]), floatAttr('value', 2)])], inputs: [vi('x', [2, 3, 4, 5])], outputs: [vi('y')] });
    const up = upgradeOpset(model, 13);
    const pad = up.model.graph!.node[0];
    expect(pad.attribute).toHaveLength(0);
    const pads = up.model.graph!.initializer.find((t) => t.name === pad.input[1])!;
    expect(Array.from(tensorToArray(pads) as BigInt64Array, Number)).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
  });

  it('Split-2 split attribute -> Split-13 input; equal split gets num_outputs at 18', async () => {
    const model = build({
      opset: 7,
      nodes: [node('Split', ['x'], ['a', 'b'], [intAttr('axis', 3), intsAttr('split', [2, 3])], 'split_sizes'), node('Split', ['x'], ['c', 'd'], [intAttr('axis', 2)], 'split_equal')],
      inputs: [vi('x', [2, 3, 4, 5])],
      outputs: [vi('a'), vi('b'), vi('c'), vi('d')],
    });
    for (const target of [13, 18, 21]) {
      const { diff, up } = await upgradeAndCompare('Split-2', model, target, feeds);
      expect(diff).toBeLessThanOrEqual(TOLERANCE);
      const [sizes, equal] = up.model.graph!.node;
      expect(sizes.input).toHaveLength(2);
      expect(equal.attribute.find((a) => a.name === 'num_outputs')?.i).toBe(target >= 18 ? 2 : undefined);
    }
  });

  it('Squeeze/Unsqueeze axes -> input at 13', async () => {
    const model = build({
      opset: 11,
      nodes: [node('Unsqueeze', ['x'], ['u'], [intsAttr('axes', [0, -1])]), node('Squeeze', ['u'], ['s'], [intsAttr('axes', [0])]), node('Squeeze', ['s'], ['y'], [], 'squeeze_all')],
      inputs: [vi('x', [2, 3, 4, 5])],
      outputs: [vi('y')],
    });
    for (const target of [13, 21]) {
      const { diff, up } = await upgradeAndCompare('Squeeze/Unsqueeze', model, target, feeds);
      expect(diff).toBeLessThanOrEqual(TOLERANCE);
      expect(up.model.graph!.node.map((n) => n.input.length)).toEqual([2, 2, 1]);
    }
  });

  for (const op of ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceL2', 'ReduceLogSumExp']) {
    it(`${op} axes attribute -> input (${op === 'ReduceSum' ? 13 : 18})`, async () => {
      const model = build({
        opset: 11,
        nodes: [node(op, ['x'], ['y'], [intsAttr('axes', [1, -1])]), node(op, ['x'], ['z'], [intsAttr('axes', [2]), intAttr('keepdims', 0)], 'r2'), node(op, ['x'], ['w'], [], 'r_all')],
        inputs: [vi('x', [2, 3, 4, 5])],
        outputs: [vi('y'), vi('z'), vi('w')],
      });
      const changesAt = op === 'ReduceSum' ? 13 : 18;
      for (const target of [13, 18, 21]) {
        const { diff, up } = await upgradeAndCompare(`${op} axes`, model, target, feeds);
        expect(diff).toBeLessThanOrEqual(TOLERANCE);
        expect(up.model.graph!.node.map((n) => n.input.length)).toEqual(target >= changesAt ? [2, 2, 1] : [1, 1, 1]);
      }
    });
  }

  it('Slice-1 starts/ends/axes -> inputs at 10 (INT64 max end kept)', async () => {
    const model = build({
      opset: 9,
      nodes: [node('Slice', ['x'], ['a'], [intsAttr('starts', [1]), intsAttr('ends', [2 ** 63]), intsAttr('axes', [2])]), node('Slice', ['x'], ['b'], [intsAttr('starts', [0, -3]), intsAttr('ends', [1, -1])], 'slice_2')],
      inputs: [vi('x', [2, 3, 4, 5])],
      outputs: [vi('a'), vi('b')],
    });
    for (const target of [10, 13]) {
      const { diff, up } = await upgradeAndCompare('Slice-1', model, target, feeds);
      expect(diff).toBeLessThanOrEqual(TOLERANCE);
      expect(up.model.graph!.node.map((n) => n.input.length)).toEqual([4, 3]);
    }
  });

  it('TopK-1 k attribute -> input at 10', async () => {
    const model = build({ opset: 9, nodes: [node('TopK', ['x'], ['v', 'i'], [intAttr('k', 3), intAttr('axis', 3)])], inputs: [vi('x', [2, 3, 4, 5])], outputs: [vi('v'), vi('i', undefined, DataType.INT64)] });
    const { diff, up } = await upgradeAndCompare('TopK-1', model, 13, feeds);
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    expect(up.model.graph!.node[0].input).toHaveLength(2);
  });

  it('Reshape-1 shape attribute and Cast-1 string type are rewritten', () => {
    const model = build({
      opset: 1,
      nodes: [node('Reshape', ['x'], ['r'], [intsAttr('shape', [6, 20])]), node('Cast', ['r'], ['y'], [stringAttr('to', 'DOUBLE')])],
      inputs: [vi('x', [2, 3, 4, 5])],
      outputs: [vi('y')],
    });
    const up = upgradeOpset(model, 13);
    const [reshape, cast] = up.model.graph!.node;
    expect(reshape.input).toHaveLength(2);
    expect(reshape.attribute).toHaveLength(0);
    expect(cast.attribute[0].i).toBe(DataType.DOUBLE);
  });
});

describe('Upsample -> Resize', () => {
  const x = randomFloats(1 * 2 * 5 * 7, 21, -5, 5);
  const feeds = { x: f32([1, 2, 5, 7], x) };

  for (const mode of ['nearest', 'linear']) {
    it(`Upsample-7 ${mode} scales [1,1,2,2] -> Resize`, async () => {
      const model = build({ opset: 7, nodes: [node('Upsample', ['x'], ['y'], [stringAttr('mode', mode), floatsAttr('scales', [1, 1, 2, 2])], 'resize_1')], inputs: [vi('x', [1, 2, 5, 7])], outputs: [vi('y', [1, 2, 10, 14])] });
      for (const target of [9, 10, 11, 13, 19, 21]) {
        const { diff, up } = await upgradeAndCompare(`Upsample-7 ${mode} x2`, model, target, feeds);
        expect(diff).toBeLessThanOrEqual(TOLERANCE);
        const op = up.model.graph!.node[0];
        expect(op.opType).toBe(target >= 10 ? 'Resize' : 'Upsample');
        if (target >= 11 && mode === 'linear') {
          // onnx's converter keeps Resize-11's default half_pixel: bilinear results move
          const onnxStyle: Model = { ...renumbered(model, target), graph: { ...model.graph!, initializer: up.model.graph!.initializer, node: [{ ...op, attribute: [stringAttr('mode', mode)] }] } };
          expect(relMaxDiff(await run(model, feeds), await run(onnxStyle, feeds))).toBeGreaterThan(0.01);
        }
        if (target >= 11) {
          expect(text(attrOf(up.model, 'Resize', 'coordinate_transformation_mode'))).toBe('asymmetric');
          expect(text(attrOf(up.model, 'Resize', 'nearest_mode'))).toBe(mode === 'nearest' ? 'floor' : undefined);
        }
      }
    });
  }

  it('Upsample-9 with a scales input and non-integer scales', async () => {
    const model = build({
      opset: 9,
      nodes: [node('Upsample', ['x', 'scales'], ['y'], [stringAttr('mode', 'nearest')])],
      inputs: [vi('x', [1, 2, 5, 7])],
      outputs: [vi('y')],
      inits: [floatInit('scales', [4], [1, 1, 1.5, 2.5])],
    });
    const { diff } = await upgradeAndCompare('Upsample-9 x1.5/x2.5', model, 13, feeds);
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('Upsample-9 whose scales are computed at run time still converts (Upsample scales are >= 1)', async () => {
    const model = build({
      opset: 9,
      nodes: [node('Mul', ['s0', 'two'], ['scales']), node('Upsample', ['x', 'scales'], ['y'], [stringAttr('mode', 'nearest')])],
      inputs: [vi('x', [1, 2, 5, 7]), vi('s0', [4])],
      outputs: [vi('y')],
      inits: [floatInit('two', [1], [2])],
    });
    const { diff } = await upgradeAndCompare('Upsample-9 runtime scales', model, 13, { ...feeds, s0: f32([4], new Float32Array([0.5, 0.5, 1, 1.5])) });
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('Resize-10 nearest downsampling -> nearest_mode ceil', async () => {
    const model = build({
      opset: 10,
      nodes: [node('Resize', ['x', 'scales'], ['y'], [stringAttr('mode', 'nearest')])],
      inputs: [vi('x', [1, 2, 5, 7])],
      outputs: [vi('y')],
      inits: [floatInit('scales', [4], [1, 1, 0.6, 0.45])],
    });
    const { diff, up } = await upgradeAndCompare('Resize-10 downsample', model, 13, feeds);
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    expect(text(attrOf(up.model, 'Resize', 'nearest_mode'))).toBe('ceil');
    // what onnx's converter does (scales moved, default half_pixel/round_prefer_floor) gives other values
    const onnxStyle: Model = { ...renumbered(model, 13), graph: { ...model.graph!, node: [node('Resize', ['x', '', 'scales'], ['y'], [stringAttr('mode', 'nearest')])] } };
    expect(relMaxDiff(await run(model, feeds), await run(onnxStyle, feeds))).toBeGreaterThan(0.01);
  });

  it('Resize-10 nearest with run-time scales is refused, naming the node', () => {
    const model = build({ opset: 10, nodes: [node('Resize', ['x', 'scales'], ['y'], [], 'resize_dyn')], inputs: [vi('x', [1, 2, 5, 7]), vi('scales', [4])], outputs: [vi('y')] });
    const e = catchError(() => upgradeOpset(model, 13));
    expect(e.code).toBe('opset-upgrade');
    expect(e.subject).toBe('resize_dyn');
    expect(e.message).toMatch(/^Cannot upgrade node 'resize_dyn' \(Resize, mode 'nearest'\) from opset 10 to 13: .*Re-export the model with opset >= 13\.$/);
  });

  it('Upsample-1 height/width_scale bilinear (structure only: onnxruntime has no Upsample-1)', () => {
    const model = build({ opset: 6, nodes: [node('Upsample', ['x'], ['y'], [stringAttr('mode', 'bilinear'), floatAttr('height_scale', 2), floatAttr('width_scale', 3)])], inputs: [vi('x', [1, 2, 5, 7])], outputs: [vi('y')] });
    const up = upgradeOpset(model, 13);
    const [resize] = up.model.graph!.node;
    expect(resize.opType).toBe('Resize');
    expect(text(attrOf(up.model, 'Resize', 'mode'))).toBe('linear');
    const scales = up.model.graph!.initializer.find((t) => t.name === resize.input[2])!;
    expect(Array.from(tensorToArray(scales) as Float32Array)).toEqual([1, 1, 2, 3]);
  });

  // NanoDet / YOLOv5-era PyTorch opset-11 exports: empty roi and scales next to sizes.
  for (const source of ['initializer', 'Constant'] as const) {
    it(`Resize-11 with 0-element roi/scales (${source}s) next to sizes: both '' at 13`, async () => {
      const empty = [floatInit('roi', [0], []), floatInit('scales', [0], [])];
      const constants = empty.map((t) => node('Constant', [], [t.name!], [{ name: 'value', type: 4, t, floats: [], ints: [], strings: [], tensors: [], graphs: [] }], `const_${t.name}`));
      const attrs = [stringAttr('mode', 'nearest'), stringAttr('coordinate_transformation_mode', 'asymmetric'), stringAttr('nearest_mode', 'floor')];
      const model = build({
        opset: 11,
        nodes: [...(source === 'Constant' ? constants : []), node('Resize', ['x', 'roi', 'scales', 'sizes'], ['y'], attrs, 'resize_sizes')],
        inputs: [vi('x', [1, 2, 5, 7])],
        outputs: [vi('y')],
        inits: [...(source === 'initializer' ? empty : []), int64Init('sizes', [1, 2, 10, 14])],
      });
      for (const target of [13, 17, 21]) {
        const { diff, up } = await upgradeAndCompare(`Resize-11 empty roi/scales (${source}s)`, model, target, feeds);
        expect(diff).toBe(0);
        const resize = up.model.graph!.node.find((n) => n.opType === 'Resize')!;
        expect(resize.input).toEqual(['x', '', '', 'sizes']);
        expect(up.model.graph!.initializer.map((t) => t.name)).toEqual(['sizes']);
        expect(up.converted.find((c) => c.node === 'resize_sizes')?.change).toContain("empty scales next to sizes -> ''");
      }
      expect(upgradeOpset(model, 12).model.graph!.node.at(-1)!.input).toEqual(['x', 'roi', 'scales', 'sizes']); // still required at 12
    });
  }

  it("Resize-11 with a 0-element roi and real scales: roi '' at 13, scales kept", async () => {
    const model = build({
      opset: 11,
      nodes: [node('Resize', ['x', 'roi', 'scales'], ['y'], [stringAttr('mode', 'linear')])],
      inputs: [vi('x', [1, 2, 5, 7])],
      outputs: [vi('y')],
      inits: [floatInit('roi', [0], []), floatInit('scales', [4], [1, 1, 2, 2])],
    });
    const { diff, up } = await upgradeAndCompare('Resize-11 empty roi', model, 13, feeds);
    expect(diff).toBe(0);
    expect(up.model.graph!.node[0].input).toEqual(['x', '', 'scales']);
  });

  for (const [nearest, mapped] of [
    ['floor', 'round_prefer_ceil'],
    ['round_prefer_floor', 'ceil'],
  ] as const) {
    for (const [how, values] of [
      ['scales', [1, 1, 0.6, 0.45]],
      ['scales', [1, 1, 1.5, 2.5]],
      ['scales', [1, 1, 3, 0.5]],
      ['sizes', [1, 2, 3, 11]],
    ] as const) {
      it(`Resize-11 tf_half_pixel_for_nn, nearest_mode ${nearest}, ${how} [${values.join(', ')}] -> half_pixel + ${mapped} at 13`, async () => {
        const attrs = [stringAttr('mode', 'nearest'), stringAttr('coordinate_transformation_mode', 'tf_half_pixel_for_nn'), stringAttr('nearest_mode', nearest)];
        const inits = [floatInit('roi', [0], []), how === 'scales' ? floatInit('scales', [4], [...values]) : floatInit('scales', [0], [])];
        if (how === 'sizes') inits.push(int64Init('sizes', [...values]));
        const model = build({
          opset: 11,
          nodes: [node('Resize', ['x', 'roi', 'scales', ...(how === 'sizes' ? ['sizes'] : [])], ['y'], attrs, 'resize_tf')],
          inputs: [vi('x', [1, 2, 5, 7])],
          outputs: [vi('y')],
          inits,
        });
        for (const target of [13, 19]) {
          const { diff, up } = await upgradeAndCompare(`Resize-11 tf_half_pixel_for_nn ${nearest} ${how} [${values}]`, model, target, feeds);
          expect(diff).toBe(0);
          expect(text(attrOf(up.model, 'Resize', 'coordinate_transformation_mode'))).toBe('half_pixel');
          expect(text(attrOf(up.model, 'Resize', 'nearest_mode'))).toBe(mapped);
        }
      });
    }
  }

  it('Resize-11 tf_half_pixel_for_nn without an equivalent at 13 is refused, naming the node', () => {
    const model = (mode: string, nearest: string) =>
      build({
        opset: 11,
        nodes: [node('Resize', ['x', 'roi', 'scales'], ['y'], [stringAttr('mode', mode), stringAttr('coordinate_transformation_mode', 'tf_half_pixel_for_nn'), stringAttr('nearest_mode', nearest)], 'resize_tf')],
        inputs: [vi('x', [1, 2, 5, 7])],
        outputs: [vi('y')],
        inits: [floatInit('roi', [0], []), floatInit('scales', [4], [1, 1, 2, 2])],
      });
    for (const [mode, nearest] of [
      ['nearest', 'ceil'],
      ['nearest', 'round_prefer_ceil'],
      ['linear', 'floor'],
    ]) {
      const e = catchError(() => upgradeOpset(model(mode, nearest), 13));
      expect(e.subject).toBe('resize_tf');
      expect(e.message).toContain("Cannot upgrade node 'resize_tf' (Resize, coordinate_transformation_mode 'tf_half_pixel_for_nn') from opset 11 to 13");
    }
    expect(upgradeOpset(model('nearest', 'ceil'), 12).converted).toEqual([]); // still valid at 12
  });
});

describe('Dropout, BatchNormalization, broadcasting and other legacy forms', () => {
  const x = randomFloats(2 * 3 * 4 * 5, 31, -2, 2);
  const feeds = { x: f32([2, 3, 4, 5], x) };

  it('Dropout-7 is removed (mask unused), or becomes Identity when it is a graph output', async () => {
    const model = build({
      opset: 7,
      nodes: [node('Dropout', ['x'], ['d', 'mask'], [floatAttr('ratio', 0.5)], 'drop_1'), node('Relu', ['d'], ['y']), node('Dropout', ['y'], ['z'], [floatAttr('ratio', 0.3)], 'drop_out')],
      inputs: [vi('x', [2, 3, 4, 5])],
      outputs: [vi('z', [2, 3, 4, 5])],
      valueInfo: [vi('d', [2, 3, 4, 5])],
    });
    for (const target of [13, 21]) {
      const { diff, up } = await upgradeAndCompare('Dropout-7', model, target, feeds);
      expect(diff).toBeLessThanOrEqual(TOLERANCE);
      expect(opTypes(up.model)).toEqual(['Relu', 'Identity']);
      expect(up.model.graph!.node[0].input).toEqual(['x']);
      expect(up.model.graph!.valueInfo).toHaveLength(0);
      expect(up.converted.map((c) => c.node)).toEqual(['drop_1', 'drop_out']);
    }
  });

  it('Dropout whose output a subgraph returns as is becomes Identity (structure only: onnxruntime refuses such bodies)', () => {
    const passthrough = { name: 'b', node: [], initializer: [], input: [], output: [vi('d')], valueInfo: [] };
    const relu = { name: 'r', node: [node('Relu', ['d'], ['r'])], initializer: [], input: [], output: [vi('r')], valueInfo: [] };
    const graphAttr = (name: string, g: typeof relu): Attribute => ({ name, type: 5, g, floats: [], ints: [], strings: [], tensors: [], graphs: [] });
    const model = build({
      opset: 9,
      nodes: [node('Dropout', ['x'], ['d'], [], 'drop_cap'), node('If', ['cond'], ['y'], [graphAttr('then_branch', passthrough), graphAttr('else_branch', relu)])],
      inputs: [vi('x', [2, 3, 4, 5]), vi('cond', [], DataType.BOOL)],
      outputs: [vi('y')],
    });
    const up = upgradeOpset(model, 13);
    expect(opTypes(up.model)).toEqual(['Identity', 'If']);
    expect(up.model.graph!.node[0].output).toEqual(['d']);
  });

  it('Dropout whose mask is read is refused', () => {
    const model = build({
      opset: 7,
      nodes: [node('Dropout', ['x'], ['d', 'mask'], [], 'drop_mask'), node('Mul', ['d', 'mask'], ['y'])],
      inputs: [vi('x', [2, 3, 4, 5])],
      outputs: [vi('y')],
    });
    const e = catchError(() => upgradeOpset(model, 13));
    expect(e.message).toContain("Cannot upgrade node 'drop_mask' (Dropout) from opset 7 to 13");
    expect(e.message).toContain("mask output 'mask'");
  });

  it('BatchNormalization-6 with is_test/spatial/consumed_inputs', async () => {
    const c = 3;
    const inits = [floatInit('s', [c], [1, 0.5, 2]), floatInit('b', [c], [0.1, -0.2, 0.3]), floatInit('m', [c], [0.01, 0.2, -0.1]), floatInit('v', [c], [1, 2, 0.5])];
    const model = build({
      opset: 6,
      nodes: [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], [intAttr('is_test', 1), intAttr('spatial', 1), floatAttr('epsilon', 1e-3)])],
      inputs: [vi('x', [2, 3, 4, 5])],
      outputs: [vi('y', [2, 3, 4, 5])],
      inits,
    });
    // onnxruntime has no BatchNormalization-6 kernel: the reference is computed here
    const [s, b, m, v] = [[1, 0.5, 2], [0.1, -0.2, 0.3], [0.01, 0.2, -0.1], [1, 2, 0.5]];
    const expected = Float32Array.from(x, (xi, i) => {
      const ch = Math.floor(i / 20) % c;
      return (s[ch] * (xi - m[ch])) / Math.sqrt(v[ch] + 1e-3) + b[ch];
    });
    for (const target of [13, 15, 21]) {
      const { diff, up } = await upgradeAndCompare('BatchNormalization-6', model, target, feeds, { y: f32([2, 3, 4, 5], expected) });
      expect(diff).toBeLessThanOrEqual(TOLERANCE);
      expect(up.model.graph!.node[0].attribute.map((a) => a.name)).toEqual(['epsilon']);
    }
    const spatial0 = build({ opset: 7, nodes: [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], [intAttr('spatial', 0)], 'bn_1')], inputs: [vi('x', [2, 3, 4, 5])], outputs: [vi('y')], inits });
    expect(catchError(() => upgradeOpset(spatial0, 13)).message).toMatch(/^Cannot upgrade node 'bn_1' \(BatchNormalization, spatial=0\) from opset 7 to 13/);
  });

  it('BatchNormalization-9 extra outputs are dropped at 14 when unused, refused when read', () => {
    const inits = ['s', 'b', 'm', 'v'].map((n) => floatInit(n, [3], [1, 1, 1]));
    const bn = node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y', 'rm', 'rv']);
    const unused = build({ opset: 9, nodes: [bn], inputs: [vi('x', [2, 3, 4, 5])], outputs: [vi('y')], inits });
    expect(upgradeOpset(unused, 14).model.graph!.node[0].output).toEqual(['y']);
    expect(upgradeOpset(unused, 13).model.graph!.node[0].output).toEqual(['y', 'rm', 'rv']);
    const read = build({ opset: 9, nodes: [bn, node('Identity', ['rm'], ['o'])], inputs: [vi('x', [2, 3, 4, 5])], outputs: [vi('y'), vi('o')], inits });
    expect(catchError(() => upgradeOpset(read, 14)).message).toContain("training outputs ('rm')");
  });

  for (const ir of [3, 4]) {
    it(`Add-6 legacy broadcast with axis gets B aligned, IR ${ir} source (checked by hand: onnxruntime has no Add-6)`, async () => {
      const bias = [10, 20, 30];
      const model = build({
        opset: 6,
        ir,
        nodes: [node('Add', ['x', 'bias'], ['y'], [intAttr('broadcast', 1), intAttr('axis', 1)], 'add_1'), node('Mul', ['y', 'k'], ['z'], [intAttr('broadcast', 1)], 'mul_1')],
        inputs: [vi('x', [2, 3, 4, 5])],
        outputs: [vi('z', [2, 3, 4, 5])],
        inits: [floatInit('bias', [3], bias), floatInit('k', [5], [1, 2, 3, 4, 5])],
      });
      for (const target of [7, 13]) {
        const up = upgradeOpset(model, target);
        expect(up.model.graph!.node.every((n) => n.attribute.length === 0)).toBe(true);
        // the replaced bias initializer stays only where IR 3 lists it as a graph input
        expect(up.model.graph!.initializer.some((t) => t.name === 'bias')).toBe(ir < 4);
        const out = (await run(up.model, feeds)).z.data as Float32Array;
        let maxErr = 0;
        for (let i = 0; i < x.length; i++) {
          const c = Math.floor(i / 20) % 3;
          const w = i % 5;
          maxErr = Math.max(maxErr, Math.abs(out[i] - (x[i] + bias[c]) * (w + 1)));
        }
        expect(maxErr).toBeLessThan(1e-4);
        measured.push(`Add-6 legacy broadcast (IR ${ir}) 6 -> ${target}: max abs error ${maxErr.toExponential(2)} vs hand computation`);
      }
    });
  }

  it('Add-6 legacy broadcast on a non-initializer B uses an Unsqueeze in the target form', async () => {
    const model = build({
      opset: 6,
      nodes: [node('Add', ['x', 'b'], ['y'], [intAttr('broadcast', 1), intAttr('axis', 0)])],
      inputs: [vi('x', [2, 3, 4, 5]), vi('b', [2, 3])],
      outputs: [vi('y')],
    });
    const b = new Float32Array([1, 2, 3, 4, 5, 6]);
    for (const target of [12, 13]) {
      const up = upgradeOpset(model, target);
      expect(opTypes(up.model)).toEqual(['Unsqueeze', 'Add']);
      expect(up.model.graph!.node[0].input).toHaveLength(target >= 13 ? 2 : 1);
      const out = (await run(up.model, { ...feeds, b: f32([2, 3], b) })).y.data as Float32Array;
      for (let i = 0; i < x.length; i++) expect(out[i]).toBeCloseTo(x[i] + b[Math.floor(i / 20)], 5);
    }
  });

  it('Gemm-6 broadcast attribute and Concat-1 default axis', async () => {
    const model = build({
      opset: 1,
      ir: 3,
      nodes: [node('Concat', ['a', 'a'], ['c'], [], 'concat_1')],
      inputs: [vi('a', [2, 3])],
      outputs: [vi('c')],
    });
    const up = upgradeOpset(model, 13);
    expect(attrOf(up.model, 'Concat', 'axis')?.i).toBe(1);
    const gemm = build({
      opset: 6,
      nodes: [node('Gemm', ['a', 'w', 'c'], ['y'], [intAttr('broadcast', 1), intAttr('transB', 1)])],
      inputs: [vi('a', [2, 3])],
      outputs: [vi('y', [2, 4])],
      inits: [floatInit('w', [4, 3], Array.from({ length: 12 }, (_, i) => i / 7)), floatInit('c', [4], [1, 2, 3, 4])],
    });
    // onnxruntime has no Gemm-6 kernel: the reference is computed here
    const a = randomFloats(6, 5);
    const expected = Float32Array.from({ length: 8 }, (_, k) => {
      const [i, j] = [Math.floor(k / 4), k % 4];
      let acc = j + 1;
      for (let t = 0; t < 3; t++) acc += a[i * 3 + t] * ((j * 3 + t) / 7);
      return acc;
    });
    const { diff, up: g2 } = await upgradeAndCompare('Gemm-6 broadcast', gemm, 13, { a: f32([2, 3], a) }, { y: f32([2, 4], expected) });
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    expect(g2.model.graph!.node[0].attribute.map((a) => a.name)).toEqual(['transB']);
  });

  it('ImageScaler (experimental) becomes Mul + Add', async () => {
    const model = build({ opset: 8, nodes: [node('ImageScaler', ['x'], ['y'], [floatAttr('scale', 0.5), floatsAttr('bias', [1, 2, 3])])], inputs: [vi('x', [2, 3, 4, 5])], outputs: [vi('y')] });
    const up = upgradeOpset(model, 13);
    expect(opTypes(up.model)).toEqual(['Mul', 'Add']);
    const out = (await run(up.model, feeds)).y.data as Float32Array;
    for (let i = 0; i < x.length; i++) expect(out[i]).toBeCloseTo(0.5 * x[i] + [1, 2, 3][Math.floor(i / 20) % 3], 5);
  });

  // onnxruntime still runs the experimental ops below opset 10: the original is the reference.
  const EXPERIMENTAL: Array<{ label: string; n: Node; ops: string[] }> = [
    { label: 'ImageScaler scale 1 (fast-neural-style)', n: node('ImageScaler', ['x'], ['y'], [floatAttr('scale', 1), floatsAttr('bias', [-103.9, -116.8, -123.7])], 'scaler'), ops: ['Add'] },
    { label: 'ImageScaler scale 1/255, zero bias', n: node('ImageScaler', ['x'], ['y'], [floatAttr('scale', 1 / 255), floatsAttr('bias', [0, 0, 0])], 'scaler'), ops: ['Mul'] },
    { label: 'Crop border', n: node('Crop', ['x'], ['y'], [intsAttr('border', [1, 2, 0, 1])], 'crop_1'), ops: ['Slice'] },
    { label: 'Crop border 0 at the end', n: node('Crop', ['x'], ['y'], [intsAttr('border', [2, 1, 0, 0])], 'crop_1'), ops: ['Slice'] },
    { label: 'Crop border + scale', n: node('Crop', ['x'], ['y'], [intsAttr('border', [1, 1, 0, 0]), intsAttr('scale', [2, 3])], 'crop_1'), ops: ['Slice'] },
    { label: 'Affine', n: node('Affine', ['x'], ['y'], [floatAttr('alpha', 150), floatAttr('beta', 0.25)], 'affine_1'), ops: ['Mul', 'Add'] },
    { label: 'Affine alpha only', n: node('Affine', ['x'], ['y'], [floatAttr('alpha', 150)], 'affine_1'), ops: ['Mul'] },
    { label: 'ScaledTanh', n: node('ScaledTanh', ['x'], ['y'], [floatAttr('alpha', 1.7), floatAttr('beta', 0.66)], 'st_1'), ops: ['Mul', 'Tanh', 'Mul'] },
    { label: 'ParametricSoftplus', n: node('ParametricSoftplus', ['x'], ['y'], [floatAttr('alpha', 0.5), floatAttr('beta', 2)], 'ps_1'), ops: ['Mul', 'Softplus', 'Mul'] },
  ];
  for (const { label, n, ops } of EXPERIMENTAL) {
    it(`experimental ${label} (opset 7) gives onnxruntime's own kernel's values after the upgrade`, async () => {
      const model = build({ opset: 7, nodes: [n], inputs: [vi('x', [2, 3, 4, 5])], outputs: [vi('y')] });
      for (const target of [10, 13, 21]) {
        const { diff, up } = await upgradeAndCompare(`experimental ${label}`, model, target, feeds);
        expect(diff).toBeLessThanOrEqual(TOLERANCE);
        expect(opTypes(up.model)).toEqual(ops);
        expect(up.model.graph!.node.at(-1)!.name).toBe(n.name); // the last node keeps the name
      }
    });
  }

  it('experimental ops it cannot convert are refused, naming the node', () => {
    const crop3 = build({ opset: 7, nodes: [node('Crop', ['x'], ['y'], [intsAttr('border', [1, 1, 1])], 'crop_3')], inputs: [vi('x', [1, 3, 8, 8])], outputs: [vi('y')] });
    expect(catchError(() => upgradeOpset(crop3, 13)).message).toMatch(/^Cannot upgrade node 'crop_3' \(Crop\) from opset 7 to 13: its border \[1, 1, 1\] is not the 4 values/);
    const crop2d = build({ opset: 7, nodes: [node('Crop', ['x'], ['y'], [intsAttr('border', [1, 1, 1, 1])], 'crop_2d')], inputs: [vi('x', [8, 8])], outputs: [vi('y')] });
    expect(catchError(() => upgradeOpset(crop2d, 13)).message).toContain('rank 2');
    const fill = build({ opset: 7, nodes: [node('ConstantFill', [], ['y'], [intsAttr('shape', [2])], 'fill_1')], inputs: [], outputs: [vi('y')] });
    expect(catchError(() => upgradeOpset(fill, 13)).message).toContain("node 'fill_1' (ConstantFill)");
    const bias = build({ opset: 7, nodes: [node('ImageScaler', ['x'], ['y'], [floatsAttr('bias', [1, 2])], 'scaler_2')], inputs: [vi('x', [1, 3, 4, 4])], outputs: [vi('y')] });
    expect(catchError(() => upgradeOpset(bias, 13)).message).toContain('its bias has 2 values for 3 channels');
  });

  it('subgraph (If) bodies are converted too', async () => {
    const body = (out: string, axis: number) => ({
      name: `body_${out}`,
      node: [node('Unsqueeze', ['x'], [out], [intsAttr('axes', [axis])], `unsq_${out}`)],
      initializer: [],
      input: [],
      output: [vi(out)],
      valueInfo: [],
    });
    const model = build({
      opset: 11,
      nodes: [
        node('If', ['cond'], ['y'], [
          { name: 'then_branch', type: 5, g: body('t', 0), floats: [], ints: [], strings: [], tensors: [], graphs: [] },
          { name: 'else_branch', type: 5, g: body('e', 4), floats: [], ints: [], strings: [], tensors: [], graphs: [] },
        ]),
      ],
      inputs: [vi('x', [2, 3, 4, 5]), vi('cond', [], DataType.BOOL)],
      outputs: [vi('y')],
    });
    const up = upgradeOpset(model, 13);
    expect(up.converted.map((c) => c.node).sort()).toEqual(['unsq_e', 'unsq_t']);
    for (const c of [true, false]) {
      const f = { ...feeds, cond: { type: 'bool', dims: [], data: new Uint8Array([c ? 1 : 0]) } as RunnerTensor };
      expect(relMaxDiff(await run(model, f), await run(up.model, f))).toBe(0);
    }
  });
});

describe('other changed contracts', () => {
  it('Scatter-9 -> ScatterElements at 11', async () => {
    const model = build({
      opset: 9,
      nodes: [node('Scatter', ['x', 'idx', 'upd'], ['y'], [intAttr('axis', 1)], 'scatter_1')],
      inputs: [vi('x', [2, 4])],
      outputs: [vi('y', [2, 4])],
      inits: [makeTensor('idx', DataType.INT64, [2, 2], BigInt64Array.from([3n, 0n, 1n, 2n])), floatInit('upd', [2, 2], [9, 8, 7, 6])],
    });
    const { diff, up } = await upgradeAndCompare('Scatter-9', model, 13, { x: f32([2, 4], randomFloats(8, 2)) });
    expect(diff).toBe(0);
    expect(opTypes(up.model)).toEqual(['ScatterElements']);
  });

  it('GridSample-16 bilinear -> linear at 20', async () => {
    const model = build({ opset: 16, nodes: [node('GridSample', ['x', 'grid'], ['y'], [intAttr('align_corners', 0)])], inputs: [vi('x', [1, 2, 4, 5]), vi('grid', [1, 3, 3, 2])], outputs: [vi('y')] });
    const feeds = { x: f32([1, 2, 4, 5], randomFloats(40, 3)), grid: f32([1, 3, 3, 2], randomFloats(18, 4, -1.1, 1.1)) };
    const { diff, up } = await upgradeAndCompare('GridSample-16', model, 20, feeds);
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    expect(text(attrOf(up.model, 'GridSample', 'mode'))).toBe('linear');
  });

  it('RoiAlign-10 gets the old coordinate_transformation_mode explicitly at 16', async () => {
    const model = build({
      opset: 10,
      nodes: [node('RoiAlign', ['x', 'rois', 'bi'], ['y'], [intAttr('output_height', 2), intAttr('output_width', 2), intAttr('sampling_ratio', 2), floatAttr('spatial_scale', 0.5)])],
      inputs: [vi('x', [1, 2, 8, 8])],
      outputs: [vi('y')],
      inits: [floatInit('rois', [2, 4], [1, 1, 9, 9, 0, 2, 6, 12]), makeTensor('bi', DataType.INT64, [2], BigInt64Array.from([0n, 0n]))],
    });
    const feeds = { x: f32([1, 2, 8, 8], randomFloats(128, 5)) };
    const { diff, up } = await upgradeAndCompare('RoiAlign-10', model, 16, feeds);
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
    expect(relMaxDiff(await run(model, feeds), await run(renumbered(model, 16), feeds))).toBeGreaterThan(0.01);
    expect(text(attrOf(up.model, 'RoiAlign', 'coordinate_transformation_mode'))).toBe('output_half_pixel');
  });

  it('GroupNormalization-18 per-group scale/bias -> per-channel at 21', async () => {
    const model = build({
      opset: 18,
      nodes: [node('GroupNormalization', ['x', 'scale', 'bias'], ['y'], [intAttr('num_groups', 2)], 'gn_1')],
      inputs: [vi('x', [2, 4, 3, 3])],
      outputs: [vi('y')],
      inits: [floatInit('scale', [2], [1.5, 0.5]), floatInit('bias', [2], [0.25, -1])],
    });
    const up = upgradeOpset(model, 21);
    const [, scale, bias] = up.model.graph!.node[0].input;
    const values = (name: string): number[] => Array.from(tensorToArray(up.model.graph!.initializer.find((t) => t.name === name)!) as Float32Array);
    expect(values(scale)).toEqual([1.5, 1.5, 0.5, 0.5]);
    expect(values(bias)).toEqual([0.25, 0.25, -1, -1]);
    expect(up.model.graph!.initializer.map((t) => t.name)).not.toContain('scale'); // replaced and unused
    const feeds = { x: f32([2, 4, 3, 3], randomFloats(72, 6)) };
    let reference: Record<string, RunnerTensor> | undefined;
    try {
      reference = await run(model, feeds);
    } catch {
      // onnxruntime builds without GroupNormalization-18: checked structurally above
    }
    if (reference) {
      const diff = relMaxDiff(reference, await run(up.model, feeds));
      measured.push(`GroupNormalization-18 18 -> 21: ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(TOLERANCE);
    } else measured.push('GroupNormalization-18 18 -> 21: onnxruntime cannot run the original, structure checked only');
    const unknownChannels = build({ opset: 18, nodes: model.graph!.node, inputs: [vi('x')], outputs: [vi('y')], inits: model.graph!.initializer });
    expect(catchError(() => upgradeOpset(unknownChannels, 21)).message).toContain("Cannot upgrade node 'gn_1' (GroupNormalization)");
  });

  it('refuses what it cannot convert, naming the node', () => {
    const prelu = build({ opset: 6, nodes: [node('PRelu', ['x', 'slope'], ['y'], [], 'prelu_1')], inputs: [vi('x', [2, 3, 4, 5])], outputs: [vi('y')], inits: [floatInit('slope', [3], [0.1, 0.2, 0.3])] });
    expect(catchError(() => upgradeOpset(prelu, 13)).message).toMatch(/^Cannot upgrade node 'prelu_1' \(PRelu\) from opset 6 to 13: /);
    const scan = build({ opset: 8, nodes: [node('Scan', ['x'], ['y'], [], 'scan_1')], inputs: [vi('x')], outputs: [vi('y')] });
    expect(catchError(() => upgradeOpset(scan, 13)).subject).toBe('scan_1');
    const fill = build({ opset: 7, nodes: [node('GivenTensorFill', [], ['y'], [], 'fill_1')], inputs: [], outputs: [vi('y')] });
    expect(catchError(() => upgradeOpset(fill, 13)).message).toContain("node 'fill_1' (GivenTensorFill)");
    expect(upgradeOpset(fill, 9).converted).toEqual([]); // still exists below 10
    const tile = build({ opset: 5, nodes: [node('Tile', ['x', 'tiles', 'axis'], ['y'], [], 'tile_1')], inputs: [vi('x', [2, 3]), vi('tiles', [1], DataType.INT64), vi('axis', [1], DataType.INT64)], outputs: [vi('y')] });
    expect(catchError(() => upgradeOpset(tile, 13)).message).toContain("node 'tile_1' (Tile)");
    const tileConst = build({ opset: 5, nodes: [node('Tile', ['x', 'tiles', 'axis'], ['y'])], inputs: [vi('x', [2, 3])], outputs: [vi('y')], inits: [int64Init('tiles', [4]), int64Init('axis', [1])] });
    const repeats = upgradeOpset(tileConst, 13).model.graph!;
    expect(Array.from(tensorToArray(repeats.initializer.find((t) => t.name === repeats.node[0].input[1])!) as BigInt64Array, Number)).toEqual([1, 4]);
  });
});

describe('bookkeeping', () => {
  const model = build({ opset: 11, nodes: [node('Relu', ['x'], ['y'])], inputs: [vi('x', [1])], outputs: [vi('y')], ir: 6 });

  it('raises the opset import and the IR version only', () => {
    const up = upgradeOpset(model, 13);
    expect(up).toMatchObject({ from: 11, to: 13, converted: [] });
    expect(up.model.irVersion).toBe(7);
    expect(up.model.graph).toBe(model.graph); // nothing to convert: the graph object is reused
    expect(upgradeOpset(model, 21).model.irVersion).toBe(10);
    expect(upgradeOpset(model, 18).model.irVersion).toBe(8);
    expect(upgradeOpset(model, 19).model.irVersion).toBe(9);
  });

  it('refuses downgrades and targets above 21', () => {
    expect(catchError(() => upgradeOpset(model, 10)).message).toContain('Cannot downgrade');
    expect(catchError(() => upgradeOpset(model, 22)).message).toContain('up to opset 21');
  });

  it('keeps ops it does not know and ops of other domains', () => {
    const m = build({ opset: 7, nodes: [node('FancyNewOp', ['x'], ['a']), { ...node('Softmax', ['a'], ['y']), domain: 'com.example' }], inputs: [vi('x', [1, 4, 2, 2])], outputs: [vi('y')] });
    m.opsetImport.push({ domain: 'com.example', version: 1 });
    const up = upgradeOpset(m, 13);
    expect(up.converted).toEqual([]);
    expect(up.model.graph!.node).toEqual(m.graph!.node);
    expect(up.model.opsetImport).toEqual([
      { domain: '', version: 13 },
      { domain: 'com.example', version: 1 },
    ]);
  });

  it('lists the change points it knows', () => {
    const points = opsetChangePoints();
    expect(points.Softmax).toEqual([13]);
    expect(points.Upsample).toEqual([7, 9, 10]);
    expect(points.ReduceSum).toEqual([13]);
    expect(points.ReduceMean).toEqual([18]);
  });
});
