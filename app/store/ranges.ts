import type { StateCreator } from 'zustand';
import type { QuantizeOptions, RangeTable, TensorDetail } from '../../workers/contracts';
import type { Store } from './index';
import type { SortDir } from '../lib/sort';
import { initialWeight, type WeightState } from './quantize';
import type { Problem, Status } from './types';

/** Columns the ranges table sorts by ('order' is graph order). */
export type RangeSortKey = 'order' | 'name' | 'op' | 'observed' | 'scale' | 'clipped' | 'sqnr';

/** How the ranges step shows its tables and charts (kept when the data under them changes). */
export interface RangesView {
  /** Which tensors the table lists. */
  readonly kind: 'activations' | 'weights';
  readonly sort: { readonly key: RangeSortKey; readonly dir: SortDir };
  /** Substring filter on tensor, node and op names. */
  readonly filter: string;
  /** Log-scaled counts on the activation histogram. */
  readonly logScale: boolean;
}

/** The range method and the options that shape ranges and parameters (not which nodes are kept). */
export type MethodOptions = Pick<
  QuantizeOptions,
  'method' | 'percentile' | 'percentileMode' | 'entropyBins' | 'entropyQuantizedBins' | 'activationType' | 'activationSymmetric' | 'weightType' | 'perChannel'
>;

export interface RangesState {
  readonly options: MethodOptions;
  readonly status: Status;
  readonly table: RangeTable | null;
  readonly error: Problem | null;
  /** The tensor whose detail is shown. */
  readonly selected: string | null;
  readonly detailStatus: Status;
  readonly detail: TensorDetail | null;
  readonly detailError: Problem | null;
  /** The weight whose per-channel ranges are shown (the table's weights view). */
  readonly weight: WeightState;
  readonly view: RangesView;
}

export interface RangesSlice {
  readonly ranges: RangesState;
  patchRanges(patch: Partial<RangesState>): void;
}

export const DEFAULT_METHOD_OPTIONS: MethodOptions = {
  method: 'minmax',
  percentile: 99.999,
  percentileMode: 'symmetric',
  entropyBins: 2048,
  entropyQuantizedBins: 128,
  activationType: 'u8',
  activationSymmetric: false,
  weightType: 's8',
  perChannel: true,
};

export const initialRanges: RangesState = {
  options: DEFAULT_METHOD_OPTIONS,
  status: 'idle',
  table: null,
  error: null,
  selected: null,
  detailStatus: 'idle',
  detail: null,
  detailError: null,
  weight: initialWeight,
  view: { kind: 'activations', sort: { key: 'order', dir: 'asc' }, filter: '', logScale: true },
};

export const createRangesSlice: StateCreator<Store, [], [], RangesSlice> = (set) => ({
  ranges: initialRanges,
  patchRanges: (patch) => set((s) => ({ ranges: { ...s.ranges, ...patch } })),
});
