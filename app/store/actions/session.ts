/**
 * The session kept in the browser (IndexedDB, app/session/idb.ts): the model's files, both image sets
 * with their labels, the options of every step, the calibration statistics and the comparison
 * history. A reload puts them back and returns to the step the person was in; a calibration cut off
 * by the reload is offered again. "New session" forgets it all.
 *
 * Records: 'model' (files and source), 'images', 'settings' (small, saved on every change, debounced),
 * 'calibration' (the record the model worker gets, saved once per run: the histograms are large),
 * 'history' (comparison runs). Nothing leaves the machine.
 */
import * as Comlink from 'comlink';
import type { CalibrationRecord, NamedBlob } from '../../../workers/contracts';
import { problemOf } from '../../../workers/transfer';
import { clearAll, getAll, put, remove } from '../../session/idb';
import { modelWorker } from '../../workers';
import type { CalibrationSummary } from '../calibration';
import type { ComparisonRun } from '../comparison';
import type { ImageSetState, InputsState } from '../data';
import type { Store } from '../index';
import type { StepId } from '../status';
import type { ImageItem, ImageSetId } from '../types';
import { initialSession, type UiState } from '../ui';
import { newImageId, refreshPreview, resolveCurrentSpec } from './data';
import { setInputs } from './inputs';
import { openModelFiles } from './model';
import { buildInt8 } from './quantize';
import { refreshRangeTable, selectTensor } from './ranges';
import { get } from './shared';
import { useStore } from '../index';

const VERSION = 1;

interface SavedModel {
  readonly version: number;
  readonly files: readonly NamedBlob[];
  readonly source: 'file' | 'sample';
}

type SavedItem = Pick<ImageItem, 'name' | 'path' | 'blob' | 'label' | 'boxes'>;
type SavedSet = Omit<ImageSetState, 'items'> & { readonly items: readonly SavedItem[] };

interface SavedImages {
  readonly calibration: SavedSet;
  readonly evaluation: SavedSet;
}

interface SavedSettings {
  readonly version: number;
  readonly savedAt: number;
  readonly data: Pick<Store['data'], 'preset' | 'overrides' | 'suggestionApplied'> & { readonly inputs: Pick<InputsState, 'imageInput' | 'values' | 'fourthChannel' | 'width' | 'height'> };
  readonly calibration: Pick<Store['calibration'], 'poolSize' | 'runBudgetSeconds'> & { readonly running: boolean };
  readonly ranges: Pick<Store['ranges'], 'options' | 'view' | 'selected'>;
  readonly quantize: Pick<Store['quantize'], 'format' | 'keepNodes' | 'keepOpTypes' | 'keepFirstAndLast' | 'methodByTensor' | 'biasCorrection'> & { readonly built: boolean };
  readonly comparison: Pick<Store['comparison'], 'selected' | 'warmup' | 'runs' | 'detection' | 'imageCap'>;
  readonly ui: Pick<UiState, 'currentStep' | 'folded' | 'theme'>;
}

interface SavedCalibration {
  readonly version: number;
  readonly record: CalibrationRecord;
  readonly result: CalibrationSummary;
}

/** No saving while a session is being put back (its intermediate states are not worth keeping), or after "New session". */
let suspended = false;
let started = false;

function settingsOf(s: Store): SavedSettings {
  const { imageInput, values, fourthChannel, width, height } = s.data.inputs;
  return {
    version: VERSION,
    savedAt: Date.now(),
    data: { preset: s.data.preset, overrides: s.data.overrides, suggestionApplied: s.data.suggestionApplied, inputs: { imageInput, values, fourthChannel, width, height } },
    calibration: { poolSize: s.calibration.poolSize, runBudgetSeconds: s.calibration.runBudgetSeconds, running: s.calibration.status === 'working' },
    ranges: { options: s.ranges.options, view: s.ranges.view, selected: s.ranges.selected },
    quantize: {
      format: s.quantize.format,
      keepNodes: s.quantize.keepNodes,
      keepOpTypes: s.quantize.keepOpTypes,
      keepFirstAndLast: s.quantize.keepFirstAndLast,
      methodByTensor: s.quantize.methodByTensor,
      biasCorrection: s.quantize.biasCorrection,
      built: s.quantize.outcome !== null,
    },
    comparison: { selected: s.comparison.selected, warmup: s.comparison.warmup, runs: s.comparison.runs, detection: s.comparison.detection, imageCap: s.comparison.imageCap },
    ui: { currentStep: s.ui.currentStep, folded: s.ui.folded, theme: s.ui.theme },
  };
}

const savedSet = (set: ImageSetState): SavedSet => ({ ...set, items: set.items.map(({ name, path, blob, label, boxes }) => ({ name, path, blob, label, ...(boxes ? { boxes } : {}) })) });

function saveFailed(e: unknown): void {
  const message = problemOf(e).message;
  get().patchUi({ session: { ...get().ui.session, note: `This session could not be saved in the browser (${message}); a reload will start afresh.` } });
}

/** Saves what changed, a moment after the last change (a burst of edits is one write). */
function watch(): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastSettings = '';
  useStore.subscribe((s, prev) => {
    if (suspended) return;
    if (s.data.calibration !== prev.data.calibration || s.data.evaluation !== prev.data.evaluation) {
      const images: SavedImages = { calibration: savedSet(s.data.calibration), evaluation: savedSet(s.data.evaluation) };
      put('images', images).catch(saveFailed);
    }
    if (prev.calibration.status === 'ready' && s.calibration.status !== 'ready') remove('calibration').catch(saveFailed);
    if (s.comparison.history !== prev.comparison.history) put('history', s.comparison.history).catch(saveFailed);
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (suspended) return;
      const settings = settingsOf(get());
      const text = JSON.stringify({ ...settings, savedAt: 0 });
      if (text === lastSettings) return;
      lastSettings = text;
      put('settings', settings).catch(saveFailed);
    }, 300);
  });
}

/** A model opened (a file or the sample): its files are the session's from now on. */
export function rememberModel(files: readonly NamedBlob[], source: 'file' | 'sample'): void {
  if (suspended || !started) return;
  const model: SavedModel = { version: VERSION, files: files.map((f) => ({ name: f.name, blob: f.blob })), source };
  put('model', model).catch(saveFailed);
  void navigator.storage?.persist?.().catch(() => false);
}

/** A calibration finished: its record is copied now (the caller transfers its buffers next), then stored. */
export function rememberCalibration(record: CalibrationRecord, result: CalibrationSummary): void {
  if (suspended || !started) return;
  const saved: SavedCalibration = structuredClone({ version: VERSION, record, result });
  put('calibration', saved).catch(saveFailed);
}

const restoredItems = (set: SavedSet | undefined): ImageSetState | null =>
  set ? { ...set, items: set.items.map((i) => ({ ...i, id: newImageId() })) } : null;

function describe(parts: { model: string | null; images: number; calibrated: boolean; built: boolean; runs: number }): string {
  const bits = [parts.model ? `model '${parts.model}'` : null, parts.images ? `${parts.images} image(s)` : null, parts.calibrated ? 'the calibration' : null, parts.built ? 'the quantized model (rebuilt)' : null, parts.runs ? `${parts.runs} comparison run(s)` : null].filter(Boolean);
  return bits.length ? `Resumed the session saved in this browser: ${bits.join(', ')}.` : 'Resumed the settings saved in this browser.';
}

/**
 * At start-up: puts back the saved session, if there is one, then saves from then on. Each part is
 * put back through the same actions a person's clicks use, so what follows (ranges, preview, graph)
 * is computed as usual; the calibration statistics go straight to the model worker.
 */
export async function resumeSession(): Promise<void> {
  if (started) return;
  started = true;
  let saved: Record<string, unknown> = {};
  try {
    saved = await getAll(['model', 'images', 'settings', 'calibration', 'history']);
  } catch (e) {
    get().patchUi({ session: { ...initialSession, status: 'error', note: `The saved session could not be read (${problemOf(e).message}).` } });
  }
  const settings = (saved.settings as SavedSettings | undefined)?.version === VERSION ? (saved.settings as SavedSettings) : undefined;
  const model = saved.model as SavedModel | undefined;
  if (!settings && !model) {
    watch();
    return;
  }
  suspended = true;
  const { patchUi } = get();
  patchUi({ session: { ...initialSession, status: 'restoring', note: 'Resuming the session saved in this browser…' } });
  let calibrated = false;
  try {
    if (settings) {
      patchUi({ currentStep: settings.ui.currentStep, folded: settings.ui.folded, theme: settings.ui.theme });
      get().patchCalibration({ poolSize: settings.calibration.poolSize, runBudgetSeconds: settings.calibration.runBudgetSeconds });
      get().patchComparison({ ...settings.comparison });
    }
    const history = Array.isArray(saved.history) ? (saved.history as ComparisonRun[]) : [];
    let opened = false;
    if (model?.version === VERSION && model.files.length) opened = await openModelFiles(model.files, model.source);
    if (opened) {
      const images = saved.images as SavedImages | undefined;
      for (const id of ['calibration', 'evaluation'] as ImageSetId[]) {
        const set = restoredItems(images?.[id]);
        if (set) get().patchImageSet(id, set);
      }
      if (settings) {
        get().patchData({ preset: settings.data.preset, overrides: settings.data.overrides, suggestionApplied: settings.data.suggestionApplied, carryOver: null });
        const i = settings.data.inputs;
        if (i.imageInput !== null || Object.keys(i.values).length || i.fourthChannel || i.width || i.height) setInputs(i);
        resolveCurrentSpec();
        get().patchRanges({ options: settings.ranges.options, view: settings.ranges.view });
        const q = settings.quantize;
        get().patchQuantize({ format: q.format, keepNodes: q.keepNodes, keepOpTypes: q.keepOpTypes, keepFirstAndLast: q.keepFirstAndLast, methodByTensor: q.methodByTensor, biasCorrection: q.biasCorrection });
      }
      const c = saved.calibration as SavedCalibration | undefined;
      if (c?.version === VERSION && get().data.spec && get().model.info?.prepared) {
        const buffers = Object.values(c.record.stats.tensors).flatMap((t) => (t.histogram ? [t.histogram.counts.buffer as ArrayBuffer] : []));
        await modelWorker.setCalibration(Comlink.transfer(c.record, buffers));
        get().patchCalibration({ status: 'ready', result: c.result, progress: null, error: null });
        calibrated = true;
        await refreshRangeTable();
        if (settings?.ranges.selected) void selectTensor(settings.ranges.selected);
      }
      get().patchComparison({ history });
      void refreshPreview();
    }
    const images = get().data.calibration.items.length + get().data.evaluation.items.length;
    patchUi({
      session: {
        status: 'restored',
        note: describe({ model: get().model.info?.name ?? null, images, calibrated, built: calibrated && !!settings?.quantize.built, runs: history.length }),
        calibrationInterrupted: !!settings?.calibration.running && !calibrated,
      },
    });
    if (calibrated && settings?.quantize.built) void buildInt8();
  } catch (e) {
    patchUi({ session: { ...initialSession, status: 'error', note: `The saved session could not be resumed (${problemOf(e).message}). Start a new session.` } });
  } finally {
    suspended = false;
    watch();
    // Nothing was saved while suspended (the stored calibration and images are still the ones read).
    put('settings', settingsOf(get())).catch(saveFailed);
  }
  scrollToStep(get().ui.currentStep);
}

/** Brings a step's panel into view and moves the focus to its heading (for keyboard and screen-reader users). */
export function scrollToStep(step: StepId | null): void {
  if (!step) return;
  const heading = document.getElementById(`step-${step}-title`);
  if (!heading) return;
  heading.scrollIntoView({ block: 'start' });
  heading.focus({ preventScroll: true });
}

/** The step the person works in (a click or the focus inside its panel). */
export function setCurrentStep(step: StepId): void {
  if (get().ui.currentStep !== step) get().patchUi({ currentStep: step });
}

/** Forgets the saved session and starts the page afresh. */
export async function newSession(): Promise<void> {
  suspended = true;
  try {
    await clearAll();
  } finally {
    location.reload();
  }
}

export function dismissSessionNote(): void {
  get().patchUi({ session: { ...get().ui.session, note: null, calibrationInterrupted: false } });
}
