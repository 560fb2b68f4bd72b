/**
 * npm run bench (part 4): per shared conv model and provider, the variants' latency as ratios to FP32
 * in one interleaved run: full INT8, latency-aware INT8 (workers/core/profile: profiled on that
 * provider, each unit INT8 or FP32, under an accuracy target), FP16 and weight-only INT8; with the
 * accuracy of each and the latency-aware choice in words. Providers: onnxruntime-web WASM 1 thread
 * (its Node build, the same WASM the browser runs), WASM 2 threads (in a child process: onnxruntime-web
 * fixes its thread count per process) and onnxruntime-node CPU 1 thread.
 *
 * Accuracy targets: COCO detectors AP50 within 0.02 of FP32 on 24 held-out coco-train images with
 * their labels; SqueezeNet and the face detectors (no labels here) cosine >= 0.98 to FP32 on every
 * output and judged slice (the fidelity gate's threshold), on 8 held-out images.
 *
 *   npx tsx bench/latency-aware.ts   (BENCH_MODELS=id,id to pick; BENCH_PROVIDERS=wasm:1,cpu:1; BENCH_SKIP_THREADS=1)
 *
 * Writes bench/latency-aware-results.md.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { autoTarget } from '../cli/auto';
import { detectionFolderSource } from '../cli/detection';
import { listImages } from '../cli/images';
import { createNodeLatencyHost, type NodeProvider } from '../cli/latency-host';
import { readModelFile } from '../cli/model-io';
import { feedPlanOf, imageFolderSource } from '../cli/pipeline';
import { createNodeRunner } from '../cli/runner-node';
import { IMAGES, model as modelPath } from '../test/assets';
import { buildReference } from '../workers/core/analysis/fidelity';
import { calibrate } from '../workers/core/calibration/calibrate';
import { convertToFloat16 } from '../workers/core/export/fp16';
import { fp16InputHints } from '../workers/core/export/fp16-inputs';
import { exportWeightOnly } from '../workers/core/export/weight-only';
import { decodeModel } from '../workers/core/onnx/decode';
import { encodeModel } from '../workers/core/onnx/encode';
import { resolveSpec, type PartialSpec, type PresetName } from '../workers/core/preprocess/spec';
import { latencyAware, type TargetVerdict } from '../workers/core/profile/latency-aware';
import { targetJudge } from '../workers/core/profile/target';
import { variantRows } from '../workers/core/profile/variants';
import { DEFAULT_QUANTIZE_OPTIONS, prepareModel } from '../workers/core/quant/quantize';

interface Case {
  readonly id: string;
  readonly file: string;
  readonly spec: PresetName | PartialSpec;
  readonly images: 'coco' | 'imagenet';
  /** AP50 on coco-train labels, or cosine to FP32. */
  readonly target: 'ap50' | 'cosine';
}

const BGR = { color: 'bgr', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', layout: 'nchw' } as const;
const CASES: readonly Case[] = [
  { id: 'squeezenet1.1', file: 'squeezenet1.1-fp32.onnx', spec: 'caffe', images: 'imagenet', target: 'cosine' },
  { id: 'fastestdet', file: 'fastestdet.onnx', spec: BGR, images: 'coco', target: 'ap50' },
  { id: 'yolo-fastestv2', file: 'yolo-fastestv2.onnx', spec: BGR, images: 'coco', target: 'ap50' },
  { id: 'ultraface-rfb-320', file: 'ultraface-rfb-320.onnx', spec: { color: 'rgb', scale: 1, mean: [127, 127, 127], std: [128, 128, 128], resize: 'stretch', layout: 'nchw' }, images: 'coco', target: 'cosine' },
  { id: 'scrfd-500m-kps', file: 'scrfd-500m-kps.onnx', spec: { color: 'rgb', scale: 1, mean: [127.5, 127.5, 127.5], std: [128, 128, 128], resize: 'letterbox', pad: 0, align: 'top-left', layout: 'nchw' }, images: 'coco', target: 'cosine' },
  { id: 'yunet-120x160', file: 'yunet-120x160.onnx', spec: { color: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', layout: 'nchw' }, images: 'coco', target: 'cosine' },
  { id: 'yolov8n', file: 'yolov8n-fp32-topology.onnx', spec: 'yolo', images: 'coco', target: 'ap50' },
];

const only = (process.env.BENCH_MODELS ?? '').split(',').filter(Boolean);
/** Providers as provider:threads. onnxruntime-web fixes its thread count per process: WASM with 2 threads runs in a child. */
const CHILD_OUT = process.env.BENCH_CHILD_OUT;
const providers = (process.env.BENCH_PROVIDERS ?? (CHILD_OUT ? 'wasm:2' : 'wasm:1,cpu:1'))
  .split(',')
  .filter(Boolean)
  .map((p) => ({ provider: p.split(':')[0] as NodeProvider, threads: Number(p.split(':')[1] ?? 1) }));
const log = (line: string) => process.stderr.write(`${line}\n`);

const t0 = performance.now();
const runner = createNodeRunner();
const coco = await listImages(`${IMAGES}/coco-train/images`);
const imagenet = await listImages(`${IMAGES}/imagenet-calib`);
// 24 held-out COCO images with their labels, in a folder of their own (the AP target scans a folder).
const evalDir = await mkdtemp(join(tmpdir(), 'zeropoint-la-eval-'));
await mkdir(join(evalDir, 'labels'));
const evalImages = coco.slice(-24);
for (const f of evalImages) {
  await copyFile(f, join(evalDir, basename(f)));
  await copyFile(join(IMAGES, 'coco-train/labels', basename(f).replace(/\.[^.]+$/, '.txt')), join(evalDir, 'labels', basename(f).replace(/\.[^.]+$/, '.txt'))).catch(() => undefined);
}

const rows: string[] = [];
const details: string[] = [];
for (const c of CASES.filter((x) => !only.length || only.includes(x.id))) {
  try {
    const prepared = prepareModel((await readModelFile(modelPath(c.file))).model, { source: c.file }).model;
    const plan = feedPlanOf(prepared, c.file);
    const spec = resolveSpec(c.spec, { channels: plan.image.channels, layout: plan.image.layout });
    const pool = c.images === 'coco' ? coco : imagenet;
    const calib = pool.slice(0, 16);
    const held = c.images === 'coco' ? coco.slice(16, 24) : imagenet.slice(16, 24);
    const source = (files: readonly string[]) => imageFolderSource(files, spec, plan);
    const stats = (await calibrate(prepared, runner, source(calib), { collector: { histograms: false } })).stats;
    const reference = await buildReference(prepared, runner, source(held), { images: held.length });
    const target = await autoTarget(c.target === 'ap50' ? { maxDrop: { points: 2, eval: evalDir, labels: join(evalDir, 'labels') } } : { cosine: 0.98 }, {
      runner,
      prepared,
      source,
      detection: (files) => detectionFolderSource(files, spec, plan),
      spec,
      geometry: plan.image,
    });
    const judge = targetJudge({ reference, runner, target });
    const extra = [
      { id: 'fp16', bytes: encodeModel(convertToFloat16(prepared, fp16InputHints(plan.image, spec)).model) },
      { id: 'int8-weights', bytes: encodeModel(exportWeightOnly(prepared).model) },
    ];
    const verdicts = new Map<string, TargetVerdict>();
    for (const e of extra) verdicts.set(e.id, await judge(decodeModel(e.bytes)));
    for (const { provider, threads } of providers) {
      const host = createNodeLatencyHost({ provider, threads, feeds: reference.feeds[0], log });
      const heavy = c.id === 'yolov8n';
      const r = await latencyAware({
        prepared,
        stats,
        options: DEFAULT_QUANTIZE_OPTIONS,
        provider: host.provider,
        host: heavy ? createNodeLatencyHost({ provider, threads, feeds: reference.feeds[0], log, profileWarmup: 2, profileRuns: 2, timing: { warmup: 1, minRounds: 5, maxRounds: 8, budgetMs: 20000 } }) : host,
        judge,
        extra,
        onProgress: (p) => log(`[${c.id} ${host.provider.label}] ${p.message}`),
      });
      const v = variantRows(r, verdicts);
      const get = (id: string) => v.find((x) => x.id === id);
      const cell = (id: string) => {
        const x = get(id);
        return x ? `${x.ratio.toFixed(2)}${x.met === false ? ' ✗acc' : ''}` : '–';
      };
      const la = get('latency-aware')!;
      rows.push(`| ${c.id} | ${host.provider.label} | ${cell('int8')} | **${la.ratio.toFixed(2)}** | ${r.isFp32 ? 'FP32 (INT8 gains nothing)' : `${r.int8Units.length}/${r.units.length} units INT8`} | ${cell('fp16')} | ${cell('int8-weights')} | ${(get('fp32')!.medianMs).toFixed(1)} | ${r.accuracy?.text ?? get('int8')?.accuracy ?? '–'} | ${(la.bytes / get('fp32')!.bytes).toFixed(2)} |`);
      details.push(`- **${c.id}, ${host.provider.label}**: ${r.summary}`);
      log(rows[rows.length - 1]);
      log(details[details.length - 1]);
    }
  } catch (e) {
    rows.push(`| ${c.id} | error: ${(e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/\|/g, '\\|')} | | | | | | | | |`);
    log(rows[rows.length - 1]);
  }
}
await rm(evalDir, { recursive: true, force: true });
if (CHILD_OUT) {
  await writeFile(CHILD_OUT, JSON.stringify({ rows, details }));
  process.exit(0);
}
// WASM with 2 threads: the same models in a child process (one thread count per process).
if (process.env.BENCH_SKIP_THREADS !== '1') {
  const out = join(tmpdir(), `zeropoint-la-child-${process.pid}.json`);
  await new Promise<void>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, BENCH_CHILD_OUT: out } });
    child.on('close', () => resolve());
  });
  try {
    const child = JSON.parse(await readFile(out, 'utf8')) as { rows: string[]; details: string[] };
    const modelOf = (row: string) => row.split('|')[1]?.trim();
    for (const row of child.rows) {
      const at = rows.map(modelOf).lastIndexOf(modelOf(row));
      rows.splice(at < 0 ? rows.length : at + 1, 0, row);
    }
    details.push(...child.details);
    await rm(out, { force: true });
  } catch (e) {
    log(`WASM 2 threads: no results (${e instanceof Error ? e.message : String(e)})`);
  }
}
const text = [
  '# Latency-aware INT8 and the formats, per provider (`npx tsx bench/latency-aware.ts`)',
  '',
  'Latency as a ratio to FP32 (median of one interleaved run of every variant on one image; below 1 is faster). Latency-aware = each precision unit INT8 or FP32 as the per-node profiles on that provider say, kept only if measured faster than FP32 by the 3% noise margin, else the FP32 model itself. ✗acc: misses the accuracy target.',
  '',
  '| model | provider | full INT8 | **latency-aware** | choice | FP16 | INT8 weights | FP32 ms | latency-aware accuracy (full INT8 when FP32) | latency-aware / FP32 size |',
  '|---|---|---:|---:|---|---:|---:|---:|---|---:|',
  ...rows,
  '',
  ...details,
  '',
  `Targets: COCO detectors AP50 within 0.02 of FP32 on 24 held-out labelled coco-train images; SqueezeNet and the face detectors cosine >= 0.98 on 8 held-out images. Calibration: 16 images, MinMax, defaults. CPU ${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')} (other processes share this machine); total ${((performance.now() - t0) / 1000).toFixed(0)} s.`,
  '',
].join('\n');
await writeFile(join(import.meta.dirname, 'latency-aware-results.md'), text);
console.log(text);
process.exit(0);
