import type { StateCreator } from 'zustand';
import type { ExportFormat, FidelitySummary, QuantizeOutcome, RangeMethod, WeightDetail } from '../../workers/contracts';
import type { Store } from './index';
import type { Problem, Status } from './types';

export interface WeightState {
  readonly node: string | null;
  readonly status: Status;
  readonly detail: WeightDetail | null;
  readonly error: Problem | null;
}

/** The fidelity gate run after each build (actions/fidelity.ts), for the outcome it ran on. */
export interface FidelityState {
  readonly status: Status;
  /** The outcome the result belongs to: a result for an older build is never shown. */
  readonly outcome: QuantizeOutcome | null;
  readonly result: FidelitySummary | null;
  /** False when every calibration image was used and there were no evaluation images: the last calibration images ran. */
  readonly heldOut: boolean;
  readonly progress: { readonly done: number; readonly total: number } | null;
  readonly error: Problem | null;
}

export interface QuantizeState {
  /** What Build makes: INT8 (needs calibration), FP16 or weight-only INT8 (data-free). */
  readonly format: ExportFormat;
  /** Nodes kept in FP32 by name (clicked in the node list). */
  readonly keepNodes: readonly string[];
  readonly keepOpTypes: readonly string[];
  readonly keepFirstAndLast: boolean;
  /** A range method per tensor (by its range source), over the step's method: what Auto chose. */
  readonly methodByTensor: Readonly<Record<string, RangeMethod>>;
  /** Correct each quantized layer's bias for the mean shift weight rounding causes. */
  readonly biasCorrection: boolean;
  readonly status: Status;
  readonly outcome: QuantizeOutcome | null;
  readonly error: Problem | null;
  /** Set while the INT8 model or report is being saved. */
  readonly exporting: 'int8' | 'report' | null;
  readonly weight: WeightState;
  readonly fidelity: FidelityState;
}

export interface QuantizeSlice {
  readonly quantize: QuantizeState;
  patchQuantize(patch: Partial<QuantizeState>): void;
  patchWeight(patch: Partial<WeightState>): void;
}

export const initialWeight: WeightState = { node: null, status: 'idle', detail: null, error: null };

export const initialFidelity: FidelityState = { status: 'idle', outcome: null, result: null, heldOut: true, progress: null, error: null };

export const initialQuantize: QuantizeState = {
  format: 'int8',
  keepNodes: [],
  keepOpTypes: [],
  keepFirstAndLast: false,
  methodByTensor: {},
  biasCorrection: false,
  status: 'idle',
  outcome: null,
  error: null,
  exporting: null,
  weight: initialWeight,
  fidelity: initialFidelity,
};

export const createQuantizeSlice: StateCreator<Store, [], [], QuantizeSlice> = (set) => ({
  quantize: initialQuantize,
  patchQuantize: (patch) => set((s) => ({ quantize: { ...s.quantize, ...patch } })),
  patchWeight: (patch) => set((s) => ({ quantize: { ...s.quantize, weight: { ...s.quantize.weight, ...patch } } })),
});
