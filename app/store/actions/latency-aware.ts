/**
 * Compare step, latency-aware INT8 (issue 11 items 1-2): on the selected provider, the per-node
 * profile of FP32 beside INT8, the choice of INT8 or FP32 per unit that makes the model fastest there
 * under the accuracy target, and the variants side by side (the bench worker runs the engine's
 * workers/core/profile/latency-aware.ts); the graph overlays get the per-node profiles.
 */
import type { ProviderId, VariantId } from '../../../workers/contracts';
import { problemOf } from '../../../workers/transfer';
import { latencyAwareOnProvider, modelWorker } from '../../workers';
import { saveFile } from '../../lib/download';
import { dropComparison } from './compare';
import { setAnalysisData } from './graph';
import { cancelledProblem, get, throttled } from './shared';

let controller: AbortController | null = null;

export function setTargetCosine(value: number): void {
  if (Number.isFinite(value) && value > 0 && value <= 1) get().patchLatencyAware({ targetCosine: value });
}

export async function runLatencyAware(): Promise<void> {
  const { model, data, quantize, comparison, patchLatencyAware } = get();
  const info = model.info;
  const images = data.evaluation.items.length > 0 ? data.evaluation.items : data.calibration.items;
  const provider = comparison.providers.find((p) => p.config.id === comparison.selected)!;
  const problem = !info?.geometry
    ? 'Open an image model first.'
    : !data.spec
      ? 'Fix the preprocessing settings in the Data step first.'
      : !quantize.outcome || quantize.outcome.format !== 'int8'
        ? 'Build the INT8 model in the Quantize step first: the latency-aware search starts from it.'
        : images.length === 0
          ? 'Add images in the Data step first.'
          : provider.availability && !provider.availability.available
            ? `${provider.config.label} is not available: ${provider.availability.reason ?? ''}`
            : null;
  if (problem || !info?.geometry || !data.spec) {
    patchLatencyAware({ status: 'error', error: { code: 'bad-option', message: problem ?? 'Not ready.' } });
    return;
  }
  dropComparison();
  controller?.abort();
  const own = new AbortController();
  controller = own;
  patchLatencyAware({ status: 'working', error: null, progress: null });
  try {
    const inputs = await modelWorker.latencyInputs();
    const report = throttled((p: Parameters<Parameters<typeof latencyAwareOnProvider>[2]>[0]) => {
      if (controller === own) patchLatencyAware({ progress: p });
    }, 100);
    // Held-out images first: the evaluation set, else the calibration images from the end.
    const held = data.evaluation.items.length > 0 ? [...data.evaluation.items] : [...data.calibration.items].reverse();
    const result = await latencyAwareOnProvider(
      provider.config,
      { ...inputs, modelName: info.name, images: held.slice(0, 4).map((i) => ({ name: i.path, blob: i.blob })), spec: data.spec, geometry: info.geometry, targetCosine: comparison.latencyAware.targetCosine },
      (p) => report(p, false),
      own.signal,
    );
    if (controller !== own) return;
    const results = { ...get().comparison.latencyAware.results, [result.provider]: result };
    patchLatencyAware({ status: 'ready', progress: null, results, shown: result.provider });
    // The graph's overlays: every provider's profiles (one overlay pair each).
    setAnalysisData({ profiles: Object.values(results).flatMap((r) => r?.profiles ?? []) });
  } catch (e) {
    if (controller !== own) return;
    const p = problemOf(e);
    patchLatencyAware({ status: 'error', progress: null, error: p.code === 'cancelled' || own.signal.aborted ? cancelledProblem('The latency-aware search') : p });
  } finally {
    if (controller === own) controller = null;
  }
}

export function cancelLatencyAware(): void {
  controller?.abort();
}

export function showLatencyAware(provider: ProviderId): void {
  get().patchLatencyAware({ shown: provider });
}

export function downloadVariant(provider: ProviderId, id: VariantId): void {
  const d = get().comparison.latencyAware.results[provider]?.downloads.find((x) => x.id === id);
  if (d) saveFile({ name: d.name, mime: 'application/octet-stream', bytes: d.bytes });
}
