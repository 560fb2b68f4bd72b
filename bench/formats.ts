/**
 * npm run bench (part 3): the export formats against FP32 in one run: file size and latency on
 * onnxruntime-web WASM (1 thread, in this Node process, the app's workers/ort.ts runner) and on
 * onnxruntime-node CPU (1 thread), on one real image per model, A/B interleaved (bench/timing.ts).
 * FP16 on CPU/WASM computes in float32 between onnxruntime's own Casts (few float16 kernels): the
 * figure says what FP16 costs there, not what a WebGPU GPU with shader-f16 gains. Writes
 * bench/formats-results.md.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { listImages } from '../cli/images';
import { feedPlanOf, imageFolderSource } from '../cli/pipeline';
import { createNodeRunner } from '../cli/runner-node';
import { IMAGES, model as modelPath } from '../test/assets';
import { convertToFloat16 } from '../workers/core/export/fp16';
import { fp16InputHints } from '../workers/core/export/fp16-inputs';
import { exportWeightOnly } from '../workers/core/export/weight-only';
import { decodeModel } from '../workers/core/onnx/decode';
import { encodeModel } from '../workers/core/onnx/encode';
import { resolveSpec, type PresetName } from '../workers/core/preprocess/spec';
import { prepareModel } from '../workers/core/quant/quantize';
import type { Runner } from '../workers/core/runner';
import { createWebRunner } from '../workers/ort';
import { median, timeAB } from './timing';

const MODELS: ReadonlyArray<{ file: string; preset: PresetName }> = [
  { file: 'squeezenet1.1-fp32.onnx', preset: 'caffe' },
  { file: 'fastestdet.onnx', preset: 'unit' },
  { file: 'ultraface-rfb-320.onnx', preset: 'imagenet' },
  { file: 'yolov8n-fp32-topology.onnx', preset: 'yolo' },
];
const TIMING = { warmup: 2, minRuns: 5, maxRuns: 30, budgetMs: 8000 };

async function ratio(runner: Runner, a: Uint8Array, b: Uint8Array, feeds: Parameters<Awaited<ReturnType<Runner['createSession']>>['run']>[0]): Promise<number> {
  const sa = await runner.createSession(a, { optimization: 'all', threads: 1 });
  const sb = await runner.createSession(b, { optimization: 'all', threads: 1 });
  try {
    const t = await timeAB(() => sa.run(feeds), () => sb.run(feeds), TIMING);
    return median(t.b) / median(t.a);
  } finally {
    await sa.release();
    await sb.release();
  }
}

const t0 = performance.now();
const web = createWebRunner({ provider: 'wasm', threads: 1 });
const node = createNodeRunner();
const image = (await listImages(`${IMAGES}/coco-train/images`)).slice(8, 9);
const rows: string[] = [];
for (const { file, preset } of MODELS) {
  const prepared = prepareModel(decodeModel(new Uint8Array(await readFile(modelPath(file))))).model;
  const plan = feedPlanOf(prepared, file);
  const spec = resolveSpec(preset, { channels: plan.image.channels, layout: plan.image.layout });
  const feeds = await imageFolderSource(image, spec, plan).feeds(0);
  const fp32 = encodeModel(prepared);
  const fp16 = encodeModel(convertToFloat16(prepared, fp16InputHints(plan.image, spec)).model);
  const w8 = encodeModel(exportWeightOnly(prepared).model);
  const cells = [file, (fp16.length / fp32.length).toFixed(2), (w8.length / fp32.length).toFixed(2)];
  for (const runner of [web, node]) for (const other of [fp16, w8]) cells.push((await ratio(runner, fp32, other, feeds)).toFixed(2));
  rows.push(`| ${cells.join(' | ')} |`);
  console.log(rows[rows.length - 1]);
}
const text = [
  '# Export formats: size and latency against FP32 (`npx tsx bench/formats.ts`)',
  '',
  '| model | FP16/FP32 size | INT8-weights/FP32 size | FP16/FP32 latency, WASM 1 thread | INT8-weights/FP32, WASM 1 thread | FP16/FP32, onnxruntime-node CPU 1 thread | INT8-weights/FP32, node CPU 1 thread |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...rows,
  '',
  `CPU ${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')} (other processes share this machine); one COCO image; A/B interleaved, ${TIMING.minRuns}..${TIMING.maxRuns} runs per side within ${TIMING.budgetMs} ms; total ${((performance.now() - t0) / 1000).toFixed(0)} s.`,
  '',
].join('\n');
await writeFile(join(import.meta.dirname, 'formats-results.md'), text);
console.log(text);
process.exit(0);
