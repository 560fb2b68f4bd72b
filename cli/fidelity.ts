/**
 * The CLI's fidelity gate (zeropoint quantize): after the INT8 model is built and loads, FP32 and INT8
 * run on up to 4 held-out calibration images (those after the --limit ones; when none is left, the
 * last ones, which calibration saw, and the output says so). Below the threshold the CLI warns on
 * stderr naming the outputs and slices and pointing at `zeropoint compare`; with --strict it is an
 * 'unfaithful' error and nothing is written.
 */
import { basename } from 'node:path';
import type { CalibrationSource } from '../workers/core/calibration/calibrate';
import { ZeropointError } from '../workers/core/errors';
import {
  checkFidelity as runFidelityGate,
  DEFAULT_FIDELITY_IMAGES,
  DEFAULT_FIDELITY_THRESHOLD,
  heldOutImages,
  type FidelityFailure,
  type FidelityResult,
  type OutputFidelity,
} from '../workers/core/analysis/fidelity';
import { quote } from '../workers/core/intake/names';
import type { Model } from '../workers/core/onnx/types';
import type { Runner, RunBudget } from '../workers/core/runner';
import { scanImages } from './images';

/** What `zeropoint compare` needs to show the per-layer errors, for the hint. */
export interface CompareHint {
  readonly fp32: string;
  readonly int8: string;
  readonly images: string;
  readonly preprocess: string;
}

export interface CliFidelityOptions {
  readonly fp32: Model;
  readonly int8: Model;
  readonly runner: Runner;
  /** The calibration folder, and how many of its images (the first ones, in scanImages order) calibration used. */
  readonly folder: string;
  readonly used: number;
  /** Turns image files into the models' feeds (cli/pipeline.ts imageFolderSource with the calibration's spec). */
  readonly source: (files: readonly string[]) => CalibrationSource;
  readonly hint: CompareHint;
  readonly threshold?: number;
  /** Cosine below which a column or channel fails (default: `threshold`). */
  readonly sliceThreshold?: number;
  readonly images?: number;
  /** Failing is an 'unfaithful' error instead of a warning. */
  readonly strict?: boolean;
  /** The converted model's name in the lines ('INT8', 'FP16', 'INT8 weights'); 'INT8' by default. */
  readonly label?: string;
  /** False for the data-free formats: the images are the folder's, no calibration ran on them. */
  readonly calibrated?: boolean;
  readonly runBudget?: RunBudget;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { done: number; total: number }) => void;
}

export interface CliFidelity {
  readonly result: FidelityResult;
  readonly files: readonly string[];
  /** False when every calibration image was used and the last ones were run again. */
  readonly heldOut: boolean;
  readonly used: number;
  readonly hint: CompareHint;
  readonly label: string;
  readonly calibrated: boolean;
}

/** Runs the gate; throws 'unfaithful' when `strict` and the INT8 model fails it. */
export async function checkFidelity(options: CliFidelityOptions): Promise<CliFidelity> {
  const { files: all } = await scanImages(options.folder);
  const chosen = heldOutImages({ total: all.length, used: Math.min(options.used, all.length), max: options.images ?? DEFAULT_FIDELITY_IMAGES });
  const files = chosen.indices.map((i) => all[i]);
  const result = await runFidelityGate(options.fp32, options.int8, options.runner, options.source(files), {
    threshold: options.threshold ?? DEFAULT_FIDELITY_THRESHOLD,
    sliceThreshold: options.sliceThreshold,
    images: files.length,
    runBudget: options.runBudget,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  const check: CliFidelity = { result, files, heldOut: chosen.heldOut, used: options.used, hint: options.hint, label: options.label ?? 'INT8', calibrated: options.calibrated ?? true };
  if (options.strict && !result.verdict.pass) {
    const first = result.verdict.failing[0];
    throw new ZeropointError(
      'unfaithful',
      `The ${check.label} model is not faithful to FP32 (--strict): ${result.verdict.failing.map((f) => failureText(f, result)).join('; ')} on ${imagesText(check)}; nothing was written. See per-layer errors with ${compareCommand(options.hint)}, keep the worst layers in FP32 (--keep-fp32, --keep-first-last), or drop --strict to write it anyway.`,
      { subject: first.output },
    );
  }
  return check;
}

const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : Number.isNaN(x) ? 'NaN' : x > 0 ? 'inf' : '-inf');

function compareCommand(h: CompareHint): string {
  return `'zeropoint compare ${[h.fp32, h.int8].map(shellWord).join(' ')} --images ${shellWord(h.images)} --preprocess ${shellWord(h.preprocess)}'`;
}

/** A path as one shell word inside the single-quoted command: plain when safe, else double-quoted. */
function shellWord(text: string): string {
  const safe = quote(text).slice(1, -1);
  return /^[\w./:@%+=,-]+$/.test(safe) ? safe : `"${safe.replace(/["\\$`]/g, '\\$&')}"`;
}

function imagesText(c: CliFidelity): string {
  const n = c.files.length;
  const images = `${n} image${n === 1 ? '' : 's'}`;
  if (!c.calibrated) return `${images} of the folder`;
  return c.heldOut ? `${images} held out of calibration` : `the last ${images} of the calibration set (calibration used all of them)`;
}

function failureText(f: FidelityFailure, r: FidelityResult): string {
  if (f.slice === null) return `output ${quote(f.output)} cosine ${fixed(f.cosine, 4)} below ${r.threshold}`;
  const kind = f.slice.kind === 'column' ? 'column' : 'channel';
  return `output ${quote(f.output)} ${f.what} (of ${f.of}) cosine ${fixed(f.cosine, 3)} below ${r.sliceThreshold}${(f.below ?? 0) > 1 ? ` (${f.below} ${kind}s below)` : ''}`;
}

function outputText(o: OutputFidelity, r: FidelityResult): string {
  const s = o.slices;
  const whole = o.cosine >= r.threshold ? '' : ` (below ${r.threshold})`;
  const slice = s?.worst ? `, worst ${s.kind} ${s.worst.index} (of ${s.count}) cosine ${fixed(s.worst.cosine, 3)}` : '';
  const below = s && s.below > 0 ? `, ${s.below} ${s.kind}${s.below === 1 ? '' : 's'} below ${r.sliceThreshold}` : '';
  const nonFinite = o.nonFinite > 0 ? `, ${o.nonFinite} NaN/infinite values` : '';
  return `output ${quote(o.name)} cosine ${fixed(o.cosine, 4)}${whole}, SQNR ${fixed(o.sqnrDb, 1)} dB${slice}${below}${nonFinite}`;
}

/** The lines for stderr: what ran, then one line per output; failing ones say so loudly. */
export function formatFidelity(c: CliFidelity): string[] {
  const { result } = c;
  const lines: string[] = [];
  const notHeld = c.heldOut || !c.calibrated ? '' : '; no calibration image was left out, so these were seen by calibration and the check is optimistic (calibrate with --limit N below the folder size to hold some out)';
  lines.push(`fidelity: FP32 vs ${c.label} on ${imagesText(c)}${c.files.length ? ` (${c.files.map((f) => quote(basename(f))).join(', ')})` : ''}, threshold cosine ${result.threshold}${result.sliceThreshold !== result.threshold ? ` (${result.sliceThreshold} per column or channel)` : ''}${notHeld}`);
  const failing = new Set(result.verdict.failing.map((f) => f.output));
  for (const o of result.outputs) {
    if (o.skipped) lines.push(`fidelity: output ${quote(o.name)} not compared: ${o.skipped}`);
    else if (failing.has(o.name)) lines.push(`fidelity: WARNING ${outputText(o, result)}: the ${c.label} model is NOT faithful; see per-layer errors with ${compareCommand(c.hint)}`);
    else lines.push(`fidelity: ${outputText(o, result)}: ok`);
  }
  lines.push(result.verdict.pass ? 'fidelity: passed' : `fidelity: FAILED for ${[...failing].map(quote).join(', ')}; the ${c.label} model was written anyway (--strict makes this an error)`);
  return lines;
}
