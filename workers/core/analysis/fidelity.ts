/**
 * The fidelity gate: after a quantize, FP32 and INT8 run on a few held-out images and each output's
 * agreement is measured, as a whole and per slice of its feature axis, against a cosine threshold.
 *
 * Why slices: one output that concatenates boxes in pixels (0..640) and scores (0..1) keeps a whole
 * cosine of 0.999 while every score is zeroed, because the boxes hold nearly all of its energy. Each
 * slice of the feature axis is judged on its own, so the zeroed score column fails by itself.
 *
 * The feature axis, chosen from the output's shape on the first image:
 *   - 'column': the last axis, when it has 2..128 entries and the rest of the tensor holds at least
 *     16 rows and no fewer rows than columns ([1, 25200, 85], [1, 756, 6], [N, 4]);
 *   - 'channel': axis 1 of a tensor of rank >= 3, when it has 2..128 entries and the axes after it
 *     hold at least 16 values and no fewer than its entries ([1, 84, 8400], [1, 21, 257, 257]);
 *   - both fit: the smaller axis (a tie goes to 'column'); neither: no slices (class scores [1, 1000]).
 * Slices are grouped by scale: sorted by their FP32 peak |value|, a new group starts wherever one
 * peak is more than 30x the next (boxes in pixels, then scores in 0..1). A slice peaking below 1/100
 * of its group's largest (a class absent from every image, next to the classes present) is too small
 * for a cosine over a few images to mean anything: it is counted as negligible and never fails.
 * Grouping keeps a few columns in pixels from making every score column look negligible; the share
 * is small so that a real but quiet column (an objectness peaking at 0.18 beside raw box offsets of
 * 3) is still judged: a broken column hidden is worse than a warning too many.
 *
 * Memory is the running sums (float64, per output and per slice) plus one run's tensors.
 */
import type { CalibrationSource } from '../calibration/calibrate';
import { isZeropointError, throwIfAborted, ZeropointError } from '../errors';
import { quote } from '../intake/names';
import { adaptFeeds } from '../metrics/compare';
import { addPair, createErrorStats, summarize, type ErrorStats } from '../metrics/error';
import { encodeModel } from '../onnx/encode';
import { runnerTensorToFloat32 } from '../onnx/tensor';
import type { Model } from '../onnx/types';
import { runWithin, type Feeds, type Runner, type RunBudget, type RunnerSession, type RunnerTensor } from '../runner';

export const DEFAULT_FIDELITY_THRESHOLD = 0.98;
/** Held-out images the gate runs by default. */
export const DEFAULT_FIDELITY_IMAGES = 4;
/** The most entries a feature axis may have to be sliced. */
export const MAX_SLICES = 128;
const MIN_ROWS = 16;
/** A gap between sorted slice peaks larger than this starts a new scale group. */
const GROUP_GAP = 30;
/** A slice peaking below this share of its group's largest peak is negligible. */
const NEGLIGIBLE_SHARE = 1 / 100;

export type SliceKind = 'column' | 'channel';

export interface SliceLayout {
  readonly kind: SliceKind;
  /** The axis of the output's dims that is sliced. */
  readonly axis: number;
  readonly count: number;
}

export interface SliceFidelity {
  readonly index: number;
  readonly cosine: number;
  readonly sqnrDb: number;
  /** Largest |FP32 value| of the slice over every image. */
  readonly peak: number;
  /** False for a negligible slice (see the file comment): reported, never failing. */
  readonly judged: boolean;
}

export interface OutputSlices extends SliceLayout {
  /** The judged slice with the lowest cosine (null when none is judged). */
  readonly worst: SliceFidelity | null;
  /** Judged slices below the threshold. */
  readonly below: number;
  readonly negligible: number;
  readonly slices: readonly SliceFidelity[];
}

export interface OutputFidelity {
  readonly name: string;
  /** Dims on the first image. */
  readonly dims: readonly number[];
  readonly cosine: number;
  readonly sqnrDb: number;
  readonly meanSampleCosine: number;
  readonly maxAbs: number;
  /** Element pairs skipped because one side was NaN or infinite. */
  readonly nonFinite: number;
  readonly slices: OutputSlices | null;
  /** Why the output was not compared (not a float tensor), when it was not. */
  readonly skipped: string | null;
}

export interface FidelityFailure {
  readonly output: string;
  /** 'output' (the whole tensor), 'column k' or 'channel k' (k from 0). */
  readonly what: string;
  readonly slice: { readonly kind: SliceKind; readonly index: number } | null;
  readonly cosine: number;
  /** For a slice: how many judged slices are below the threshold, of how many. */
  readonly below?: number;
  readonly of?: number;
}

export interface FidelityVerdict {
  readonly pass: boolean;
  readonly failing: readonly FidelityFailure[];
}

export interface FidelityResult {
  readonly images: number;
  readonly threshold: number;
  /** The threshold slices are judged by (the output threshold unless asked otherwise). */
  readonly sliceThreshold: number;
  readonly outputs: readonly OutputFidelity[];
  readonly verdict: FidelityVerdict;
}

export interface FidelityOptions {
  /** Cosine below which an output or a slice fails (default 0.98). */
  readonly threshold?: number;
  /** Cosine below which a slice fails (default: `threshold`). */
  readonly sliceThreshold?: number;
  /** The most images of the source to run (default 4); the first ones are taken. */
  readonly images?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { done: number; total: number }) => void;
  readonly runBudget?: RunBudget;
}

/** Which of a calibration set's images the gate runs: those after the `used` ones, else the last ones. */
export interface HeldOutImages {
  readonly indices: readonly number[];
  /** True when none of them was used for calibration. */
  readonly heldOut: boolean;
}

export function heldOutImages(options: { total: number; used: number; max?: number }): HeldOutImages {
  const max = Math.max(1, options.max ?? DEFAULT_FIDELITY_IMAGES);
  const { total, used } = options;
  const range = (start: number, end: number) => Array.from({ length: Math.max(0, end - start) }, (_, k) => start + k);
  if (total > used) return { indices: range(used, Math.min(total, used + max)), heldOut: true };
  return { indices: range(Math.max(0, total - max), total), heldOut: false };
}

/** The feature axis of an output of these dims, or null (see the file comment for the rule). */
export function sliceLayout(dims: readonly number[]): SliceLayout | null {
  const rank = dims.length;
  if (rank < 2) return null;
  const total = dims.reduce((a, b) => a * b, 1);
  const fits = (count: number, rest: number) => count >= 2 && count <= MAX_SLICES && rest >= MIN_ROWS && rest >= count;
  const last = dims[rank - 1];
  const column: SliceLayout | null = fits(last, total / Math.max(last, 1)) ? { kind: 'column', axis: rank - 1, count: last } : null;
  const inner = dims.slice(2).reduce((a, b) => a * b, 1);
  const channel: SliceLayout | null = rank >= 3 && fits(dims[1], inner) ? { kind: 'channel', axis: 1, count: dims[1] } : null;
  if (column && channel) return channel.count < column.count ? channel : column;
  return column ?? channel;
}

interface SliceStats {
  readonly layout: SliceLayout;
  readonly stats: ErrorStats[];
  readonly peaks: Float64Array;
}

/** Adds one sample to per-slice sums: element i belongs to slice floor(i / inner) mod count. */
function addSlices(s: SliceStats, dims: readonly number[], ref: Float32Array, test: Float32Array): void {
  const inner = dims.slice(s.layout.axis + 1).reduce((a, b) => a * b, 1);
  const { count } = s.layout;
  const touched = new Uint8Array(count);
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i];
    const t = test[i];
    const d = r - t;
    const k = Math.floor(i / inner) % count;
    const st = s.stats[k];
    if (!Number.isFinite(d)) {
      st.nonFinite++;
      continue;
    }
    const a = Math.abs(d);
    st.count++;
    st.sumRefSq += r * r;
    st.sumTestSq += t * t;
    st.sumDot += r * t;
    st.sumErrSq += d * d;
    st.sumAbsErr += a;
    if (a > st.maxAbs) st.maxAbs = a;
    const p = Math.abs(r);
    if (p > s.peaks[k]) s.peaks[k] = p;
    touched[k] = 1;
  }
  for (let k = 0; k < count; k++) if (touched[k]) s.stats[k].samples++;
}

/** Per slice: judged (true) or negligible, by scale group (see the file comment). */
export function judgedSlices(peaks: readonly number[]): boolean[] {
  const order = peaks.map((_, k) => k).sort((a, b) => peaks[b] - peaks[a]);
  const judged = new Array<boolean>(peaks.length).fill(false);
  let groupMax = 0;
  let previous = 0;
  for (const k of order) {
    const p = peaks[k];
    if (!(p > 0)) break;
    if (groupMax === 0 || previous > GROUP_GAP * p) groupMax = p;
    judged[k] = p >= NEGLIGIBLE_SHARE * groupMax;
    previous = p;
  }
  return judged;
}

function summarizeSlices(s: SliceStats, threshold: number): OutputSlices {
  const peaks = Array.from(s.peaks);
  const judgedByScale = judgedSlices(peaks);
  const slices: SliceFidelity[] = s.stats.map((st, index) => {
    const sum = summarize(st);
    return { index, cosine: sum.cosine, sqnrDb: sum.sqnrDb, peak: peaks[index], judged: judgedByScale[index] };
  });
  const judged = slices.filter((x) => x.judged);
  // NaN (no finite pair) counts as the worst: it is below every threshold.
  const worst = judged.reduce<SliceFidelity | null>((w, x) => (w === null || !(x.cosine >= w.cosine) ? x : w), null);
  return { ...s.layout, worst, below: judged.filter((x) => !(x.cosine >= threshold)).length, negligible: slices.length - judged.length, slices };
}

interface OutputStats {
  readonly name: string;
  dims: number[] | null;
  readonly whole: ErrorStats;
  slices: SliceStats | null;
  skipped: string | null;
}

function addOutput(o: OutputStats, a: RunnerTensor | undefined, b: RunnerTensor | undefined): void {
  if (!a || !b || o.skipped) return;
  if (a.type === 'int64' || a.type === 'bool') {
    o.skipped = `an ${a.type} tensor (indices, counts or flags), not compared`;
    return;
  }
  const ref = runnerTensorToFloat32(a);
  const test = runnerTensorToFloat32(b);
  addPair(o.whole, ref, test);
  if (o.dims === null) {
    o.dims = [...a.dims];
    const layout = sliceLayout(a.dims);
    o.slices = layout ? { layout, stats: Array.from({ length: layout.count }, () => createErrorStats()), peaks: new Float64Array(layout.count) } : null;
  }
  // A dynamic output whose feature axis changed size between images cannot be sliced consistently.
  if (o.slices && a.dims[o.slices.layout.axis] !== o.slices.layout.count) o.slices = null;
  if (o.slices) addSlices(o.slices, a.dims, ref, test);
}

/** The failures of one output: its whole cosine, then its worst judged slice. */
function failuresOf(o: OutputFidelity, threshold: number, sliceThreshold: number): FidelityFailure[] {
  if (o.skipped) return [];
  const out: FidelityFailure[] = [];
  if (!(o.cosine >= threshold)) out.push({ output: o.name, what: 'output', slice: null, cosine: o.cosine });
  const w = o.slices?.worst;
  if (o.slices && w && !(w.cosine >= sliceThreshold)) {
    out.push({ output: o.name, what: `${o.slices.kind} ${w.index}`, slice: { kind: o.slices.kind, index: w.index }, cosine: w.cosine, below: o.slices.below, of: o.slices.count });
  }
  return out;
}

/** FP32 outputs on a few held-out images, kept so that many candidate models can be judged against them. */
export interface ReferenceSet {
  /** The FP32 model's output names, in order. */
  readonly names: readonly string[];
  readonly labels: readonly string[];
  readonly feeds: readonly Feeds[];
  readonly outputs: ReadonlyArray<Record<string, RunnerTensor>>;
}

export interface ReferenceOptions {
  /** The most images of the source to run (default 4); the first ones are taken. */
  readonly images?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { done: number; total: number }) => void;
  readonly runBudget?: RunBudget;
}

/** Creates a session and runs `body`, releasing the session unless a run timed out (it may still be going on). */
async function withSession<T>(runner: Runner, model: Model, body: (s: RunnerSession) => Promise<T>): Promise<T> {
  const session = await runner.createSession(encodeModel(model), { optimization: 'all' });
  let timedOut = false;
  try {
    return await body(session);
  } catch (e) {
    timedOut = isZeropointError(e) && e.code === 'timeout';
    throw e;
  } finally {
    if (!timedOut) await session.release();
  }
}

/** Runs the FP32 model on the source's first `images` items and keeps the feeds and outputs. */
export async function buildReference(fp32: Model, runner: Runner, source: CalibrationSource, options: ReferenceOptions = {}): Promise<ReferenceSet> {
  const total = Math.min(source.count, options.images ?? DEFAULT_FIDELITY_IMAGES);
  if (total <= 0) throw new ZeropointError('no-images', 'The fidelity check has no images to run; add calibration images.');
  const names = fp32.graph!.output.map((o) => o.name ?? '');
  const feeds: Feeds[] = [];
  const outputs: Record<string, RunnerTensor>[] = [];
  const labels: string[] = [];
  await withSession(runner, fp32, async (session) => {
    for (let i = 0; i < total; i++) {
      throwIfAborted(options.signal);
      const f = adaptFeeds(fp32, await source.feeds(i));
      const label = source.label?.(i) ?? `#${i + 1}`;
      outputs.push(await runWithin(session.run(f, { signal: options.signal }), options.runBudget, `Running the FP32 model on image ${quote(label)}`));
      feeds.push(f);
      labels.push(label);
      options.onProgress?.({ done: i + 1, total });
    }
  });
  return { names, labels, feeds, outputs };
}

export interface JudgeOptions {
  /** Cosine below which an output or a slice fails (default 0.98). */
  readonly threshold?: number;
  /** Cosine below which a slice fails (default: `threshold`). */
  readonly sliceThreshold?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { done: number; total: number }) => void;
  readonly runBudget?: RunBudget;
}

/** Runs a candidate (INT8, FP16, mixed) model on the reference images and judges each output against FP32. */
export async function judgeAgainst(reference: ReferenceSet, candidate: Model, runner: Runner, options: JudgeOptions = {}): Promise<FidelityResult> {
  const threshold = options.threshold ?? DEFAULT_FIDELITY_THRESHOLD;
  const sliceThreshold = options.sliceThreshold ?? threshold;
  for (const t of [threshold, sliceThreshold]) if (!(t > -1 && t <= 1)) throw new ZeropointError('bad-option', `The fidelity threshold ${t} must be a cosine in (-1, 1].`);
  const candidateNames = new Set(candidate.graph!.output.map((o) => o.name ?? ''));
  for (const name of reference.names) {
    if (!candidateNames.has(name)) throw new ZeropointError('bad-graph', `The INT8 model has no output ${quote(name)}, which the FP32 model has.`, { subject: name });
  }
  const stats: OutputStats[] = reference.names.map((name) => ({ name, dims: null, whole: createErrorStats(), slices: null, skipped: null }));
  const total = reference.feeds.length;
  await withSession(runner, candidate, async (session) => {
    for (let i = 0; i < total; i++) {
      throwIfAborted(options.signal);
      const b = await runWithin(session.run(adaptFeeds(candidate, reference.feeds[i]), { signal: options.signal }), options.runBudget, `Running the INT8 model on image ${quote(reference.labels[i])}`);
      for (const o of stats) addOutput(o, reference.outputs[i][o.name], b[o.name]);
      options.onProgress?.({ done: i + 1, total });
    }
  });
  const outputs: OutputFidelity[] = stats.map((o) => {
    const s = summarize(o.whole);
    return {
      name: o.name,
      dims: o.dims ?? [],
      cosine: s.cosine,
      sqnrDb: s.sqnrDb,
      meanSampleCosine: s.meanSampleCosine,
      maxAbs: s.maxAbs,
      nonFinite: s.nonFinite,
      slices: o.slices ? summarizeSlices(o.slices, sliceThreshold) : null,
      skipped: o.skipped,
    };
  });
  const failing = outputs.flatMap((o) => failuresOf(o, threshold, sliceThreshold));
  return { images: total, threshold, sliceThreshold, outputs, verdict: { pass: failing.length === 0, failing } };
}

/**
 * One number for "how close to FP32": the lowest cosine over the compared outputs and their worst
 * judged slices (what the gate judges). NaN counts as -1.
 */
export function agreementScore(result: FidelityResult): number {
  let score = 1;
  for (const o of result.outputs) {
    if (o.skipped) continue;
    score = Math.min(score, Number.isNaN(o.cosine) ? -1 : o.cosine);
    const w = o.slices?.worst;
    if (w) score = Math.min(score, Number.isNaN(w.cosine) ? -1 : w.cosine);
  }
  return score;
}

/** The lowest whole-output cosine (slices not counted; skipped outputs aside; NaN counts as -1). */
export function minOutputCosine(result: FidelityResult): number {
  const values = result.outputs.filter((o) => !o.skipped).map((o) => (Number.isNaN(o.cosine) ? -1 : o.cosine));
  return values.length ? Math.min(...values) : 1;
}

/** The lowest output SQNR in dB (skipped outputs aside). */
export function minOutputSqnr(result: FidelityResult): number {
  const values = result.outputs.filter((o) => !o.skipped).map((o) => (Number.isNaN(o.sqnrDb) ? -Infinity : o.sqnrDb));
  return values.length ? Math.min(...values) : Infinity;
}

/**
 * Runs both models on the source's first `images` items and judges each output. Outputs of the FP32
 * model the INT8 model lacks fail with 'bad-graph'; non-float outputs are reported as skipped.
 */
export async function checkFidelity(fp32: Model, int8: Model, runner: Runner, source: CalibrationSource, options: FidelityOptions = {}): Promise<FidelityResult> {
  const threshold = options.threshold ?? DEFAULT_FIDELITY_THRESHOLD;
  const sliceThreshold = options.sliceThreshold ?? threshold;
  for (const t of [threshold, sliceThreshold]) if (!(t > -1 && t <= 1)) throw new ZeropointError('bad-option', `The fidelity threshold ${t} must be a cosine in (-1, 1].`);
  const names = fp32.graph!.output.map((o) => o.name ?? '');
  const int8Names = new Set(int8.graph!.output.map((o) => o.name ?? ''));
  for (const name of names) {
    if (!int8Names.has(name)) throw new ZeropointError('bad-graph', `The INT8 model has no output ${quote(name)}, which the FP32 model has.`, { subject: name });
  }
  // Progress counts images judged (both models run on each).
  const reference = await buildReference(fp32, runner, source, { images: options.images, signal: options.signal, runBudget: options.runBudget });
  return judgeAgainst(reference, int8, runner, { threshold, sliceThreshold, signal: options.signal, runBudget: options.runBudget, onProgress: options.onProgress });
}
