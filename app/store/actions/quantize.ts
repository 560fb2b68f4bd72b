/** Quantize step: keep lists, bias correction, building and downloading the INT8 model, weight panels. */
import { problemOf } from '../../../workers/transfer';
import { saveFile } from '../../lib/download';
import { modelWorker } from '../../workers';
import { initialWeight, type WeightState } from '../quantize';
import type { ExportFormat } from '../../../workers/contracts';
import { cancelFidelity, runFidelity } from './fidelity';
import { dropInt8Graph } from './graph';
import { resetComparisonResults, resetQuantizeOutcome } from './invalidate';
import { currentQuery, refreshRangeTable } from './ranges';
import { get } from './shared';

function keepChanged(): void {
  resetQuantizeOutcome();
  void refreshRangeTable();
}

export function toggleKeepNode(name: string): void {
  const { keepNodes } = get().quantize;
  get().patchQuantize({ keepNodes: keepNodes.includes(name) ? keepNodes.filter((n) => n !== name) : [...keepNodes, name] });
  keepChanged();
}

export function setKeepOpType(opType: string, keep: boolean): void {
  const { keepOpTypes } = get().quantize;
  const next = keep ? [...new Set([...keepOpTypes, opType])] : keepOpTypes.filter((o) => o !== opType);
  get().patchQuantize({ keepOpTypes: next });
  keepChanged();
}

export function setKeepFirstAndLast(keep: boolean): void {
  get().patchQuantize({ keepFirstAndLast: keep });
  keepChanged();
}

/** Bias correction changes only the INT8 model (not the ranges): the built one is out of date. */
export function setBiasCorrection(on: boolean): void {
  get().patchQuantize({ biasCorrection: on });
  resetQuantizeOutcome();
}

export function clearKeeps(): void {
  get().patchQuantize({ keepNodes: [], keepOpTypes: [], keepFirstAndLast: false });
  keepChanged();
}

/** The format Build makes; the built model of another format is out of date. */
export function setFormat(format: ExportFormat): void {
  if (get().quantize.format === format) return;
  get().patchQuantize({ format });
  cancelFidelity();
  resetQuantizeOutcome();
}

/** Adds nodes to the keep list (a sensitivity row's unit, a Compare layer's) and rebuilds the INT8 model. */
export async function keepInFp32(nodes: readonly string[]): Promise<void> {
  const { keepNodes } = get().quantize;
  get().patchQuantize({ keepNodes: [...new Set([...keepNodes, ...nodes])] });
  keepChanged();
  if (get().calibration.status === 'ready') await buildInt8();
}

/**
 * Keeps a layer in FP32 by one of its nodes (Compare's per-layer rows name the node that writes the
 * tensor): the whole precision unit it belongs to (the layer, its folds and gate), else the node alone.
 */
export async function keepLayerInFp32(node: string): Promise<void> {
  let nodes: readonly string[] = [node];
  try {
    nodes = (await modelWorker.precisionUnits(currentQuery())).find((u) => u.nodes.includes(node))?.nodes ?? nodes;
  } catch {
    // No units (no calibration): the node alone.
  }
  await keepInFp32(nodes);
}

/** Drops the methods per tensor Auto chose (the step's method applies to every tensor again). */
export function clearMethodByTensor(): void {
  get().patchQuantize({ methodByTensor: {} });
  keepChanged();
}

let buildSeq = 0;

export async function buildInt8(): Promise<void> {
  const { calibration, patchQuantize, quantize, model, data } = get();
  if (quantize.format !== 'int8') {
    const seq = ++buildSeq;
    cancelFidelity();
    resetComparisonResults(true);
    patchQuantize({ status: 'working', error: null, outcome: null });
    try {
      const outcome = await modelWorker.exportFormat({
        format: quantize.format,
        keepNodes: quantize.keepNodes,
        keepOpTypes: quantize.keepOpTypes,
        keepFirstAndLast: quantize.keepFirstAndLast,
        spec: data.spec,
        geometry: model.info?.geometry ?? null,
      });
      if (seq !== buildSeq) return;
      patchQuantize({ status: 'ready', outcome });
      void runFidelity();
    } catch (e) {
      if (seq !== buildSeq) return;
      patchQuantize({ status: 'error', error: problemOf(e) });
    }
    return;
  }
  if (calibration.status !== 'ready') {
    patchQuantize({ status: 'error', error: { code: 'no-statistics', message: 'Calibrate the model first: the INT8 model needs the calibration ranges.' } });
    return;
  }
  const seq = ++buildSeq;
  cancelFidelity();
  resetComparisonResults(true);
  dropInt8Graph();
  patchQuantize({ status: 'working', error: null, outcome: null });
  try {
    const outcome = await modelWorker.quantize(currentQuery());
    if (seq !== buildSeq) return;
    patchQuantize({ status: 'ready', outcome });
    // The fidelity gate: FP32 against INT8 on a few held-out images, shown beside the outcome.
    void runFidelity();
  } catch (e) {
    if (seq !== buildSeq) return;
    patchQuantize({ status: 'error', error: problemOf(e) });
  }
}

export async function download(what: 'int8' | 'report'): Promise<void> {
  const { patchQuantize } = get();
  patchQuantize({ exporting: what });
  try {
    saveFile(what === 'int8' ? await modelWorker.exportInt8() : await modelWorker.exportReport());
  } catch (e) {
    patchQuantize({ error: problemOf(e) });
  } finally {
    patchQuantize({ exporting: null });
  }
}

const weightSeq = { quantize: 0, ranges: 0 };

/** Loads one node's per-channel weight ranges into the quantize step's panel or the ranges step's. */
async function loadWeight(where: 'quantize' | 'ranges', node: string | null): Promise<void> {
  const patch = (p: Partial<WeightState>) => {
    if (where === 'quantize') get().patchWeight(p);
    else get().patchRanges({ weight: { ...get().ranges.weight, ...p } });
  };
  const seq = ++weightSeq[where];
  if (node === null) {
    patch(initialWeight);
    return;
  }
  patch({ node, status: 'working', error: null });
  try {
    const detail = await modelWorker.weightDetail(node, currentQuery());
    if (seq !== weightSeq[where]) return;
    patch({ status: 'ready', detail });
  } catch (e) {
    if (seq !== weightSeq[where]) return;
    patch({ status: 'error', detail: null, error: problemOf(e) });
  }
}

/** The Quantize step's weight panel. */
export function showWeight(node: string | null): Promise<void> {
  return loadWeight('quantize', node);
}

/** The Ranges step's weight detail (a row of the weights table). */
export function selectRangeWeight(node: string | null): Promise<void> {
  return loadWeight('ranges', node);
}
