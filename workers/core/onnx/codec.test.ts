/**
 * The ONNX codec against real files:
 *  - every model under ../shared/assets decodes and re-encodes to the identical bytes;
 *  - every model of Debian's libonnx-testdata (the ONNX backend node tests and friends) round-trips,
 *    and the RE-ENCODED model, run by onnxruntime-node on test_data_set_0, gives the reference outputs
 *    (tolerance of ONNX's backend tests: rtol 1e-3, atol 1e-7 for floats, exact for the rest);
 *  - unit tests of tensor.ts (float16, int64 sentinels, int32 encoding, typed fields vs raw_data).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import type { RunnerSession, RunnerTensor } from '../runner';
import { decodeModel, decodeTensor } from './decode';
import { encodeModel, encodeTensor } from './encode';
import {
  elementTypeOf,
  float16ToFloat32,
  float32ToFloat16,
  floatToHalf,
  halfToFloat,
  runnerTensorToFloat32,
  tensorProtoToRunner,
  tensorToArray,
  tensorToFloat32,
} from './tensor';
import { AttributeType, DataType, type Model, type TensorProto, type ValueInfo } from './types';

const ASSETS = fileURLToPath(new URL('../../../../shared/assets', import.meta.url));
const TESTDATA = '/usr/share/libonnx-testdata/data';
/** The folders of libonnx-testdata that hold models (data/real only has download links). */
const TESTDATA_SUITES = ['node', 'pytorch-converted', 'pytorch-operator', 'simple'];

function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

/**
 * Structural equality of decoded messages: same keys with a defined value, typed arrays and byte views
 * by content (NaN equals NaN, bit patterns of floats are compared through their bytes). Returns the
 * path of the first difference, or undefined. Much faster than a generic deep-equal on 10 MB weights.
 */
function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (a === b) return undefined;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b) ? undefined : path;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    if (a.constructor !== b.constructor) return `${path} (${a.constructor.name} vs ${b.constructor.name})`;
    return sameBytes(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) ? undefined : path;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}.length (${a.length} vs ${b.length})`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined).sort();
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined).sort();
    if (ka.join() !== kb.join()) return `${path} keys {${ka.join(',')}} vs {${kb.join(',')}}`;
    for (const k of ka) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return path;
}

function findModels(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...findModels(p));
    else if (entry.endsWith('.onnx')) out.push(p);
  }
  return out;
}

// -------------------------------------------------------------------------------------------------
// The project's own models
// -------------------------------------------------------------------------------------------------

describe('codec round trip on ../shared/assets', () => {
  const models = [...findModels(join(ASSETS, 'models')), ...findModels(join(ASSETS, 'testvectors')).filter((p) => p.endsWith('model.onnx'))];

  it('finds the assets', () => {
    expect(models.length).toBeGreaterThanOrEqual(40);
  });

  it.each(models.map((p): [string, string] => [p.slice(ASSETS.length + 1), p]))('%s: decode -> encode is byte-identical and decode(encode(m)) equals m', (_name, path) => {
    const bytes = readBytes(path);
    const model = decodeModel(bytes, { source: path });
    const encoded = encodeModel(model);
    expect(encoded.length).toBe(bytes.length);
    expect(sameBytes(encoded, bytes)).toBe(true);
    expect(firstDifference(decodeModel(encoded), model)).toBeUndefined();
  });
});

// -------------------------------------------------------------------------------------------------
// libonnx-testdata: round trip + onnxruntime on the re-encoded model
// -------------------------------------------------------------------------------------------------

/**
 * Tests whose outputs onnxruntime does not reproduce, for reasons that have nothing to do with the
 * codec (the bytes it runs are identical to the file's). Allowed to mismatch; any other mismatch fails.
 */
const ORT_DEVIATIONS: ReadonlyArray<[RegExp, string]> = [
  [/^test_bernoulli/, 'random output'],
  [/^test_training_dropout/, 'random mask in training mode'],
  [/^test_(dft|stft)/, 'onnxruntime FFT is off by up to ~1e-4 on elements that are 0 in the reference (atol 1e-7)'],
  [/^test_maxunpool_export_with_output_shape$/, 'onnxruntime places the values differently from the reference when output_shape is given'],
  [/^test_resize_downsample_scales_(cubic|linear)_align_corners$/, 'onnxruntime derives align_corners coordinates from the output/input size, the reference from the given scale (onnx/onnx#2462)'],
];

interface Counts {
  total: number;
  byteIdentical: number;
  roundTripped: number;
  tensorsRoundTripped: number;
  ran: number;
  matched: number;
  knownDeviations: number;
  skippedUnsupportedByOrt: number;
  skippedDataType: number;
}

/** A graph input/output whose values the runner can carry: a tensor of a runner element type. */
function runnerType(v: ValueInfo): string | undefined {
  const tt = v.type?.tensorType;
  if (!tt) return undefined; // sequence, optional, map
  return elementTypeOf(tt.elemType);
}

function isFloat(t: RunnerTensor): boolean {
  return t.type === 'float32' || t.type === 'float16' || t.type === 'float64';
}

/** Like numpy's assert_allclose (equal_nan) for floats and assert_array_equal for the rest; undefined when equal. */
function compareOutput(ref: RunnerTensor, got: RunnerTensor | undefined, rtol: number, atol: number): string | undefined {
  if (!got) return 'missing output';
  if (ref.type !== got.type) return `type ${got.type}, expected ${ref.type}`;
  if (ref.dims.join() !== got.dims.join()) return `shape [${got.dims}], expected [${ref.dims}]`;
  if (ref.data.length !== got.data.length) return `${got.data.length} values, expected ${ref.data.length}`;
  if (isFloat(ref)) {
    const r = ref.type === 'float64' ? (ref.data as Float64Array) : runnerTensorToFloat32(ref);
    const g = got.type === 'float64' ? (got.data as Float64Array) : runnerTensorToFloat32(got);
    for (let i = 0; i < r.length; i++) {
      const a = r[i];
      const b = g[i];
      if (Number.isNaN(a) || Number.isNaN(b)) {
        if (Number.isNaN(a) && Number.isNaN(b)) continue;
        return `[${i}] ${b}, expected ${a}`;
      }
      if (a === b) continue; // also equal infinities
      if (!(Math.abs(a - b) <= atol + rtol * Math.abs(a))) return `[${i}] ${b}, expected ${a}`;
    }
    return undefined;
  }
  for (let i = 0; i < ref.data.length; i++) {
    if (ref.data[i] !== got.data[i]) return `[${i}] ${got.data[i]}, expected ${ref.data[i]}`;
  }
  return undefined;
}

/** Bit-exact equality of two runs (floats compared by value, NaN = NaN). */
function sameRun(a: Record<string, RunnerTensor>, b: Record<string, RunnerTensor>): string | undefined {
  for (const [k, t] of Object.entries(a)) {
    const d = compareOutput(t, b[k], 0, 0);
    if (d) return `${k}: ${d}`;
  }
  return undefined;
}

describe('codec on libonnx-testdata (ONNX backend node tests) with onnxruntime-node', () => {
  it('round-trips every model and the re-encoded models reproduce the reference outputs', async () => {
    if (!existsSync(join(TESTDATA, 'node'))) {
      throw new Error(`${TESTDATA}/node is missing: install Debian's ONNX conformance data with 'apt-get install -y libonnx-testdata' (CI installs it).`);
    }
    const runner = createNodeRunner({ source: 'libonnx-testdata' });
    const counts: Counts = { total: 0, byteIdentical: 0, roundTripped: 0, tensorsRoundTripped: 0, ran: 0, matched: 0, knownDeviations: 0, skippedUnsupportedByOrt: 0, skippedDataType: 0 };
    const failures: string[] = [];
    const deviations: string[] = [];
    const notCanonical: string[] = [];
    const started = Date.now();

    const run = async (bytes: Uint8Array, feeds: Record<string, RunnerTensor>) => {
      const session = await runner.createSession(bytes, { optimization: 'disabled', threads: 1 });
      try {
        return await session.run(feeds);
      } finally {
        await session.release();
      }
    };
    /** Whether onnxruntime can load these bytes at all. */
    const loads = async (bytes: Uint8Array) => {
      try {
        await (await runner.createSession(bytes, { optimization: 'disabled', threads: 1 })).release();
        return true;
      } catch {
        return false;
      }
    };

    for (const suite of TESTDATA_SUITES) {
      for (const test of readdirSync(join(TESTDATA, suite)).sort()) {
        const dir = join(TESTDATA, suite, test);
        const modelPath = join(dir, 'model.onnx');
        if (!existsSync(modelPath)) continue;
        const name = `${suite}/${test}`;
        counts.total++;

        // 1. round trip
        const original = readBytes(modelPath);
        let model: Model;
        let encoded: Uint8Array;
        try {
          model = decodeModel(original, { source: modelPath });
          encoded = encodeModel(model);
        } catch (e) {
          failures.push(`${name}: codec threw ${String(e)}`);
          continue;
        }
        const identical = sameBytes(encoded, original);
        const diff = firstDifference(decodeModel(encoded, { source: name }), model);
        if (diff) {
          failures.push(`${name}: decode(encode(m)) differs from m at ${diff}`);
          continue;
        }
        if (identical) counts.byteIdentical++;
        else {
          // Not canonically encoded: our encoding must at least be a fixed point.
          if (!sameBytes(encodeModel(decodeModel(encoded)), encoded)) {
            failures.push(`${name}: re-encoding is not stable`);
            continue;
          }
          notCanonical.push(name);
        }
        counts.roundTripped++;

        // 2. run the re-encoded model on test_data_set_0
        const graph = model.graph!;
        const initializers = new Set(graph.initializer.map((t) => t.name));
        const inputs = graph.input.filter((v) => !initializers.has(v.name));
        const dataDir = join(dir, 'test_data_set_0');
        if (!existsSync(dataDir)) continue;
        const files = readdirSync(dataDir);
        const nIn = files.filter((f) => /^input_\d+\.pb$/.test(f)).length;
        const nOut = files.filter((f) => /^output_\d+\.pb$/.test(f)).length;
        const io = [...inputs.slice(0, nIn), ...graph.output.slice(0, nOut)];
        if (io.some((v) => runnerType(v) === undefined)) {
          counts.skippedDataType++; // sequences, optionals, strings, uint32/64, bfloat16
          continue;
        }
        const readPb = (file: string): TensorProto => {
          const bytes = readBytes(join(dataDir, file));
          const t = decodeTensor(bytes, { source: file });
          if (!sameBytes(encodeTensor(t), bytes)) failures.push(`${name}/${file}: TensorProto does not round-trip`);
          else counts.tensorsRoundTripped++;
          return t;
        };
        const feeds: Record<string, RunnerTensor> = {};
        for (let i = 0; i < nIn; i++) feeds[inputs[i].name!] = tensorProtoToRunner(readPb(`input_${i}.pb`));
        const expected = Array.from({ length: nOut }, (_, i) => tensorProtoToRunner(readPb(`output_${i}.pb`)));

        // A model onnxruntime cannot load is skipped, unless the original loads and only our encoding fails.
        let session: RunnerSession;
        try {
          session = await runner.createSession(encoded, { optimization: 'disabled', threads: 1 });
        } catch {
          if (identical || !(await loads(original))) counts.skippedUnsupportedByOrt++;
          else failures.push(`${name}: onnxruntime loads the original but not the re-encoded model`);
          continue;
        }
        let outputs: Record<string, RunnerTensor>;
        try {
          outputs = await session.run(feeds);
        } catch (e) {
          failures.push(`${name}: ${String(e)}`);
          continue;
        } finally {
          await session.release();
        }
        counts.ran++;
        if (!identical) {
          const fromOriginal = await run(original, feeds);
          const d = sameRun(fromOriginal, outputs);
          if (d && !ORT_DEVIATIONS.some(([re]) => re.test(test))) failures.push(`${name}: re-encoded model differs from the original: ${d}`);
        }
        let mismatch: string | undefined;
        for (let i = 0; i < nOut && !mismatch; i++) {
          const d = compareOutput(expected[i], outputs[graph.output[i].name!], 1e-3, 1e-7);
          if (d) mismatch = `output ${graph.output[i].name}: ${d}`;
        }
        if (!mismatch) counts.matched++;
        else {
          const known = ORT_DEVIATIONS.find(([re]) => re.test(test));
          if (known) {
            counts.knownDeviations++;
            deviations.push(`${name} (${known[1]})`);
          } else failures.push(`${name}: ${mismatch}`);
        }
      }
    }

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `libonnx-testdata in ${seconds}s: ${counts.total} models, ${counts.roundTripped} round-tripped (${counts.byteIdentical} byte-identical), ` +
        `${counts.tensorsRoundTripped} .pb tensors round-tripped, ${counts.ran} ran on onnxruntime, ${counts.matched} matched the reference, ` +
        `${counts.knownDeviations} known onnxruntime deviations, skipped: ${counts.skippedUnsupportedByOrt} unsupported by onnxruntime, ` +
        `${counts.skippedDataType} with sequence/optional/string/other non-runner types` +
        (notCanonical.length ? `\nnot canonically encoded (semantic round trip): ${notCanonical.join(', ')}` : '') +
        (deviations.length ? `\nknown deviations: ${deviations.join(', ')}` : ''),
    );
    expect(failures).toEqual([]);
    expect(counts.roundTripped).toBe(counts.total);
    expect(counts.total).toBeGreaterThan(1000);
    // Guards against a harness that quietly skips everything.
    expect(counts.matched).toBeGreaterThan(900);
  });
});

// -------------------------------------------------------------------------------------------------
// tensor.ts and wire-level unit tests
// -------------------------------------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function bitsToFloat(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0];
}

/** Positive finite half values in increasing order (index = bit pattern for 0..0x7bff). */
const HALF_VALUES = Array.from({ length: 0x7c00 }, (_, h) => halfToFloat(h));

/** Reference float -> half: the nearest of all half values, ties to the even pattern; Infinity past 65520. */
function referenceHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // 65520 is halfway between 65504 and 2^16 -> even -> Infinity
  let lo = 0;
  let hi = HALF_VALUES.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (HALF_VALUES[mid] <= a) lo = mid;
    else hi = mid;
  }
  if (a >= HALF_VALUES[hi]) return sign | hi;
  const dLo = a - HALF_VALUES[lo];
  const dHi = HALF_VALUES[hi] - a;
  if (dLo < dHi) return sign | lo;
  if (dHi < dLo) return sign | hi;
  return sign | (lo % 2 === 0 ? lo : hi);
}

describe('float16', () => {
  it('round-trips all 65536 bit patterns through float32 (NaN stays NaN)', () => {
    const bits = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) bits[i] = i;
    const floats = float16ToFloat32(bits);
    const back = float32ToFloat16(floats);
    let nans = 0;
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNaN) {
        nans++;
        expect(Number.isNaN(floats[h])).toBe(true);
        expect(back[h] & 0x7c00).toBe(0x7c00);
        expect(back[h] & 0x3ff).not.toBe(0);
      } else if (back[h] !== h) {
        expect.fail(`0x${h.toString(16)} -> ${floats[h]} -> 0x${back[h].toString(16)}`);
      }
    }
    expect(nans).toBe(2046);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
  });

  it('rounds to nearest, ties to even', () => {
    const cases: Array<[number, number]> = [
      [1, 0x3c00],
      [1 + 2 ** -11, 0x3c00], // tie between 0x3c00 and 0x3c01 -> even
      [1 + 3 * 2 ** -11, 0x3c02], // tie between 0x3c01 and 0x3c02 -> even
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
      [1 + 2 ** -11 - 2 ** -23, 0x3c00], // just below the tie
      [-1.5, 0xbe00],
      [65504, 0x7bff],
      [65519, 0x7bff],
      [65520, 0x7c00], // tie between 65504 (odd) and 2^16 -> Infinity
      [1e6, 0x7c00],
      [-1e6, 0xfc00],
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie between 0 and 2^-24 -> 0
      [-(2 ** -25), 0x8000],
      [2 ** -25 * 1.000001, 0x0001],
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 (x 2^-24) -> 2
      [5 * 2 ** -25, 0x0002], // tie between 2 and 3 -> 2
      [2 ** -14 - 2 ** -25, 0x0400], // tie between 0x03ff and the smallest normal 0x0400 -> even
      [2 ** -14 - 3 * 2 ** -25, 0x03fe], // tie between 0x03fe and 0x03ff -> even
      [2 ** -26, 0x0000],
      [1 + 2047 * 2 ** -11, 0x4000], // tie between 0x3fff (odd) and 2 -> rounds up into the next binade
    ];
    for (const [x, h] of cases) {
      expect(floatToHalf(x), `floatToHalf(${x})`).toBe(h);
      expect(referenceHalf(Math.fround(x)), `reference(${x})`).toBe(h);
    }
    expect(floatToHalf(NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalf(NaN) & 0x3ff).not.toBe(0);
    expect(floatToHalf(Infinity)).toBe(0x7c00);
    expect(floatToHalf(-0)).toBe(0x8000);
  });

  it('agrees with an exhaustive-search reference on every half midpoint and on random float32 values', () => {
    const values: number[] = [];
    // every midpoint between adjacent halves, and its float32 neighbours
    for (let h = 0; h < 0x7bff; h++) {
      const mid = Math.fround((HALF_VALUES[h] + HALF_VALUES[h + 1]) / 2);
      u32[0] = 0;
      f32[0] = mid;
      const b = u32[0];
      values.push(mid, bitsToFloat(b - 1), bitsToFloat(b + 1));
    }
    // random float32 bit patterns in the half range and beyond
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 100_000; i++) {
      const v = bitsToFloat(rand());
      if (!Number.isNaN(v)) values.push(v);
    }
    for (const x of values) {
      for (const v of [x, -x]) {
        const got = floatToHalf(v);
        const want = referenceHalf(v);
        if (got !== want) expect.fail(`floatToHalf(${v}) = 0x${got.toString(16)}, expected 0x${want.toString(16)}`);
      }
    }
  });
});

/** A one-node model around the given attributes / initializers, for wire-level tests. */
function miniModel(extra: { initializer?: TensorProto[]; ints?: number[]; i?: number } = {}): Model {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [
        {
          input: ['x'],
          output: ['y'],
          opType: 'Custom',
          attribute: [{ name: 'a', type: extra.i !== undefined ? AttributeType.INT : AttributeType.INTS, i: extra.i, floats: [], ints: extra.ints ?? [], strings: [], tensors: [], graphs: [] }],
        },
      ],
      initializer: extra.initializer ?? [],
      input: [],
      output: [],
      valueInfo: [],
    },
  };
}

/** Index of `needle` in `hay`, or -1. */
function indexOf(hay: Uint8Array, needle: number[]): number {
  return Buffer.from(hay).indexOf(Buffer.from(needle));
}

const INT64_MAX_VARINT = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
const INT64_MIN_VARINT = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
const MINUS_ONE_VARINT = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];

describe('int64 and int32 on the wire', () => {
  it('keeps the INT64_MAX / INT64_MIN sentinels of Slice-style attributes exact', () => {
    const bytes = encodeModel(miniModel({ ints: [2 ** 63, -(2 ** 63), -1, 2 ** 53 - 1] }));
    // attribute ints (field 8, varint: tag 0x40), proto2 unpacked
    expect(indexOf(bytes, [0x40, ...INT64_MAX_VARINT])).toBeGreaterThan(0);
    expect(indexOf(bytes, [0x40, ...INT64_MIN_VARINT])).toBeGreaterThan(0);
    expect(indexOf(bytes, [0x40, ...MINUS_ONE_VARINT])).toBeGreaterThan(0);
    const back = decodeModel(bytes);
    expect(back.graph!.node[0].attribute[0].ints).toEqual([2 ** 63, -(2 ** 63), -1, 2 ** 53 - 1]);
    expect(sameBytes(encodeModel(back), bytes)).toBe(true);
  });

  it('reads INT64_MAX written by another encoder (9 bytes) and writes it back identically', () => {
    // TensorProto { dims: [2], data_type: INT64, int64_data: [INT64_MAX, INT64_MIN] (packed) }
    const bytes = new Uint8Array([0x08, 0x02, 0x10, 0x07, 0x3a, 19, ...INT64_MAX_VARINT, ...INT64_MIN_VARINT]);
    const t = decodeTensor(bytes);
    expect(t.int64Data).toEqual([2 ** 63, -(2 ** 63)]);
    expect(sameBytes(encodeTensor(t), bytes)).toBe(true);
    expect(Array.from(tensorToArray(t) as BigInt64Array)).toEqual([2n ** 63n - 1n, -(2n ** 63n)]);
    // the same values in raw_data
    const raw = new BigInt64Array([2n ** 63n - 1n, -(2n ** 63n)]);
    const fromRaw: TensorProto = { dims: [2], dataType: DataType.INT64, rawData: new Uint8Array(raw.buffer) };
    expect(Array.from(tensorToArray(decodeTensor(encodeTensor(fromRaw))) as BigInt64Array)).toEqual(Array.from(raw));
  });

  it('round-trips negative int64 values (dims, int64_data, attribute i, dim_value)', () => {
    const t: TensorProto = { dims: [3], dataType: DataType.INT64, name: 'neg', int64Data: [-5, -(2 ** 40), -(2 ** 53 - 1)] };
    const m = miniModel({ initializer: [t], i: -3 });
    m.graph!.input.push({ name: 'x', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: -1 }, { dimParam: 'N' }] } } } });
    const bytes = encodeModel(m);
    expect(indexOf(bytes, [0x18, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).toBeGreaterThan(0); // i = -3
    const back = decodeModel(bytes);
    expect(firstDifference(back, m)).toBeUndefined();
    expect(back.graph!.node[0].attribute[0].i).toBe(-3);
    expect(back.graph!.initializer[0].int64Data).toEqual([-5, -(2 ** 40), -(2 ** 53 - 1)]);
    expect(back.graph!.input[0].type!.tensorType!.shape!.dim[0].dimValue).toBe(-1);
    expect(Array.from(tensorToArray(back.graph!.initializer[0]) as BigInt64Array)).toEqual([-5n, -(2n ** 40n), -(2n ** 53n - 1n)]);
  });

  it('writes int32 fields as protobuf int32 (negatives sign-extended to 10 bytes) and reads them back', () => {
    const t: TensorProto = { dims: [4], dataType: DataType.INT32, int32Data: new Int32Array([-1, -2147483648, 2147483647, 0]) };
    const bytes = encodeTensor(t);
    // dims(08 04) data_type(10 06) int32_data(2a len ...)
    expect(Array.from(bytes.subarray(0, 5))).toEqual([0x08, 0x04, 0x10, 0x06, 0x2a]);
    expect(bytes[5]).toBe(10 + 10 + 5 + 1);
    expect(Array.from(bytes.subarray(6, 16))).toEqual(MINUS_ONE_VARINT);
    const back = decodeTensor(bytes);
    expect(Array.from(back.int32Data!)).toEqual([-1, -2147483648, 2147483647, 0]);
    expect(back.dataType).toBe(DataType.INT32);
    expect(sameBytes(encodeTensor(back), bytes)).toBe(true);
    // an enum/int32 field explicitly set to a negative value (invalid for data_type, but must survive)
    const odd = decodeTensor(encodeTensor({ dims: [], dataType: -7 }));
    expect(odd.dataType).toBe(-7);
  });

  it('keeps a field explicitly set to its default', () => {
    const t = decodeTensor(encodeTensor({ dims: [], dataType: 0, name: '', dataLocation: 0 }));
    expect(t).toMatchObject({ dataType: 0, name: '', dataLocation: 0 });
  });
});

describe('tensor values: typed fields and raw_data', () => {
  const floats = [1.5, -2, 0, 3.25];

  it('reads float32 from float_data and from raw_data (aligned and unaligned)', () => {
    const typed: TensorProto = { dims: [2, 2], dataType: DataType.FLOAT, floatData: new Float32Array(floats) };
    const rawBytes = new Uint8Array(new Float32Array(floats).buffer);
    const raw: TensorProto = { dims: [2, 2], dataType: DataType.FLOAT, rawData: rawBytes };
    const unalignedBuf = new Uint8Array(17);
    unalignedBuf.set(rawBytes, 1);
    const unaligned: TensorProto = { dims: [2, 2], dataType: DataType.FLOAT, rawData: unalignedBuf.subarray(1) };
    for (const t of [typed, raw, unaligned]) {
      const back = decodeTensor(encodeTensor(t));
      expect(Array.from(tensorToFloat32(back))).toEqual(floats);
      expect(Array.from(tensorToFloat32(t))).toEqual(floats);
    }
    // a raw view over an aligned payload is zero-copy
    expect((tensorToArray(raw) as Float32Array).buffer).toBe(rawBytes.buffer);
  });

  it('reads every runner dtype from its typed field and from raw_data alike', () => {
    const cases: Array<{ dt: number; typed: Partial<TensorProto>; raw: ArrayBufferView; want: unknown[] }> = [
      { dt: DataType.DOUBLE, typed: { doubleData: new Float64Array([0.1, -2]) }, raw: new Float64Array([0.1, -2]), want: [0.1, -2] },
      { dt: DataType.INT32, typed: { int32Data: new Int32Array([-7, 9]) }, raw: new Int32Array([-7, 9]), want: [-7, 9] },
      { dt: DataType.INT64, typed: { int64Data: [-7, 2 ** 40] }, raw: new BigInt64Array([-7n, 2n ** 40n]), want: [-7n, 2n ** 40n] },
      { dt: DataType.INT8, typed: { int32Data: new Int32Array([-128, 127]) }, raw: new Int8Array([-128, 127]), want: [-128, 127] },
      { dt: DataType.UINT8, typed: { int32Data: new Int32Array([0, 255]) }, raw: new Uint8Array([0, 255]), want: [0, 255] },
      { dt: DataType.INT16, typed: { int32Data: new Int32Array([-32768, 5]) }, raw: new Int16Array([-32768, 5]), want: [-32768, 5] },
      { dt: DataType.UINT16, typed: { int32Data: new Int32Array([65535, 5]) }, raw: new Uint16Array([65535, 5]), want: [65535, 5] },
      { dt: DataType.BOOL, typed: { int32Data: new Int32Array([1, 0]) }, raw: new Uint8Array([1, 0]), want: [1, 0] },
      // float16: int32_data holds the bit patterns; the runner carries bits in a Uint16Array
      { dt: DataType.FLOAT16, typed: { int32Data: new Int32Array([0x3c00, 0xc000]) }, raw: new Uint16Array([0x3c00, 0xc000]), want: [0x3c00, 0xc000] },
    ];
    for (const c of cases) {
      const typed: TensorProto = { dims: [2], dataType: c.dt, ...c.typed };
      const raw: TensorProto = { dims: [2], dataType: c.dt, rawData: new Uint8Array(c.raw.buffer, c.raw.byteOffset, c.raw.byteLength) };
      for (const t of [typed, raw]) {
        const back = decodeTensor(encodeTensor(t));
        expect(Array.from(tensorToArray(back) as ArrayLike<unknown>), `dtype ${c.dt}`).toEqual(c.want);
        const r = tensorProtoToRunner(back);
        expect(r.type).toBe(elementTypeOf(c.dt));
        expect(r.dims).toEqual([2]);
        expect(Array.from(r.data as ArrayLike<unknown>)).toEqual(c.want);
      }
    }
    const half = tensorProtoToRunner({ dims: [2], dataType: DataType.FLOAT16, int32Data: new Int32Array([0x3c00, 0xc000]) });
    expect(half.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(runnerTensorToFloat32(half))).toEqual([1, -2]);
    expect(Array.from(tensorToFloat32({ dims: [2], dataType: DataType.FLOAT16, int32Data: new Int32Array([0x3c00, 0xc000]) }))).toEqual([1, -2]);
  });

  it('rejects what the runner cannot carry, and raw_data of the wrong size', () => {
    expect(() => tensorProtoToRunner({ dims: [1], dataType: DataType.STRING, name: 's', stringData: [new Uint8Array([104])] })).toThrow(/STRING/);
    expect(() => tensorProtoToRunner({ dims: [1], dataType: DataType.BFLOAT16, name: 'b', rawData: new Uint8Array(2) })).toThrow(/BFLOAT16/);
    expect(() => tensorToArray({ dims: [2], dataType: DataType.FLOAT, name: 'w', rawData: new Uint8Array(6) })).toThrow(/6 bytes/);
    expect(() => tensorToArray({ dims: [3], dataType: DataType.FLOAT, name: 'w', rawData: new Uint8Array(8) })).toThrow(/shape \[3\] needs 3/);
  });
});

describe('decoder fixes and errors', () => {
  it('keeps a leading byte-order mark in strings', () => {
    const t: TensorProto = { dims: [1], dataType: DataType.FLOAT, name: '\uFEFFw', docString: '\uFEFF', floatData: new Float32Array([1]) };
    const bytes = encodeTensor(t);
    const back = decodeTensor(bytes);
    expect(back.name).toBe('\uFEFFw');
    expect(back.docString).toBe('\uFEFF');
    expect(sameBytes(encodeTensor(back), bytes)).toBe(true);
  });

  it('accepts a model with many local functions (kept as bytes)', () => {
    // FunctionProto { name: "f<i>" } as field 25 of ModelProto
    const m = miniModel();
    m.unknown = Array.from({ length: 20 }, (_, i) => ({ field: 25, bytes: new Uint8Array([0xca, 0x01, 0x04, 0x0a, 0x02, 0x66, 0x30 + (i % 10)]) }));
    const bytes = encodeModel(m);
    const back = decodeModel(bytes);
    expect(back.unknown).toHaveLength(20);
    expect(sameBytes(encodeModel(back), bytes)).toBe(true);
  });

  it('says not-onnx for other files and truncated for a cut model', () => {
    const mnist = readBytes(join(ASSETS, 'models/mnist.onnx'));
    expect(() => decodeModel(new TextEncoder().encode('hello, world'), { source: 'a.txt' })).toThrow(expect.objectContaining({ code: 'not-onnx' }));
    expect(() => decodeModel(mnist.subarray(0, 1000), { source: 'mnist.onnx' })).toThrow(expect.objectContaining({ code: 'truncated' }));
  });
});
