/** Model step: opening a dropped model, and the embedded sample (model, images and labels). */
import type { NamedBlob } from '../../../workers/contracts';
import { ZeropointError } from '../../../workers/core/errors';
import type { PresetName } from '../../../workers/core/preprocess/spec';
import { problemOf } from '../../../workers/transfer';
import type { PickedFile } from '../../lib/files';
import { baseName, labelFromPath, parseLabelsCsv } from '../../lib/labels';
import { modelWorker } from '../../workers';
import type { ImageItem } from '../types';
import { loadSynsets, newImageId, refreshPreview, resolveCurrentSpec } from './data';
import { loadGraph } from './graph';
import { resetInputs } from './inputs';
import { resetAfterModel } from './invalidate';
import { rememberModel } from './session';
import { BASE, fetchBlob, get } from './shared';

let openSeq = 0;

export async function openModelFiles(files: readonly NamedBlob[], source: 'file' | 'sample' = 'file'): Promise<boolean> {
  const seq = ++openSeq;
  const { patchModel } = get();
  const previous = get().model.info?.name ?? null;
  resetAfterModel();
  patchModel({ status: 'working', error: null, info: null, source, fileNames: files.map((f) => baseName(f.name)) });
  try {
    if (files.length === 0) throw new ZeropointError('not-onnx', 'No file was given. Drop an ONNX model (.onnx), with its external data files if it has any.');
    const info = await modelWorker.open(files);
    if (seq !== openSeq) return false;
    patchModel({ status: 'ready', info });
    rememberModel(files, source);
    void loadGraph();
    if (source === 'file') adoptSuggestion(previous);
    resetInputs();
    resolveCurrentSpec();
    void refreshPreview();
    return true;
  } catch (e) {
    if (seq !== openSeq) return false;
    patchModel({ status: 'error', info: null, error: problemOf(e) });
    return false;
  }
}

/**
 * A dropped model brings its own preprocessing: the suggestion read from it replaces the previous
 * model's preset when it knows the family (the Data step shows why, and flags a mismatch when the
 * person picks otherwise); images that came with another model are kept until the person says.
 */
function adoptSuggestion(previous: string | null): void {
  const { data, model, patchData } = get();
  const suggestion = model.info?.suggestion;
  if (suggestion?.preset) patchData({ preset: suggestion.preset, overrides: { ...suggestion.overrides }, suggestionApplied: true });
  else patchData({ suggestionApplied: false });
  const calibration = data.calibration.items.length;
  const evaluation = data.evaluation.items.length;
  patchData({ carryOver: previous && (calibration || evaluation) ? { calibration, evaluation, from: previous } : null });
}

export function openPickedModel(files: readonly PickedFile[]): Promise<boolean> {
  return openModelFiles(files.map((f) => ({ name: f.path, blob: f.file })));
}

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
    get().patchData({ preset: manifest.preset, overrides: {}, error: null, carryOver: null, suggestionApplied: false });
    if (!(await openModelFiles([{ name: manifest.model, blob: model }], 'sample'))) return;
    const synsets = await loadSynsets().catch(() => null);
    const labels = labelsText && manifest.labels ? parseLabelsCsv(labelsText, manifest.labels) : null;
    const items = (list: { path: string; blob: Blob }[], byCsv: boolean): ImageItem[] =>
      list.map(({ path, blob }) => ({ id: newImageId(), name: baseName(path), path, blob, label: byCsv ? (labels?.get(baseName(path)) ?? null) : labelFromPath(path, synsets) }));
    get().patchImageSet('calibration', { items: items(calibration, false), labelsFrom: synsets ? 'ImageNet class in the file name' : null, leftOut: [] });
    get().patchImageSet('evaluation', { items: items(evaluation, true), labelsFrom: labels ? manifest.labels! : null, leftOut: [] });
    resolveCurrentSpec();
    await refreshPreview();
  } catch (e) {
    patchModel({ status: 'error', error: problemOf(e) });
  }
}
