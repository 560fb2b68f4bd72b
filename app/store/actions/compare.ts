/** Compare step: providers, latency runs and the FP32/INT8 comparison. */
import type { CompareProgress, ComparisonSummary, DetectionJob, LatencyProgress, ModelVariant, ProviderId } from '../../../workers/contracts';
import { parseClassMap } from '../../../workers/core/analysis/detection/labels';
import { problemOf } from '../../../workers/transfer';
import { compareOnProvider, detectOnProvider, measureLatencyPair, modelWorker, providerAvailability } from '../../workers';
import type { ComparePace, ComparisonRun, LatencyRow, ModelRole } from '../comparison';
import type { ImageItem } from '../types';
import { cancelledProblem, get, throttled } from './shared';

export async function checkProviders(): Promise<void> {
  const providers = get().comparison.providers;
  await Promise.all(
    providers.map(async (p) => {
      let availability;
      try {
        availability = await providerAvailability(p.config);
      } catch (e) {
        availability = { id: p.config.id, available: false, reason: problemOf(e).message };
      }
      const current = get().comparison;
      get().patchComparison({ providers: current.providers.map((q) => (q.config.id === p.config.id ? { ...q, availability } : q)) });
    }),
  );
}

export function selectProvider(id: ProviderId): void {
  get().patchComparison({ selected: id });
}

export function setLatencyRuns(patch: { warmup?: number; runs?: number }): void {
  const c = get().comparison;
  get().patchComparison({
    warmup: Math.max(0, Math.min(100, Math.round(patch.warmup ?? c.warmup))),
    runs: Math.max(1, Math.min(1000, Math.round(patch.runs ?? c.runs))),
  });
}

let compareController: AbortController | null = null;

/** Stops a latency or comparison run silently (superseded by a new run or a new model). */
export function dropComparison(): void {
  const controller = compareController;
  compareController = null;
  controller?.abort();
}

function comparisonImages(): ImageItem[] {
  const { evaluation, calibration } = get().data;
  return evaluation.items.length > 0 ? [...evaluation.items] : [...calibration.items];
}

function selectedProvider() {
  const { comparison } = get();
  const provider = comparison.providers.find((p) => p.config.id === comparison.selected)!;
  return provider;
}

function benchReady(): { problem: string | null } {
  const { model, data } = get();
  const info = model.info;
  if (!info) return { problem: 'Open a model first.' };
  if (!info.geometry) return { problem: info.notImage?.message ?? 'The model has no image input.' };
  if (!data.spec) return { problem: data.specError?.message ?? 'Fix the preprocessing settings in the Data step first.' };
  if (comparisonImages().length === 0) return { problem: 'Add images in the Data step first (evaluation images, or calibration images).' };
  const provider = selectedProvider();
  if (provider.availability && !provider.availability.available) return { problem: `${provider.config.label} is not available: ${provider.availability.reason ?? ''}` };
  return { problem: null };
}

export async function runLatency(): Promise<void> {
  const { patchLatency, model, data, quantize, comparison } = get();
  const { problem } = benchReady();
  if (problem || !model.info?.geometry || !data.spec) {
    patchLatency({ status: 'error', error: { code: 'bad-option', message: problem ?? 'Not ready.' } });
    return;
  }
  dropComparison();
  const controller = new AbortController();
  compareController = controller;
  const info = model.info;
  const geometry = info.geometry!;
  const spec = data.spec;
  const provider = selectedProvider().config;
  const image = comparisonImages()[0];
  const targets: Array<{ role: ModelRole; variant: ModelVariant; name: string }> = info.prepared
    ? [{ role: 'fp32', variant: 'prepared', name: info.name }]
    : [{ role: 'model', variant: 'original', name: info.name }];
  if (quantize.outcome) targets.push({ role: 'int8', variant: 'int8', name: quantize.outcome.int8Name });
  patchLatency({ status: 'working', error: null, progress: null });
  try {
    // Both models in one worker call, their runs alternating, so noise weighs on both alike.
    const role = targets.length === 2 ? ('pair' as const) : targets[0].role;
    const report = throttled((p: LatencyProgress) => {
      if (compareController === controller) patchLatency({ progress: { ...p, role } });
    }, 100);
    const models = [];
    for (const t of targets) models.push({ model: await modelWorker.modelBytes(t.variant), modelName: t.name });
    const results = await measureLatencyPair(
      provider,
      { models, image: { name: image.name, blob: image.blob }, spec, geometry, warmup: comparison.warmup, runs: comparison.runs },
      (p) => report(p, p.done === p.total),
      controller.signal,
    );
    if (compareController !== controller) return;
    const fresh: LatencyRow[] = results.map((r, k) => ({ ...r, role: targets[k].role }));
    const rows = get().comparison.latency.rows.filter((r) => !(r.provider === provider.id && fresh.some((f) => f.role === r.role)));
    patchLatency({ rows: [...rows, ...fresh], status: 'ready', progress: null });
  } catch (e) {
    if (compareController !== controller) return;
    const p = problemOf(e);
    patchLatency({ status: 'error', progress: null, error: p.code === 'cancelled' || controller.signal.aborted ? cancelledProblem('The latency run') : p });
  } finally {
    if (compareController === controller) compareController = null;
  }
}

/** The most images a comparison uses (null: all); kept to 1..the images there are when applied. */
export function setCompareImageCap(cap: number | null): void {
  get().patchComparison({ imageCap: cap === null || !Number.isFinite(cap) || cap < 1 ? null : Math.round(cap) });
}

/** The images a comparison runs on: the evaluation set (else calibration), the first N when capped. */
export function comparedImages(): ImageItem[] {
  const cap = get().comparison.imageCap;
  const all = comparisonImages();
  return cap === null ? all : all.slice(0, cap);
}

/** Names the FP32 side of a comparison: the bench worker keeps its outputs under it and reuses them while it holds. */
const modelEpochs = new WeakMap<object, number>();
let epoch = 0;
function referenceKey(): string {
  const { model, data } = get();
  const info = model.info!;
  if (!modelEpochs.has(info)) modelEpochs.set(info, ++epoch);
  return JSON.stringify([info.name, modelEpochs.get(info), data.spec, info.geometry]);
}

/** The settings that made the quantized model, in a few words each (a history row's label). */
function runSettings(): Record<string, string> {
  const { quantize, ranges, comparison } = get();
  const o = ranges.options;
  const kept = quantize.keepNodes.length + (quantize.keepFirstAndLast ? 2 : 0);
  const format = quantize.outcome?.format ?? 'int8';
  return {
    format,
    ...(format === 'int8'
      ? {
          method: o.method === 'percentile' ? `percentile ${o.percentile}` : o.method,
          weights: o.perChannel ? 'per channel' : 'per tensor',
          activations: `${o.activationType}${o.activationSymmetric ? ' symmetric' : ''}`,
          'bias correction': quantize.biasCorrection ? 'on' : 'off',
          'per-tensor methods': String(Object.keys(quantize.methodByTensor).length),
        }
      : {}),
    'kept FP32': `${kept} node(s)${quantize.keepOpTypes.length ? ` + ${quantize.keepOpTypes.join(', ')}` : ''}`,
    provider: comparison.selected,
  };
}

const HISTORY_LIMIT = 12;

/** A finished comparison joins the history, without its histograms. */
function addToHistory(result: ComparisonSummary): void {
  const { comparison, model, quantize, patchComparison } = get();
  const id = (comparison.history.at(-1)?.id ?? 0) + 1;
  const slim: ComparisonSummary = { ...result, errorHistograms: { outputs: result.errorHistograms.outputs, layers: {} }, activationHistograms: {} };
  const run: ComparisonRun = { id, at: Date.now(), model: model.info?.name ?? '', int8Name: quantize.outcome?.int8Name ?? '', settings: runSettings(), result: slim };
  patchComparison({ history: [...comparison.history, run].slice(-HISTORY_LIMIT) });
}

/** Shows a run of the history beside the latest comparison (null: none). */
export function showSideBySide(id: number | null): void {
  get().patchComparison({ sideBySide: id });
}

export function clearHistory(): void {
  get().patchComparison({ history: [], sideBySide: null });
}

export async function runComparison(): Promise<void> {
  const { patchCompare, model, data, quantize } = get();
  const { problem } = benchReady();
  const info = model.info;
  const missing = problem ?? (!info?.prepared ? 'Comparison needs an FP32 model and the INT8 model built from it; this model cannot be quantized here.' : !quantize.outcome ? 'Build the INT8 model in the Quantize step first.' : null);
  if (missing || !info?.geometry || !data.spec || !quantize.outcome) {
    patchCompare({ status: 'error', error: { code: 'bad-option', message: missing ?? 'Not ready.' } });
    return;
  }
  dropComparison();
  const controller = new AbortController();
  compareController = controller;
  const images = comparedImages();
  const provider = selectedProvider().config;
  patchCompare({ status: 'working', error: null, progress: null, result: null, selectedLayer: null });
  try {
    const detection = detectionJob(images);
    const [fp32, int8] = [await modelWorker.modelBytes('prepared'), await modelWorker.modelBytes('int8')];
    const report = throttled(paced((p) => {
      if (compareController === controller) patchCompare({ progress: p });
    }), 100);
    const result = await compareOnProvider(
      provider,
      {
        fp32,
        int8,
        fp32Name: info.name,
        int8Name: quantize.outcome.int8Name,
        images: images.map((i) => ({ name: i.path, blob: i.blob })),
        labels: images.some((i) => i.label !== null) ? images.map((i) => i.label) : null,
        spec: data.spec,
        geometry: info.geometry,
        detection,
        referenceKey: referenceKey(),
      },
      (p) => report(p, p.done === p.total),
      controller.signal,
    );
    if (compareController !== controller) return;
    patchCompare({ status: 'ready', result, progress: null });
    addToHistory(result);
  } catch (e) {
    if (compareController !== controller) return;
    const p = problemOf(e);
    patchCompare({ status: 'error', progress: null, error: p.code === 'cancelled' || controller.signal.aborted ? cancelledProblem('The comparison') : p });
  } finally {
    if (compareController === controller) compareController = null;
  }
}

/**
 * Progress with its pace: images per second since the first image came back (session creation is
 * not an image's time) and the time left at that pace.
 */
function paced(emit: (p: ComparePace) => void): (p: CompareProgress) => void {
  const t0 = performance.now();
  let first: { at: number; done: number } | null = null;
  return (p) => {
    const now = performance.now();
    if (p.done > 0 && !first) first = { at: now, done: p.done };
    const rate = first && p.done > first.done ? (p.done - first.done) / ((now - first.at) / 1000) : null;
    emit({ done: p.done, total: p.total, elapsedMs: now - t0, secondsLeft: rate ? (p.total - p.done) / rate : null, reused: p.reused ?? 0 });
  };
}

/** Detection scoring when the images came with YOLO label files: the settings of the Detection panel. */
function detectionJob(images: readonly ImageItem[]): DetectionJob | null {
  if (!images.some((i) => i.boxes !== undefined)) return null;
  const { decoder, classes } = get().comparison.detection;
  return { labels: images.map((i) => i.boxes ?? null), decoder: decoder || null, classMap: classes.trim() ? parseClassMap(classes) : null };
}

/** The Detection panel's decoder ('' = from the outputs) and class map as typed; applied by the next comparison. */
export function setDetectionOptions(patch: { decoder?: string; classes?: string }): void {
  const c = get().comparison;
  get().patchComparison({ detection: { ...c.detection, ...patch } });
}

/**
 * Scores the detector again with the Detection panel's settings: FP32 and INT8 on the comparison
 * images, plain runs only (no per-layer statistics), and the new figures replace the old ones in the
 * comparison shown.
 */
export async function rescoreDetection(): Promise<void> {
  const { patchCompare, model, data, quantize, comparison } = get();
  const info = model.info;
  const images = comparedImages();
  if (!comparison.compare.result || !info?.geometry || !data.spec || !quantize.outcome || !info.prepared) return runComparison();
  dropComparison();
  const controller = new AbortController();
  compareController = controller;
  const previous = comparison.compare.result;
  patchCompare({ status: 'working', error: null, progress: null, result: { ...previous, detection: null } });
  try {
    const detection = detectionJob(images);
    if (!detection) throw new Error('The comparison images have no YOLO label files.');
    const [fp32, int8] = [await modelWorker.modelBytes('prepared'), await modelWorker.modelBytes('int8')];
    const report = throttled(paced((p) => {
      if (compareController === controller) patchCompare({ progress: p });
    }), 100);
    const summary = await detectOnProvider(
      selectedProvider().config,
      { fp32, int8, fp32Name: info.name, int8Name: quantize.outcome.int8Name, images: images.map((i) => ({ name: i.path, blob: i.blob })), spec: data.spec, geometry: info.geometry, detection },
      (p) => report(p, p.done === p.total),
      controller.signal,
    );
    if (compareController !== controller) return;
    patchCompare({ status: 'ready', progress: null, result: { ...previous, detection: summary, agreement: summary.ok ? null : previous.agreement } });
  } catch (e) {
    if (compareController !== controller) return;
    const p = problemOf(e);
    patchCompare({ status: 'error', progress: null, result: previous, error: p.code === 'cancelled' || controller.signal.aborted ? cancelledProblem('Scoring the detector') : p });
  } finally {
    if (compareController === controller) compareController = null;
  }
}

export function cancelComparison(): void {
  compareController?.abort();
}

/** Shows one layer's error and activation histograms (null: back to the worst layer). */
export function selectLayer(fp32Tensor: string | null): void {
  get().patchCompare({ selectedLayer: fp32Tensor });
}

export function setCompareLogScale(logScale: boolean): void {
  get().patchCompare({ logScale });
}
