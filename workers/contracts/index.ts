/**
 * The doors between the app and its workers: TYPES ONLY (no runtime code), each worker's API and the
 * plain data that crosses, one file per worker (this index re-exports them all). The app imports it
 * with `import type`; each worker checks itself against its contract with
 * `const api = { ... } satisfies XWorkerApi; Comlink.expose(api)`.
 *
 * Conventions on every door (see workers/transfer.ts for the wire side):
 * - Everything that crosses is structured-cloneable plain data: no classes, no functions, except the
 *   progress callbacks, which the app wraps with `Comlink.proxy(fn)`.
 * - Big buffers cross with `Comlink.transfer(x, [x.buffer])` (model bytes, pixels): the sender loses
 *   them. Model bytes live in the model worker; the app only holds them during a hand-over.
 * - A long call takes `(job, onProgress, signal)`: the signal is its own top-level argument because
 *   Comlink's transfer handlers only see top-level arguments. Aborting rejects the call with a
 *   ZeropointError whose code is 'cancelled'.
 * - Errors arrive as real ZeropointErrors (code, message, subject kept). Per-item problems (an image
 *   that does not decode, a node kept in FP32) are data in the result, never a rejection.
 */
import type { CalibrationStats } from '../core/calibration/collector';
import type { AllRanges, CalibrationRange, RangeMethod } from '../core/calibration/ranges';
import type { ModelSummary, QuantizationFormat, TensorSummary } from '../core/graph/inspect';
import type { LayerComparison } from '../core/metrics/compare';
import type { AgreementSummary, ErrorSummary } from '../core/metrics/error';
import type { InputGeometry, PreprocessSpec } from '../core/preprocess/spec';
import type { PreprocessSuggestion } from '../core/preprocess/suggest';
import type { QuantizeOptions, QuantizeReport } from '../core/quant/quantize';
import type { TensorMapping } from '../core/quant/rewrite';
import type { ExportFormat } from '../core/export/formats';
import type { Fp16Report } from '../core/export/fp16';
import type { WeightOnlyReport } from '../core/export/weight-only';
import type { NamedBlob } from '../model-files';

export type * from '../analysis-contracts';

export type {
  ExportFormat,
  Fp16Report,
  WeightOnlyReport,
  AgreementSummary,
  AllRanges,
  CalibrationRange,
  CalibrationStats,
  ErrorSummary,
  InputGeometry,
  LayerComparison,
  ModelSummary,
  NamedBlob,
  PreprocessSpec,
  PreprocessSuggestion,
  QuantizationFormat,
  QuantizeOptions,
  QuantizeReport,
  RangeMethod,
  TensorMapping,
  TensorSummary,
};

export type * from './shared';
export type * from './model';
export type * from './calibration';
export type * from './bench';
export type * from './learn';
export type * from './graph';
