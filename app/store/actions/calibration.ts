/** Calibrate step: the worker pool run, its progress, its per-image time budget and Cancel. */
import * as Comlink from 'comlink';
import { problemOf } from '../../../workers/transfer';
import { maxPoolSize, modelWorker, runCalibrationPool, type PoolProgress } from '../../workers';
import type { CalibrationRecord } from '../../../workers/contracts';
import { resetAfterCalibration } from './invalidate';
import { rememberCalibration } from './session';
import { refreshRangeTable } from './ranges';
import { cancelledProblem, get } from './shared';

let calibrationController: AbortController | null = null;

export function setPoolSize(n: number): void {
  const size = Math.max(1, Math.min(maxPoolSize(), Math.round(n) || 1));
  get().patchCalibration({ poolSize: size });
}

/** Longest run budget the input takes: an hour per image. */
export const MAX_RUN_BUDGET_SECONDS = 3600;

/** The per-image time budget, in seconds (kept to 1 s .. an hour; zero, negative or not a number keeps the current one). */
export function setRunBudget(seconds: number): void {
  if (!Number.isFinite(seconds) || seconds <= 0) return;
  get().patchCalibration({ runBudgetSeconds: Math.min(MAX_RUN_BUDGET_SECONDS, Math.max(1, seconds)) });
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
      runBudgetMs: calibration.runBudgetSeconds * 1000,
      raiseBudget: "'Run budget (s)' in the Calibrate step",
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
    const record: CalibrationRecord = {
      stats: result.stats,
      shapes: result.shapes,
      meta: { images: result.images, skippedImages: result.skippedImages, skippedTensors: result.skippedTensors, spec, geometry, workers: result.workers, elapsedMs: result.elapsedMs },
    };
    const summary = { images: result.images, skippedImages: result.skippedImages, skippedTensors: result.skippedTensors, tensors: Object.keys(result.stats.tensors).length, workers: result.workers, elapsedMs: result.elapsedMs };
    // Kept in the browser before the buffers go to the model worker (the store clones them now).
    rememberCalibration(record, summary);
    const overview = await modelWorker.setCalibration(Comlink.transfer(record, buffers));
    if (calibrationController !== controller) return;
    patchCalibration({ status: 'ready', result: { ...summary, tensors: overview.tensors } });
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
export function dropCalibration(): void {
  const controller = calibrationController;
  calibrationController = null;
  controller?.abort();
}
