/**
 * Latency-aware INT8 (issue 11 item 2): per precision unit INT8 or FP32, so that the model is as fast
 * as it can be on the provider the person picked, under the accuracy target of `--auto`
 * (analysis/auto.ts AutoTarget). Every figure is measured on the provider by the host:
 *
 *   1. profile the FP32 model and the all-INT8 model (onnxruntime's per-kernel times, map.ts);
 *   2. model each choice's time from the two profiles and the Q/DQ boundaries it makes (choose.ts);
 *   3. build the best modeled choices (quantize with the other units kept FP32), check the accuracy
 *      target (dropping the units that break it, most damaging first) and time them against FP32
 *      and the all-INT8 model, interleaved in one run (timing.ts);
 *   4. the fastest one wins only if it beats FP32 by more than the noise margin, and in three of four
 *      rounds of the interleaved timing (each round's pair ran next to each other). Otherwise the
 *      latency-aware model IS the FP32 model (every unit kept) and the result says why from the
 *      profiles: it is never slower than FP32 by construction.
 */
import type { CalibrationStats } from '../calibration/collector';
import { throwIfAborted } from '../errors';
import { encodeModel } from '../onnx/encode';
import type { Model } from '../onnx/types';
import { quantizeModel, type QuantizeOptions } from '../quant/quantize';
import { unitsOf } from '../analysis/sensitivity';
import type { PrecisionUnit } from '../analysis/units';
import { mappingFromModel } from '../metrics/compare';
import type { KernelProfile } from './events';
import { mapProfile, type MappedProfile } from './map';
import { groupByKind, nodeKinds, type KindTime } from './kinds';
import { chooseUnits, choiceModel, type ChoiceModel } from './choose';
import { median, quantile } from './timing';
import { explainChoice, type ProviderInfo } from './explain';

export interface LatencyHost {
  /**
   * Profiles the models on the provider (warm-up runs, then profiled runs, the models in turn so a
   * shared machine's load hits them alike): their kernel times, in order.
   */
  profile(models: ReadonlyArray<{ readonly id: string; readonly bytes: Uint8Array }>): Promise<KernelProfile[]>;
  /** Times the models interleaved (round robin) on the provider: ms samples per model, in order. */
  time(models: ReadonlyArray<{ readonly id: string; readonly bytes: Uint8Array }>): Promise<number[][]>;
}

/** The accuracy target's verdict on a candidate (analysis/auto.ts targets; see targetJudge). */
export interface TargetVerdict {
  readonly met: boolean;
  readonly value: number;
  /** The value in words ('cosine 0.9987', 'AP50 drop 0.004'). */
  readonly text: string;
}

export interface LatencyAwareContext {
  readonly prepared: Model;
  readonly stats: CalibrationStats;
  /** The INT8 options as the person set them (their keep list stays FP32 in every candidate). */
  readonly options: QuantizeOptions;
  readonly provider: ProviderInfo;
  readonly host: LatencyHost;
  /** The accuracy target; without one, candidates are not judged. */
  readonly judge?: (model: Model) => Promise<TargetVerdict>;
  /** Other variants timed in the same interleaved run (FP16, weight-only INT8), for the variants table. */
  readonly extra?: ReadonlyArray<{ readonly id: string; readonly bytes: Uint8Array }>;
  /** A candidate must be faster than FP32 by this share of FP32's median (default 0.03). */
  readonly margin?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { phase: 'profile' | 'choose' | 'accuracy' | 'timing'; message: string }) => void;
}

export interface MeasuredVariant {
  readonly id: string;
  readonly bytes: number;
  readonly medianMs: number;
  /** Median over FP32's median (interleaved in the same run). */
  readonly ratio: number;
  readonly samples: number;
}

export interface LatencyAwareResult {
  readonly provider: ProviderInfo;
  /** INT8 units chosen (empty: the model is FP32). */
  readonly int8Units: readonly string[];
  readonly units: readonly PrecisionUnit[];
  /** Nodes kept FP32 in the latency-aware model, beyond the person's own keep list. */
  readonly keepNodes: readonly string[];
  /** The latency-aware model: the prepared FP32 model when INT8 gains nothing. */
  readonly model: Model;
  readonly isFp32: boolean;
  /** The model with every unit INT8 (the person's options) and its bytes, as profiled and timed. */
  readonly fullInt8: Model;
  readonly int8Bytes: Uint8Array;
  /** The accuracy target's verdict on it. */
  readonly fullAccuracy: TargetVerdict | null;
  readonly fp32: MappedProfile;
  readonly int8: MappedProfile;
  readonly kinds: { readonly fp32: readonly KindTime[]; readonly int8: readonly KindTime[] };
  readonly choiceModel: Pick<ChoiceModel, 'units' | 'costs' | 'fp32Ms' | 'int8Ms'>;
  /** The modeled time of the chosen set, ms per run (profile scale), with the refined boundary costs. */
  readonly modeledMs: number;
  /** Choices timed against FP32 to refine the boundary costs: modeled and measured ms (profile scale). */
  readonly refinements: ReadonlyArray<{ readonly units: number; readonly modeledMs: number; readonly measuredMs: number; readonly boundaryScale: number }>;
  /** The boundary costs' multiplier the measurements led to (1: as the all-INT8 profile says). */
  readonly boundaryScale: number;
  /** Timed in one interleaved run: 'fp32', 'int8', 'latency-aware', candidates and the extras. */
  readonly measured: readonly MeasuredVariant[];
  readonly accuracy: TargetVerdict | null;
  /** Units taken out of INT8 for the accuracy target, in order. */
  readonly droppedForAccuracy: readonly string[];
  /** The result in plain sentences: what was chosen, the ratios, why. */
  readonly summary: string;
  readonly notes: readonly string[];
}

export const DEFAULT_MARGIN = 0.03;
/** Choices timed against FP32 while the boundary costs are refined. */
const REFINE_ROUNDS = 3;

/** The model of a choice: the person's options with every unit not chosen kept FP32 (all its nodes). */
export function quantizeChoice(prepared: Model, stats: CalibrationStats, options: QuantizeOptions, units: readonly PrecisionUnit[], int8Units: readonly string[]): { keep: string[]; model: Model } {
  const on = new Set(int8Units);
  const keep = units.filter((u) => !on.has(u.id)).flatMap((u) => u.nodes);
  return { keep, model: quantizeModel(prepared, stats, { ...options, keepNodes: [...options.keepNodes, ...keep] }).model };
}

export async function latencyAware(ctx: LatencyAwareContext): Promise<LatencyAwareResult> {
  const margin = ctx.margin ?? DEFAULT_MARGIN;
  const progress = (phase: 'profile' | 'choose' | 'accuracy' | 'timing', message: string) => ctx.onProgress?.({ phase, message });
  const full = quantizeModel(ctx.prepared, ctx.stats, ctx.options);
  const fp32Bytes = encodeModel(ctx.prepared);
  const int8Bytes = encodeModel(full.model);

  progress('profile', `profiling the FP32 and INT8 models on ${ctx.provider.label}`);
  const [p32, p8] = await ctx.host.profile([
    { id: 'fp32', bytes: fp32Bytes },
    { id: 'int8', bytes: int8Bytes },
  ]);
  throwIfAborted(ctx.signal);
  const fp32 = mapProfile(p32, ctx.prepared, { fp32: ctx.prepared });
  const int8 = mapProfile(p8, full.model, { fp32: ctx.prepared, mapping: mappingFromModel(full.model) ?? full.mapping });
  const kinds = nodeKinds(ctx.prepared);

  progress('choose', 'modelling each unit in INT8 or FP32');
  const units = unitsOf(ctx.prepared, ctx.stats, ctx.options);
  const model = choiceModel(ctx.prepared, units, fp32, int8);
  const byId = new Map(units.map((u) => [u.id, u]));
  const build = (int8Units: readonly string[]) => quantizeChoice(ctx.prepared, ctx.stats, ctx.options, units, int8Units);
  const fullVerdict = ctx.judge ? await ctx.judge(full.model) : null;
  let accuracy: TargetVerdict | null = null;
  const candidates: Array<{ int8Units: string[]; keep: string[]; model: Model; verdict: TargetVerdict | null; dropped: string[] }> = [];

  /**
   * The set as is when it meets the accuracy target; else the longest prefix of it, ranked by the time
   * each unit gains, that does (bisection: the units that buy the most time stay INT8). Null: none does.
   */
  const meetTarget = async (set: readonly string[]) => {
    let built = build(set);
    const verdict = ctx.judge ? await ctx.judge(built.model) : null;
    if (!verdict || verdict.met || !ctx.judge) return { units: [...set], built, verdict, dropped: [] as string[] };
    progress('accuracy', `${set.length} INT8 units miss the accuracy target (${verdict.text}): keeping the ones that gain most`);
    const gain = new Map(model.units.map((u) => [u.id, u.fp32Ms - u.int8Ms]));
    const ranked = [...set].sort((a, b) => (gain.get(b) ?? 0) - (gain.get(a) ?? 0));
    let lo = 1;
    let hi = ranked.length - 1;
    let found: { k: number; built: ReturnType<typeof build>; verdict: TargetVerdict } | null = null;
    while (lo <= hi) {
      throwIfAborted(ctx.signal);
      const k = Math.floor((lo + hi + 1) / 2);
      const b = build(ranked.slice(0, k));
      const v = await ctx.judge(b.model);
      if (v.met) {
        found = { k, built: b, verdict: v };
        lo = k + 1;
      } else hi = k - 1;
    }
    if (!found) return null;
    built = found.built;
    return { units: ranked.slice(0, found.k), built, verdict: found.verdict as TargetVerdict | null, dropped: ranked.slice(found.k) };
  };

  // Rounds: choose with the boundary costs as modeled, time the choice against FP32, and when it ran
  // slower than modeled, scale the boundary costs until the model explains the measurement (a boundary
  // inside a graph costs more than the all-INT8 profile's Q/DQ and transposes say), then choose again.
  let boundaryScale = 1;
  const seen = new Set<string>();
  const refinements: Array<{ units: number; modeledMs: number; measuredMs: number; boundaryScale: number }> = [];
  for (let round = 0; round < REFINE_ROUNDS; round++) {
    throwIfAborted(ctx.signal);
    const { best } = chooseUnits(model, { boundaryScale });
    let current = [...best.int8];
    const key = current.join('\u0000');
    if (current.length === 0 || current.length === units.length || best.modeledMs >= model.fp32Ms * (1 - margin) || seen.has(key)) break;
    seen.add(key);
    const met = await meetTarget(current);
    if (!met) break;
    const { built, verdict, dropped } = met;
    current = met.units;
    candidates.push({ int8Units: current, keep: built.keep, model: built.model, verdict, dropped });
    if (round === REFINE_ROUNDS - 1) break;
    progress('timing', `timing a choice of ${current.length} INT8 units against FP32 (round ${round + 1})`);
    const probe = await ctx.host.time([
      { id: 'fp32', bytes: fp32Bytes },
      { id: 'candidate', bytes: encodeModel(built.model) },
    ]);
    const measuredMs = (median(probe[1]) / median(probe[0])) * model.fp32Ms;
    const plain = model.modeled(new Set(current), 1);
    refinements.push({ units: current.length, modeledMs: model.modeled(new Set(current), boundaryScale).ms, measuredMs, boundaryScale });
    const needed = plain.boundaryMs > 0 ? (measuredMs - (plain.ms - plain.boundaryMs)) / plain.boundaryMs : boundaryScale;
    // The model explains the measurement (within the margin): no better choice to expect from it.
    if (needed <= boundaryScale * 1.25) break;
    boundaryScale = Math.min(1000, needed);
  }

  // Every unit INT8 misses the target: the units that gain most, as many as the target allows, are a candidate too.
  if (fullVerdict && !fullVerdict.met) {
    const met = await meetTarget(units.map((u) => u.id));
    if (met && !candidates.some((c) => c.int8Units.length === met.units.length && c.int8Units.every((id) => met.units.includes(id)))) {
      candidates.push({ int8Units: met.units, keep: met.built.keep, model: met.built.model, verdict: met.verdict, dropped: met.dropped });
    }
  }

  progress('timing', `timing FP32, INT8${candidates.length ? ` and ${candidates.length} latency-aware candidate(s)` : ''} interleaved`);
  const encoded = candidates.map((c) => encodeModel(c.model));
  const variants = [
    { id: 'fp32', bytes: fp32Bytes },
    { id: 'int8', bytes: int8Bytes },
    ...encoded.map((bytes, i) => ({ id: `candidate-${i + 1}`, bytes })),
    ...(ctx.extra ?? []),
  ];
  const samples = await ctx.host.time(variants);
  const fp32Median = median(samples[0]);
  const measured: MeasuredVariant[] = variants.map((v, i) => ({ id: v.id, bytes: v.bytes.length, medianMs: median(samples[i]), ratio: median(samples[i]) / fp32Median, samples: samples[i].length }));
  // Every unit INT8 is a choice too (when it meets the target): the fastest measured wins.
  const all = { int8Units: units.map((u) => u.id), keep: [] as string[], model: full.model, verdict: fullVerdict, dropped: [] as string[] };
  const pool = [...candidates.map((c, i) => ({ c, m: measured[2 + i], k: 2 + i })), ...(fullVerdict === null || fullVerdict.met ? [{ c: all, m: measured[1], k: 1 }] : [])];
  // Faster than FP32 beyond the margin, and in most rounds: the ratio of each round's pair (run next
  // to each other, so a load change hits both) must be under 1 in three rounds of four.
  const faster = (k: number) => quantile(samples[k].map((t, i) => t / samples[0][i]), 0.75) < 1;
  const best = pool.filter((p) => p.m.ratio <= 1 - margin && faster(p.k)).sort((a, b) => a.m.ratio - b.m.ratio)[0];
  const chosen = best?.c ?? null;
  accuracy = chosen?.verdict ?? null;
  const own = best?.m ?? measured[0];
  measured.push({ ...own, id: 'latency-aware' });

  const result = {
    provider: ctx.provider,
    int8Units: chosen?.int8Units ?? [],
    units,
    keepNodes: chosen ? chosen.keep : units.flatMap((u) => u.nodes),
    model: chosen?.model ?? ctx.prepared,
    isFp32: chosen === null,
    fullInt8: full.model,
    int8Bytes,
    fullAccuracy: fullVerdict,
    fp32,
    int8,
    kinds: { fp32: groupByKind(fp32, kinds), int8: groupByKind(int8, kinds) },
    choiceModel: { units: model.units, costs: model.costs, fp32Ms: model.fp32Ms, int8Ms: model.int8Ms },
    modeledMs: chosen ? model.modeled(new Set(chosen.int8Units), boundaryScale).ms : model.fp32Ms,
    refinements,
    boundaryScale,
    measured,
    accuracy,
    droppedForAccuracy: chosen?.dropped ?? [],
  };
  const { summary, notes } = explainChoice({ ...result, byId, margin, candidatesMeasured: candidates.length, kindsOf: kinds });
  return { ...result, summary, notes };
}
