/** The variants' ids and labels: plain data the page may import (no model code). */
export type VariantId = 'fp32' | 'int8' | 'latency-aware' | 'fp16' | 'int8-weights';

export const VARIANT_LABELS: Readonly<Record<VariantId, string>> = {
  fp32: 'FP32',
  int8: 'INT8 (every unit)',
  'latency-aware': 'INT8 latency-aware',
  fp16: 'FP16',
  'int8-weights': 'INT8 weights only',
};
