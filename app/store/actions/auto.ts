/**
 * Auto in the Quantize step: the engine's automatic mixed precision (core/analysis/auto.ts) on its own
 * analysis worker, to a cosine or SQNR target within a budget of FP32 units, with progress per phase
 * and Cancel. Its trajectory is a set of points (lib/auto-points.ts); picking one applies its plan (the
 * keep list the search started from plus the point's units, the range method and the methods per
 * tensor) and rebuilds the INT8 model, so the fidelity gate judges it.
 */
import type { AutoTargetChoice } from '../../../workers/contracts';
import { problemOf } from '../../../workers/transfer';
import { runAutoSearch } from '../../analysis-workers';
import { autoPoints, keepAfterPlan, pointPlan } from '../../lib/auto-points';
import { saveFile } from '../../lib/download';
import { modelWorker } from '../../workers';
import type { AutoSettings } from '../analysis';
import { analysisBlocked, referenceFor } from './analysis';
import { resetQuantizeOutcome } from './invalidate';
import { buildInt8 } from './quantize';
import { currentQuery, refreshRangeTable } from './ranges';
import { cancelledProblem, get, throttled } from './shared';

export function setAutoSettings(patch: Partial<AutoSettings>): void {
  const { analysis, patchAuto } = get();
  const auto = analysis.auto;
  const next = { ...auto.settings, ...patch };
  const finite = (v: number, lo: number, hi: number, fallback: number) => (Number.isFinite(v) ? Math.max(lo, Math.min(hi, v)) : fallback);
  patchAuto({
    settings: {
      ...next,
      cosine: finite(next.cosine, 0.5, 1, auto.settings.cosine),
      db: finite(next.db, 1, 150, auto.settings.db),
      maxFp32: next.maxFp32 === null ? null : Math.round(finite(next.maxFp32, 0, 10_000, 4)),
      refine: Math.round(finite(next.refine, 0, 100, auto.settings.refine)),
    },
  });
}

function targetOf(s: AutoSettings): AutoTargetChoice {
  return s.target === 'sqnr' ? { kind: 'sqnr', db: s.db } : { kind: 'agreement', cosine: s.cosine };
}

let controller: AbortController | null = null;

export async function runAuto(): Promise<void> {
  const { patchAuto } = get();
  const blocked = analysisBlocked();
  if (blocked) {
    patchAuto({ status: 'error', error: { code: 'bad-option', message: blocked } });
    return;
  }
  controller?.abort();
  const own = new AbortController();
  controller = own;
  const mine = () => controller === own;
  const query = currentQuery();
  const info = get().model.info!;
  const settings = get().analysis.auto.settings;
  const target = targetOf(settings);
  const t0 = performance.now();
  patchAuto({ status: 'working', referenceProgress: null, progress: null, result: null, target: null, images: null, applied: null, error: null });
  try {
    const stats = await modelWorker.calibrationStats();
    const reportReference = throttled((p: { done: number; total: number }) => mine() && patchAuto({ referenceProgress: p }), 100);
    const { reference, images } = await referenceFor('auto', own.signal, (p) => reportReference(p, p.done === p.total));
    if (!mine()) return;
    patchAuto({ images });
    const report = throttled((p: Parameters<Parameters<typeof runAutoSearch>[1]>[0]) => mine() && patchAuto({ progress: { ...p, elapsedMs: performance.now() - t0 } }), 150);
    const result = await runAutoSearch(
      {
        model: await modelWorker.modelBytes('prepared'),
        modelName: info.name,
        stats,
        options: query,
        reference,
        target,
        maxFp32: settings.maxFp32 ?? undefined,
        methods: settings.allMethods ? undefined : [query.method ?? 'minmax'],
        refine: settings.refine,
      },
      (p) => report(p),
      own.signal,
    );
    if (!mine()) return;
    patchAuto({ status: 'ready', progress: null, result, target, baseKeepNodes: query.keepNodes ?? [] });
  } catch (e) {
    if (!mine()) return;
    const p = problemOf(e);
    if (p.code === 'cancelled' || own.signal.aborted) patchAuto({ status: 'cancelled', progress: null, error: cancelledProblem('The Auto search') });
    else patchAuto({ status: 'error', progress: null, error: p });
  } finally {
    if (mine()) controller = null;
  }
}

export function cancelAuto(): void {
  controller?.abort();
}

/** A change upstream: a running search stops silently. */
export function dropAuto(): void {
  const c = controller;
  controller = null;
  c?.abort();
}

/** Applies a point's plan (keep list, range method, methods per tensor) and rebuilds the INT8 model. */
export async function applyAutoPoint(key: string): Promise<void> {
  const { analysis, ranges, patchQuantize, patchRanges, patchAuto } = get();
  const { result, baseKeepNodes } = analysis.auto;
  const point = result ? autoPoints(result).find((p) => p.key === key) : undefined;
  if (!result || !point) return;
  const plan = pointPlan(result, point);
  patchQuantize({ keepNodes: keepAfterPlan(baseKeepNodes, plan), methodByTensor: { ...plan.methodByTensor } });
  patchRanges({ options: { ...ranges.options, method: plan.method } });
  patchAuto({ applied: key });
  resetQuantizeOutcome();
  void refreshRangeTable();
  await buildInt8();
}

/** The chosen plan (or a point's) as the JSON `zeropoint quantize --plan` replays. */
export function downloadPlan(key?: string): void {
  const { analysis, model } = get();
  const result = analysis.auto.result;
  if (!result) return;
  const point = key ? autoPoints(result).find((p) => p.key === key) : undefined;
  const plan = point ? pointPlan(result, point) : result.plan;
  const bytes = new TextEncoder().encode(`${JSON.stringify(plan, null, 2)}\n`);
  saveFile({ name: `${(model.info?.name ?? 'model').replace(/\.onnx$/i, '')}.plan.json`, mime: 'application/json', bytes });
}
