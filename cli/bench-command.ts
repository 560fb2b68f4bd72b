/**
 * `zeropoint bench MODEL --calib DIR --preprocess P [--provider wasm|cpu] [--threads N]`: the per-node
 * profile of FP32 beside INT8 on the provider, the latency-aware INT8 model (each precision unit INT8
 * or FP32, whichever makes the model fastest there, under an accuracy target), and the variants side
 * by side (FP32, full INT8, latency-aware INT8, FP16, weight-only INT8): size, latency as a ratio to
 * FP32 measured interleaved in one run, and agreement with FP32. `--out-dir DIR` writes every variant.
 *
 * The engine does the work (workers/core/profile); this file reads the files, calibrates, and hosts
 * onnxruntime (cli/latency-host.ts).
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { calibrate } from '../workers/core/calibration/calibrate';
import { buildReference, heldOutImages } from '../workers/core/analysis/fidelity';
import { ZeropointError } from '../workers/core/errors';
import { convertToFloat16 } from '../workers/core/export/fp16';
import { fp16InputHints } from '../workers/core/export/fp16-inputs';
import { exportWeightOnly } from '../workers/core/export/weight-only';
import { checkOutputs } from '../workers/core/intake/files';
import { quote } from '../workers/core/intake/names';
import { encodeModel } from '../workers/core/onnx/encode';
import { decodeModel } from '../workers/core/onnx/decode';
import { planToOptions } from '../workers/core/analysis/auto';
import { DEFAULT_QUANTIZE_OPTIONS, prepareModel, type QuantizeOptions } from '../workers/core/quant/quantize';
import { KIND_LABELS } from '../workers/core/profile/kinds';
import { latencyAware, type LatencyAwareResult, type TargetVerdict } from '../workers/core/profile/latency-aware';
import { targetJudge } from '../workers/core/profile/target';
import { variantRows, type VariantRow } from '../workers/core/profile/variants';
import { autoChoices, autoTarget, readPlan } from './auto';
import { detectionFolderSource } from './detection';
import type { CliHelpers, DataFreeValues } from './export-format';
import { nodeFileHost, writeOutputs } from './fs-host';
import { scanImages } from './images';
import { createNodeLatencyHost } from './latency-host';
import { readModelFile } from './model-io';
import { feedPlanOf, imageFolderSource, isPreset, loadSpec } from './pipeline';
import { createNodeRunner } from './runner-node';

export const BENCH_USAGE = `  zeropoint bench MODEL --calib DIR --preprocess PRESET|SPEC.json [--provider wasm|cpu (wasm)] [--threads N (1)]
      [--limit N] [--target-cosine C (0.99) | --target-sqnr DB | --max-drop POINTS --eval DIR --labels LABELS.csv|LABELS_DIR
      [--decoder NAME] [--classes ...]] [--plan REPORT_OR_PLAN.json] [--keep-fp32 NODE,...] [--margin SHARE (0.03)]
      [--out-dir DIR (writes every variant)] [--json] [input and limit options as for quantize]`;

function bad(message: string): never {
  throw new ZeropointError('bad-option', message);
}

export async function benchCommand(args: string[], cli: CliHelpers & { progress: (label: string) => (p: { done: number; total: number }) => void }): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      calib: { type: 'string' },
      preprocess: { type: 'string' },
      provider: { type: 'string', default: 'wasm' },
      threads: { type: 'string', default: '1' },
      limit: { type: 'string' },
      'target-cosine': { type: 'string' },
      'target-sqnr': { type: 'string' },
      'max-drop': { type: 'string' },
      eval: { type: 'string' },
      labels: { type: 'string' },
      decoder: { type: 'string' },
      classes: { type: 'string' },
      plan: { type: 'string' },
      'keep-fp32': { type: 'string' },
      margin: { type: 'string' },
      'out-dir': { type: 'string' },
      json: { type: 'boolean' },
      width: { type: 'string' },
      height: { type: 'string' },
      'image-input': { type: 'string' },
      input: { type: 'string', multiple: true },
      'fourth-channel': { type: 'string' },
      'max-image-pixels': { type: 'string' },
      'run-timeout': { type: 'string' },
    },
  });
  if (positionals.length !== 1) bad('bench takes one MODEL path.');
  if (!values.calib) bad('bench needs --calib DIR (calibration images; the last ones are held out to judge accuracy).');
  if (!values.preprocess) bad('bench needs --preprocess PRESET|SPEC.json.');
  const provider = values.provider;
  if (provider !== 'wasm' && provider !== 'cpu') bad(`Unknown --provider ${JSON.stringify(provider)}; use wasm (onnxruntime-web's WASM, as in the browser) or cpu (onnxruntime-node). WebGPU is profiled in the workbench's Compare step.`);
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) bad(`--threads '${values.threads}' must be a whole number from 1 to 64.`);
  const margin = values.margin === undefined ? undefined : Number(values.margin);
  if (margin !== undefined && !(margin >= 0 && margin < 0.5)) bad(`--margin '${values.margin}' must be a share of FP32's time in [0, 0.5), such as 0.03.`);
  const choices = autoChoices({ auto: true, ...values, 'max-fp32': undefined });
  const values_ = values as unknown as DataFreeValues;
  const decode = cli.decodeLimits(values_);
  const budget = cli.runBudget(values_);
  const outDir = values['out-dir'];
  if (outDir && !(await stat(outDir).then((s) => s.isDirectory()).catch(() => false))) bad(`--out-dir ${quote(outDir)} is not a folder; create it first.`);

  const { model, path } = await readModelFile(positionals[0]);
  const source = basename(path);
  const stem = source.replace(/\.onnx$/i, '');
  const prepared = prepareModel(model, { source }).model;
  const feeds = feedPlanOf(prepared, source, cli.feedChoices(values_));
  const spec = await loadSpec(values.preprocess, feeds.image);
  const { files: all } = await scanImages(values.calib);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) bad(`--limit '${values.limit}' must be a positive whole number.`);
  const used = Math.min(limit ?? (all.length >= 16 ? all.length - 8 : all.length), all.length);
  const files = all.slice(0, used);
  const held = heldOutImages({ total: all.length, used, max: 8 });
  const heldFiles = held.indices.map((i) => all[i]);
  const plan = values.plan ? await readPlan(values.plan) : undefined;
  const known = new Set(prepared.graph!.node.map((n) => n.name));
  const keepNodes = cli.list(values['keep-fp32']);
  for (const name of keepNodes) if (!known.has(name)) bad(`--keep-fp32 names node '${name}', which '${source}' does not have; 'zeropoint inspect --json' lists the ops.`);
  const base: QuantizeOptions = { ...DEFAULT_QUANTIZE_OPTIONS, keepNodes };
  const options = plan ? planToOptions(plan, base) : base;

  const runner = createNodeRunner({ source, isolated: true });
  const image = (held: readonly string[]) => imageFolderSource(held, spec, feeds, decode);
  const calibration = await calibrate(prepared, runner, image(files), { runBudget: budget, onProgress: cli.progress('calibrating'), plan: options, collector: { histograms: options.method !== 'minmax' } });
  const reference = await buildReference(prepared, runner, image(heldFiles), { images: heldFiles.length, runBudget: budget });
  const target = await autoTarget(choices ?? {}, { runner, prepared, source: image, detection: (h) => detectionFolderSource(h, spec, feeds, decode), spec, geometry: feeds.image, budget });
  const judge = targetJudge({ reference, runner, target, runBudget: budget });

  // The data-free formats beside them; one that cannot be built for this model is left out, said once.
  const extra: Array<{ id: string; bytes: Uint8Array }> = [];
  for (const [id, make] of [
    ['fp16', () => convertToFloat16(prepared, fp16InputHints(feeds.image, spec)).model],
    ['int8-weights', () => exportWeightOnly(prepared, { keepNodes }).model],
  ] as const) {
    try {
      extra.push({ id, bytes: encodeModel(make()) });
    } catch (e) {
      cli.say(`note: no ${id} variant: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const host = createNodeLatencyHost({ provider, threads, feeds: reference.feeds[0], log: (l) => cli.say(`note: ${l}`) });
  const result = await latencyAware({
    prepared,
    stats: calibration.stats,
    options,
    provider: host.provider,
    host,
    judge,
    extra,
    margin,
    onProgress: (p) => cli.say(`bench: ${p.message}`),
  });
  const verdicts = new Map<string, TargetVerdict>();
  for (const e of extra) verdicts.set(e.id, await judge(decodeModel(e.bytes)));
  const rows = variantRows(result, verdicts);

  const written: string[] = [];
  if (outDir) {
    const outputs = [
      { id: 'int8', path: join(outDir, `${stem}.int8.onnx`) },
      { id: 'latency-aware', path: join(outDir, `${stem}.latency-aware.onnx`) },
      { id: 'fp16', path: join(outDir, `${stem}.fp16.onnx`) },
      { id: 'int8-weights', path: join(outDir, `${stem}.int8w.onnx`) },
    ];
    await checkOutputs(nodeFileHost, outputs.map((o) => ({ flag: '--out-dir', path: o.path })), [path, ...all]);
    const bytesOf: Record<string, Uint8Array | undefined> = {
      int8: result.int8Bytes,
      'latency-aware': encodeModel(result.model),
      ...Object.fromEntries(extra.map((e) => [e.id, e.bytes])),
    };
    const present = outputs.filter((o) => bytesOf[o.id] !== undefined);
    await writeOutputs(present.map((o) => ({ path: o.path, bytes: bytesOf[o.id]! })));
    written.push(...present.map((o) => o.path));
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(benchJson(result, rows, written), null, 2)}\n`);
    return;
  }
  for (const line of formatBench(result, rows)) process.stdout.write(`${line}\n`);
  for (const w of written) cli.say(`wrote ${w}`);
}

function benchJson(r: LatencyAwareResult, rows: readonly VariantRow[], written: readonly string[]) {
  return {
    provider: r.provider,
    summary: r.summary,
    notes: r.notes,
    int8Units: r.int8Units,
    isFp32: r.isFp32,
    keepNodes: r.keepNodes,
    variants: rows,
    measured: r.measured,
    kinds: r.kinds,
    profiles: { fp32: r.fp32.nodes.filter((n) => n.ms > 0), int8: r.int8.nodes.filter((n) => n.ms > 0), boundaries: r.int8.boundaries },
    plan: { format: 'zeropoint-plan', version: 1, method: 'minmax', methodByTensor: {}, keepNodes: r.keepNodes, keptUnits: r.units.filter((u) => !r.int8Units.includes(u.id)).map((u) => u.id), target: r.accuracy?.text ?? '' },
    written,
  };
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');

export function formatBench(r: LatencyAwareResult, rows: readonly VariantRow[]): string[] {
  const lines: string[] = [];
  lines.push(`profile on ${r.provider.label}: FP32 ${f2(r.fp32.totalMs)} ms, INT8 ${f2(r.int8.totalMs)} ms of kernels per run (onnxruntime's profile, ${r.fp32.runs} runs each)`);
  const kinds = new Set([...r.kinds.fp32, ...r.kinds.int8].map((k) => k.kind));
  for (const kind of kinds) {
    const a = r.kinds.fp32.find((k) => k.kind === kind)?.ms ?? 0;
    const b = r.kinds.int8.find((k) => k.kind === kind)?.ms ?? 0;
    lines.push(`  ${KIND_LABELS[kind].padEnd(46)} FP32 ${f2(a).padStart(8)} ms   INT8 ${f2(b).padStart(8)} ms${a > 0 ? `   ${f2(b / a)}x` : ''}`);
  }
  const slowest = [...r.int8.nodes].filter((n) => n.quantized).sort((a, b) => b.ms - a.ms).slice(0, 8);
  const fp32Of = new Map(r.fp32.nodes.map((n) => [n.node, n.ms]));
  lines.push('slowest INT8 nodes (ms per run: INT8 as run / FP32):');
  for (const n of slowest) lines.push(`  ${n.node} (${n.opType}): ${f2(n.ms)} as ${n.kernels.join('+') || '–'}${n.execution === 'dq-op-q' ? ' [DQ -> float op -> Q]' : ''} / ${f2(fp32Of.get(n.node) ?? 0)}`);
  if (r.int8.boundaries.length) lines.push(`Q/DQ boundaries in the INT8 model: ${r.int8.boundaries.slice(0, 6).map((b) => `${b.kind === 'quantize' ? 'Q' : 'DQ'} ${b.tensor}`).join(', ')}${r.int8.boundaries.length > 6 ? ` and ${r.int8.boundaries.length - 6} more` : ''}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  lines.push(r.summary);
  lines.push('variants (latency: median of one interleaved run, as a ratio to FP32):');
  lines.push(`  ${'variant'.padEnd(24)} ${'size MB'.padStart(8)} ${'latency'.padStart(9)} ${'ms'.padStart(8)}  accuracy`);
  for (const v of rows) lines.push(`  ${v.label.padEnd(24)} ${(v.bytes / 1e6).toFixed(2).padStart(8)} ${`${f2(v.ratio)}x`.padStart(9)} ${f2(v.medianMs).padStart(8)}  ${v.accuracy ?? ''}`);
  return lines;
}
