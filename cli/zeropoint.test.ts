/**
 * The CLI as a user runs it: `node cli/bin.mjs ...` spawned from the repository root (nothing imported
 * from cli/zeropoint.ts), on the shared real models and images. Fixtures that must be broken on purpose
 * (a truncated model, an op onnxruntime does not know, a non-image model, a truncated JPEG...) are made
 * in a temporary folder at test time; ../shared is only read.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../workers/core/onnx/decode';
import { encodeModel } from '../workers/core/onnx/encode';
import { makeTensor } from '../workers/core/onnx/tensor';
import { DataType, type Model, type ValueInfo } from '../workers/core/onnx/types';
import { BIN, ROOT, runZeropoint, spawnRun, type Run } from '../test/cli-run';
import { listImages, writePng } from './images';
import { readMnist } from './mnist';
import { imageFolderSource, imageInput, loadSpec } from './pipeline';

// As a user types them from the repository root (the CLI runs with cwd = ROOT).
const MODELS = '../shared/assets/models';
const IMAGES = '../shared/assets/images';
const SQUEEZENET = `${MODELS}/squeezenet1.1-fp32.onnx`;
const MNIST = `${MODELS}/mnist.onnx`;
const CALIB = `${IMAGES}/imagenet-calib`;
const abs = (p: string) => resolve(ROOT, p);

const zeropoint = (...args: string[]) => runZeropoint(args);

const lines = (text: string) => text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

// Made when the file is collected: the bad-input table below names fixture paths in its expected messages.
const tmp = mkdtempSync(join(tmpdir(), 'zeropoint-cli-'));
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

describe('the must-show run: quantize SqueezeNet 1.1 on 100 calibration images, then compare', () => {
  let out: string;
  let reportPath: string;
  let quantizeRun: Run;
  let fp32Hash: string;
  const dir = join(tmp, 'must-show');
  beforeAll(async () => {
    await mkdir(dir);
    out = join(dir, 'sq.int8.onnx');
    reportPath = join(dir, 'report.json');
    fp32Hash = await sha256(abs(SQUEEZENET));
    quantizeRun = await zeropoint('quantize', SQUEEZENET, '--calib', CALIB, '--limit', '100', '--preprocess', 'caffe', '--out', out, '--report', reportPath);
  });

  it('exits 0, reports on stderr only, and writes an INT8 model at most 30% of the FP32 file', async () => {
    expect(quantizeRun.stderr).not.toMatch(/^zeropoint: /m);
    expect(quantizeRun.code).toBe(0);
    expect(quantizeRun.stdout).toBe('');
    expect(quantizeRun.stderr).toMatch(/^calibrating 100\/100 images/m);
    expect(quantizeRun.stderr).toContain(`wrote ${out}`);
    const fp32Size = (await stat(abs(SQUEEZENET))).size;
    const int8Size = (await stat(out)).size;
    expect(int8Size / fp32Size).toBeLessThanOrEqual(0.3);
    // No temporary file is left beside OUT.
    expect((await readdir(dir)).sort()).toEqual(['report.json', 'sq.int8.onnx']);
    expect(await sha256(abs(SQUEEZENET))).toBe(fp32Hash);
  });

  it('the report holds the options, nodes, activations (scale, zero point), weights and the tensor mapping', async () => {
    const report = JSON.parse(await readFile(reportPath, 'utf8'));
    expect(report.model).toBe(SQUEEZENET);
    expect(report.output).toBe(out);
    expect(report.calibration.images).toBe(100);
    expect(report.sizes.int8).toBe((await stat(out)).size);
    expect(report.options).toMatchObject({ method: 'minmax', activationType: 'u8', perChannel: true, activationSymmetric: false });

    expect(report.nodes.length).toBeGreaterThan(60);
    for (const n of report.nodes) expect(n).toMatchObject({ name: expect.any(String), opType: expect.any(String), quantized: expect.any(Boolean) });
    expect(report.nodes.filter((n: { opType: string }) => n.opType === 'Conv').every((n: { quantized: boolean }) => n.quantized)).toBe(true);
    expect(report.quantizedNodes).toBe(report.nodes.filter((n: { quantized: boolean }) => n.quantized).length);

    expect(report.activations.length).toBeGreaterThan(30);
    for (const a of report.activations) {
      expect(a.name).toEqual(expect.any(String));
      expect(a.scale).toBeGreaterThan(0);
      expect(Number.isInteger(a.zeroPoint) && a.zeroPoint >= 0 && a.zeroPoint <= 255).toBe(true);
    }
    // The input is caffe-preprocessed (BGR minus mean): roughly -123..151 observed on 100 images.
    const input = report.activations.find((a: { name: string }) => a.name === 'data_0');
    expect(input.observed.min).toBeLessThan(-100);
    expect(input.observed.max).toBeGreaterThan(120);

    // Per-channel weights: one scale per output channel of every conv.
    expect(report.weights.length).toBe(26);
    for (const w of report.weights) {
      expect(w.axis).toBe(0);
      expect(w.scales.length).toBe(w.dims[0]);
      expect(Math.min(...w.scales)).toBeGreaterThan(0);
    }

    expect(report.mapping.length).toBeGreaterThan(30);
    for (const m of report.mapping) expect(m).toMatchObject({ fp32: expect.any(String), int8: expect.any(String) });
  });

  it('onnxruntime-node and onnxruntime-web (WASM) both load the INT8 model and agree on a real image', async () => {
    const bytes = new Uint8Array(await readFile(out));
    const int8 = decodeModel(bytes, { source: out });
    const geometry = imageInput(int8, 'sq.int8.onnx');
    const [image] = await listImages(`${abs(IMAGES)}/imagenet-val/images`, { limit: 1 });
    const feeds = await imageFolderSource([image], await loadSpec('caffe', geometry), geometry).feeds(0);
    const x = feeds[geometry.name];
    expect(x.dims).toEqual([1, 3, 224, 224]);

    const session = await ort.InferenceSession.create(out);
    let nodeOut: Float32Array;
    try {
      const result = await session.run({ [geometry.name]: new ort.Tensor('float32', x.data as Float32Array, [...x.dims]) });
      expect(Object.keys(result)).toEqual(['softmaxout_1']);
      nodeOut = result.softmaxout_1.data as Float32Array;
    } finally {
      await session.release();
    }

    // onnxruntime-web runs in a child Node: its 26 MB WASM binary, tiered up by TurboFan, costs ~50 s of
    // background CPU per process and holds the process open; Liftoff alone compiles it in well under a second.
    const webDir = join(tmp, 'web');
    await mkdir(webDir);
    const inputPath = join(webDir, 'input.bin');
    const outputPath = join(webDir, 'output.json');
    const script = join(webDir, 'web-run.mts');
    await writeFile(inputPath, new Uint8Array((x.data as Float32Array).buffer, (x.data as Float32Array).byteOffset, (x.data as Float32Array).byteLength));
    await writeFile(
      script,
      `import { readFile, writeFile } from 'node:fs/promises';
const [ortModule, modelPath, inputPath, inputName, dims, outputPath] = process.argv.slice(2);
const { createWebRunner } = await import(ortModule);
const runner = createWebRunner({ provider: 'wasm' });
const session = await runner.createSession(new Uint8Array(await readFile(modelPath)));
const b = await readFile(inputPath);
const data = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const result = await session.run({ [inputName]: { type: 'float32', dims: JSON.parse(dims), data } });
await session.release();
const outputs = Object.fromEntries(Object.entries(result).map(([k, t]) => [k, { dims: t.dims, data: Array.from(t.data) }]));
await writeFile(outputPath, JSON.stringify({ runner: runner.name, outputs }));
`,
    );
    const web = await spawnRun(process.execPath, ['--liftoff-only', '--import', 'tsx', script, pathToFileURL(join(ROOT, 'workers/ort.ts')).href, out, inputPath, geometry.name, JSON.stringify(x.dims), outputPath], {
      timeoutMs: 60_000,
    });
    expect(web.code, web.stderr).toBe(0);
    const { runner, outputs } = JSON.parse(await readFile(outputPath, 'utf8'));
    expect(runner).toMatch(/onnxruntime-web \(wasm/);
    expect(Object.keys(outputs)).toEqual(['softmaxout_1']);
    expect(outputs.softmaxout_1.dims).toEqual([1, 1000, 1, 1]);
    const webOut = Float32Array.from(outputs.softmaxout_1.data as number[]);

    let dot = 0;
    let nn = 0;
    let ww = 0;
    let maxAbs = 0;
    for (let i = 0; i < 1000; i++) {
      dot += nodeOut[i] * webOut[i];
      nn += nodeOut[i] * nodeOut[i];
      ww += webOut[i] * webOut[i];
      maxAbs = Math.max(maxAbs, Math.abs(nodeOut[i] - webOut[i]));
    }
    const argmax = (a: Float32Array) => a.indexOf(Math.max(...a));
    expect(Math.abs(nodeOut.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-3);
    expect(argmax(webOut)).toBe(argmax(nodeOut));
    // Same integer kernels on both sides: the two agree to float rounding (4.8e-7 here).
    expect(dot / Math.sqrt(nn * ww)).toBeGreaterThan(0.9999);
    expect(maxAbs).toBeLessThan(1e-3);
  });

  it('compare --json: pure JSON on stdout (progress on stderr), output cosine > 0.99, top-1 of both models, per-layer table', async () => {
    const run = await zeropoint(
      'compare',
      SQUEEZENET,
      out,
      '--images',
      `${IMAGES}/imagenet-val/images`,
      '--labels',
      `${IMAGES}/imagenet-val/labels.csv`,
      '--preprocess',
      'caffe',
      '--limit',
      '60',
      '--json',
    );
    expect(run.stderr).not.toMatch(/^zeropoint: /m);
    expect(run.code).toBe(0);
    // stdout is the JSON document and nothing else; every stderr line is progress.
    expect(run.stdout.startsWith('{')).toBe(true);
    const result = JSON.parse(run.stdout);
    expect(lines(run.stderr).length).toBeGreaterThan(0);
    for (const line of lines(run.stderr)) expect(line).toMatch(/^comparing \d+\/60 images/);

    expect(result.images).toBe(60);
    expect(result.perLayer).toBe(true);
    expect(result.outputs[0].name).toBe('softmaxout_1');
    expect(result.outputs[0].cosine).toBeGreaterThan(0.99);
    const a = result.agreement;
    expect(a.count).toBe(60);
    expect(a.labeled).toBe(60);
    expect(a.top1Agreement).toBeGreaterThan(0.9);
    for (const model of [a.reference, a.test]) {
      expect(model.top1).toBeGreaterThan(0.5);
      expect(model.top1).toBeLessThanOrEqual(model.top5);
    }
    expect(Math.abs(a.reference.top1 - a.test.top1)).toBeLessThanOrEqual(0.05);

    // One row per mapped tensor that a node produces: every mapping entry but the graph input data_0
    // (no producer to compare at). SqueezeNet 1.1 has 26 convs with their Relus folded in, so that is
    // 39 tensors: conv/Relu outputs, pools, concats, the global pool and the softmax.
    const report = JSON.parse(await readFile(reportPath, 'utf8'));
    const produced = report.mapping.filter((m: { fp32: string }) => m.fp32 !== 'data_0').map((m: { fp32: string }) => m.fp32);
    expect(result.layers.map((l: { fp32: string }) => l.fp32).sort()).toEqual([...produced].sort());
    expect(result.layers.length).toBeGreaterThanOrEqual(39);
    for (const l of result.layers) {
      expect(l.samples).toBe(60);
      expect(l.cosine).toBeGreaterThan(0.95);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('inspect on every shared model', () => {
  // Like Netron's model tests: one row per file, so a model added to ../shared must be added here.
  type Input = { name: string; type: string; shape: Array<number | string> };
  const table: Array<{ file: string; opset: number; inputs: Input[]; format: string }> = [
    { file: 'deeplabv3-mnv2-257.onnx', opset: 9, inputs: [{ name: 'sub_7', type: 'float', shape: [1, 257, 257, 3] }], format: 'none' },
    {
      file: 'deimv2-femto-416.onnx',
      opset: 17,
      inputs: [
        { name: 'images', type: 'float', shape: ['N', 3, 416, 416] },
        { name: 'orig_target_sizes', type: 'int64', shape: ['unk__383', 2] },
      ],
      format: 'none',
    },
    { file: 'fastestdet.onnx', opset: 16, inputs: [{ name: 'input', type: 'float', shape: [1, 3, 352, 352] }], format: 'none' },
    { file: 'fns-candy.onnx', opset: 7, inputs: [{ name: 'inputImage', type: 'float', shape: ['None', 3, 720, 720] }], format: 'none' },
    { file: 'lw-person-det-192.onnx', opset: 11, inputs: [{ name: 'images', type: 'float', shape: [1, 3, 192, 192] }], format: 'none' },
    { file: 'mlsd-tiny-512.onnx', opset: 11, inputs: [{ name: 'input_image_with_alpha:0', type: 'float', shape: [1, 512, 512, 4] }], format: 'none' },
    { file: 'mnist.onnx', opset: 7, inputs: [{ name: 'Input3', type: 'float', shape: [1, 1, 28, 28] }], format: 'none' },
    { file: 'mobilenetv2-12-int8-qoperator.onnx', opset: 12, inputs: [{ name: 'input', type: 'float', shape: ['batch_size', 3, 224, 224] }], format: 'qoperator' },
    { file: 'ppocr-cls-v2.onnx', opset: 9, inputs: [{ name: 'x', type: 'float', shape: ['p2o.DynamicDimension.0', 3, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2'] }], format: 'none' },
    { file: 'ppocrv3-det.onnx', opset: 12, inputs: [{ name: 'x', type: 'float', shape: [-1, 3, '?', '?'] }], format: 'none' },
    { file: 'ppocrv4-rec.onnx', opset: 9, inputs: [{ name: 'x', type: 'float', shape: ['p2o.DynamicDimension.0', 3, 48, 'p2o.DynamicDimension.1'] }], format: 'none' },
    { file: 'scrfd-500m-kps.onnx', opset: 12, inputs: [{ name: 'images', type: 'float', shape: [1, 3, 640, 640] }], format: 'none' },
    { file: 'squeezenet1.1-fp16.onnx', opset: 7, inputs: [{ name: 'data_0', type: 'float16', shape: [1, 3, 224, 224] }], format: 'none' },
    { file: 'squeezenet1.1-fp32.onnx', opset: 7, inputs: [{ name: 'data_0', type: 'float', shape: [1, 3, 224, 224] }], format: 'none' },
    { file: 'super-resolution.onnx', opset: 15, inputs: [{ name: 'input', type: 'float', shape: ['batch_size', 1, 224, 224] }], format: 'none' },
    { file: 'tbefn-240x320.onnx', opset: 11, inputs: [{ name: 'Placeholder', type: 'float', shape: [1, 3, 240, 320] }], format: 'none' },
    { file: 'ultraface-rfb-320.onnx', opset: 9, inputs: [{ name: 'input', type: 'float', shape: [1, 3, 240, 320] }], format: 'none' },
    { file: 'yolo-fastestv2.onnx', opset: 11, inputs: [{ name: 'input.1', type: 'float', shape: [1, 3, 352, 352] }], format: 'none' },
    { file: 'yolov8n-fp32-topology.onnx', opset: 20, inputs: [{ name: 'images', type: 'float', shape: [1, 3, 640, 640] }], format: 'none' },
    { file: 'yolov8n-int8-dynamic.onnx', opset: 20, inputs: [{ name: 'images', type: 'float', shape: [1, 3, 640, 640] }], format: 'dynamic' },
    { file: 'yunet-120x160.onnx', opset: 9, inputs: [{ name: 'input', type: 'float', shape: [1, 3, 120, 160] }], format: 'none' },
  ];

  it('the table lists every model in ../shared/assets/models', async () => {
    const files = (await readdir(abs(MODELS))).filter((f) => f.endsWith('.onnx')).sort();
    expect(table.map((r) => r.file)).toEqual(files);
  });

  for (const row of table) {
    const inputs = row.inputs.map((i) => `'${i.name}' ${i.type} [${i.shape.join(',')}]`).join(' + ');
    it(`${row.file}: opset ${row.opset}, input ${inputs}, quantization '${row.format}'`, async () => {
      const path = `${MODELS}/${row.file}`;
      const run = await zeropoint('inspect', path, '--json');
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const s = JSON.parse(run.stdout);
      expect(s.defaultOpset).toBe(row.opset);
      expect(s.opsets).toContainEqual({ domain: 'ai.onnx', version: row.opset });
      expect(s.inputs).toEqual(row.inputs);
      expect(s.quantization).toBe(row.format);
      expect(s.quantizationDetail).toMatch(row.format === 'qoperator' ? /^QOperator/ : row.format === 'dynamic' ? /^dynamic/ : /^not quantized$/);
      expect(s.fileBytes).toBe((await stat(abs(path))).size);
      expect(s.nodes).toBeGreaterThan(0);
      expect(s.parameters).toBeGreaterThan(0);
    });
  }

  it('the text form says a foreign INT8 model is already quantized', async () => {
    const run = await zeropoint('inspect', `${MODELS}/mobilenetv2-12-int8-qoperator.onnx`);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^mobilenetv2-12-int8-qoperator\.onnx {2}\(3\.66 MB\)$/m);
    expect(run.stdout).toMatch(/^quantization: QOperator format \(QLinearConv/m);
    expect(run.stdout).toMatch(/^ {2}input: float \[batch_size, 3, 224, 224\]$/m);
  });
});

// ---------------------------------------------------------------------------------------------

describe('quantize --bias-correction on MNIST (its convs have no bias: one is added to each)', () => {
  it('collects channel means, corrects, reports, and writes a model onnxruntime runs', async () => {
    const dir = join(tmp, 'bias-correction');
    await mkdir(join(dir, 'calib'), { recursive: true });
    const mnist = await readMnist(`${IMAGES}/mnist`, { limit: 16 });
    for (let i = 0; i < 16; i++) await writePng(join(dir, 'calib', `digit-${i}.png`), { width: 28, height: 28, data: mnist.images[i] });
    const out = join(dir, 'mnist.int8.onnx');
    const run = await zeropoint('quantize', MNIST, '--calib', join(dir, 'calib'), '--preprocess', 'raw', '--out', out, '--bias-correction', '--report', join(dir, 'report.json'));
    expect(run.stderr).not.toMatch(/^zeropoint: /m);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^bias correction: 2 biases corrected \(2 added to layers without one\)$/m);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    expect(report.options.biasCorrection).toBe(true);
    expect(report.biasCorrection).toEqual({ corrected: 2, added: 2, skipped: [] });
    for (const b of report.biases) {
      expect(b.added).toBe(true);
      expect(b.shift.some((v: number) => v !== 0)).toBe(true);
    }
    const int8 = decodeModel(new Uint8Array(await readFile(out)));
    const convs = int8.graph!.node.filter((n) => n.opType === 'Conv');
    expect(convs.map((n) => n.input.length)).toEqual([3, 3]);
    const session = await ort.InferenceSession.create(out);
    const x = new ort.Tensor('float32', Float32Array.from(mnist.images[0]), [1, 1, 28, 28]);
    const y = (await session.run({ [session.inputNames[0]]: x }))[session.outputNames[0]].data as Float32Array;
    expect(y.length).toBe(10);
    expect(Array.from(y).every(Number.isFinite)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('bad input: one line on stderr that names the culprit and says what to do; nothing written', () => {
  const fx = join(tmp, 'fixtures');
  const fixture = (name: string) => join(fx, name);

  beforeAll(async () => {
    await mkdir(fx);
    const squeezenet = await readFile(abs(SQUEEZENET));
    await writeFile(fixture('truncated.onnx'), squeezenet.subarray(0, Math.floor(squeezenet.length * 0.6)));
    await writeFile(fixture('notes.txt'), 'These are my notes about the model, not the model.\n');
    await copyFile(abs(`${IMAGES}/classic/street.png`), fixture('street.onnx'));

    // MNIST with its first Relu turned into an op that no runtime knows.
    const mnist = decodeModel(new Uint8Array(await readFile(abs(MNIST))), { source: 'mnist.onnx' });
    const relu = mnist.graph!.node.find((n) => n.opType === 'Relu')!;
    expect(relu.name).toBe('ReLU32');
    relu.opType = 'NoSuchOp';
    await writeFile(fixture('mnist-nosuchop.onnx'), encodeModel(mnist));

    // A float [1,16] vector -> MatMul -> [1,4]: a valid model, but not an image model.
    const tensor = (name: string, dims: number[]): ValueInfo => ({
      name,
      type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
    });
    const matmul: Model = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      producerName: 'zeropoint-test',
      graph: {
        name: 'tiny-matmul',
        node: [{ name: 'project', opType: 'MatMul', input: ['features', 'W'], output: ['logits'], attribute: [] }],
        initializer: [makeTensor('W', DataType.FLOAT, [16, 4], new Float32Array(64).map((_, i) => (i % 7) / 7 - 0.5))],
        input: [tensor('features', [1, 16])],
        output: [tensor('logits', [1, 4])],
        valueInfo: [],
      },
    };
    await writeFile(fixture('tiny-matmul.onnx'), encodeModel(matmul));

    // Three good calibration JPEGs and one cut off after 3,000 bytes, which sorts first or last.
    const good = (await readdir(abs(CALIB))).filter((f) => f.endsWith('.JPEG')).sort().slice(0, 4);
    const broken = (await readFile(join(abs(CALIB), good[3]))).subarray(0, 3000);
    for (const [dir, brokenName] of [
      ['calib-broken-first', 'a-broken.jpg'],
      ['calib-broken-last', 'z-broken.jpg'],
    ]) {
      await mkdir(fixture(dir));
      for (const f of good.slice(0, 3)) await copyFile(join(abs(CALIB), f), fixture(`${dir}/${f}`));
      await writeFile(fixture(`${dir}/${brokenName}`), broken);
    }
    await mkdir(fixture('calib-empty'));
    await mkdir(fixture('calib-text-only'));
    await writeFile(fixture('calib-text-only/README.txt'), 'images go here\n');
  });

  /** Hashes of every fixture file and of the shared models the cases read. */
  async function inputHashes(): Promise<Record<string, string>> {
    const hashes: Record<string, string> = {};
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else hashes[p] = await sha256(p);
      }
    };
    await walk(fx);
    for (const m of [MNIST, SQUEEZENET]) hashes[m] = await sha256(abs(m));
    return hashes;
  }

  interface BadCase {
    readonly name: string;
    /** quantize arguments; --out and --report are added. */
    readonly args: () => string[];
    /** What the message must contain: the file/node/value, and what to do. */
    readonly says: Array<string | RegExp>;
  }

  const calib = ['--calib', CALIB, '--limit', '2'];
  const cases: BadCase[] = [
    {
      name: 'a truncated model (the first 60% of SqueezeNet)',
      args: () => [fixture('truncated.onnx'), ...calib, '--preprocess', 'caffe'],
      says: [`'${fixture('truncated.onnx')}' is truncated`, /Copy or download the file again\.$/],
    },
    {
      name: 'a text file given as the model',
      args: () => [fixture('notes.txt'), ...calib, '--preprocess', 'caffe'],
      says: [`'${fixture('notes.txt')}' is not an ONNX model`, /Choose a \.onnx file/],
    },
    {
      name: 'a PNG renamed .onnx',
      args: () => [fixture('street.onnx'), ...calib, '--preprocess', 'caffe'],
      says: [`'${fixture('street.onnx')}' is not an ONNX model`, /Choose a \.onnx file/],
    },
    {
      name: 'a model with an op onnxruntime does not know',
      args: () => [fixture('mnist-nosuchop.onnx'), ...calib, '--preprocess', 'raw'],
      says: ["op 'NoSuchOp'", "node 'ReLU32'", "'mnist-nosuchop.onnx'", /Re-export the model with standard ONNX ops, or replace that node\.$/],
    },
    {
      name: 'a calibration image that fails to decode (first in the folder)',
      args: () => [MNIST, '--calib', fixture('calib-broken-first'), '--preprocess', 'raw'],
      says: [`Cannot decode image '${fixture('calib-broken-first/a-broken.jpg')}'`, /Remove it or replace it with a JPEG or PNG\.$/],
    },
    {
      name: 'an empty calibration folder',
      args: () => [MNIST, '--calib', fixture('calib-empty'), '--preprocess', 'raw'],
      says: [`No images in '${fixture('calib-empty')}'`, /add \.jpg, .* files to it or pick another folder\.$/],
    },
    {
      name: 'a calibration folder with only a .txt',
      args: () => [MNIST, '--calib', fixture('calib-text-only'), '--preprocess', 'raw'],
      says: [`No images in '${fixture('calib-text-only')}'`, /add \.jpg, .* files to it or pick another folder\.$/],
    },
    {
      name: 'a model whose input is not an image',
      args: () => [fixture('tiny-matmul.onnx'), ...calib, '--preprocess', 'raw'],
      says: ["'tiny-matmul.onnx' is not an image model", "input 'features'", '[1,16]', /needs a float or uint8 image input shaped N,C,H,W or N,H,W,C/],
    },
    {
      name: 'a missing model path',
      args: () => [fixture('missing.onnx'), ...calib, '--preprocess', 'caffe'],
      says: [`Cannot read model file '${fixture('missing.onnx')}': there is no such file; check the path.`],
    },
    {
      name: 'an unknown --method',
      args: () => [MNIST, ...calib, '--preprocess', 'raw', '--method', 'kmeans'],
      says: ["Unknown --method 'kmeans'", /use one of minmax, moving-average, percentile, entropy, mse\.$/],
    },
    {
      name: '--limit 0',
      args: () => [MNIST, '--calib', CALIB, '--limit', '0', '--preprocess', 'raw'],
      says: ["--limit '0'", /must be a positive whole number\.$/],
    },
    {
      name: 'an unknown preprocessing preset',
      args: () => [MNIST, ...calib, '--preprocess', 'imagenett'],
      says: ["Preprocessing 'imagenett'", /pass one of those presets or the path of a JSON spec file\.$/],
    },
  ];

  cases.forEach((c, i) => {
    it(c.name, async () => {
      const outDir = join(tmp, `out-${i}`);
      await mkdir(outDir);
      const out = join(outDir, 'model.int8.onnx');
      const before = await inputHashes();
      const run = await zeropoint('quantize', ...c.args(), '--out', out, '--report', join(outDir, 'report.json'));
      expect(run.code).not.toBe(0);
      expect(run.code).not.toBeNull();
      expect(run.stdout).toBe('');
      const errLines = lines(run.stderr);
      expect(errLines, run.stderr).toHaveLength(1);
      const [message] = errLines;
      expect(message.startsWith('zeropoint: ')).toBe(true);
      expect(run.stderr).not.toContain('    at ');
      expect(message).not.toMatch(/unexpected error/);
      for (const s of c.says) {
        if (typeof s === 'string') expect(message).toContain(s);
        else expect(message).toMatch(s);
      }
      expect(await exists(out)).toBe(false);
      expect(await readdir(outDir)).toEqual([]);
      expect(await inputHashes()).toEqual(before);
    });
  });

  it('a calibration image that fails to decode after others: progress lines, then the one error line; nothing written', async () => {
    const outDir = join(tmp, 'out-broken-last');
    await mkdir(outDir);
    const out = join(outDir, 'model.int8.onnx');
    const run = await zeropoint('quantize', MNIST, '--calib', fixture('calib-broken-last'), '--preprocess', 'raw', '--out', out);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const errLines = lines(run.stderr);
    expect(errLines.at(-1)).toBe(
      `zeropoint: Cannot decode image '${fixture('calib-broken-last/z-broken.jpg')}': VipsJpeg: premature end of JPEG image. Remove it or replace it with a JPEG or PNG.`,
    );
    for (const line of errLines.slice(0, -1)) expect(line).toMatch(/^calibrating [0-3]\/4 images/);
    expect(await readdir(outDir)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('usage', () => {
  it('--help prints usage on stdout and exits 0', async () => {
    const run = await zeropoint('--help');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Usage:\n {2}zeropoint inspect MODEL/);
    for (const command of ['inspect', 'quantize', 'compare']) expect(run.stdout).toContain(`zeropoint ${command} `);
  });

  it('an unknown command exits 2 and says so', async () => {
    const run = await zeropoint('quantise', SQUEEZENET);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^zeropoint: unknown command 'quantise'\.\nUsage:/);
  });

  it('no command at all exits 2', async () => {
    const run = await zeropoint();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^zeropoint: unknown command ''\./);
  });

  it("runs through a link named 'zeropoint', as npm installs the bin (node_modules/.bin, the npx cache)", async () => {
    const binDir = join(tmp, 'node_modules/.bin');
    await mkdir(binDir, { recursive: true });
    await symlink(BIN, join(binDir, 'zeropoint'));
    const help = await spawnRun(process.execPath, [join(binDir, 'zeropoint'), '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage:/);
    const bad = await spawnRun(process.execPath, [join(binDir, 'zeropoint'), 'nope']);
    expect(bad.code).toBe(2);
  });

  it('`npx zeropoint` works from the repository root', async () => {
    // npm 7+ runs a project's own bin by linking the project into its npx cache; a private cache keeps
    // the user's ~/.npm untouched. Nothing is downloaded (the package is this folder).
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    const env = { npm_config_cache: join(tmp, 'npm-cache'), npm_config_update_notifier: 'false', npm_config_yes: 'true' };
    const help = await spawnRun(npx, ['zeropoint', '--help'], { env, timeoutMs: 60_000 });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage:\n {2}zeropoint inspect MODEL/);
    const bad = await spawnRun(npx, ['zeropoint', 'inspect', 'nothing-here.onnx'], { env, timeoutMs: 60_000 });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("zeropoint: Cannot read model file 'nothing-here.onnx': there is no such file; check the path.\n");
  });
});
