/**
 * `zeropoint quantize`: calibrate, quantize (or --format fp16|int8-weights), --auto / --plan, the
 * fidelity gate, and the model plus its report written all or none.
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { calibrate } from '../workers/core/calibration/calibrate';
import { RANGE_METHODS, type RangeMethod } from '../workers/core/calibration/ranges';
import { inspectModel } from '../workers/core/graph/inspect';
import { checkOutputs } from '../workers/core/intake/files';
import { quote } from '../workers/core/intake/names';
import { encodeModel } from '../workers/core/onnx/encode';
import { DEFAULT_QUANTIZE_OPTIONS, prepareModel, quantizeModel, type QuantizeOptions } from '../workers/core/quant/quantize';
import { checkFidelity, formatFidelity } from './fidelity';
import { AUTO_IMAGES, autoTarget, autoChoices, autoReport, formatAuto, readPlan, runAuto } from './auto';
import { planToOptions } from '../workers/core/analysis/auto';
import { quantizeDataFree } from './export-format';
import { isExportFormat } from '../workers/core/export/formats';
import { htmlReport, REPORT_OVERLAYS } from './html-report';
import { inputValue } from '../workers/core/report/reproduce';
import { nodeFileHost, writeOutputs } from './fs-host';
import { scanImages } from './images';
import { readModelFile } from './model-io';
import { feedPlanOf, imageFolderSource, isPreset, loadSpec, PRESETS_TEXT } from './pipeline';
import { createNodeRunner } from './runner-node';
import { detectionFolderSource } from './detection';
import { MAX_HISTOGRAM_SAMPLE, MIN_HISTOGRAM_SAMPLE } from '../workers/core/calibration/sample-graph';
import { say, fail, progress, positiveInt, LIMIT_OPTIONS, INPUT_OPTIONS, feedChoices, decodeLimits, runBudget, imagesOf, elemTypeName, list } from './common';

export async function quantize(args: string[]): Promise<void> {
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
      'histogram-sample': { type: 'string' },
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
    const int8Only = (['method', 'percentile', 'histogram-sample', 'activations', 'symmetric-activations', 'bias-correction', 'auto', 'plan'] as const).filter((k) => values[k] !== undefined);
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
    histogramSample: histogramSampleOf(values['histogram-sample']),
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
    `wrote ${out}: ${(bytes.length / 1e6).toFixed(2)} MB (${((100 * bytes.length) / fp32Bytes).toFixed(1)}% of FP32); ${r.quantizedNodes}/${r.nodes.length} nodes quantized, ${r.foldedActivations} activations folded; ${calibration.images} images in ${((Date.now() - t0) / 1000).toFixed(1)} s; method ${r.options.method}${r.options.methodByTensor && Object.keys(r.options.methodByTensor).length ? ` (${Object.keys(r.options.methodByTensor).length} tensors with their own)` : ""}`,
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

/** --histogram-sample N: values binned per tensor and image for the histogram methods; 0 or 'all' bins every value. */
function histogramSampleOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'all' || value === '0') return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 256) fail(`--histogram-sample '${value}' must be a whole number of values per tensor and image, at least 256, or 'all' to bin every value (default: enough for a histogram within 0.005 of every value's, ${MIN_HISTOGRAM_SAMPLE} to ${MAX_HISTOGRAM_SAMPLE} a image).`);
  return n;
}
