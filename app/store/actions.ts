/**
 * The workbench's async orchestration: every long or multi-step thing the UI can ask for, as plain
 * functions over the store and the worker doors. Components call these and never talk to workers.
 *
 * Rules kept here:
 * - Later steps are invalidated when an earlier one changes (a new model clears everything after it;
 *   new images or preprocessing clear calibration and what follows; new range options or keep lists
 *   clear the INT8 model and its comparison). Switching the range method never recalibrates.
 * - Every failure lands in the step's `error` as a Problem (code, message that says what to do,
 *   subject); nothing throws out of an action.
 * - Results of superseded requests are dropped (sequence numbers), so fast clicks cannot show stale data.
 */
import * as Comlink from 'comlink';
import type { ModelVariant, NamedBlob, Problem, ProviderId, RangeQuery } from '../../workers/contracts';
import { ZeropointError } from '../../workers/core/errors';
import { resolveSpec, type PartialSpec, type PresetName } from '../../workers/core/preprocess/spec';
import { problemOf } from '../../workers/transfer';
import { saveFile } from '../lib/download';
import { isImageFile, type PickedFile } from '../lib/files';
import { baseName, hasClassHint, labelFromPath, parseLabelsCsv, parseSynsets, type Synsets } from '../lib/labels';
import {
  compareOnProvider,
  maxPoolSize,
  measureLatency,
  modelWorker,
  previewImage,
  providerAvailability,
  runCalibrationPool,
  type PoolProgress,
} from '../workers';
import { initialCalibration } from './calibration';
import { initialComparison, type LatencyRow, type ModelRole } from './comparison';
import { emptyImageSet, initialPreview } from './data';
import { useStore } from './index';
import { initialQuantize, initialWeight, type WeightState } from './quantize';
import { initialRanges, type RangeSortKey, type RangesView } from './ranges';
import type { ImageItem, ImageSetId } from './types';

const get = () => useStore.getState();
const BASE = import.meta.env.BASE_URL;

function cancelledProblem(what: string): Problem {
  return { code: 'cancelled', message: `${what} was cancelled; nothing was kept. Start it again when you are ready.` };
}

/** Calls `fn` at most every `ms` (the last call of a burst is delivered when `flush` is true). */
function throttled<T>(fn: (value: T) => void, ms: number): (value: T, flush?: boolean) => void {
  let last = -Infinity;
  return (value, flush = false) => {
    const now = performance.now();
    if (!flush && now - last < ms) return;
    last = now;
    fn(value);
  };
}

// -------------------------------------------------------------------------------------------------
// Invalidation

function resetComparisonResults(keepFp32Latency: boolean): void {
  const { patchLatency, patchCompare, comparison } = get();
  patchLatency({ status: 'idle', progress: null, error: null, rows: keepFp32Latency ? comparison.latency.rows.filter((r) => r.role !== 'int8') : [] });
  patchCompare({ ...initialComparison([]).compare, logScale: comparison.compare.logScale });
}

function resetQuantizeOutcome(): void {
  const q = get().quantize;
  if (q.outcome || q.error || q.status !== 'idle') get().patchQuantize({ status: 'idle', outcome: null, error: null });
  resetComparisonResults(true);
}

function resetAfterCalibration(): void {
  const { ranges, patchRanges } = get();
  patchRanges({ ...initialRanges, options: ranges.options, view: ranges.view });
  resetQuantizeOutcome();
}

function resetAfterData(): void {
  dropCalibration();
  const { calibration, patchCalibration } = get();
  patchCalibration(initialCalibration(calibration.poolSize));
  resetAfterCalibration();
}

function resetAfterModel(): void {
  dropComparison();
  resetAfterData();
  const { patchQuantize, patchData, comparison, patchComparison } = get();
  patchQuantize(initialQuantize);
  patchData({ preview: initialPreview, spec: null, specError: null });
  patchComparison({ ...initialComparison(comparison.providers.map((p) => p.config)), providers: comparison.providers, selected: comparison.selected });
}

// -------------------------------------------------------------------------------------------------
// Model

let openSeq = 0;

export async function openModelFiles(files: readonly NamedBlob[], source: 'file' | 'sample' = 'file'): Promise<boolean> {
  const seq = ++openSeq;
  const { patchModel } = get();
  resetAfterModel();
  patchModel({ status: 'working', error: null, info: null, source, fileNames: files.map((f) => baseName(f.name)) });
  try {
    if (files.length === 0) throw new ZeropointError('not-onnx', 'No file was given. Drop an ONNX model (.onnx), with its external data files if it has any.');
    const info = await modelWorker.open(files);
    if (seq !== openSeq) return false;
    patchModel({ status: 'ready', info });
    resolveCurrentSpec();
    void refreshPreview();
    return true;
  } catch (e) {
    if (seq !== openSeq) return false;
    patchModel({ status: 'error', info: null, error: problemOf(e) });
    return false;
  }
}

export function openPickedModel(files: readonly PickedFile[]): Promise<boolean> {
  return openModelFiles(files.map((f) => ({ name: f.path, blob: f.file })));
}

// -------------------------------------------------------------------------------------------------
// The embedded sample

export interface SampleManifest {
  readonly name: string;
  readonly model: string;
  readonly preset: PresetName;
  readonly calibration: readonly string[];
  readonly evaluation: readonly string[];
  /** A `file,class-index` CSV for the evaluation images. */
  readonly labels?: string;
}

async function fetchBlob(url: string): Promise<Blob> {
  const response = await fetch(url);
  if (!response.ok) throw new ZeropointError('io', `Cannot load the sample file '${url}' (HTTP ${response.status}). Reload the page; if it persists, reinstall the app.`, { subject: url });
  return response.blob();
}

export async function openSample(): Promise<void> {
  const { patchModel } = get();
  try {
    patchModel({ status: 'working', error: null });
    const root = `${BASE}samples/`;
    const response = await fetch(`${root}manifest.json`);
    if (!response.ok) throw new ZeropointError('io', `Cannot load the sample list (HTTP ${response.status}). Reload the page.`);
    const manifest = (await response.json()) as SampleManifest;
    const [model, calibration, evaluation, labelsText] = await Promise.all([
      fetchBlob(root + manifest.model),
      Promise.all(manifest.calibration.map(async (path) => ({ path, blob: await fetchBlob(root + path) }))),
      Promise.all(manifest.evaluation.map(async (path) => ({ path, blob: await fetchBlob(root + path) }))),
      manifest.labels ? fetchBlob(root + manifest.labels).then((b) => b.text()) : Promise.resolve(null),
    ]);
    // The sample replaces both image sets: a problem with earlier dropped files no longer applies.
    get().patchData({ preset: manifest.preset, overrides: {}, error: null });
    if (!(await openModelFiles([{ name: manifest.model, blob: model }], 'sample'))) return;
    const synsets = await loadSynsets().catch(() => null);
    const labels = labelsText && manifest.labels ? parseLabelsCsv(labelsText, manifest.labels) : null;
    const items = (list: { path: string; blob: Blob }[], byCsv: boolean): ImageItem[] =>
      list.map(({ path, blob }) => ({ id: nextImageId++, name: baseName(path), path, blob, label: byCsv ? (labels?.get(baseName(path)) ?? null) : labelFromPath(path, synsets) }));
    get().patchImageSet('calibration', { items: items(calibration, false), labelsFrom: synsets ? 'ImageNet class in the file name' : null, leftOut: [] });
    get().patchImageSet('evaluation', { items: items(evaluation, true), labelsFrom: labels ? manifest.labels! : null, leftOut: [] });
    resolveCurrentSpec();
    await refreshPreview();
  } catch (e) {
    patchModel({ status: 'error', error: problemOf(e) });
  }
}

// -------------------------------------------------------------------------------------------------
// Data: images and labels

let nextImageId = 1;
let synsetsPromise: Promise<Synsets> | null = null;

/** ImageNet's class list (wnid per class index), loaded once when a path carries a wnid. */
export function loadSynsets(): Promise<Synsets> {
  synsetsPromise ??= fetchBlob(`${BASE}data/imagenet_synset_ort.txt`)
    .then((b) => b.text())
    .then(parseSynsets)
    .catch((e: unknown) => {
      synsetsPromise = null;
      throw e;
    });
  return synsetsPromise;
}

/**
 * Adds dropped or picked files to an image set: images are kept, a .csv among them is read as
 * labels, anything else is left out with a note. Labels: the CSV, else class folders / wnid names.
 */
export async function addImages(set: ImageSetId, files: readonly PickedFile[] | Promise<readonly PickedFile[]>): Promise<void> {
  const { patchData, patchImageSet } = get();
  patchData({ reading: true, error: null });
  try {
    const picked = await files;
    const images = picked.filter(isImageFile);
    const csv = picked.filter((f) => /\.csv$/i.test(f.path));
    const leftOut = picked.filter((f) => !isImageFile(f) && !/\.csv$/i.test(f.path)).map((f) => f.path);
    if (images.length === 0 && csv.length === 0) {
      const names = leftOut.slice(0, 3).map((n) => `'${baseName(n)}'`).join(', ');
      throw new ZeropointError(
        'no-images',
        `${names ? `No images among ${names}${leftOut.length > 3 ? ' and others' : ''}` : 'The drop held no files'}. Add JPEG, PNG, WebP or BMP images, or a folder of them.`,
      );
    }
    const current = get().data[set];
    let labelsFrom = current.labelsFrom;
    let csvLabels: Map<string, number> | null = null;
    if (csv.length > 0) {
      csvLabels = parseLabelsCsv(await csv[0].file.text(), baseName(csv[0].path));
      labelsFrom = baseName(csv[0].path);
    }
    const synsets = images.some((f) => hasClassHint(f.path)) ? await loadSynsets().catch(() => null) : null;
    const added: ImageItem[] = images.map((f) => {
      const name = baseName(f.path);
      const label = csvLabels?.get(name) ?? labelFromPath(f.path, synsets);
      return { id: nextImageId++, name, path: f.path, blob: f.file, label };
    });
    if (!csvLabels && added.some((i) => i.label !== null)) labelsFrom ??= 'class folders / file names';
    const merged = [...current.items, ...added].map((item) => (csvLabels && csvLabels.has(item.name) ? { ...item, label: csvLabels.get(item.name)! } : item));
    patchImageSet(set, { items: merged, labelsFrom, leftOut: [...current.leftOut, ...leftOut] });
    if (set === 'calibration') resetAfterData();
    else resetComparisonResults(true);
    if (!get().data.preview.result) void refreshPreview();
  } catch (e) {
    patchData({ error: problemOf(e) });
  } finally {
    patchData({ reading: false });
  }
}

export function clearImages(set: ImageSetId): void {
  get().patchImageSet(set, emptyImageSet);
  const preview = get().data.preview;
  if (preview.imageId !== null && !allImages().some((i) => i.id === preview.imageId)) get().patchPreview(initialPreview);
  if (set === 'calibration') resetAfterData();
  else resetComparisonResults(true);
}

export function dismissDataError(): void {
  get().patchData({ error: null });
}

function allImages(): ImageItem[] {
  const { calibration, evaluation } = get().data;
  return [...calibration.items, ...evaluation.items];
}

// -------------------------------------------------------------------------------------------------
// Data: preprocessing spec and preview

/** Resolves preset + overrides for the model's input; the result or the problem goes to the store. */
function resolveCurrentSpec(): void {
  const { data, model, patchData } = get();
  const geometry = model.info?.geometry;
  if (!geometry) {
    patchData({ spec: null, specError: null });
    return;
  }
  try {
    const spec = resolveSpec({ preset: data.preset, ...data.overrides }, { channels: geometry.channels, layout: geometry.layout });
    patchData({ spec, specError: null });
  } catch (e) {
    patchData({ spec: null, specError: problemOf(e) });
  }
}

export function choosePreset(preset: PresetName): void {
  get().patchData({ preset, overrides: {} });
  specChanged();
}

export function setSpecField<K extends keyof Omit<PartialSpec, 'preset'>>(field: K, value: PartialSpec[K]): void {
  const { overrides } = get().data;
  get().patchData({ overrides: { ...overrides, [field]: value } });
  specChanged();
}

export function resetSpec(): void {
  get().patchData({ overrides: {} });
  specChanged();
}

function specChanged(): void {
  const before = get().data.spec;
  resolveCurrentSpec();
  if (JSON.stringify(before) !== JSON.stringify(get().data.spec)) resetAfterData();
  void refreshPreview();
}

let previewSeq = 0;

/** Preprocesses one image (the chosen one, else the first) in a worker and shows it as the model sees it. */
export async function refreshPreview(imageId?: number): Promise<void> {
  const { data, model, patchPreview } = get();
  const images = allImages();
  const id = imageId ?? data.preview.imageId ?? images[0]?.id;
  const image = images.find((i) => i.id === id) ?? images[0];
  const geometry = model.info?.geometry;
  if (!image || !geometry || !data.spec) {
    patchPreview({ ...initialPreview, imageId: image?.id ?? null });
    return;
  }
  const seq = ++previewSeq;
  patchPreview({ status: 'working', imageId: image.id, error: null });
  try {
    const result = await previewImage({ name: image.name, blob: image.blob }, data.spec, geometry);
    if (seq !== previewSeq) return;
    patchPreview({ status: 'ready', result });
  } catch (e) {
    if (seq !== previewSeq) return;
    patchPreview({ status: 'error', result: null, error: problemOf(e) });
  }
}

// -------------------------------------------------------------------------------------------------
// Calibration

let calibrationController: AbortController | null = null;

export function setPoolSize(n: number): void {
  const size = Math.max(1, Math.min(maxPoolSize(), Math.round(n) || 1));
  get().patchCalibration({ poolSize: size });
}

export async function startCalibration(): Promise<void> {
  const { model, data, calibration, patchCalibration } = get();
  const info = model.info;
  const problem = !info
    ? 'Open a model first.'
    : !info.prepared
      ? (info.cannotQuantize?.message ?? 'This model cannot be quantized.')
      : !info.geometry
        ? (info.notImage?.message ?? 'The model has no image input.')
        : !data.spec
          ? (data.specError?.message ?? 'Fix the preprocessing settings first.')
          : data.calibration.items.length === 0
            ? 'Add calibration images in the Data step first.'
            : null;
  if (problem || !info?.geometry || !data.spec) {
    patchCalibration({ status: 'error', error: { code: 'bad-option', message: problem ?? 'Not ready to calibrate.' } });
    return;
  }
  dropCalibration();
  const controller = new AbortController();
  calibrationController = controller;
  resetAfterCalibration();
  patchCalibration({ status: 'working', progress: null, result: null, error: null });
  const spec = data.spec;
  const geometry = info.geometry;
  try {
    const result = await runCalibrationPool({
      modelName: info.name,
      images: data.calibration.items.map((i) => ({ name: i.path, blob: i.blob })),
      spec,
      geometry,
      workers: calibration.poolSize,
      collector: { histograms: true },
      // The options come after calibration here, so the means bias correction needs are always
      // collected: one ReduceMean per Conv/Gemm input, small next to the histograms.
      channelMeans: true,
      modelBytes: () => modelWorker.modelBytes('prepared'),
      onProgress: (progress: PoolProgress) => {
        if (calibrationController === controller) patchCalibration({ progress });
      },
      signal: controller.signal,
    });
    if (calibrationController !== controller) return;
    const buffers = Object.values(result.stats.tensors).flatMap((t) => (t.histogram ? [t.histogram.counts.buffer as ArrayBuffer] : []));
    const overview = await modelWorker.setCalibration(
      Comlink.transfer(
        {
          stats: result.stats,
          shapes: result.shapes,
          meta: { images: result.images, skippedImages: result.skippedImages, skippedTensors: result.skippedTensors, spec, geometry, workers: result.workers, elapsedMs: result.elapsedMs },
        },
        buffers,
      ),
    );
    if (calibrationController !== controller) return;
    patchCalibration({
      status: 'ready',
      result: { images: result.images, skippedImages: result.skippedImages, skippedTensors: result.skippedTensors, tensors: overview.tensors, workers: result.workers, elapsedMs: result.elapsedMs },
    });
    void refreshRangeTable();
  } catch (e) {
    if (calibrationController !== controller) return; // superseded (new model, new data): say nothing
    const p = problemOf(e);
    if (p.code === 'cancelled' || controller.signal.aborted) patchCalibration({ status: 'cancelled', error: cancelledProblem('Calibration') });
    else patchCalibration({ status: 'error', error: p });
  } finally {
    if (calibrationController === controller) calibrationController = null;
  }
}

/** The user's Cancel: the run stops and the step says it was cancelled. */
export function cancelCalibration(): void {
  calibrationController?.abort();
}

/** A run made pointless by a change upstream: stopped silently. */
function dropCalibration(): void {
  const controller = calibrationController;
  calibrationController = null;
  controller?.abort();
}

// -------------------------------------------------------------------------------------------------
// Ranges

/** The query the ranges table, tensor detail and quantize use: method options + keep lists. */
export function currentQuery(): RangeQuery {
  const { ranges, quantize } = get();
  return {
    ...ranges.options,
    keepNodes: [...quantize.keepNodes],
    keepOpTypes: [...quantize.keepOpTypes],
    keepFirstAndLast: quantize.keepFirstAndLast,
    biasCorrection: quantize.biasCorrection,
  };
}

let rangeSeq = 0;

export async function refreshRangeTable(): Promise<void> {
  const { calibration, patchRanges } = get();
  if (calibration.status !== 'ready') return;
  const seq = ++rangeSeq;
  patchRanges({ status: 'working', error: null });
  try {
    const table = await modelWorker.rangeTable(currentQuery());
    if (seq !== rangeSeq) return;
    patchRanges({ status: 'ready', table });
    const selected = get().ranges.selected;
    if (selected && table.rows.some((r) => r.tensor === selected)) void selectTensor(selected);
  } catch (e) {
    if (seq !== rangeSeq) return;
    patchRanges({ status: 'error', error: problemOf(e) });
  }
}

export function setMethodOptions(patch: Partial<typeof initialRanges.options>): void {
  const { ranges, patchRanges } = get();
  patchRanges({ options: { ...ranges.options, ...patch } });
  resetQuantizeOutcome();
  void refreshRangeTable();
  // The weight panels follow the options that change weight parameters (not the range method).
  if (['weightType', 'perChannel', 'activationType', 'activationSymmetric'].some((k) => k in patch)) {
    const inRanges = get().ranges.weight.node;
    if (inRanges) void selectRangeWeight(inRanges);
    const inQuantize = get().quantize.weight.node;
    if (inQuantize) void showWeight(inQuantize);
  }
}

/** Table and chart preferences of the ranges step (no worker call). */
export function setRangesView(patch: Partial<RangesView>): void {
  const { ranges, patchRanges } = get();
  patchRanges({ view: { ...ranges.view, ...patch } });
}

/** Sorts the ranges table by a column; the same column again flips the direction. */
export function sortRanges(key: RangeSortKey): void {
  const { sort } = get().ranges.view;
  // Worst first is what one looks for: clipped and scale descending, SQNR ascending.
  const firstDir = key === 'clipped' || key === 'scale' || key === 'observed' ? 'desc' : 'asc';
  setRangesView({ sort: { key, dir: sort.key === key ? (sort.dir === 'asc' ? 'desc' : 'asc') : firstDir } });
}

let detailSeq = 0;

export async function selectTensor(tensor: string | null): Promise<void> {
  const { patchRanges } = get();
  const seq = ++detailSeq;
  if (tensor === null) {
    patchRanges({ selected: null, detail: null, detailStatus: 'idle', detailError: null });
    return;
  }
  patchRanges({ selected: tensor, detailStatus: 'working', detailError: null });
  try {
    const detail = await modelWorker.tensorDetail(tensor, currentQuery());
    if (seq !== detailSeq) return;
    patchRanges({ detail, detailStatus: 'ready' });
  } catch (e) {
    if (seq !== detailSeq) return;
    patchRanges({ detail: null, detailStatus: 'error', detailError: problemOf(e) });
  }
}

// -------------------------------------------------------------------------------------------------
// Quantize

function keepChanged(): void {
  resetQuantizeOutcome();
  void refreshRangeTable();
}

export function toggleKeepNode(name: string): void {
  const { keepNodes } = get().quantize;
  get().patchQuantize({ keepNodes: keepNodes.includes(name) ? keepNodes.filter((n) => n !== name) : [...keepNodes, name] });
  keepChanged();
}

export function setKeepOpType(opType: string, keep: boolean): void {
  const { keepOpTypes } = get().quantize;
  const next = keep ? [...new Set([...keepOpTypes, opType])] : keepOpTypes.filter((o) => o !== opType);
  get().patchQuantize({ keepOpTypes: next });
  keepChanged();
}

export function setKeepFirstAndLast(keep: boolean): void {
  get().patchQuantize({ keepFirstAndLast: keep });
  keepChanged();
}

/** Bias correction changes only the INT8 model (not the ranges): the built one is out of date. */
export function setBiasCorrection(on: boolean): void {
  get().patchQuantize({ biasCorrection: on });
  resetQuantizeOutcome();
}

export function clearKeeps(): void {
  get().patchQuantize({ keepNodes: [], keepOpTypes: [], keepFirstAndLast: false });
  keepChanged();
}

let buildSeq = 0;

export async function buildInt8(): Promise<void> {
  const { calibration, patchQuantize } = get();
  if (calibration.status !== 'ready') {
    patchQuantize({ status: 'error', error: { code: 'no-statistics', message: 'Calibrate the model first: the INT8 model needs the calibration ranges.' } });
    return;
  }
  const seq = ++buildSeq;
  resetComparisonResults(true);
  patchQuantize({ status: 'working', error: null, outcome: null });
  try {
    const outcome = await modelWorker.quantize(currentQuery());
    if (seq !== buildSeq) return;
    patchQuantize({ status: 'ready', outcome });
  } catch (e) {
    if (seq !== buildSeq) return;
    patchQuantize({ status: 'error', error: problemOf(e) });
  }
}

export async function download(what: 'int8' | 'report'): Promise<void> {
  const { patchQuantize } = get();
  patchQuantize({ exporting: what });
  try {
    saveFile(what === 'int8' ? await modelWorker.exportInt8() : await modelWorker.exportReport());
  } catch (e) {
    patchQuantize({ error: problemOf(e) });
  } finally {
    patchQuantize({ exporting: null });
  }
}

const weightSeq = { quantize: 0, ranges: 0 };

/** Loads one node's per-channel weight ranges into the quantize step's panel or the ranges step's. */
async function loadWeight(where: 'quantize' | 'ranges', node: string | null): Promise<void> {
  const patch = (p: Partial<WeightState>) => {
    if (where === 'quantize') get().patchWeight(p);
    else get().patchRanges({ weight: { ...get().ranges.weight, ...p } });
  };
  const seq = ++weightSeq[where];
  if (node === null) {
    patch(initialWeight);
    return;
  }
  patch({ node, status: 'working', error: null });
  try {
    const detail = await modelWorker.weightDetail(node, currentQuery());
    if (seq !== weightSeq[where]) return;
    patch({ status: 'ready', detail });
  } catch (e) {
    if (seq !== weightSeq[where]) return;
    patch({ status: 'error', detail: null, error: problemOf(e) });
  }
}

/** The Quantize step's weight panel. */
export function showWeight(node: string | null): Promise<void> {
  return loadWeight('quantize', node);
}

/** The Ranges step's weight detail (a row of the weights table). */
export function selectRangeWeight(node: string | null): Promise<void> {
  return loadWeight('ranges', node);
}

// -------------------------------------------------------------------------------------------------
// Compare

export async function checkProviders(): Promise<void> {
  const providers = get().comparison.providers;
  await Promise.all(
    providers.map(async (p) => {
      let availability;
      try {
        availability = await providerAvailability(p.config);
      } catch (e) {
        availability = { id: p.config.id, available: false, reason: problemOf(e).message };
      }
      const current = get().comparison;
      get().patchComparison({ providers: current.providers.map((q) => (q.config.id === p.config.id ? { ...q, availability } : q)) });
    }),
  );
}

export function selectProvider(id: ProviderId): void {
  get().patchComparison({ selected: id });
}

export function setLatencyRuns(patch: { warmup?: number; runs?: number }): void {
  const c = get().comparison;
  get().patchComparison({
    warmup: Math.max(0, Math.min(100, Math.round(patch.warmup ?? c.warmup))),
    runs: Math.max(1, Math.min(1000, Math.round(patch.runs ?? c.runs))),
  });
}

let compareController: AbortController | null = null;

/** Stops a latency or comparison run silently (superseded by a new run or a new model). */
function dropComparison(): void {
  const controller = compareController;
  compareController = null;
  controller?.abort();
}

function comparisonImages(): ImageItem[] {
  const { evaluation, calibration } = get().data;
  return evaluation.items.length > 0 ? [...evaluation.items] : [...calibration.items];
}

function selectedProvider() {
  const { comparison } = get();
  const provider = comparison.providers.find((p) => p.config.id === comparison.selected)!;
  return provider;
}

function benchReady(): { problem: string | null } {
  const { model, data } = get();
  const info = model.info;
  if (!info) return { problem: 'Open a model first.' };
  if (!info.geometry) return { problem: info.notImage?.message ?? 'The model has no image input.' };
  if (!data.spec) return { problem: data.specError?.message ?? 'Fix the preprocessing settings in the Data step first.' };
  if (comparisonImages().length === 0) return { problem: 'Add images in the Data step first (evaluation images, or calibration images).' };
  const provider = selectedProvider();
  if (provider.availability && !provider.availability.available) return { problem: `${provider.config.label} is not available: ${provider.availability.reason ?? ''}` };
  return { problem: null };
}

export async function runLatency(): Promise<void> {
  const { patchLatency, model, data, quantize, comparison } = get();
  const { problem } = benchReady();
  if (problem || !model.info?.geometry || !data.spec) {
    patchLatency({ status: 'error', error: { code: 'bad-option', message: problem ?? 'Not ready.' } });
    return;
  }
  dropComparison();
  const controller = new AbortController();
  compareController = controller;
  const info = model.info;
  const geometry = info.geometry!;
  const spec = data.spec;
  const provider = selectedProvider().config;
  const image = comparisonImages()[0];
  const targets: Array<{ role: ModelRole; variant: ModelVariant; name: string }> = info.prepared
    ? [{ role: 'fp32', variant: 'prepared', name: info.name }]
    : [{ role: 'model', variant: 'original', name: info.name }];
  if (quantize.outcome) targets.push({ role: 'int8', variant: 'int8', name: quantize.outcome.int8Name });
  patchLatency({ status: 'working', error: null, progress: null });
  try {
    for (const target of targets) {
      const report = throttled((p: Parameters<Parameters<typeof measureLatency>[2]>[0]) => {
        if (compareController === controller) patchLatency({ progress: { ...p, role: target.role } });
      }, 100);
      const bytes = await modelWorker.modelBytes(target.variant);
      const result = await measureLatency(
        provider,
        { model: bytes, modelName: target.name, image: { name: image.name, blob: image.blob }, spec, geometry, warmup: comparison.warmup, runs: comparison.runs },
        (p) => report(p, p.done === p.total),
        controller.signal,
      );
      if (compareController !== controller) return;
      const row: LatencyRow = { ...result, role: target.role };
      const rows = get().comparison.latency.rows.filter((r) => !(r.provider === row.provider && r.role === row.role));
      patchLatency({ rows: [...rows, row] });
    }
    patchLatency({ status: 'ready', progress: null });
  } catch (e) {
    if (compareController !== controller) return;
    const p = problemOf(e);
    patchLatency({ status: 'error', progress: null, error: p.code === 'cancelled' || controller.signal.aborted ? cancelledProblem('The latency run') : p });
  } finally {
    if (compareController === controller) compareController = null;
  }
}

export async function runComparison(): Promise<void> {
  const { patchCompare, model, data, quantize } = get();
  const { problem } = benchReady();
  const info = model.info;
  const missing = problem ?? (!info?.prepared ? 'Comparison needs an FP32 model and the INT8 model built from it; this model cannot be quantized here.' : !quantize.outcome ? 'Build the INT8 model in the Quantize step first.' : null);
  if (missing || !info?.geometry || !data.spec || !quantize.outcome) {
    patchCompare({ status: 'error', error: { code: 'bad-option', message: missing ?? 'Not ready.' } });
    return;
  }
  dropComparison();
  const controller = new AbortController();
  compareController = controller;
  const images = comparisonImages();
  const provider = selectedProvider().config;
  patchCompare({ status: 'working', error: null, progress: null, result: null, selectedLayer: null });
  try {
    const [fp32, int8] = [await modelWorker.modelBytes('prepared'), await modelWorker.modelBytes('int8')];
    const report = throttled((p: { done: number; total: number }) => {
      if (compareController === controller) patchCompare({ progress: p });
    }, 100);
    const result = await compareOnProvider(
      provider,
      {
        fp32,
        int8,
        fp32Name: info.name,
        int8Name: quantize.outcome.int8Name,
        images: images.map((i) => ({ name: i.path, blob: i.blob })),
        labels: images.some((i) => i.label !== null) ? images.map((i) => i.label) : null,
        spec: data.spec,
        geometry: info.geometry,
      },
      (p) => report(p, p.done === p.total),
      controller.signal,
    );
    if (compareController !== controller) return;
    patchCompare({ status: 'ready', result, progress: null });
  } catch (e) {
    if (compareController !== controller) return;
    const p = problemOf(e);
    patchCompare({ status: 'error', progress: null, error: p.code === 'cancelled' || controller.signal.aborted ? cancelledProblem('The comparison') : p });
  } finally {
    if (compareController === controller) compareController = null;
  }
}

export function cancelComparison(): void {
  compareController?.abort();
}

/** Shows one layer's error and activation histograms (null: back to the worst layer). */
export function selectLayer(fp32Tensor: string | null): void {
  get().patchCompare({ selectedLayer: fp32Tensor });
}

export function setCompareLogScale(logScale: boolean): void {
  get().patchCompare({ logScale });
}
