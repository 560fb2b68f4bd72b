/**
 * Data step: calibration and evaluation images with their labels, the preprocessing spec, and the
 * preview of one image as the model sees it.
 */
import { ZeropointError } from '../../../workers/core/errors';
import { resolveSpec, type PartialSpec, type PresetName } from '../../../workers/core/preprocess/spec';
import { problemOf } from '../../../workers/transfer';
import { isImageFile, type PickedFile } from '../../lib/files';
import { baseName, hasClassHint, labelFromPath, parseLabelsCsv, parseSynsets, type Synsets } from '../../lib/labels';
import { isZeropointError } from '../../../workers/core/errors';
import { parseYoloLabels, type YoloLabel } from '../../../workers/core/analysis/detection/labels';
import { previewImage } from '../../workers';
import { emptyImageSet, initialPreview } from '../data';
import type { ImageItem, ImageSetId } from '../types';
import { resetAfterData, resetComparisonResults } from './invalidate';
import { BASE, fetchBlob, get } from './shared';

let nextImageId = 1;

/** Ids that stay unique across both image sets and the sample. */
export function newImageId(): number {
  return nextImageId++;
}
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

/** 'a/b/cat.01.jpg' -> 'cat.01' */
const stemOf = (path: string): string => baseName(path).replace(/\.[^.]*$/, '');

/**
 * YOLO label files among the dropped ones, by stem. A .txt that does not parse is an error when an
 * image of its name is there (a label file with a typo), else it is left out with a note (a README).
 */
async function readYoloFiles(txt: readonly PickedFile[], imageStems: ReadonlySet<string>, leftOut: string[]): Promise<Record<string, readonly YoloLabel[]>> {
  const out: Record<string, readonly YoloLabel[]> = {};
  for (const f of txt) {
    try {
      out[stemOf(f.path)] = parseYoloLabels(await f.file.text(), f.path);
    } catch (e) {
      if (!isZeropointError(e) || imageStems.has(stemOf(f.path))) throw e;
      leftOut.push(`${f.path} (not a YOLO label file)`);
    }
  }
  return out;
}

/**
 * Adds dropped or picked files to an image set: images are kept, a .csv among them is read as
 * labels, .txt files as YOLO labels (boxes, for scoring detectors) of the images named alike,
 * anything else is left out with a note. Labels: the CSV, else class folders / wnid names.
 */
export async function addImages(set: ImageSetId, files: readonly PickedFile[] | Promise<readonly PickedFile[]>): Promise<void> {
  const { patchData, patchImageSet } = get();
  patchData({ reading: true, error: null });
  try {
    const picked = await files;
    const images = picked.filter(isImageFile);
    const csv = picked.filter((f) => /\.csv$/i.test(f.path));
    const txt = picked.filter((f) => /\.txt$/i.test(f.path));
    const leftOut = picked.filter((f) => !isImageFile(f) && !/\.(csv|txt)$/i.test(f.path)).map((f) => f.path);
    const current = get().data[set];
    const stems = new Set([...images.map((f) => stemOf(f.path)), ...current.items.map((i) => stemOf(i.name))]);
    const notLabels: string[] = [];
    const dropped = await readYoloFiles(txt, stems, notLabels);
    if (images.length === 0 && csv.length === 0 && Object.keys(dropped).length === 0) {
      const all = [...leftOut, ...txt.map((f) => f.path)];
      const names = all.slice(0, 3).map((n) => `'${baseName(n)}'`).join(', ');
      throw new ZeropointError(
        'no-images',
        `${names ? `No images among ${names}${all.length > 3 ? ' and others' : ''}` : 'The drop held no files'}. Add JPEG, PNG, WebP or BMP images, or a folder of them.`,
      );
    }
    leftOut.push(...notLabels);
    const yolo = { ...current.yolo, ...dropped };
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
      return { id: newImageId(), name, path: f.path, blob: f.file, label };
    });
    if (!csvLabels && added.some((i) => i.label !== null)) labelsFrom ??= 'class folders / file names';
    const yoloFiles = Object.keys(yolo).length;
    if (yoloFiles > 0 && !csvLabels) labelsFrom = `${yoloFiles} YOLO label file${yoloFiles === 1 ? '' : 's'}`;
    const merged = [...current.items, ...added]
      .map((item) => (csvLabels && csvLabels.has(item.name) ? { ...item, label: csvLabels.get(item.name)! } : item))
      .map((item) => (yolo[stemOf(item.name)] ? { ...item, boxes: yolo[stemOf(item.name)] } : item));
    patchImageSet(set, { items: merged, labelsFrom, leftOut: [...current.leftOut, ...leftOut], yolo });
    if (set === 'calibration') resetAfterData();
    else resetComparisonResults(true);
    if (!get().data.preview.result) void refreshPreview();
  } catch (e) {
    patchData({ error: problemOf(e) });
  } finally {
    patchData({ reading: false });
  }
}

/** The answer to "keep the previous model's images?": keep them as they are, or clear both sets. */
export function answerCarryOver(keep: boolean): void {
  get().patchData({ carryOver: null });
  if (keep) return;
  clearImages('calibration');
  clearImages('evaluation');
}

/** Applies the preprocessing the open model suggests (model.info.suggestion). */
export function applySuggestion(): void {
  const s = get().model.info?.suggestion;
  if (!s?.preset) return;
  get().patchData({ preset: s.preset, overrides: { ...s.overrides }, suggestionApplied: true });
  specChanged();
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

// Data: preprocessing spec and preview

/** Resolves preset + overrides for the model's input; the result or the problem goes to the store. */
export function resolveCurrentSpec(): void {
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
