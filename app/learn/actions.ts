/**
 * Learn mode's async orchestration. The lessons run on the workbench's own model and calibration:
 * with no model open, Learn mode opens the embedded sample (the workbench's "Open the sample") and
 * calibrates it with the workbench's pool, exactly as the Calibrate step would; with the user's model
 * open, it uses theirs. Then it asks the model worker for the statistics and weights each lesson
 * needs (ModelLearnApi), and a worker of its own for lesson 5's image-by-image calibration.
 *
 * Everything is fetched as soon as Learn mode opens, so the lessons keep working offline once the
 * page has loaded. Results of superseded requests are dropped; nothing throws out of an action.
 */
import type { LearnCatalog, Problem } from '../../workers/contracts';
import { ZeropointError } from '../../workers/core/errors';
import { problemOf } from '../../workers/transfer';
import { useStore, type Store } from '../store';
import { openSample, startCalibration } from '../store/actions';
import { calibrateGrowth, modelWorker } from '../workers';
import { growthCheckpoints } from './lib/series';
import { idle, initialGrowth, initialLearnData, tensorKey, useLearn } from './store';

const learn = () => useLearn.getState();
const bench = () => useStore.getState();

/** Resolves with the workbench state once `ready(state)` holds. */
function until(ready: (s: Store) => boolean): Promise<Store> {
  const now = bench();
  if (ready(now)) return Promise.resolve(now);
  return new Promise((resolve) => {
    const stop = useStore.subscribe((s) => {
      if (ready(s)) {
        stop();
        resolve(s);
      }
    });
  });
}

function problem(code: Problem['code'], message: string): ZeropointError {
  return new ZeropointError(code === 'unexpected' ? 'runtime' : code, message);
}

// -------------------------------------------------------------------------------------------------
// Set-up: a model and its calibration

let ensuring: Promise<void> | null = null;

/** Gets the lessons' data ready (idempotent: concurrent calls share one run). */
export function ensureLearnData(): Promise<void> {
  ensuring ??= setUp().finally(() => {
    ensuring = null;
  });
  return ensuring;
}

async function setUp(): Promise<void> {
  const { patch } = learn();
  try {
    let s = bench();
    if (s.model.status === 'working') {
      patch({ setup: { status: 'opening', error: null } });
      s = await until((x) => x.model.status !== 'working');
    }
    if (!s.model.info) {
      patch({ setup: { status: 'opening', error: null } });
      await openSample();
      s = bench();
      if (!s.model.info) throw s.model.error ? problem(s.model.error.code, s.model.error.message) : problem('io', 'The sample model could not be opened. Reload the page.');
    }
    const info = s.model.info;
    if (!info.prepared) {
      throw problem(
        'bad-option',
        `'${info.name}' cannot be quantized (${info.cannotQuantize?.message ?? 'not a float model'}), so the lessons have no statistics to show. Open an FP32 model, or the sample, in the Workbench.`,
      );
    }
    // The Conv weights need no calibration (lesson 4 can start now).
    await refreshCatalog();
    s = bench();
    if (s.calibration.status !== 'ready') {
      if (s.calibration.status !== 'working') {
        if (s.data.calibration.items.length === 0) {
          throw problem('no-images', `Lessons 2, 3 and 5 need calibration statistics of '${info.name}': add calibration images in the Workbench's Data step, then come back.`);
        }
        void startCalibration();
      }
      patch({ setup: { status: 'calibrating', error: null } });
      s = await until((x) => x.calibration.status !== 'working');
      if (s.calibration.status !== 'ready') {
        const e = s.calibration.error;
        throw problem(e?.code ?? 'runtime', e?.message ?? 'Calibration did not finish. Start it again.');
      }
    }
    patch({ setup: { status: 'loading', error: null } });
    await refreshCatalog();
    patch({ setup: { status: 'ready', error: null } });
    // Lesson 5 starts now, in the background: its worker loads onnxruntime while the page is still
    // online, and the lesson is ready by the time the class gets there.
    const tensor = learn().lessons[5].tensor;
    if (tensor && learn().growth.tensor !== tensor) void runGrowth(tensor);
  } catch (e) {
    patch({ setup: { status: 'error', error: problemOf(e) } });
  }
}

let catalogSeq = 0;

async function refreshCatalog(): Promise<void> {
  const seq = ++catalogSeq;
  const catalog = await modelWorker.learnCatalog();
  if (seq !== catalogSeq) return;
  learn().patch({ catalog });
  applyDefaults(catalog);
}

/** The activation lessons start from: the first ReLU output (post-ReLU data), else the first one-sided tensor. */
export function defaultActivation(catalog: LearnCatalog): string | null {
  const a = catalog.activations;
  return (a.find((t) => t.opType === 'Relu') ?? a.find((t) => t.min >= 0 && t.node !== '') ?? a.find((t) => t.node !== '') ?? a[0])?.tensor ?? null;
}

/** Lesson 4 starts from the layer whose channels differ most (where per-channel scales matter most). */
export function defaultLayer(catalog: LearnCatalog): string | null {
  const w = catalog.weights;
  if (w.length === 0) return null;
  const finite = w.filter((x) => Number.isFinite(x.channelSpread));
  const pool = finite.length ? finite : w;
  return pool.reduce((best, x) => (x.channelSpread > best.channelSpread ? x : best)).node;
}

/** Fills the lessons' empty choices, and replaces choices (from a URL) this model does not have. */
function applyDefaults(catalog: LearnCatalog): void {
  const { lessons, patchLesson } = learn();
  const activations = new Set(catalog.activations.map((a) => a.tensor));
  const layers = new Set(catalog.weights.map((w) => w.node));
  const activation = defaultActivation(catalog);
  const layer = defaultLayer(catalog);
  if (catalog.weights.length > 0) {
    if (lessons[2].weight === null || !layers.has(lessons[2].weight)) patchLesson(2, { weight: catalog.weights[0].node });
    if (lessons[4].layer === null || !layers.has(lessons[4].layer)) patchLesson(4, { layer, channel: 0 });
  }
  if (activation !== null) {
    if (lessons[2].activation === null || !activations.has(lessons[2].activation)) patchLesson(2, { activation });
    if (lessons[3].tensor === null || !activations.has(lessons[3].tensor)) patchLesson(3, { tensor: activation, min: null, max: null });
    if (lessons[5].tensor === null || !activations.has(lessons[5].tensor)) patchLesson(5, { tensor: activation });
  }
}

/**
 * Forgets the data when the workbench's model or calibration changes (a new model, new images, a new
 * calibration), and gets it again if Learn mode is open. Returns the unsubscribe function.
 */
export function watchWorkbench(): () => void {
  return useStore.subscribe((s, prev) => {
    if (s.model.info === prev.model.info && s.calibration.result === prev.calibration.result) return;
    generation++;
    growthController?.abort();
    growthController = null;
    const { lessons } = learn();
    // The model the choices were made on went away (replaced or closed): its tensor names mean nothing
    // any more. (The first model opened, e.g. the sample under a URL's choices, keeps them.)
    const modelChanged = prev.model.info !== null && s.model.info?.name !== prev.model.info.name;
    learn().patch({
      ...initialLearnData,
      setup: learn().setup,
      lessons: modelChanged
        ? { ...lessons, 2: { ...lessons[2], activation: null, weight: null }, 3: { ...lessons[3], tensor: null, min: null, max: null }, 4: { ...lessons[4], layer: null, channel: 0 }, 5: { ...lessons[5], tensor: null } }
        : lessons,
    });
    if (learn().mode === 'learn') void ensureLearnData();
  });
}

// -------------------------------------------------------------------------------------------------
// Per-lesson data

/** Bumped when the data is reset (a new model or calibration): answers to older requests are dropped. */
let generation = 0;

/** An activation's statistics and every method's range for a grid (lessons 2, 3, 5). */
export async function loadTensor(tensor: string, type: 'u8' | 's8', symmetric: boolean): Promise<void> {
  const key = tensorKey(tensor, type, symmetric);
  const current = learn().tensors[key];
  if (current && current.status !== 'error') return;
  const gen = generation;
  learn().patchTensor(key, { status: 'working', data: null, error: null });
  try {
    const data = await modelWorker.learnTensor(tensor, { type, symmetric });
    if (gen !== generation) return; // the data was reset meanwhile
    learn().patchTensor(key, { status: 'ready', data, error: null });
  } catch (e) {
    if (gen !== generation) return;
    learn().patchTensor(key, { status: 'error', data: null, error: problemOf(e) });
  }
}

/** A Conv layer's weight: histogram and per-channel errors (lessons 2 and 4). */
export async function loadWeight(node: string): Promise<void> {
  const current = learn().weights[node];
  if (current && current.status !== 'error') return;
  const gen = generation;
  learn().patchWeight(node, { status: 'working', data: null, error: null });
  try {
    const data = await modelWorker.learnWeight(node);
    if (gen !== generation) return;
    learn().patchWeight(node, { status: 'ready', data, error: null });
  } catch (e) {
    if (gen !== generation) return;
    learn().patchWeight(node, { status: 'error', data: null, error: problemOf(e) });
  }
}

export function retryTensor(tensor: string, type: 'u8' | 's8', symmetric: boolean): void {
  learn().patchTensor(tensorKey(tensor, type, symmetric), idle);
  void loadTensor(tensor, type, symmetric);
}

// -------------------------------------------------------------------------------------------------
// Lesson 5: calibration image by image

let growthController: AbortController | null = null;
let rowsSeq = 0;

/** Calibrates `tensor` again on the calibration images, one at a time, with a snapshot at 1, 2, 4, ... images. */
export async function runGrowth(tensor: string): Promise<void> {
  growthController?.abort();
  const controller = new AbortController();
  growthController = controller;
  const { patchGrowth } = learn();
  const s = bench();
  const info = s.model.info;
  const items = s.data.calibration.items;
  if (!info?.prepared || !info.geometry || !s.data.spec || items.length === 0 || s.calibration.status !== 'ready') {
    patchGrowth({ ...initialGrowth, tensor, status: 'error', error: { code: 'no-statistics', message: 'Calibrate the model first (Learn mode starts it for you when it opens).' } });
    return;
  }
  const checkpoints = growthCheckpoints(items.length);
  patchGrowth({ ...initialGrowth, tensor, status: 'working', progress: { done: 0, total: items.length } });
  try {
    const model = await modelWorker.modelBytes('prepared');
    const result = await calibrateGrowth(
      { model, modelName: info.name, images: items.map((i) => ({ name: i.path, blob: i.blob })), spec: s.data.spec, geometry: info.geometry, tensor, checkpoints },
      (p) => {
        if (growthController !== controller) return;
        patchGrowth({ progress: { done: p.done, total: p.total } });
        if (p.snapshot) {
          patchGrowth({ snapshots: [...learn().growth.snapshots, p.snapshot] });
          void refreshGrowthRows();
        }
      },
      controller.signal,
    );
    if (growthController !== controller) return;
    patchGrowth({ status: 'ready', progress: null, snapshots: result.snapshots });
    await refreshGrowthRows();
  } catch (e) {
    if (growthController !== controller) return;
    const p = problemOf(e);
    patchGrowth({ status: p.code === 'cancelled' ? 'idle' : 'error', progress: null, error: p.code === 'cancelled' ? null : p });
  } finally {
    if (growthController === controller) growthController = null;
  }
}

export function cancelGrowth(): void {
  growthController?.abort();
}

/** The rows of the snapshots so far for lesson 5's method (no inference: the model worker recomputes ranges). */
export async function refreshGrowthRows(): Promise<void> {
  const seq = ++rowsSeq;
  const { growth, lessons, patchGrowth } = learn();
  const method = lessons[5].method;
  if (!growth.tensor || growth.snapshots.length === 0) {
    patchGrowth({ rows: [], rowsMethod: method });
    return;
  }
  try {
    const rows = await modelWorker.learnGrowth(growth.tensor, growth.snapshots, { method, activationType: 'u8', activationSymmetric: false });
    if (seq !== rowsSeq) return;
    patchGrowth({ rows, rowsMethod: method });
  } catch (e) {
    if (seq !== rowsSeq) return;
    patchGrowth({ error: problemOf(e) });
  }
}

