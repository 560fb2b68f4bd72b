/**
 * The Auto search's trajectory as points a person can pick (pure, tested in auto-points.test.ts): the
 * start (the range methods chosen, every unit INT8), then each greedy step, the accepted ones and the
 * ones tried and dropped. Each point carries the units kept in FP32 when it was measured, so picking
 * it replays exactly the candidate that was measured (a dropped step: the accepted units before it
 * plus its own).
 */
import type { AutoResult, PrecisionPlan } from '../../workers/contracts';

export interface AutoPoint {
  /** 'start', or 'step-K' (K from 0, the search's order). */
  readonly key: string;
  /** FP32 units in the measured candidate. */
  readonly fp32Units: number;
  /** The candidate's size in bytes. */
  readonly bytes: number;
  /** The target's measure (cosine or dB). */
  readonly value: number;
  /** The start, or a step the search kept. */
  readonly accepted: boolean;
  /** The unit this step tried (null for the start). */
  readonly unit: string | null;
  /** The units kept in FP32 in the measured candidate, in the order they were kept. */
  readonly units: readonly string[];
}

export function autoPoints(r: AutoResult): AutoPoint[] {
  const best = r.methods.find((m) => m.method === r.plan.method) ?? r.methods[0];
  const startValue = r.perTensor.length ? r.perTensor[r.perTensor.length - 1].to : (best?.value ?? r.baseline.value);
  const points: AutoPoint[] = [{ key: 'start', fp32Units: 0, bytes: (best ?? r.baseline).agreement.bytes, value: startValue, accepted: true, unit: null, units: [] }];
  const kept: string[] = [];
  r.steps.forEach((s, k) => {
    const units = [...kept, s.unit];
    if (s.accepted) kept.push(s.unit);
    points.push({ key: `step-${k}`, fp32Units: units.length, bytes: s.agreement.bytes, value: s.value, accepted: s.accepted, unit: s.unit, units });
  });
  return points;
}

/** The plan that replays a point: the search's methods, and the nodes of the point's units. */
export function pointPlan(r: AutoResult, point: AutoPoint): PrecisionPlan {
  const nodesOf = new Map((r.sensitivity?.rows ?? []).map((row) => [row.unit.id, row.unit.nodes]));
  const keepNodes = [...new Set(point.units.flatMap((u) => nodesOf.get(u) ?? [u]))];
  return { ...r.plan, keepNodes, keptUnits: [...point.units] };
}

/** The keep list after applying a plan to the keep list the search started from. */
export function keepAfterPlan(base: readonly string[], plan: PrecisionPlan): string[] {
  return [...new Set([...base, ...plan.keepNodes])];
}
