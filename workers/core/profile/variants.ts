/**
 * The variants side by side (issue 11 item 2): FP32, full INT8, latency-aware INT8, FP16 and
 * weight-only INT8, each with its size, its latency as a ratio to FP32 from one interleaved run on the
 * provider, and its accuracy against the target. Plain rows for the CLI, the workbench and the bench.
 */
import type { LatencyAwareResult, TargetVerdict } from './latency-aware';

export { VARIANT_LABELS, type VariantId } from './variant-labels';
import { VARIANT_LABELS, type VariantId } from './variant-labels';

export interface VariantRow {
  readonly id: VariantId;
  readonly label: string;
  readonly bytes: number;
  readonly medianMs: number;
  readonly ratio: number;
  /** The accuracy target's verdict in words, when judged. */
  readonly accuracy?: string;
  readonly met?: boolean;
}

export function variantRows(r: LatencyAwareResult, verdicts: ReadonlyMap<string, TargetVerdict> = new Map()): VariantRow[] {
  const judged = new Map<string, TargetVerdict | null>([
    ['int8', r.fullAccuracy],
    ['latency-aware', r.isFp32 ? null : r.accuracy],
    ...verdicts,
  ]);
  const ids: VariantId[] = ['fp32', 'int8', 'latency-aware', 'fp16', 'int8-weights'];
  return ids.flatMap((id) => {
    const m = r.measured.find((x) => x.id === id);
    if (!m) return [];
    const v = judged.get(id);
    const note = id === 'latency-aware' && r.isFp32 ? 'the FP32 model (INT8 gains nothing here)' : id === 'fp32' ? 'reference' : undefined;
    return [{ id, label: VARIANT_LABELS[id], bytes: m.bytes, medianMs: m.medianMs, ratio: m.ratio, ...(v ? { accuracy: `${v.text}${v.met ? '' : ' (misses the target)'}`, met: v.met } : note ? { accuracy: note } : {}) }];
  });
}
