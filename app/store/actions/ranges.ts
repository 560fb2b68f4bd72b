/** Ranges step: the range table and one tensor's detail for the chosen method (never recalibrates). */
import type { RangeQuery } from '../../../workers/contracts';
import { problemOf } from '../../../workers/transfer';
import { modelWorker } from '../../workers';
import { initialRanges, type RangeSortKey, type RangesView } from '../ranges';
import { resetQuantizeOutcome } from './invalidate';
import { selectRangeWeight, showWeight } from './quantize';
import { get } from './shared';

/** The query the ranges table, tensor detail and quantize use: method options + keep lists. */
export function currentQuery(): RangeQuery {
  const { ranges, quantize } = get();
  return {
    ...ranges.options,
    keepNodes: [...quantize.keepNodes],
    keepOpTypes: [...quantize.keepOpTypes],
    keepFirstAndLast: quantize.keepFirstAndLast,
    biasCorrection: quantize.biasCorrection,
    ...(Object.keys(quantize.methodByTensor).length ? { methodByTensor: { ...quantize.methodByTensor } } : {}),
  };
}

let rangeSeq = 0;

export async function refreshRangeTable(): Promise<void> {
  const { calibration, patchRanges } = get();
  if (calibration.status !== 'ready') return;
  const seq = ++rangeSeq;
  patchRanges({ status: 'working', error: null });
  try {
    const table = await modelWorker.rangeTable(currentQuery());
    if (seq !== rangeSeq) return;
    patchRanges({ status: 'ready', table });
    const selected = get().ranges.selected;
    if (selected && table.rows.some((r) => r.tensor === selected)) void selectTensor(selected);
  } catch (e) {
    if (seq !== rangeSeq) return;
    patchRanges({ status: 'error', error: problemOf(e) });
  }
}

export function setMethodOptions(patch: Partial<typeof initialRanges.options>): void {
  const { ranges, patchRanges } = get();
  patchRanges({ options: { ...ranges.options, ...patch } });
  resetQuantizeOutcome();
  void refreshRangeTable();
  // The weight panels follow the options that change weight parameters (not the range method).
  if (['weightType', 'perChannel', 'activationType', 'activationSymmetric'].some((k) => k in patch)) {
    const inRanges = get().ranges.weight.node;
    if (inRanges) void selectRangeWeight(inRanges);
    const inQuantize = get().quantize.weight.node;
    if (inQuantize) void showWeight(inQuantize);
  }
}

/** Table and chart preferences of the ranges step (no worker call). */
export function setRangesView(patch: Partial<RangesView>): void {
  const { ranges, patchRanges } = get();
  patchRanges({ view: { ...ranges.view, ...patch } });
}

/** Sorts the ranges table by a column; the same column again flips the direction. */
export function sortRanges(key: RangeSortKey): void {
  const { sort } = get().ranges.view;
  // Worst first is what one looks for: clipped and scale descending, SQNR ascending.
  const firstDir = key === 'clipped' || key === 'scale' || key === 'observed' ? 'desc' : 'asc';
  setRangesView({ sort: { key, dir: sort.key === key ? (sort.dir === 'asc' ? 'desc' : 'asc') : firstDir } });
}

let detailSeq = 0;

export async function selectTensor(tensor: string | null): Promise<void> {
  const { patchRanges } = get();
  const seq = ++detailSeq;
  if (tensor === null) {
    patchRanges({ selected: null, detail: null, detailStatus: 'idle', detailError: null });
    return;
  }
  patchRanges({ selected: tensor, detailStatus: 'working', detailError: null });
  try {
    const detail = await modelWorker.tensorDetail(tensor, currentQuery());
    if (seq !== detailSeq) return;
    patchRanges({ detail, detailStatus: 'ready' });
  } catch (e) {
    if (seq !== detailSeq) return;
    patchRanges({ detail: null, detailStatus: 'error', detailError: problemOf(e) });
  }
}
