import type { StateCreator } from 'zustand';
import type { QuantizeOptions, RangeTable, TensorDetail } from '../../workers/contracts';
import type { Store } from './index';
import type { Problem, Status } from './types';

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
};

export const createRangesSlice: StateCreator<Store, [], [], RangesSlice> = (set) => ({
  ranges: initialRanges,
  patchRanges: (patch) => set((s) => ({ ranges: { ...s.ranges, ...patch } })),
});
