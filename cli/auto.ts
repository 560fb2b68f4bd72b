/**
 * `zeropoint quantize --auto`: the engine's automatic mixed precision (workers/core/analysis/auto.ts)
 * on held-out images of the calibration folder, to a target the person names:
 *
 *   --target-cosine C     every output and score column at cosine >= C to FP32 (default 0.99)
 *   --target-sqnr DB      every output at SQNR >= DB
 *   --max-drop P --eval DIR --labels FILE
 *                         top-1 on a labelled set within P points of FP32 (a CSV of labels)
 *
 * What it chose and why is printed and written into the report's `auto` section; its `plan` replays
 * the same model with `--plan PLAN.json` (the report itself, or the plan object alone).
 */
import { basename } from 'node:path';
import type { CalibrationSource } from '../workers/core/calibration/calibrate';
import type { CalibrationStats } from '../workers/core/calibration/collector';
import { autoPrecision, DEFAULT_AUTO_COSINE, parsePlan, type AutoResult, type AutoTarget, type PrecisionPlan } from '../workers/core/analysis/auto';
import { buildReference, heldOutImages } from '../workers/core/analysis/fidelity';
import { ZeropointError } from '../workers/core/errors';
import { readJson } from '../workers/core/intake/json';
import { encodeModel } from '../workers/core/onnx/encode';
import { runnerTensorToFloat32 } from '../workers/core/onnx/tensor';
import type { Model } from '../workers/core/onnx/types';
import type { QuantizeOptions } from '../workers/core/quant/quantize';
import type { Runner, RunBudget } from '../workers/core/runner';
import { scanImages } from './images';
import { isLabelFolder, readLabelFolder } from './detection';
import { detectionReference, type DetectionSource } from '../workers/core/analysis/detection/evaluate';
import { parseClassMap } from '../workers/core/analysis/detection/labels';
import type { InputGeometry, PreprocessSpec } from '../workers/core/preprocess/spec';
import { readLabels as readLabelsFile, readTextFile } from './pipeline';

/** Held-out images for --auto: 8 by default. */
export const AUTO_IMAGES = 8;

export interface CliAutoOptions {
  readonly prepared: Model;
  readonly stats: CalibrationStats;
  readonly options: QuantizeOptions;
  readonly runner: Runner;
  readonly folder: string;
  /** Calibration images used (the first ones of the folder). */
  readonly used: number;
  readonly source: (files: readonly string[]) => CalibrationSource;
  readonly target: AutoTarget;
  readonly maxFp32?: number;
  readonly images?: number;
  readonly runBudget?: RunBudget;
  readonly onProgress?: (line: string) => void;
}

export interface CliAuto {
  readonly result: AutoResult;
  readonly files: readonly string[];
  readonly heldOut: boolean;
}

export async function runAuto(o: CliAutoOptions): Promise<CliAuto> {
  const { files: all } = await scanImages(o.folder);
  const chosen = heldOutImages({ total: all.length, used: Math.min(o.used, all.length), max: o.images ?? AUTO_IMAGES });
  const files = chosen.indices.map((i) => all[i]);
  const reference = await buildReference(o.prepared, o.runner, o.source(files), { images: files.length, runBudget: o.runBudget });
  let last = '';
  const result = await autoPrecision(
    { prepared: o.prepared, stats: o.stats, options: o.options, reference, runner: o.runner },
    {
      target: o.target,
      maxFp32: o.maxFp32,
      runBudget: o.runBudget,
      onProgress: (p) => {
        const line = `auto: ${p.phase} ${p.done}/${p.total}`;
        if (line !== last) o.onProgress?.(`${line}: ${p.message}`);
        last = line;
      },
    },
  );
  return { result, files, heldOut: chosen.heldOut };
}

/** The lines `quantize --auto` prints. */
export function formatAuto(a: CliAuto): string[] {
  const r = a.result;
  const lines = [`auto: target ${r.target}; judged on ${a.files.length} ${a.heldOut ? 'held-out' : 'calibration (none was left over: give --limit to hold some out)'} image(s)`];
  for (const n of r.notes) lines.push(`auto: ${n}`);
  const size = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
  lines.push(`auto: defaults ${r.baseline.value.toFixed(4)} (${size(r.baseline.agreement.bytes)}) -> chosen ${r.final.value.toFixed(4)} (${size(r.final.agreement.bytes)}); replay with --plan REPORT.json`);
  return lines;
}

/** Top-1 accuracy of a classifier on a labelled set, for `--max-drop` (the model's first output). */
export function top1Evaluator(runner: Runner, source: CalibrationSource, labels: (i: number) => number | undefined): (model: Model) => Promise<number> {
  return async (model) => {
    const session = await runner.createSession(encodeModel(model), { optimization: 'all' });
    try {
      let right = 0;
      let total = 0;
      const name = model.graph!.output[0].name ?? '';
      for (let i = 0; i < source.count; i++) {
        const label = labels(i);
        if (label === undefined) continue;
        const out = runnerTensorToFloat32((await session.run(await source.feeds(i)))[name]);
        let best = 0;
        for (let k = 1; k < out.length; k++) if (out[k] > out[best]) best = k;
        total++;
        if (best === label) right++;
      }
      if (total === 0) throw new ZeropointError('bad-labels', 'None of the --eval images has a label in --labels; name them by file, as `file,class-index` lines.');
      return right / total;
    } finally {
      await session.release();
    }
  };
}

/** `--plan FILE`: the plan object, or a report that carries one under `auto.plan`. */
export async function readPlan(path: string): Promise<PrecisionPlan> {
  const json = readJson(await readTextFile(path, 'plan file'), basename(path)) as { auto?: { plan?: unknown } } | null;
  return parsePlan(json && typeof json === 'object' && json.auto?.plan ? json.auto.plan : json, path);
}

/** The --auto flags as given (undefined without --auto; target flags without --auto are an error). */
export interface AutoChoices {
  readonly cosine?: number;
  readonly sqnrDb?: number;
  readonly maxDrop?: { readonly points: number; readonly eval: string; readonly labels: string; readonly decoder?: string; readonly classes?: string };
  readonly maxFp32?: number;
}

type AutoFlags = { auto?: boolean; 'target-cosine'?: string; 'target-sqnr'?: string; 'max-drop'?: string; eval?: string; labels?: string; decoder?: string; classes?: string; 'max-fp32'?: string };

function bad(message: string): never {
  throw new ZeropointError('bad-option', message);
}

export function autoChoices(values: AutoFlags): AutoChoices | undefined {
  const given = (['target-cosine', 'target-sqnr', 'max-drop', 'eval', 'labels', 'decoder', 'classes', 'max-fp32'] as const).filter((k) => values[k] !== undefined);
  if (!values.auto) {
    if (given.length) bad(`--${given[0]} only means something with --auto; add --auto.`);
    return undefined;
  }
  const targets = (['target-cosine', 'target-sqnr', 'max-drop'] as const).filter((k) => values[k] !== undefined);
  if (targets.length > 1) bad(`--auto takes one target; got ${targets.map((t) => `--${t}`).join(' and ')}.`);
  const num = (flag: keyof AutoFlags, ok: (v: number) => boolean, what: string): number => {
    const v = Number(values[flag]);
    if (!Number.isFinite(v) || !ok(v)) bad(`--${flag} '${String(values[flag])}' must be ${what}.`);
    return v;
  };
  const maxFp32 = values['max-fp32'] === undefined ? undefined : num('max-fp32', (v) => Number.isInteger(v) && v >= 0, 'a whole number of units (0 or more)');
  if (values['target-cosine'] !== undefined) return { cosine: num('target-cosine', (v) => v > 0 && v <= 1, 'a cosine in (0, 1]'), maxFp32 };
  if (values['target-sqnr'] !== undefined) return { sqnrDb: num('target-sqnr', (v) => v > 0 && v < 200, 'a positive number of dB'), maxFp32 };
  if (values['max-drop'] !== undefined) {
    const points = num('max-drop', (v) => v >= 0 && v <= 100, 'a number of points (percent) from 0 to 100');
    if (!values.eval || !values.labels) bad('--max-drop needs --eval DIR and --labels LABELS.csv (classifiers: top-1) or --labels DIR (detectors: YOLO label files, AP50).');
    return { maxDrop: { points, eval: values.eval, labels: values.labels, decoder: values.decoder, classes: values.classes }, maxFp32 };
  }
  if (values.eval || values.labels || values.decoder || values.classes) bad('--eval, --labels, --decoder and --classes go with --max-drop.');
  return { maxFp32 };
}

/** The engine's target for the choices; a --max-drop target measures top-1 (labels CSV) or AP50 (a folder of YOLO labels) on --eval. */
export async function autoTarget(
  choices: AutoChoices,
  ctx: {
    runner: Runner;
    prepared: Model;
    source: (files: readonly string[]) => CalibrationSource;
    detection: (files: readonly string[]) => DetectionSource;
    spec: PreprocessSpec;
    geometry: InputGeometry;
    budget?: RunBudget;
  },
): Promise<AutoTarget> {
  if (choices.cosine !== undefined) return { kind: 'agreement', cosine: choices.cosine };
  if (choices.sqnrDb !== undefined) return { kind: 'sqnr', db: choices.sqnrDb };
  if (choices.maxDrop) {
    const { files } = await scanImages(choices.maxDrop.eval);
    const maxDrop = choices.maxDrop.points / 100;
    if (await isLabelFolder(choices.maxDrop.labels)) {
      const folder = await readLabelFolder(choices.maxDrop.labels, files, choices.maxDrop.eval);
      const classMap = choices.maxDrop.classes === undefined ? undefined : parseClassMap(choices.maxDrop.classes);
      const reference = await detectionReference(
        ctx.prepared,
        ctx.runner,
        cachedDetectionSource(ctx.detection(files)),
        folder.lookup,
        { spec: ctx.spec, geometry: ctx.geometry, labelClasses: folder.labelClasses, source: 'the model' },
        { decoder: choices.maxDrop.decoder as never, classMap, runBudget: ctx.budget },
      );
      return { kind: 'task', name: 'AP50', fp32: reference.fp32.ap50, maxDrop, evaluate: async (model) => (await reference.compare(model, { runBudget: ctx.budget })).int8.ap50 };
    }
    if (choices.maxDrop.decoder || choices.maxDrop.classes) bad('--decoder and --classes score a detector: give --labels a folder of YOLO label files.');
    const labels = await readLabelsFile(choices.maxDrop.labels);
    const evaluate = top1Evaluator(ctx.runner, ctx.source(files), (i) => labels.get(basename(files[i])));
    return { kind: 'task', name: 'top-1', fp32: await evaluate(ctx.prepared), maxDrop, evaluate };
  }
  return { kind: 'agreement', cosine: DEFAULT_AUTO_COSINE };
}

/** Keeps each image's feeds once decoded: a search scores the same images for every candidate. */
function cachedDetectionSource(source: DetectionSource): DetectionSource {
  const cache = new Map<number, Awaited<ReturnType<DetectionSource['image']>>>();
  return {
    count: source.count,
    label: source.label,
    async image(i) {
      let hit = cache.get(i);
      if (!hit) {
        hit = await source.image(i);
        cache.set(i, hit);
      }
      return hit;
    },
  };
}

/** The report's `auto` section: the plan to replay, what was chosen and why, and the trajectory. */
export function autoReport(a: CliAuto): Record<string, unknown> {
  const r = a.result;
  return {
    plan: r.plan,
    target: r.target,
    met: r.met,
    heldOutImages: a.files,
    heldOut: a.heldOut,
    notes: r.notes,
    baseline: r.baseline,
    final: r.final,
    methods: r.methods,
    perTensor: r.perTensor,
    steps: r.steps,
    sensitivity: r.sensitivity && {
      images: r.sensitivity.images,
      baseline: r.sensitivity.baseline,
      rows: r.sensitivity.rows.map((row) => ({ unit: row.unit.id, opType: row.unit.opType, nodes: row.unit.nodes, weightBytes: row.unit.weightBytes, kept: row.kept })),
    },
  };
}
