/**
 * The export formats and what every export returns: the model, the tensor mapping per-layer
 * comparison reads (metrics/compare.ts) and a report of what was converted and what was kept and why.
 *
 *   int8          QDQ: int8 weights and u8 activations (quant/quantize.ts), needs calibration
 *   fp16          float16 weights and activations, FP32 islands behind Cast nodes (fp16.ts), data-free
 *   int8-weights  int8 weights behind DequantizeLinear, float compute (weight-only.ts), data-free
 *
 * The converted model carries the mapping in its metadata (MAPPING_METADATA_KEY, as the INT8 model
 * does) and its format (FORMAT_METADATA_KEY), so `compare` and the workbench need no name guessing.
 */
import type { TensorMapping } from '../quant/rewrite';
import type { Model } from '../onnx/types';

export type ExportFormat = 'int8' | 'fp16' | 'int8-weights';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['int8', 'fp16', 'int8-weights'];

/** Short names for buttons, tables and file names. */
export const FORMAT_LABELS: Readonly<Record<ExportFormat, string>> = {
  int8: 'INT8',
  fp16: 'FP16',
  'int8-weights': 'INT8 weights',
};

/** What each format is, in one line (CLI usage, the workbench's format choice). */
export const FORMAT_DESCRIPTIONS: Readonly<Record<ExportFormat, string>> = {
  int8: 'int8 weights and activations (QDQ): int8 kernels on CPU/WASM; needs calibration images',
  fp16: 'float16 weights and activations, overflow-prone ops kept FP32 behind Casts: half the size, for WebGPU with shader-f16; needs no calibration',
  'int8-weights': 'int8 weights behind DequantizeLinear, float compute: a quarter of the size where int8 compute would not gain; needs no calibration',
};

/** File name suffix of each format's model (`model.fp16.onnx`). */
export const FORMAT_SUFFIX: Readonly<Record<ExportFormat, string>> = { int8: 'int8', fp16: 'fp16', 'int8-weights': 'int8w' };

export const FORMAT_METADATA_KEY = 'zeropoint.format';

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

/** The format a Zeropoint-written model declares in its metadata (undefined for other models). */
export function formatOfModel(model: Model): ExportFormat | undefined {
  const value = model.metadataProps?.find((p) => p.key === FORMAT_METADATA_KEY)?.value;
  return value && isExportFormat(value) ? value : undefined;
}

/** One node of the source graph: converted to the format, or kept in FP32 and why (data, not a throw). */
export interface ExportNodeDecision {
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  readonly converted: boolean;
  readonly reason?: string;
}

export interface ExportResult<Report> {
  readonly model: Model;
  /** FP32 tensor -> its twin in the exported model (converted or the same name). */
  readonly mapping: readonly TensorMapping[];
  readonly report: Report;
}
