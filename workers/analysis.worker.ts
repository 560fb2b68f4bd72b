/**
 * An analysis worker: a thin comlink door over workers/core/analysis on onnxruntime-web (WASM, 1
 * thread). The page runs a pool of these (app/analysis-workers.ts): one builds the FP32 reference on
 * the held-out images, each measures a share of the units' sensitivity, one runs the Auto search.
 * Contract: workers/analysis-contracts.ts.
 */
import * as Comlink from 'comlink';
import './transfer';
import type { AnalysisInit, AnalysisWorkerApi, AutoJob, ReferenceJob, ReferenceResult, SensitivityJob, SensitivityProgress } from './analysis-contracts';
import type { AutoProgress, AutoResult } from './core/analysis/auto';
import { autoPrecision } from './core/analysis/auto';
import { buildReference } from './core/analysis/fidelity';
import { analyzeSensitivity, type SensitivityResult } from './core/analysis/sensitivity';
import type { CalibrationSource } from './core/calibration/calibrate';
import { ZeropointError } from './core/errors';
import { decodeModel } from './core/onnx/decode';
import { DEFAULT_QUANTIZE_OPTIONS } from './core/quant/quantize';
import type { Runner } from './core/runner';
import { referenceBuffers } from './buffers';
import { decodableImages, imageFeeds } from './image-source';
import { createWebRunner } from './ort';

let config: AnalysisInit | null = null;

function runner(source: string): Runner {
  if (!config) throw new ZeropointError('runtime', 'The analysis worker was not initialised; reload the page.');
  return createWebRunner({ provider: 'wasm', threads: 1, wasmPaths: config.wasmPaths, source });
}

const api = {
  async init(init: AnalysisInit): Promise<void> {
    config = init;
  },

  async reference(job: ReferenceJob, onProgress: (p: { done: number; total: number }) => void, signal: AbortSignal): Promise<ReferenceResult> {
    const fp32 = decodeModel(job.model, { source: job.modelName });
    const { ok, skipped } = await decodableImages(job.images, signal);
    if (ok.length === 0) throw new ZeropointError('no-images', `None of the ${job.images.length} held-out image(s) could be decoded. Add JPEG or PNG images.`);
    const source: CalibrationSource = { count: ok.length, label: (i) => job.images[ok[i]].name, feeds: (i) => imageFeeds(job.images[ok[i]], job.spec, job.geometry) };
    const reference = await buildReference(fp32, runner(job.modelName), source, { images: ok.length, signal, onProgress: (p) => void onProgress(p) });
    const result: ReferenceResult = { reference, imageNames: ok.map((i) => job.images[i].name), skippedImages: skipped };
    return Comlink.transfer(result, referenceBuffers(reference));
  },

  async sensitivity(job: SensitivityJob, onProgress: (p: SensitivityProgress) => void, signal: AbortSignal): Promise<SensitivityResult> {
    const prepared = decodeModel(job.model, { source: job.modelName });
    return analyzeSensitivity(
      { prepared, stats: job.stats, options: { ...DEFAULT_QUANTIZE_OPTIONS, ...job.options }, reference: job.reference, runner: runner(job.modelName) },
      { only: job.only, signal, onProgress: (p) => void onProgress(p) },
    );
  },

  async auto(job: AutoJob, onProgress: (p: AutoProgress) => void, signal: AbortSignal): Promise<AutoResult> {
    const prepared = decodeModel(job.model, { source: job.modelName });
    return autoPrecision(
      { prepared, stats: job.stats, options: { ...DEFAULT_QUANTIZE_OPTIONS, ...job.options }, reference: job.reference, runner: runner(job.modelName) },
      { target: job.target, maxFp32: job.maxFp32, methods: job.methods, refine: job.refine, signal, onProgress: (p) => void onProgress(p) },
    );
  },
} satisfies AnalysisWorkerApi;

Comlink.expose(api);
