/** Compare step: providers, latency runs and the FP32/INT8 comparison. */
import type { DetectionJob, ModelVariant, ProviderId } from '../../../workers/contracts';
import { parseClassMap } from '../../../workers/core/analysis/detection/labels';
import { problemOf } from '../../../workers/transfer';
import { compareOnProvider, detectOnProvider, measureLatency, modelWorker, providerAvailability } from '../../workers';
import type { LatencyRow, ModelRole } from '../comparison';
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
    for (const target of targets) {
      const report = throttled((p: Parameters<Parameters<typeof measureLatency>[2]>[0]) => {
        if (compareController === controller) patchLatency({ progress: { ...p, role: target.role } });
      }, 100);
      const bytes = await modelWorker.modelBytes(target.variant);
      const result = await measureLatency(
        provider,
        { model: bytes, modelName: target.name, image: { name: image.name, blob: image.blob }, spec, geometry, warmup: comparison.warmup, runs: comparison.runs },
        (p) => report(p, p.done === p.total),
        controller.signal,
      );
      if (compareController !== controller) return;
      const row: LatencyRow = { ...result, role: target.role };
      const rows = get().comparison.latency.rows.filter((r) => !(r.provider === row.provider && r.role === row.role));
      patchLatency({ rows: [...rows, row] });
    }
    patchLatency({ status: 'ready', progress: null });
  } catch (e) {
    if (compareController !== controller) return;
    const p = problemOf(e);
    patchLatency({ status: 'error', progress: null, error: p.code === 'cancelled' || controller.signal.aborted ? cancelledProblem('The latency run') : p });
  } finally {
    if (compareController === controller) compareController = null;
  }
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
  const images = comparisonImages();
  const provider = selectedProvider().config;
  patchCompare({ status: 'working', error: null, progress: null, result: null, selectedLayer: null });
  try {
    const detection = detectionJob(images);
    const [fp32, int8] = [await modelWorker.modelBytes('prepared'), await modelWorker.modelBytes('int8')];
    const report = throttled((p: { done: number; total: number }) => {
      if (compareController === controller) patchCompare({ progress: p });
    }, 100);
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
      },
      (p) => report(p, p.done === p.total),
      controller.signal,
    );
    if (compareController !== controller) return;
    patchCompare({ status: 'ready', result, progress: null });
  } catch (e) {
    if (compareController !== controller) return;
    const p = problemOf(e);
    patchCompare({ status: 'error', progress: null, error: p.code === 'cancelled' || controller.signal.aborted ? cancelledProblem('The comparison') : p });
  } finally {
    if (compareController === controller) compareController = null;
  }
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
  const images = comparisonImages();
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
    const report = throttled((p: { done: number; total: number }) => {
      if (compareController === controller) patchCompare({ progress: p });
    }, 100);
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
