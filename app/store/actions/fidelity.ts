/**
 * The fidelity gate after each build: FP32 and INT8 on up to 4 held-out images (the evaluation
 * images, which calibration never sees; without them the last calibration images, said so) on a
 * WASM bench worker. The result belongs to the outcome it ran on, so a rebuild or a keep change
 * never shows a stale verdict.
 */
import type { ProviderConfig, QuantizeOutcome } from '../../../workers/contracts';
import { problemOf } from '../../../workers/transfer';
import { checkFidelityOnProvider, modelWorker, providerAvailability } from '../../workers';
import { initialFidelity, type FidelityState } from '../quantize';
import type { ImageItem } from '../types';
import { cancelledProblem, get, throttled } from './shared';

/** Images the gate runs on at most (a few: it runs after every build). */
export const FIDELITY_IMAGES = 4;

let controller: AbortController | null = null;

/** Up to `max` images calibration did not use, else the last calibration images. */
export function fidelityImages(sets: { evaluation: readonly ImageItem[]; calibration: readonly ImageItem[] }, max = FIDELITY_IMAGES): { items: ImageItem[]; heldOut: boolean } {
  if (sets.evaluation.length > 0) return { items: sets.evaluation.slice(0, max), heldOut: true };
  return { items: sets.calibration.slice(Math.max(0, sets.calibration.length - max)), heldOut: false };
}

/** WASM on as many threads as the page allows, else one thread: the gate never waits on a GPU. */
async function gateProvider(): Promise<ProviderConfig> {
  const wasm = get().comparison.providers.map((p) => p.config).filter((c) => c.provider === 'wasm');
  const threaded = wasm.find((c) => c.threads > 1);
  if (threaded && (await providerAvailability(threaded).catch(() => null))?.available) return threaded;
  return wasm.find((c) => c.threads <= 1) ?? wasm[0];
}

function patchFidelity(outcome: QuantizeOutcome, patch: Partial<FidelityState>): void {
  const { quantize, patchQuantize } = get();
  // Only while the outcome it runs for is still the one shown.
  if (quantize.outcome === outcome) patchQuantize({ fidelity: { ...quantize.fidelity, ...patch, outcome } });
}

export function cancelFidelity(): void {
  controller?.abort();
  controller = null;
}

/** Runs the gate on the current INT8 model; failures land in the gate's own error (the model stays). */
export async function runFidelity(): Promise<void> {
  cancelFidelity();
  const { quantize, model, data, patchQuantize } = get();
  const outcome = quantize.outcome;
  const info = model.info;
  if (!outcome || !info?.geometry || !data.spec) return;
  const { items, heldOut } = fidelityImages({ evaluation: data.evaluation.items, calibration: data.calibration.items });
  if (items.length === 0) return;
  const own = new AbortController();
  controller = own;
  patchQuantize({ fidelity: { ...initialFidelity, status: 'working', outcome, heldOut } });
  try {
    const [fp32, int8] = [await modelWorker.modelBytes('prepared'), await modelWorker.modelBytes('int8')];
    const report = throttled((p: { done: number; total: number }) => patchFidelity(outcome, { progress: p }), 100);
    const result = await checkFidelityOnProvider(
      await gateProvider(),
      { fp32, int8, fp32Name: info.name, int8Name: outcome.int8Name, images: items.map((i) => ({ name: i.path, blob: i.blob })), spec: data.spec, geometry: info.geometry },
      (p) => report(p, p.done === p.total),
      own.signal,
    );
    patchFidelity(outcome, { status: 'ready', result, progress: null });
  } catch (e) {
    const p = problemOf(e);
    patchFidelity(outcome, { status: 'error', progress: null, error: p.code === 'cancelled' || own.signal.aborted ? cancelledProblem('The fidelity check') : p });
  } finally {
    if (controller === own) controller = null;
  }
}
