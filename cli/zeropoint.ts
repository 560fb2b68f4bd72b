/**
 * zeropoint: the Node CLI on the same engine as the browser workbench.
 *
 *   zeropoint inspect MODEL [--json]
 *   zeropoint quantize MODEL --calib DIR --preprocess PRESET|SPEC.json --out OUT.onnx [options]
 *   zeropoint compare FP32.onnx INT8.onnx --images DIR --preprocess PRESET|SPEC.json [--labels CSV] [--limit N] [--json]
 *
 * Progress goes to stderr, results to stdout. Any failure prints one line that names the file or node
 * and what to do, exits non-zero, and leaves OUT unwritten (the model is written to a temporary file
 * next to OUT and renamed only once onnxruntime has loaded it).
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { calibrate } from '../workers/core/calibration/calibrate';
import { RANGE_METHODS, type RangeMethod } from '../workers/core/calibration/ranges';
import { isZeropointError, ZeropointError } from '../workers/core/errors';
import { inspectModel, type ModelSummary } from '../workers/core/graph/inspect';
import { compareModels, mappingFromModel, type ComparisonResult } from '../workers/core/metrics/compare';
import { encodeModel } from '../workers/core/onnx/encode';
import { DEFAULT_QUANTIZE_OPTIONS, prepareModel, quantizeModel, type QuantizeOptions } from '../workers/core/quant/quantize';
import { listImages } from './images';
import { readModelFile } from './model-io';
import { imageFolderSource, imageInput, loadSpec, readLabels } from './pipeline';
import { createNodeRunner } from './runner-node';

const USAGE = `Usage:
  zeropoint inspect MODEL [--json]
  zeropoint quantize MODEL --calib DIR --preprocess PRESET|SPEC.json --out OUT.onnx [--limit N]
      [--method minmax|moving-average|percentile|entropy|mse] [--percentile P] [--per-tensor]
      [--activations u8|s8] [--symmetric-activations] [--keep-fp32 NODE,...] [--keep-fp32-ops OP,...]
      [--keep-first-last] [--bias-correction] [--report REPORT.json] [--width W --height H (dynamic inputs)]
  zeropoint compare FP32.onnx INT8.onnx --images DIR --preprocess PRESET|SPEC.json [--labels LABELS.csv]
      [--limit N] [--width W --height H] [--json]
Presets: imagenet, caffe, unit, raw, yolo.`;

function fail(message: string): never {
  throw new ZeropointError('bad-option', message);
}

/** True while a TTY progress line is on screen without its newline: an error must start a new line. */
let progressLineOpen = false;

function progress(label: string): (p: { done: number; total: number }) => void {
  const t0 = Date.now();
  let last = 0;
  return ({ done, total }) => {
    const now = Date.now();
    if (done !== total && now - last < 500) return;
    last = now;
    const rate = done / Math.max((now - t0) / 1000, 1e-3);
    const left = (total - done) / Math.max(rate, 1e-9);
    const line = `${label} ${done}/${total} images, ${rate.toFixed(1)} img/s, ${left.toFixed(0)} s left`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}\x1b[K${done === total ? '\n' : ''}`);
      progressLineOpen = done !== total;
    } else process.stderr.write(`${line}\n`);
  };
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) fail(`${flag} '${value}' must be a positive whole number.`);
  return n;
}

/** --width/--height: the input size for models whose image input has dynamic height or width. */
function inputSize(values: { width?: string; height?: string }): { width?: number; height?: number } {
  return { width: positiveInt(values.width, '--width'), height: positiveInt(values.height, '--height') };
}

function list(value: string | undefined): string[] {
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

// ---------------------------------------------------------------------------------------------

async function inspect(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length !== 1) fail('inspect takes one MODEL path.');
  const { model, bytes, path } = await readModelFile(positionals[0]);
  const summary = inspectModel(model, bytes.length);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  process.stdout.write(formatSummary(basename(path), summary));
}

function formatSummary(file: string, s: ModelSummary): string {
  const io = (t: ModelSummary['inputs'][number]) => `  ${t.name}: ${t.type} [${t.shape.join(', ')}]`;
  return [
    `${file}  (${(s.fileBytes / 1e6).toFixed(2)} MB)`,
    `graph ${s.graphName || '(unnamed)'}; producer ${s.producer || '(unknown)'}; IR ${s.irVersion}; opsets ${s.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')}`,
    `parameters ${s.parameters.toLocaleString('en-US')}; nodes ${s.nodes}`,
    `quantization: ${s.quantizationDetail}`,
    'inputs:',
    ...s.inputs.map(io),
    'outputs:',
    ...s.outputs.map(io),
    'ops:',
    `  ${Object.entries(s.ops).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

async function quantize(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      calib: { type: 'string' },
      preprocess: { type: 'string' },
      out: { type: 'string' },
      limit: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      method: { type: 'string', default: 'minmax' },
      percentile: { type: 'string' },
      'per-tensor': { type: 'boolean' },
      activations: { type: 'string', default: 'u8' },
      'symmetric-activations': { type: 'boolean' },
      'keep-fp32': { type: 'string' },
      'keep-fp32-ops': { type: 'string' },
      'keep-first-last': { type: 'boolean' },
      'bias-correction': { type: 'boolean' },
      report: { type: 'string' },
    },
  });
  if (positionals.length !== 1) fail('quantize takes one MODEL path.');
  if (!values.calib) fail('quantize needs --calib DIR (a folder of calibration images).');
  if (!values.preprocess) fail('quantize needs --preprocess PRESET|SPEC.json (presets: imagenet, caffe, unit, raw, yolo).');
  if (!values.out) fail('quantize needs --out OUT.onnx.');
  const method = values.method as RangeMethod;
  if (!RANGE_METHODS.includes(method)) fail(`Unknown --method '${values.method}'; use one of ${RANGE_METHODS.join(', ')}.`);
  if (values.activations !== 'u8' && values.activations !== 's8') fail(`Unknown --activations '${values.activations}'; use u8 or s8.`);
  const percentile = values.percentile === undefined ? undefined : Number(values.percentile);
  if (percentile !== undefined && !(percentile > 50 && percentile <= 100)) fail(`--percentile '${values.percentile}' must be a number in (50, 100].`);
  const limit = positiveInt(values.limit, '--limit');

  const { model, path } = await readModelFile(positionals[0]);
  const source = basename(path);
  const prepared = prepareModel(model, { source });
  const geometry = imageInput(prepared.model, source, inputSize(values));
  const spec = await loadSpec(values.preprocess, geometry);
  const files = await listImages(values.calib, { limit });
  const runner = createNodeRunner({ source });
  const options: Partial<QuantizeOptions> = {
    method,
    percentile,
    activationType: values.activations,
    activationSymmetric: values['symmetric-activations'] ?? false,
    perChannel: !values['per-tensor'],
    keepNodes: list(values['keep-fp32']),
    keepOpTypes: list(values['keep-fp32-ops']),
    keepFirstAndLast: values['keep-first-last'] ?? false,
    biasCorrection: values['bias-correction'] ?? false,
  };
  const known = new Set(prepared.model.graph!.node.map((n) => n.name));
  for (const name of options.keepNodes ?? []) if (!known.has(name)) fail(`--keep-fp32 names node '${name}', which '${source}' does not have; 'zeropoint inspect --json' lists the ops, and the report lists node names.`);

  const t0 = Date.now();
  const calibration = await calibrate(prepared.model, runner, imageFolderSource(files, spec, geometry), {
    onProgress: progress('calibrating'),
    plan: { ...DEFAULT_QUANTIZE_OPTIONS, ...options },
    collector: { histograms: method !== 'minmax' && method !== 'moving-average' },
    // Per-channel input means only when asked: one more reduction per Conv/Gemm input.
    channelMeans: options.biasCorrection,
  });
  const result = quantizeModel(prepared.model, calibration.stats, options);
  const int8 = result.model;
  const bytes = encodeModel(int8);
  // Prove onnxruntime loads it before anything is written at OUT.
  const check = await runner.createSession(bytes);
  await check.release();
  const tmp = `${values.out}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, values.out);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new ZeropointError('io', `Cannot write '${values.out}': ${(e as Error).message}.`, { subject: values.out });
  }
  const fp32Bytes = encodeModel(prepared.model).length;
  const r = result.report;
  // Notes come with the summary, not before the work: a run that fails prints its one error line only.
  for (const note of prepared.notes) process.stderr.write(`note: ${note}\n`);
  process.stderr.write(
    `wrote ${values.out}: ${(bytes.length / 1e6).toFixed(2)} MB (${((100 * bytes.length) / fp32Bytes).toFixed(1)}% of FP32); ${r.quantizedNodes}/${r.nodes.length} nodes quantized, ${r.foldedActivations} activations folded; ${calibration.images} images in ${((Date.now() - t0) / 1000).toFixed(1)} s; method ${method}\n`,
  );
  if (r.biasCorrection) {
    const skipped = r.biasCorrection.skipped;
    process.stderr.write(
      `bias correction: ${r.biasCorrection.corrected} biases corrected (${r.biasCorrection.added} added to layers without one)${skipped.length ? `; ${skipped.length} layers left as they were (${skipped.slice(0, 3).map((s) => `${s.node}: ${s.reason}`).join('; ')}${skipped.length > 3 ? '; ...' : ''})` : ''}\n`,
    );
  }
  process.stderr.write(`inputs and outputs of the INT8 model: ${int8.graph!.input.map((i) => `${i.name} float32`).join(', ')} -> ${int8.graph!.output.map((o) => `${o.name} float32`).join(', ')}\n`);
  if (values.report) {
    const report = {
      model: path,
      output: values.out,
      preprocess: spec,
      calibration: { images: calibration.images, folder: values.calib, skippedTensors: calibration.skipped },
      prepared: { opset: prepared.opset, upgradedNodes: prepared.upgradedNodes, widened: prepared.widened, notes: prepared.notes },
      sizes: { fp32: fp32Bytes, int8: bytes.length },
      ...r,
      mapping: result.mapping,
    };
    await writeFile(values.report, JSON.stringify(report, null, 2));
  }
}

// ---------------------------------------------------------------------------------------------

async function compare(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { images: { type: 'string' }, preprocess: { type: 'string' }, labels: { type: 'string' }, limit: { type: 'string' }, width: { type: 'string' }, height: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 2) fail('compare takes FP32.onnx and INT8.onnx.');
  if (!values.images) fail('compare needs --images DIR.');
  if (!values.preprocess) fail('compare needs --preprocess PRESET|SPEC.json.');
  const limit = positiveInt(values.limit, '--limit');
  const fp32 = await readModelFile(positionals[0]);
  const int8 = await readModelFile(positionals[1]);
  const geometry = imageInput(fp32.model, basename(fp32.path), inputSize(values));
  const spec = await loadSpec(values.preprocess, geometry);
  const files = await listImages(values.images, { limit });
  const labels = values.labels ? await readLabels(values.labels) : undefined;
  const runner = createNodeRunner({ source: `${basename(fp32.path)} / ${basename(int8.path)}` });
  const mapping = mappingFromModel(int8.model);
  const result = await compareModels(fp32.model, int8.model, runner, imageFolderSource(files, spec, geometry), {
    mapping,
    labels: labels ? (i) => labels.get(basename(files[i])) : undefined,
    onProgress: progress('comparing'),
  });
  if (values.json) {
    const { raw: _raw, ...rest } = result;
    process.stdout.write(`${JSON.stringify({ fp32: fp32.path, int8: int8.path, perLayer: mapping !== undefined, ...rest }, jsonNumbers, 2)}\n`);
    return;
  }
  process.stdout.write(formatComparison(result, mapping !== undefined));
}

/** JSON has no Infinity: an identical tensor's SQNR is written as the string "inf". */
function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? null : value > 0 ? 'inf' : '-inf';
  return value;
}

function formatComparison(r: ComparisonResult, perLayer: boolean): string {
  const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : x > 0 ? 'inf' : String(x));
  const lines = [`${r.images} images`, 'outputs:'];
  for (const o of r.outputs) lines.push(`  ${o.name}: cosine ${f(o.cosine, 5)}, SQNR ${f(o.sqnrDb)} dB, max abs ${f(o.maxAbs, 5)}`);
  const a = r.agreement;
  if (a) {
    lines.push(`top-1 agreement ${(100 * a.top1Agreement).toFixed(2)}%, INT8 top-5 contains FP32 top-1 ${(100 * a.top5Agreement).toFixed(2)}%`);
    if (a.labeled > 0) {
      lines.push(`accuracy (${a.labeled} labelled): FP32 top-1 ${(100 * a.reference.top1).toFixed(2)}% top-5 ${(100 * a.reference.top5).toFixed(2)}%; INT8 top-1 ${(100 * a.test.top1).toFixed(2)}% top-5 ${(100 * a.test.top5).toFixed(2)}%`);
    }
  }
  if (!perLayer) lines.push('per layer: the INT8 model carries no Zeropoint tensor mapping (not written by Zeropoint), so layers are not compared.');
  else {
    lines.push('per layer (graph order): SQNR dB, cosine, offset (share of the squared error that is a per-channel offset), op, tensor');
    const worst = [...r.layers].sort((x, y) => x.sqnrDb - y.sqnrDb)[0];
    const share = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '-').padStart(6);
    for (const l of r.layers) lines.push(`  ${f(l.sqnrDb).padStart(7)}  ${f(l.cosine, 5)}  ${share(l.biasShare)}  ${l.opType.padEnd(18)} ${l.fp32}${l === worst ? '   <- worst' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'inspect') await inspect(rest);
    else if (command === 'quantize') await quantize(rest);
    else if (command === 'compare') await compare(rest);
    else if (command === '--help' || command === '-h' || command === 'help') process.stdout.write(`${USAGE}\n`);
    else {
      process.stderr.write(`zeropoint: unknown command '${command ?? ''}'.\n${USAGE}\n`);
      return 2;
    }
    return 0;
  } catch (e) {
    if (progressLineOpen) process.stderr.write('\n');
    progressLineOpen = false;
    if (isZeropointError(e)) process.stderr.write(`zeropoint: ${e.message}\n`);
    else if (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) process.stderr.write(`zeropoint: ${e.message}. Run 'zeropoint help' for usage.\n`);
    else process.stderr.write(`zeropoint: unexpected error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
    if (process.env.ZEROPOINT_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

// `tsx cli/zeropoint.ts ...` (npm run zeropoint). cli/bin.mjs, the package bin, imports this module and calls main() itself.
const isEntry = process.argv[1] && /zeropoint\.ts$/.test(process.argv[1]);
if (isEntry) process.exitCode = await main(process.argv.slice(2));
