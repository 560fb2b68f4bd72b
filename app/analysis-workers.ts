/**
 * The analysis workers (workers/analysis.worker.ts): a pool for the sensitivity analysis, each worker
 * a contiguous share of the precision units, and one worker of its own for the Auto search, so the two
 * never queue behind each other. The FP32 reference is built once per run on the worker that needs it
 * first (its buffers come back transferred) and then handed to every job.
 *
 * As with calibration (app/workers.ts): progress is aggregated and throttled (units done, time
 * left), Cancel aborts the calls and a worker that does not stop within the grace period is
 * terminated; one share failing stops the others.
 */
import * as Comlink from 'comlink';
import type {
  AnalysisWorkerApi,
  AutoJob,
  AutoProgress,
  AutoResult,
  CalibrationStats,
  QuantizeOptions,
  ReferenceJob,
  ReferenceResult,
  ReferenceSet,
  SensitivityProgress,
  SensitivityResult,
} from '../workers/contracts';
import { mergeSensitivity } from '../workers/core/analysis/rank';
import { ZeropointError } from '../workers/core/errors';
import { splitShares } from './lib/shares';
import { cancellable, handle, race, type Handle } from './worker-handle';
import { WASM_PATHS } from './workers';

export type AnalysisWorkerId = number | 'auto';

const pool: Handle<AnalysisWorkerApi>[] = [];
let autoHandle: Handle<AnalysisWorkerApi> | null = null;

async function analysisWorker(id: AnalysisWorkerId): Promise<Handle<AnalysisWorkerApi>> {
  let h = id === 'auto' ? autoHandle : pool[id];
  if (!h || h.terminated()) {
    const name = id === 'auto' ? 'auto' : `analysis-${id}`;
    h = handle<AnalysisWorkerApi>(new Worker(new URL('../workers/analysis.worker.ts', import.meta.url), { type: 'module', name }), id === 'auto' ? 'Auto worker' : 'analysis worker');
    if (id === 'auto') autoHandle = h;
    else pool[id] = h;
    await race(h, h.api.init({ wasmPaths: WASM_PATHS }));
  }
  return h;
}

/** The FP32 outputs on the held-out images, on the worker that will use them first. */
export async function buildReferenceSet(on: AnalysisWorkerId, job: ReferenceJob, onProgress: (p: { done: number; total: number }) => void, signal: AbortSignal): Promise<ReferenceResult> {
  const h = await analysisWorker(on);
  signal.throwIfAborted();
  return cancellable(h, signal, h.api.reference(Comlink.transfer(job, [job.model.buffer]), Comlink.proxy(onProgress), signal));
}

export interface SensitivityPoolProgress {
  /** Units measured (each twice: kept alone and quantized alone). */
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
  /** Estimated seconds left; null before the first unit. */
  readonly secondsLeft: number | null;
  readonly workers: number;
  /** The unit measured last. */
  readonly unit: string | null;
}

export interface SensitivityPoolJob {
  readonly modelName: string;
  readonly stats: CalibrationStats;
  readonly options: Partial<QuantizeOptions>;
  readonly reference: ReferenceSet;
  /** Unit ids (head node names) to measure, in graph order. */
  readonly units: readonly string[];
  /** Pool size asked for (clamped to 1..units). */
  readonly workers: number;
  /** Fresh prepared-model bytes for one worker (from the model worker, transferred). */
  readonly modelBytes: () => Promise<Uint8Array>;
  readonly onProgress: (p: SensitivityPoolProgress) => void;
  readonly signal: AbortSignal;
  /** Minimum time between two progress reports (the last one always goes out). */
  readonly throttleMs?: number;
}

export async function runSensitivityPool(job: SensitivityPoolJob): Promise<SensitivityResult> {
  const t0 = performance.now();
  if (job.units.length === 0) throw new ZeropointError('bad-option', 'Nothing is quantized with these options, so there is no unit to measure. Quantize something first (clear the keep lists).');
  const shares = splitShares(job.units, job.workers);
  const internal = new AbortController();
  const signal = AbortSignal.any([job.signal, internal.signal]);
  const done = shares.map(() => 0);
  let unit: string | null = null;
  let lastEmit = -Infinity;
  const emit = (force: boolean) => {
    const now = performance.now();
    if (!force && now - lastEmit < (job.throttleMs ?? 150)) return;
    lastEmit = now;
    const n = done.reduce((a, b) => a + b, 0);
    const elapsedMs = now - t0;
    job.onProgress({ done: n, total: job.units.length, elapsedMs, secondsLeft: n > 0 ? ((job.units.length - n) * elapsedMs) / n / 1000 : null, workers: shares.length, unit });
  };
  emit(true);
  const runShare = async (share: string[], i: number): Promise<SensitivityResult> => {
    const h = await analysisWorker(i);
    signal.throwIfAborted();
    const model = await job.modelBytes();
    const onProgress = Comlink.proxy((p: SensitivityProgress) => {
      done[i] = p.done;
      unit = p.unit;
      emit(p.done === p.total);
    });
    // The statistics and the reference are copied to each worker (every share needs both).
    const call = h.api.sensitivity(
      Comlink.transfer({ model, modelName: job.modelName, stats: job.stats, options: job.options, reference: job.reference, only: share }, [model.buffer]),
      onProgress,
      signal,
    );
    return cancellable(h, signal, call);
  };
  let parts: SensitivityResult[];
  const runs = shares.map((share, i) =>
    runShare(share, i).catch((e: unknown) => {
      internal.abort(e);
      throw e;
    }),
  );
  try {
    parts = await Promise.all(runs);
  } catch (e) {
    // Every share ends before this does: a worker still inside an inference is terminated after the
    // grace period, and a new run must not be handed that worker meanwhile (its termination would
    // end the new run's call too).
    await Promise.allSettled(runs);
    if (job.signal.aborted) throw new ZeropointError('cancelled', 'The sensitivity analysis was cancelled; nothing was kept. Start it again when ready.');
    throw e;
  }
  emit(true);
  return mergeSensitivity(parts);
}

/** The Auto search on its own worker. */
export async function runAutoSearch(job: AutoJob, onProgress: (p: AutoProgress) => void, signal: AbortSignal): Promise<AutoResult> {
  const h = await analysisWorker('auto');
  signal.throwIfAborted();
  try {
    return await cancellable(h, signal, h.api.auto(Comlink.transfer(job, [job.model.buffer]), Comlink.proxy(onProgress), signal));
  } catch (e) {
    if (signal.aborted) throw new ZeropointError('cancelled', 'The Auto search was cancelled; nothing was kept. Start it again when ready.');
    throw e;
  }
}
