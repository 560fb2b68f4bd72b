/**
 * The latency-aware result in plain sentences ("on WASM 1 thread this model runs fastest with these
 * 12 convs in INT8: 0.83 of FP32; fully INT8 is 1.62x FP32"), and, when INT8 gains nothing, why,
 * read from the two profiles: which op kinds run slower in INT8 and what the boundaries cost.
 */
import type { PrecisionUnit } from '../analysis/units';
import type { MappedProfile } from './map';
import { KIND_LABELS, type OpKind } from './kinds';
import type { MeasuredVariant, TargetVerdict } from './latency-aware';
import type { UnitTiming } from './choose';

export type ProviderId = 'wasm-1' | 'wasm-n' | 'webgpu' | 'cpu';

export interface ProviderInfo {
  readonly id: ProviderId;
  /** 'WASM 1 thread', 'WASM 4 threads', 'WebGPU', 'onnxruntime-node CPU 1 thread'. */
  readonly label: string;
}

/** What the provider does with int8, for the why. */
const WASM_REASONS: Partial<Record<OpKind | 'all', string>> = {
  depthwise: "onnxruntime-web's WASM int8 depthwise conv is a scalar loop (no SIMD path)",
  pointwise: "onnxruntime-web's WASM int8 GEMM has no relaxed SIMD, so small int8 GEMMs do not beat its float ones",
  dense: 'im2col + int8 GEMM + requantize with NHWC transposes',
};
const PROVIDER_REASONS: Readonly<Record<ProviderId, Partial<Record<OpKind | 'all', string>>>> = {
  'wasm-1': WASM_REASONS,
  'wasm-n': WASM_REASONS,
  webgpu: { all: 'WebGPU has no int8 conv kernels: the INT8 model runs dequantized (DQ -> float op -> Q) or falls back to the CPU' },
  cpu: {},
};

export interface KindRatio {
  readonly kind: OpKind;
  readonly fp32Ms: number;
  readonly int8Ms: number;
  readonly units: number;
}

/** INT8 against FP32 time per op kind over the units (the ops alone, boundaries apart). */
export function kindRatios(units: readonly UnitTiming[]): KindRatio[] {
  const by = new Map<OpKind, { fp32Ms: number; int8Ms: number; units: number }>();
  for (const u of units) {
    const e = by.get(u.kind) ?? { fp32Ms: 0, int8Ms: 0, units: 0 };
    e.fp32Ms += u.fp32Ms;
    e.int8Ms += u.int8Ms;
    e.units++;
    by.set(u.kind, e);
  }
  return [...by].map(([kind, e]) => ({ kind, ...e })).filter((k) => k.fp32Ms > 0).sort((a, b) => b.fp32Ms - a.fp32Ms);
}

const f2 = (x: number) => x.toFixed(2);
const ms = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));

function countByKind(ids: readonly string[], units: readonly UnitTiming[]): string {
  const kindOf = new Map(units.map((u) => [u.id, u.kind]));
  const counts = new Map<OpKind, number>();
  for (const id of ids) counts.set(kindOf.get(id) ?? 'other', (counts.get(kindOf.get(id) ?? 'other') ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${KIND_LABELS[k]}`).join(', ');
}

export interface ExplainInput {
  readonly provider: ProviderInfo;
  readonly int8Units: readonly string[];
  readonly units: readonly PrecisionUnit[];
  readonly isFp32: boolean;
  readonly int8: MappedProfile;
  readonly fp32: MappedProfile;
  readonly choiceModel: { readonly units: readonly UnitTiming[]; readonly fp32Ms: number };
  readonly modeledMs: number;
  readonly refinements: ReadonlyArray<{ readonly units: number; readonly modeledMs: number; readonly measuredMs: number; readonly boundaryScale: number }>;
  readonly boundaryScale: number;
  readonly measured: readonly MeasuredVariant[];
  readonly accuracy: TargetVerdict | null;
  readonly droppedForAccuracy: readonly string[];
  readonly margin: number;
  readonly candidatesMeasured: number;
  readonly byId: ReadonlyMap<string, PrecisionUnit>;
  readonly kindsOf: ReadonlyMap<string, OpKind>;
}

export function explainChoice(r: ExplainInput): { summary: string; notes: string[] } {
  const on = r.provider.label;
  const full = r.measured.find((m) => m.id === 'int8');
  const fullText = full ? (full.ratio >= 1 ? `fully INT8 is ${f2(full.ratio)}x slower than FP32` : `fully INT8 runs at ${f2(full.ratio)} of FP32`) : '';
  const notes: string[] = [];
  const ratios = kindRatios(r.choiceModel.units);
  const kindLine = ratios
    .filter((k) => k.int8Ms > 0)
    .map((k) => `${KIND_LABELS[k.kind]} ${f2(k.int8Ms / k.fp32Ms)}x (${ms(k.int8Ms)} vs ${ms(k.fp32Ms)} ms)`)
    .join(', ');
  if (kindLine) notes.push(`INT8 against FP32 time per op kind on ${on} (the ops alone): ${kindLine}.`);
  const qdq = r.int8.kernels.filter((k) => k.role === 'quantize' || k.role === 'dequantize').reduce((a, k) => a + k.ms, 0);
  const layout = r.int8.kernels.filter((k) => k.role === 'layout').reduce((a, k) => a + k.ms, 0);
  if (qdq + layout > 0) notes.push(`The INT8 model's Q/DQ boundaries take ${ms(qdq)} ms and its layout transposes ${ms(layout)} ms of ${ms(r.int8.totalMs)} ms per run.`);
  const fp32Timed = r.measured.find((m) => m.id === 'fp32');
  if (fp32Timed && full) notes.push(`A profiled run took ${ms(r.fp32.runMs)} ms (FP32) and ${ms(r.int8.runMs)} ms (INT8); timed without the profiler, ${ms(fp32Timed.medianMs)} and ${ms(full.medianMs)} ms: the profile says where the time goes, the timing decides.`);
  const execution = r.int8.nodes.filter((n) => n.quantized && n.execution);
  const unfused = execution.filter((n) => n.execution === 'dq-op-q');
  if (execution.length) notes.push(`${execution.length - unfused.length} of ${execution.length} INT8 nodes ran as fused int8 kernels${unfused.length ? `; ${unfused.length} ran as DQ -> float op -> Q (${unfused.slice(0, 4).map((n) => `${n.node} as ${n.kernels.join('+')}`).join(', ')}${unfused.length > 4 ? ', ...' : ''})` : ''}.`);
  if (r.refinements.length) {
    notes.push(`Choices timed against FP32 (profile ms per run, modeled -> measured): ${r.refinements.map((x) => `${x.units} INT8 units ${ms(x.modeledMs)} -> ${ms(x.measuredMs)}`).join('; ')}${r.boundaryScale > 1 ? `; a Q/DQ boundary inside this graph costs about ${r.boundaryScale.toFixed(1)}x what the all-INT8 profile's Q/DQ and transposes say (onnxruntime keeps the data movement around it in float and adds transposes)` : ''}.`);
  }
  if (r.droppedForAccuracy.length) notes.push(`Kept FP32 for the accuracy target (those that gain least first went back): ${r.droppedForAccuracy.length} unit(s)${r.droppedForAccuracy.length <= 8 ? `: ${r.droppedForAccuracy.join(', ')}` : ''}.`);

  if (!r.isFp32) {
    const chosen = r.measured.find((m) => m.id === 'latency-aware')!;
    const accuracy = r.accuracy ? `, ${r.accuracy.text}` : '';
    const list = r.int8Units.length <= 12 ? `: ${r.int8Units.join(', ')}` : '';
    return {
      summary: `On ${on} this model runs fastest with ${r.int8Units.length} of ${r.units.length} units in INT8 (${countByKind(r.int8Units, r.choiceModel.units)})${list}: ${f2(chosen.ratio)} of FP32${accuracy}; ${fullText}.`,
      notes,
    };
  }
  // Why INT8 gains nothing, from the profiles.
  const reasons = PROVIDER_REASONS[r.provider.id];
  const slower = ratios.filter((k) => k.int8Ms > k.fp32Ms * (1 + r.margin));
  const why: string[] = [];
  if (reasons.all) why.push(reasons.all);
  for (const k of slower.slice(0, 3)) {
    const reason = reasons[k.kind];
    why.push(`${KIND_LABELS[k.kind]} runs ${f2(k.int8Ms / k.fp32Ms)}x slower in INT8${reason ? ` (${reason})` : ''}`);
  }
  const gainers = r.choiceModel.units.filter((u) => u.int8Ms < u.fp32Ms);
  if (gainers.length && r.candidatesMeasured > 0) {
    const candidate = r.measured.filter((m) => m.id.startsWith('candidate-')).reduce<MeasuredVariant | null>((a, b) => (a && a.ratio <= b.ratio ? a : b), null);
    why.push(`the units that gain in INT8, with the Q/DQ boundaries they add, did not beat FP32 by more than the ${Math.round(r.margin * 100)}% noise margin in three of four rounds when timed${candidate ? ` (best ${f2(candidate.ratio)} of FP32)` : ''}`);
  } else if (gainers.length) {
    const gain = gainers.reduce((a, u) => a + u.fp32Ms - u.int8Ms, 0);
    why.push(`the ${gainers.length} unit(s) that are faster in INT8 save ${ms(gain)} ms, less than the Q/DQ boundaries and transposes they would add${r.droppedForAccuracy.length ? ', or miss the accuracy target' : ''}`);
  } else why.push('no unit is faster in INT8 than in FP32');
  if (qdq + layout > 0 && !reasons.all) why.push(`Q/DQ and layout transposes add ${ms(qdq + layout)} ms per run`);
  return {
    summary: `INT8 gains nothing on ${on} for this model: ${why.join('; ')}. The latency-aware model is the FP32 model (every unit kept)${fullText ? `; ${fullText}` : ''}.`,
    notes,
  };
}
