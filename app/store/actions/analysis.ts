/**
 * Sensitivity analysis in the Quantize step: each precision unit (a layer with its folds and gate)
 * kept in FP32 alone and quantized alone, judged against FP32 on a few held-out images, on the
 * analysis pool (app/analysis-workers.ts), with progress, time left and Cancel. Also the FP32
 * reference both analyses share: built once per model, calibration, images and preprocessing, on
 * the evaluation images when there are some, else on the last calibration images (said so, as the
 * fidelity gate does).
 */
import type { ReferenceSet } from '../../../workers/contracts';
import { ZeropointError } from '../../../workers/core/errors';
import { problemOf } from '../../../workers/transfer';
import { buildReferenceSet, runSensitivityPool, type AnalysisWorkerId } from '../../analysis-workers';
import { modelWorker } from '../../workers';
import { initialSensitivity, type JudgedImages } from '../analysis';
import { fidelityImages } from './fidelity';
import { currentQuery } from './ranges';
import { cancelledProblem, get, throttled } from './shared';

/** Why an analysis cannot start, or null. */
export function analysisBlocked(): string | null {
  const { model, data, calibration } = get();
  const info = model.info;
  if (!info?.prepared) return 'Open a model that can be quantized first.';
  if (!info.geometry) return info.notImage?.message ?? 'The model has no image input.';
  if (!data.spec) return data.specError?.message ?? 'Fix the preprocessing settings first.';
  if (calibration.status !== 'ready') return 'Calibrate first (step 3): the analysis quantizes with the calibration ranges.';
  return null;
}

interface CachedReference {
  readonly key: string;
  /** The calibration the model and statistics came with (a new model or calibration replaces it). */
  readonly calibration: object | null;
  readonly value: { readonly reference: ReferenceSet; readonly images: JudgedImages };
}

let cachedReference: CachedReference | null = null;

/** The FP32 reference for the current model and images: built on worker `on`, or the one built last. */
export async function referenceFor(on: AnalysisWorkerId, signal: AbortSignal, onProgress: (p: { done: number; total: number }) => void): Promise<CachedReference['value']> {
  const { model, data, calibration, analysis } = get();
  const info = model.info;
  if (!info?.geometry || !data.spec) throw new ZeropointError('bad-option', analysisBlocked() ?? 'Not ready.');
  const { items, heldOut } = fidelityImages({ evaluation: data.evaluation.items, calibration: data.calibration.items }, analysis.images);
  if (items.length === 0) throw new ZeropointError('no-images', 'There are no images to judge on. Add evaluation images (held out from calibration) in the Data step.');
  const key = JSON.stringify([info.name, items.map((i) => i.id), data.spec, info.geometry]);
  if (cachedReference && cachedReference.key === key && cachedReference.calibration === calibration.result) return cachedReference.value;
  const bytes = await modelWorker.modelBytes('prepared');
  const r = await buildReferenceSet(on, { model: bytes, modelName: info.name, images: items.map((i) => ({ name: i.path, blob: i.blob })), spec: data.spec, geometry: info.geometry }, onProgress, signal);
  const value = { reference: r.reference, images: { names: r.imageNames, heldOut } };
  cachedReference = { key, calibration: calibration.result, value };
  return value;
}

/** Held-out images per run (1..16). */
export function setAnalysisImages(n: number): void {
  if (!Number.isFinite(n)) return;
  get().patchAnalysis({ images: Math.max(1, Math.min(16, Math.round(n))) });
}

let controller: AbortController | null = null;

export async function runSensitivity(): Promise<void> {
  const { patchSensitivity } = get();
  const blocked = analysisBlocked();
  if (blocked) {
    patchSensitivity({ ...initialSensitivity, status: 'error', error: { code: 'bad-option', message: blocked } });
    return;
  }
  controller?.abort();
  const own = new AbortController();
  controller = own;
  const mine = () => controller === own;
  const query = currentQuery();
  const info = get().model.info!;
  patchSensitivity({ ...initialSensitivity, status: 'working', phase: 'reference' });
  try {
    const units = await modelWorker.precisionUnits(query);
    const stats = await modelWorker.calibrationStats();
    const reportReference = throttled((p: { done: number; total: number }) => mine() && patchSensitivity({ referenceProgress: p }), 100);
    const { reference, images } = await referenceFor(0, own.signal, (p) => reportReference(p, p.done === p.total));
    if (!mine()) return;
    patchSensitivity({ phase: 'units', images });
    const result = await runSensitivityPool({
      modelName: info.name,
      stats,
      options: query,
      reference,
      units: units.map((u) => u.id),
      workers: get().calibration.poolSize,
      modelBytes: () => modelWorker.modelBytes('prepared'),
      onProgress: (progress) => mine() && patchSensitivity({ progress }),
      signal: own.signal,
    });
    if (!mine()) return;
    patchSensitivity({ status: 'ready', phase: null, result });
  } catch (e) {
    if (!mine()) return;
    const p = problemOf(e);
    if (p.code === 'cancelled' || own.signal.aborted) patchSensitivity({ status: 'cancelled', phase: null, error: cancelledProblem('The sensitivity analysis') });
    else patchSensitivity({ status: 'error', phase: null, error: p });
  } finally {
    if (mine()) controller = null;
  }
}

export function cancelSensitivity(): void {
  controller?.abort();
}

/** A change upstream (a new model, new calibration): a running analysis stops silently, the reference goes. */
export function dropSensitivity(): void {
  const c = controller;
  controller = null;
  c?.abort();
  cachedReference = null;
}
