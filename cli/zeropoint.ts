/**
 * zeropoint: the Node CLI on the same engine as the browser workbench.
 *
 *   zeropoint inspect MODEL [--json]
 *   zeropoint quantize MODEL --calib DIR --preprocess PRESET|SPEC.json --out OUT.onnx [options]
 *   zeropoint compare FP32.onnx INT8.onnx --images DIR --preprocess PRESET|SPEC.json [--labels CSV] [--limit N] [--json]
 *
 * Progress goes to stderr, results to stdout. Any failure prints one line that names the file or node
 * and what to do, exits non-zero, and leaves every output unwritten: the output paths are checked
 * before any work (never an input, never a device), and the model and the report are written to
 * temporary files and renamed only once onnxruntime has loaded the model (fs-host.ts: all or none).
 * Every line is printed with control characters escaped, so a name cannot forge or colour a line.
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { calibrate } from '../workers/core/calibration/calibrate';
import { RANGE_METHODS, type RangeMethod } from '../workers/core/calibration/ranges';
import { isZeropointError, ZeropointError } from '../workers/core/errors';
import { inspectModel, type ModelSummary } from '../workers/core/graph/inspect';
import { compareModels, mappingFromModel, type ComparisonResult } from '../workers/core/metrics/compare';
import { checkOutputs } from '../workers/core/intake/files';
import { DEFAULT_LIMITS } from '../workers/core/intake/limits';
import { oneLine, quote } from '../workers/core/intake/names';
import { encodeModel } from '../workers/core/onnx/encode';
import type { RunBudget } from '../workers/core/runner';
import { DEFAULT_QUANTIZE_OPTIONS, prepareModel, quantizeModel, type QuantizeOptions } from '../workers/core/quant/quantize';
import { checkFidelity, formatFidelity } from './fidelity';
import { AUTO_IMAGES, autoTarget, autoChoices, autoReport, formatAuto, readPlan, runAuto } from './auto';
import { planToOptions } from '../workers/core/analysis/auto';
import { quantizeDataFree } from './export-format';
import { BENCH_USAGE, benchCommand } from './bench-command';
import { FORMAT_DESCRIPTIONS, formatOfModel, isExportFormat } from '../workers/core/export/formats';
import { htmlReport, REPORT_OVERLAYS } from './html-report';
import { inputValue } from '../workers/core/report/reproduce';
import { nodeFileHost, writeOutputs } from './fs-host';
import { scanImages, type ImageListing } from './images';
import { readModelFile } from './model-io';
import { DEFAULT_FOURTH_CHANNEL } from '../workers/core/preprocess/spec';
import { parseInputValue, type FeedChoices } from '../workers/core/preprocess/feeds';
import { DataType, type ValueInfo } from '../workers/core/onnx/types';
import { feedPlanOf, imageFolderSource, isPreset, loadSpec, PRESETS_TEXT, readLabels } from './pipeline';
import { createNodeRunner } from './runner-node';
import { detectionFolderSource, isLabelFolder, readLabelFolder } from './detection';
import { detectionPair, type DetectionComparison } from '../workers/core/analysis/detection/evaluate';
import { classMapText, parseClassMap } from '../workers/core/analysis/detection/labels';
import { DECODER_NAMES } from '../workers/core/analysis/detection/types';

const USAGE = `Usage:
  zeropoint inspect MODEL [--json]
  zeropoint quantize MODEL --calib DIR --preprocess PRESET|SPEC.json --out OUT.onnx [--limit N]
      [--format int8|fp16|int8-weights] [--method minmax|moving-average|percentile|entropy|mse] [--percentile P] [--per-tensor]
      [--activations u8|s8] [--symmetric-activations] [--keep-fp32 NODE,...] [--keep-fp32-ops OP,...]
      [--keep-first-last] [--bias-correction] [--report REPORT.json|REPORT.html [--report-overlay ${REPORT_OVERLAYS.join('|')}]]
      [--width W --height H (dynamic inputs)]
      [--image-input NAME] [--input NAME=VALUE ...] [--fourth-channel VALUE] [--max-image-pixels N] [--run-timeout SECONDS] [--strict (an unfaithful INT8 model is an error)]
      [--auto [--target-cosine C (0.99) | --target-sqnr DB | --max-drop POINTS --eval DIR --labels LABELS.csv|LABELS_DIR
        [--decoder NAME] [--classes ...]] [--max-fp32 N]]
      [--plan REPORT_OR_PLAN.json (replays what --auto chose)]
  zeropoint compare FP32.onnx INT8.onnx --images DIR --preprocess PRESET|SPEC.json [--labels LABELS.csv|LABELS_DIR]
      [--decoder NAME] [--classes NAME|INDEX,...|coco91] [--limit N] [--width W --height H] [--image-input NAME]
      [--input NAME=VALUE ...] [--fourth-channel VALUE] [--max-image-pixels N] [--run-timeout SECONDS] [--json]
${BENCH_USAGE}
Formats: int8 (default): ${FORMAT_DESCRIPTIONS.int8}.
  fp16: ${FORMAT_DESCRIPTIONS.fp16}; --calib is optional (its images then run the fidelity gate) and
    --preprocess gives the input's range (without it the first layer stays FP32).
  int8-weights: ${FORMAT_DESCRIPTIONS['int8-weights']}; --calib optional as for fp16.
  --method, --percentile, --activations, --symmetric-activations and --bias-correction are for int8 only.
Presets: ${PRESETS_TEXT}.
Inputs: --image-input names the image input when several could be (else the single rank-4 float/uint8 input);
  every other input gets --input NAME=VALUE (a number, or a JSON array such as orig_target_sizes=[[416,416]]),
  or the default its name implies (orig_target_sizes, im_shape, image_size: the network input's size;
  scale_factor: [1,1]); a 4-channel input's fourth channel is --fourth-channel (default ${DEFAULT_FOURTH_CHANNEL}).
Labels: a CSV ('file,class-index') scores a classifier (top-1/top-5); a folder of YOLO label files ('class cx cy w h'
  per object, one NAME.txt per image) scores a detector (AP50, AP50-95). The decoder of the outputs is chosen from them
  (--decoder ${DECODER_NAMES.join('|')} to say); --classes maps the model's classes to the labels' (person: a
  person-only model scored on class 0; coco91: COCO's original ids 1..90).
Limits: images up to ${DEFAULT_LIMITS.maxImagePixels / 1e6} megapixels (--max-image-pixels), one inference run up to ${DEFAULT_LIMITS.runTimeoutMs / 1000} s (--run-timeout).`;

/** One line to stderr, control characters escaped (names from files and models may hold any). */
function say(line: string): void {
  process.stderr.write(`${oneLine(line)}\n`);
}

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
    const line = oneLine(`${label} ${done}/${total} images, ${rate.toFixed(1)} img/s, ${left.toFixed(0)} s left`);
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

/** Options shared by quantize and compare: how big an image and how long a run may be. */
const LIMIT_OPTIONS = {
  'max-image-pixels': { type: 'string' },
  'run-timeout': { type: 'string' },
} as const;

/** Options shared by quantize and compare: which input is the image, and what the others are fed. */
const INPUT_OPTIONS = {
  width: { type: 'string' },
  height: { type: 'string' },
  'image-input': { type: 'string' },
  input: { type: 'string', multiple: true },
  'fourth-channel': { type: 'string' },
} as const;

interface InputValues {
  width?: string;
  height?: string;
  'image-input'?: string;
  input?: string[];
  'fourth-channel'?: string;
}

/** --width/--height, --image-input, --input NAME=VALUE (repeatable), --fourth-channel as feed choices. */
function feedChoices(values: InputValues): FeedChoices {
  const given: Record<string, unknown> = {};
  for (const item of values.input ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) fail(`--input ${quote(item)} must be NAME=VALUE, such as --input orig_target_sizes=[[416,416]].`);
    const name = item.slice(0, eq);
    if (name in given) fail(`--input gives input ${quote(name)} twice; give each input once.`);
    given[name] = parseInputValue(name, item.slice(eq + 1));
  }
  const fourthText = values['fourth-channel'];
  const fourthChannel = fourthText === undefined ? undefined : Number(fourthText);
  if (fourthChannel !== undefined && (fourthText!.trim() === '' || !Number.isFinite(fourthChannel))) fail(`--fourth-channel ${quote(fourthText!)} must be a number, such as 1.`);
  return { ...inputSize(values), imageInput: values['image-input'], values: given, fourthChannel };
}

function decodeLimits(values: { 'max-image-pixels'?: string }): { maxPixels?: number; raise: string } {
  return { maxPixels: positiveInt(values['max-image-pixels'], '--max-image-pixels'), raise: '--max-image-pixels N' };
}

function runBudget(values: { 'run-timeout'?: string }): RunBudget {
  const text = values['run-timeout'];
  const seconds = text === undefined ? DEFAULT_LIMITS.runTimeoutMs / 1000 : Number(text);
  if (!(seconds > 0) || !Number.isFinite(seconds)) fail(`--run-timeout '${text}' must be a positive number of seconds.`);
  return { ms: seconds * 1000, raise: '--run-timeout SECONDS' };
}

/** The images of a folder; entries that are not regular image files inside it are noted, not read. */
async function imagesOf(dir: string, limit: number | undefined): Promise<ImageListing> {
  const listing = await scanImages(dir, { limit });
  const n = listing.skipped.length;
  if (n > 0) {
    const shown = listing.skipped.slice(0, 3).map((s) => `${quote(s.path)} (${s.reason})`);
    say(`note: skipped ${n} entr${n === 1 ? 'y' : 'ies'} of ${quote(dir)} that ${n === 1 ? 'is not a regular image file' : 'are not regular image files'} inside it: ${shown.join(', ')}${n > 3 ? ', ...' : ''}`);
  }
  return listing;
}

/**
 * parseArgs reads `--limit -1` as a flag followed by an unknown option '-1' and says so in three
 * lines; a value that looks like a number is joined to its flag (`--limit=-1`), so the flag's own
 * check can name it.
 */
function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (args[i].startsWith('--') && !args[i].includes('=') && next !== undefined && /^-\d|^-\.\d|^-inf/i.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

const TYPE_NAMES = new Map<number, string>(Object.entries(DataType).map(([k, v]) => [v, k.toLowerCase()]));

function elemTypeName(v: ValueInfo): string {
  const t = v.type?.tensorType?.elemType ?? 0;
  return t === DataType.FLOAT ? 'float32' : (TYPE_NAMES.get(t) ?? `type ${t}`);
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
      format: { type: 'string' },
      method: { type: 'string' },
      percentile: { type: 'string' },
      'per-tensor': { type: 'boolean' },
      activations: { type: 'string' },
      'symmetric-activations': { type: 'boolean' },
      'keep-fp32': { type: 'string' },
      'keep-fp32-ops': { type: 'string' },
      'keep-first-last': { type: 'boolean' },
      'bias-correction': { type: 'boolean' },
      report: { type: 'string' },
      'report-overlay': { type: 'string', default: 'sqnr' },
      strict: { type: 'boolean' },
      auto: { type: 'boolean' },
      'target-cosine': { type: 'string' },
      'target-sqnr': { type: 'string' },
      'max-drop': { type: 'string' },
      eval: { type: 'string' },
      labels: { type: 'string' },
      'max-fp32': { type: 'string' },
      decoder: { type: 'string' },
      classes: { type: 'string' },
      plan: { type: 'string' },
      ...INPUT_OPTIONS,
      ...LIMIT_OPTIONS,
    },
  });
  if (positionals.length !== 1) fail('quantize takes one MODEL path.');
  const format = values.format ?? 'int8';
  if (!isExportFormat(format)) fail(`Unknown --format ${quote(format)}; use int8, fp16 or int8-weights.`);
  if (format !== 'int8') {
    const int8Only = (['method', 'percentile', 'activations', 'symmetric-activations', 'bias-correction', 'auto', 'plan'] as const).filter((k) => values[k] !== undefined);
    if (int8Only.length) fail(`${int8Only.map((k) => `--${k}`).join(', ')} ${int8Only.length === 1 ? 'applies' : 'apply'} to --format int8 only; --format ${format} needs no calibration.`);
    if (!values.out) fail('quantize needs --out OUT.onnx.');
    await quantizeDataFree(format, { ...values, out: values.out }, positionals[0], { say, feedChoices, decodeLimits, runBudget, imagesOf, list, elemTypeName });
    return;
  }
  if (!values.calib) fail('quantize needs --calib DIR (a folder of calibration images); --format fp16 and int8-weights need none.');
  if (!values.preprocess) fail(`quantize needs --preprocess PRESET|SPEC.json (presets: ${PRESETS_TEXT}).`);
  if (!values.out) fail('quantize needs --out OUT.onnx.');
  const method = (values.method ?? 'minmax') as RangeMethod;
  values.activations ??= 'u8';
  if (!RANGE_METHODS.includes(method)) fail(`Unknown --method '${values.method}'; use one of ${RANGE_METHODS.join(', ')}.`);
  if (values.activations !== 'u8' && values.activations !== 's8') fail(`Unknown --activations '${values.activations}'; use u8 or s8.`);
  const percentile = values.percentile === undefined ? undefined : Number(values.percentile);
  if (percentile !== undefined && !(percentile > 50 && percentile <= 100)) fail(`--percentile '${values.percentile}' must be a number in (50, 100].`);
  let limit = positiveInt(values.limit, '--limit');
  const decode = decodeLimits(values);
  const budget = runBudget(values);
  const auto = autoChoices(values);
  if (auto && values.plan) fail('--auto searches for a plan and --plan replays one: give one of them.');
  const out = values.out;
  const reportPath = values.report;
  const htmlReportWanted = reportPath !== undefined && /\.html?$/i.test(reportPath);
  const overlay = values['report-overlay'];
  if (!REPORT_OVERLAYS.includes(overlay)) fail(`Unknown --report-overlay ${quote(overlay)}; use one of ${REPORT_OVERLAYS.join(', ')}.`);
  const outputs = [{ flag: '--out', path: out }, ...(reportPath ? [{ flag: '--report', path: reportPath }] : [])];
  // Before reading anything big: an output that is a device, or in a folder that is not there, fails first.
  await checkOutputs(nodeFileHost, outputs, []);

  const { model, path, externalFiles, bytes: modelFileBytes } = await readModelFile(positionals[0]);
  const source = basename(path);
  const prepared = prepareModel(model, { source });
  const feeds = feedPlanOf(prepared.model, source, feedChoices(values));
  const spec = await loadSpec(values.preprocess, feeds.image);
  // --auto judges on images calibration did not see: without --limit, the last 8 of 16 or more are held out.
  if (auto && limit === undefined) {
    const total = (await scanImages(values.calib)).files.length;
    if (total >= 2 * AUTO_IMAGES) limit = total - AUTO_IMAGES;
  }
  const { files } = await imagesOf(values.calib, limit);
  const plan = values.plan ? await readPlan(values.plan) : undefined;
  // Every output is checked against every input, so no run can write over what it reads.
  await checkOutputs(nodeFileHost, outputs, [path, ...externalFiles, ...(isPreset(values.preprocess) ? [] : [values.preprocess]), ...(values.plan ? [values.plan] : []), ...files]);
  const runner = createNodeRunner({ source, isolated: true });
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
  for (const name of plan?.keepNodes ?? []) if (!known.has(name)) fail(`The plan '${values.plan}' keeps node '${name}', which '${source}' does not have: it was made for another model.`);
  const planned = plan ? planToOptions(plan, { ...DEFAULT_QUANTIZE_OPTIONS, ...options }) : undefined;
  const needsHistograms = (m: RangeMethod) => m !== 'minmax' && m !== 'moving-average';
  const histograms = auto !== undefined || needsHistograms(planned?.method ?? method) || Object.values(planned?.methodByTensor ?? {}).some(needsHistograms);

  const t0 = Date.now();
  const calibration = await calibrate(prepared.model, runner, imageFolderSource(files, spec, feeds, decode), {
    runBudget: budget,
    onProgress: progress('calibrating'),
    plan: planned ?? { ...DEFAULT_QUANTIZE_OPTIONS, ...options },
    collector: { histograms },
    // Per-channel input means only when asked: one more reduction per Conv/Gemm input.
    channelMeans: options.biasCorrection,
  });
  const source_ = (held: readonly string[]) => imageFolderSource(held, spec, feeds, decode);
  const searched = auto
    ? await runAuto({
        prepared: prepared.model,
        stats: calibration.stats,
        options: { ...DEFAULT_QUANTIZE_OPTIONS, ...options },
        runner,
        folder: values.calib,
        used: files.length,
        source: source_,
        target: await autoTarget(auto, { runner, prepared: prepared.model, source: source_, detection: (held) => detectionFolderSource(held, spec, feeds, decode), spec, geometry: feeds.image, budget }),
        maxFp32: auto.maxFp32,
        runBudget: budget,
        onProgress: say,
      })
    : undefined;
  const result = quantizeModel(prepared.model, calibration.stats, searched?.result.options ?? planned ?? options);
  const int8 = result.model;
  const bytes = encodeModel(int8);
  // Prove onnxruntime loads it before anything is written at OUT.
  const check = await runner.createSession(bytes);
  await check.release();
  // The fidelity gate: FP32 against INT8 on images calibration did not see, before anything is
  // written (with --strict a failure is the run's one error line and nothing is written).
  const fidelity = await checkFidelity({
    fp32: prepared.model,
    int8,
    runner,
    folder: values.calib,
    used: files.length,
    source: (held) => imageFolderSource(held, spec, feeds, decode),
    hint: { fp32: path, int8: out, images: values.calib, preprocess: values.preprocess },
    strict: values.strict ?? false,
    runBudget: budget,
  });
  const fp32Bytes = encodeModel(prepared.model).length;
  const r = result.report;
  const report = htmlReportWanted
    ? await htmlReport({
        modelPath: path,
        summary: inspectModel(model, modelFileBytes.length),
        prepared: prepared.model,
        quantized: result,
        sizes: { fp32: fp32Bytes, int8: bytes.length },
        spec,
        calibration: { images: calibration.images, folder: values.calib },
        fidelity,
        runner,
        source: (held) => imageFolderSource(held, spec, feeds, decode),
        runBudget: budget,
        overlay,
        plan: {
          ...(feeds.constants.length ? { inputs: Object.fromEntries(feeds.constants.map((c) => [c.name, inputValue(c)])) } : {}),
          ...(values['image-input'] ? { imageInput: values['image-input'] } : {}),
          ...(values.width && values.height ? { size: { width: Number(values.width), height: Number(values.height) } } : {}),
        },
        args: { modelPath: positionals[0], calibPath: values.calib, preprocess: values.preprocess, out, limit },
      })
    : reportPath
    ? {
        model: path,
        output: out,
        preprocess: spec,
        inputs: { image: feeds.image, constants: feeds.constants, notes: feeds.notes },
        calibration: { images: calibration.images, folder: values.calib, skippedTensors: calibration.skipped },
        prepared: { opset: prepared.opset, upgradedNodes: prepared.upgradedNodes, widened: prepared.widened, notes: prepared.notes },
        sizes: { fp32: fp32Bytes, int8: bytes.length },
        ...r,
        fidelity: { ...fidelity.result, files: fidelity.files, heldOut: fidelity.heldOut },
        ...(searched ? { auto: autoReport(searched) } : plan ? { plan: { file: values.plan, ...plan } } : {}),
        mapping: result.mapping,
      }
    : undefined;
  await writeOutputs([{ path: out, bytes }, ...(reportPath && report ? [{ path: reportPath, bytes: typeof report === 'string' ? report : JSON.stringify(report, null, 2) }] : [])]);
  // Notes come with the summary, not before the work: a run that fails prints its one error line only.
  for (const note of [...prepared.notes, ...feeds.notes]) say(`note: ${note}`);
  say(
    `wrote ${out}: ${(bytes.length / 1e6).toFixed(2)} MB (${((100 * bytes.length) / fp32Bytes).toFixed(1)}% of FP32); ${r.quantizedNodes}/${r.nodes.length} nodes quantized, ${r.foldedActivations} activations folded; ${calibration.images} images in ${((Date.now() - t0) / 1000).toFixed(1)} s; method ${method}`,
  );
  if (r.biasCorrection) {
    const skipped = r.biasCorrection.skipped;
    say(
      `bias correction: ${r.biasCorrection.corrected} biases corrected (${r.biasCorrection.added} added to layers without one)${skipped.length ? `; ${skipped.length} layers left as they were (${skipped.slice(0, 3).map((s) => `${s.node}: ${s.reason}`).join('; ')}${skipped.length > 3 ? '; ...' : ''})` : ''}`,
    );
  }
  if (searched) for (const line of formatAuto(searched)) say(line);
  if (plan) say(`plan: replayed ${quote(values.plan ?? '')}: method ${plan.method}${Object.keys(plan.methodByTensor).length ? ` (${Object.keys(plan.methodByTensor).length} tensors with their own)` : ''}, ${plan.keptUnits.length || plan.keepNodes.length} kept in FP32`);
  for (const line of formatFidelity(fidelity)) say(line);
  say(`inputs and outputs of the INT8 model: ${int8.graph!.input.map((i) => `${i.name} ${elemTypeName(i)}`).join(', ')} -> ${int8.graph!.output.map((o) => `${o.name} ${elemTypeName(o)}`).join(', ')}`);
}

// ---------------------------------------------------------------------------------------------

async function compare(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      images: { type: 'string' },
      preprocess: { type: 'string' },
      labels: { type: 'string' },
      decoder: { type: 'string' },
      classes: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      ...INPUT_OPTIONS,
      ...LIMIT_OPTIONS,
    },
  });
  if (positionals.length !== 2) fail('compare takes FP32.onnx and INT8.onnx.');
  if (!values.images) fail('compare needs --images DIR.');
  if (!values.preprocess) fail('compare needs --preprocess PRESET|SPEC.json.');
  const limit = positiveInt(values.limit, '--limit');
  const fp32 = await readModelFile(positionals[0]);
  const int8 = await readModelFile(positionals[1]);
  const feeds = feedPlanOf(fp32.model, basename(fp32.path), feedChoices(values));
  const spec = await loadSpec(values.preprocess, feeds.image);
  const decode = decodeLimits(values);
  const budget = runBudget(values);
  const detecting = values.labels !== undefined && (await isLabelFolder(values.labels));
  if (!detecting && (values.decoder !== undefined || values.classes !== undefined)) {
    fail(`${values.decoder !== undefined ? '--decoder' : '--classes'} scores a detector and needs --labels DIR, a folder of YOLO label files (one NAME.txt per image).`);
  }
  const classMap = values.classes === undefined ? undefined : parseClassMap(values.classes);
  const { files } = await imagesOf(values.images, limit);
  const labels = values.labels && !detecting ? await readLabels(values.labels) : undefined;
  const runner = createNodeRunner({ source: `${basename(fp32.path)} / ${basename(int8.path)}`, isolated: true });
  const mapping = mappingFromModel(int8.model);
  let source = imageFolderSource(files, spec, feeds, decode);
  let detection: ReturnType<typeof detectionPair> | undefined;
  if (detecting) {
    const folder = await readLabelFolder(values.labels!, files, values.images);
    const n = folder.missing.length;
    if (n > 0) say(`note: ${n} of ${files.length} ${n === 1 ? 'image has' : 'images have'} no label file in ${quote(values.labels!)} and count as images with no objects (YOLO's convention): ${folder.missing.slice(0, 3).map((m) => quote(basename(m))).join(', ')}${n > 3 ? ', ...' : ''}`);
    if (folder.refused.length > 0) say(`note: skipped ${folder.refused.length} label file(s) that are not regular files inside ${quote(values.labels!)}: ${folder.refused.slice(0, 3).map(quote).join(', ')}`);
    detection = detectionPair(detectionFolderSource(files, spec, feeds, decode), folder.lookup, { spec, geometry: feeds.image, labelClasses: folder.labelClasses, source: basename(fp32.path) }, { decoder: values.decoder, classMap });
    source = detection.source;
  }
  const result = await compareModels(fp32.model, int8.model, runner, source, {
    runBudget: budget,
    mapping,
    testOptimization: formatOfModel(int8.model) === 'int8-weights' ? 'extended' : 'all',
    labels: labels ? (i) => labels.get(basename(files[i])) : undefined,
    onProgress: progress('comparing'),
    onOutputs: detection?.onOutputs,
  }).catch((e: unknown) => {
    if (isZeropointError(e) && e.code === 'not-detector') {
      throw new ZeropointError('not-detector', `${e.message} A folder for --labels scores a detector; a classifier takes a labels CSV ('file,class-index').`, { subject: e.subject, cause: e });
    }
    throw e;
  });
  const scored = detection?.result();
  if (values.json) {
    const { raw: _raw, ...rest } = result;
    const det = scored ? { detection: detectionJson(scored, classMap) } : {};
    process.stdout.write(`${JSON.stringify({ fp32: fp32.path, int8: int8.path, perLayer: mapping !== undefined, ...rest, ...(scored ? { agreement: null } : {}), ...det }, jsonNumbers, 2)}\n`);
    return;
  }
  process.stdout.write(formatComparison(scored ? { ...result, agreement: null } : result, mapping !== undefined));
  if (scored) process.stdout.write(formatDetection(scored, classMap));
}

/** The AP figures without the raw matches (which can be large). */
function detectionJson(d: DetectionComparison, classMap: readonly number[] | undefined) {
  const side = ({ stats: _stats, decoder: _decoder, ...rest }: DetectionComparison['fp32']) => rest;
  return { decoder: d.fp32.decoder, classMap: classMap ?? null, fp32: side(d.fp32), int8: side(d.int8), drop: d.drop };
}

function formatDetection(d: DetectionComparison, classMap: readonly number[] | undefined): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  const c = d.fp32.decoder;
  const scoredClasses = d.fp32.perClass.length;
  return [
    `detection: decoder ${c.decoder} (${c.chosenBy === 'name' ? 'named' : 'from the outputs'}: ${c.reason})`,
    `  ${d.fp32.images} images, ${d.fp32.truths} labelled objects in ${scoredClasses} class${scoredClasses === 1 ? '' : 'es'}${classMap ? `; classes ${classMapText(classMap)}` : ''}`,
    `  FP32  AP50 ${f(d.fp32.ap50)}  AP50-95 ${f(d.fp32.ap5095)}`,
    `  INT8  AP50 ${f(d.int8.ap50)}  AP50-95 ${f(d.int8.ap5095)}`,
    `  drop  AP50 ${f(d.drop.ap50)}  AP50-95 ${f(d.drop.ap5095)}  (FP32 - INT8: positive is accuracy lost)`,
    '',
  ].join('\n');
}

/** JSON has no Infinity: an identical tensor's SQNR is written as the string "inf". */
function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? null : value > 0 ? 'inf' : '-inf';
  return value;
}

/** A tensor whose own Q/DQ leaves less than this SQNR is flagged in the per-layer table. */
const LOCAL_ALERT_DB = 20;

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
    lines.push('per layer (graph order): accumulated SQNR dB (INT8 model vs FP32 model), local SQNR dB (the tensor\'s own Q/DQ on its FP32 values), cosine, offset (share of the squared error that is a per-channel offset), op, tensor');
    const worst = [...r.layers].sort((x, y) => x.sqnrDb - y.sqnrDb)[0];
    // The first layer whose own grid costs much: where things start to go wrong.
    const first = r.layers.find((l) => l.local && l.local.sqnrDb < LOCAL_ALERT_DB);
    const share = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '-').padStart(6);
    for (const l of r.layers) {
      const marks = [l === first ? `first local SQNR below ${LOCAL_ALERT_DB} dB` : '', l === worst ? 'worst' : '', l.window ? `in its readers' window [${f(l.window.min)}, ${f(l.window.max)}]` : ''].filter(Boolean);
      lines.push(`  ${f(l.sqnrDb).padStart(7)}  ${(l.local ? f(l.local.sqnrDb) : '-').padStart(7)}  ${f(l.cosine, 5)}  ${share(l.biasShare)}  ${l.opType.padEnd(18)} ${l.fp32}${marks.length ? `   <- ${marks.join('; ')}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------

export async function main(argv: string[]): Promise<number> {
  const [command, ...given] = argv;
  const rest = joinNegativeValues(given);
  try {
    if (command === 'inspect') await inspect(rest);
    else if (command === 'quantize') await quantize(rest);
    else if (command === 'compare') await compare(rest);
    else if (command === 'bench') await benchCommand(rest, { say, feedChoices, decodeLimits, runBudget, imagesOf, list, elemTypeName, progress });
    else if (command === '--help' || command === '-h' || command === 'help') process.stdout.write(`${USAGE}\n`);
    else {
      say(`zeropoint: unknown command ${quote(command ?? '')}.`);
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    return 0;
  } catch (e) {
    if (progressLineOpen) process.stderr.write('\n');
    progressLineOpen = false;
    if (isZeropointError(e)) say(`zeropoint: ${e.message}`);
    else if (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) say(`zeropoint: ${e.message.split('\n')[0].replace(/\.$/, '')}. Run 'zeropoint help' for usage.`);
    else say(`zeropoint: unexpected error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    if (process.env.ZEROPOINT_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

// `tsx cli/zeropoint.ts ...` (npm run zeropoint). cli/bin.mjs, the package bin, imports this module and calls main() itself.
const isEntry = process.argv[1] && /zeropoint\.ts$/.test(process.argv[1]);
if (isEntry) {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  // A run that timed out may still be going on inside onnxruntime: exit once stdout and stderr are flushed.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
