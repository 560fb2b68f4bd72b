/**
 * The analysis workers' door (types only, re-exported by contracts/index.ts): sensitivity analysis and the
 * automatic mixed precision (workers/core/analysis) on onnxruntime-web, one 1-thread WASM session at a
 * time per worker. The page runs them as a pool (app/analysis-workers.ts):
 *
 *   1. `reference`: one worker runs the FP32 model on the held-out images once; the ReferenceSet (plain
 *      data: feeds and outputs) comes back with its buffers transferred and is shared by every job;
 *   2. `sensitivity`: each worker measures a share of the precision units (`only`), with progress per
 *      unit; the page merges the shares (core/analysis/rank.ts mergeSensitivity);
 *   3. `auto`: one worker runs the whole search, with progress per phase.
 *
 * Every job carries the prepared model's bytes (transferred) and the calibration statistics (from the
 * model worker, which owns them); the conventions of contracts/index.ts hold (signal as its own argument,
 * progress through Comlink.proxy, errors as ZeropointErrors).
 */
import type { AutoProgress, AutoResult, AutoStep, PrecisionPlan } from './core/analysis/auto';
import type { ReferenceSet } from './core/analysis/fidelity';
import type { Agreement, SensitivityResult, SensitivityRow } from './core/analysis/sensitivity';
import type { PrecisionUnit } from './core/analysis/units';
import type { CalibrationStats } from './core/calibration/collector';
import type { RangeMethod } from './core/calibration/ranges';
import type { InputGeometry, PreprocessSpec } from './core/preprocess/spec';
import type { QuantizeOptions } from './core/quant/quantize';
import type { NamedBlob } from './model-files';

export type { Agreement, AutoProgress, AutoResult, AutoStep, PrecisionPlan, PrecisionUnit, ReferenceSet, SensitivityResult, SensitivityRow };

/** What every analysis job starts from: the prepared FP32 model and the calibration statistics. */
export interface AnalysisBase {
  /** The prepared model's bytes (transferred; the model worker encodes a fresh copy per job). */
  readonly model: Uint8Array;
  readonly modelName: string;
  readonly stats: CalibrationStats;
  /** The options the person has set (method, keep lists, ...; the rest take the defaults): what the units are measured against. */
  readonly options: Partial<QuantizeOptions>;
}

export interface ReferenceJob {
  readonly model: Uint8Array;
  readonly modelName: string;
  readonly images: readonly NamedBlob[];
  readonly spec: PreprocessSpec;
  readonly geometry: InputGeometry;
}

export interface ReferenceResult {
  readonly reference: ReferenceSet;
  /** The images that ran, by name, and those that could not be decoded. */
  readonly imageNames: readonly string[];
  readonly skippedImages: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

export interface SensitivityJob extends AnalysisBase {
  readonly reference: ReferenceSet;
  /** This worker's share: unit ids (head node names). */
  readonly only: readonly string[];
}

export interface SensitivityProgress {
  /** Units of this share measured so far. */
  readonly done: number;
  readonly total: number;
  /** The unit just measured. */
  readonly unit: string;
}

/** The targets the workbench offers (a task measure needs a host-side evaluator: the CLI's --max-drop). */
export type AutoTargetChoice = { readonly kind: 'agreement'; readonly cosine: number } | { readonly kind: 'sqnr'; readonly db: number };

export interface AutoJob extends AnalysisBase {
  readonly reference: ReferenceSet;
  readonly target: AutoTargetChoice;
  /** The most units kept in FP32 (default: the engine's, a quarter of the units, at least 4). */
  readonly maxFp32?: number;
  /** Range methods to try for every tensor (default: the engine's four). */
  readonly methods?: readonly RangeMethod[];
  /** How many of the most sensitive units get a per-tensor method choice (default 6). */
  readonly refine?: number;
}

export interface AnalysisInit {
  /** Absolute URL of onnxruntime-web's files, ending in '/'. */
  readonly wasmPaths: string;
}

export interface AnalysisWorkerApi {
  init(init: AnalysisInit): Promise<void>;
  /** FP32 outputs on the held-out images, once per run (buffers transferred). */
  reference(job: ReferenceJob, onProgress: (p: { done: number; total: number }) => void, signal: AbortSignal): Promise<ReferenceResult>;
  /** This worker's share of the units: each kept in FP32 alone and quantized alone (rows ranked). */
  sensitivity(job: SensitivityJob, onProgress: (p: SensitivityProgress) => void, signal: AbortSignal): Promise<SensitivityResult>;
  /** The whole automatic mixed-precision search (autoPrecision). */
  auto(job: AutoJob, onProgress: (p: AutoProgress) => void, signal: AbortSignal): Promise<AutoResult>;
}
