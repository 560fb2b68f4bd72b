import type { StateCreator } from 'zustand';
import type { CompareProgress, ComparisonSummary, LatencyAwareProgress, LatencyAwareSummary, LatencyProgress, LatencyResult, ProviderAvailability, ProviderConfig, ProviderId } from '../../workers/contracts';
import type { Store } from './index';
import type { Problem, Status } from './types';

export interface ProviderState {
  readonly config: ProviderConfig;
  /** null while being checked. */
  readonly availability: ProviderAvailability | null;
}

/** Which model a latency row measured: the FP32 reference, the INT8 model, or a model that cannot be quantized (a foreign INT8 model, say). */
export type ModelRole = 'fp32' | 'int8' | 'model';

export interface LatencyRow extends LatencyResult {
  readonly role: ModelRole;
}

/** One comparison kept in the history: what was compared, with which settings, and its figures. */
export interface ComparisonRun {
  readonly id: number;
  /** Date.now() when it finished. */
  readonly at: number;
  /** The model compared (FP32 name) and the quantized model's name. */
  readonly model: string;
  readonly int8Name: string;
  /** The settings that made the quantized model, in a few words each. */
  readonly settings: Readonly<Record<string, string>>;
  /** The result without its histograms (the history stays small). */
  readonly result: ComparisonSummary;
}

/** Progress of a comparison with its pace: images per second and time left (null before the first image). */
export interface ComparePace {
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
  readonly secondsLeft: number | null;
  /** FP32 outputs taken from the previous run instead of computed again. */
  readonly reused: number;
}

export interface ComparisonState {
  readonly providers: readonly ProviderState[];
  readonly selected: ProviderId;
  /** How a detector is scored (analysis/detection): '' = the decoder from the outputs / no class map. Kept across runs. */
  readonly detection: { readonly decoder: string; readonly classes: string };
  readonly warmup: number;
  readonly runs: number;
  /** The most images a comparison uses (the first N); null = all. */
  readonly imageCap: number | null;
  /** Finished comparisons, newest last (kept across settings changes and reloads). */
  readonly history: readonly ComparisonRun[];
  /** The run shown beside the latest one (an id in history); null = none. */
  readonly sideBySide: number | null;
  readonly latency: {
    readonly status: Status;
    readonly progress: (LatencyProgress & { readonly role: ModelRole | 'pair' }) | null;
    /** Latest result per provider and model. */
    readonly rows: readonly LatencyRow[];
    readonly error: Problem | null;
  };
  readonly compare: {
    readonly status: Status;
    readonly progress: ComparePace | null;
    readonly result: ComparisonSummary | null;
    readonly error: Problem | null;
    /** The layer whose error and activation histograms are shown (FP32 tensor); null: the worst. */
    readonly selectedLayer: string | null;
    /** Log-scaled counts on the per-layer histograms. */
    readonly logScale: boolean;
  };
  /** The per-node profile, the latency-aware choice and the variants on the selected provider. */
  readonly latencyAware: {
    readonly status: Status;
    readonly progress: LatencyAwareProgress | null;
    /** The latest result per provider (the variants' latency per provider side by side). */
    readonly results: Partial<Record<ProviderId, LatencyAwareSummary>>;
    /** The provider whose result is shown in detail. */
    readonly shown: ProviderId | null;
    readonly error: Problem | null;
    /** The accuracy target: every output and judged slice at this cosine to FP32. */
    readonly targetCosine: number;
  };
}

export interface ComparisonSlice {
  readonly comparison: ComparisonState;
  patchComparison(patch: Partial<ComparisonState>): void;
  patchLatency(patch: Partial<ComparisonState['latency']>): void;
  patchCompare(patch: Partial<ComparisonState['compare']>): void;
  patchLatencyAware(patch: Partial<ComparisonState['latencyAware']>): void;
}

export function initialComparison(providers: readonly ProviderConfig[]): ComparisonState {
  return {
    providers: providers.map((config) => ({ config, availability: null })),
    selected: 'wasm-1',
    detection: { decoder: '', classes: '' },
    warmup: 3,
    runs: 20,
    imageCap: null,
    history: [],
    sideBySide: null,
    latency: { status: 'idle', progress: null, rows: [], error: null },
    compare: { status: 'idle', progress: null, result: null, error: null, selectedLayer: null, logScale: true },
    latencyAware: { status: 'idle', progress: null, results: {}, shown: null, error: null, targetCosine: 0.98 },
  };
}

export const createComparisonSlice =
  (providers: readonly ProviderConfig[]): StateCreator<Store, [], [], ComparisonSlice> =>
  (set) => ({
    comparison: initialComparison(providers),
    patchComparison: (patch) => set((s) => ({ comparison: { ...s.comparison, ...patch } })),
    patchLatency: (patch) => set((s) => ({ comparison: { ...s.comparison, latency: { ...s.comparison.latency, ...patch } } })),
    patchCompare: (patch) => set((s) => ({ comparison: { ...s.comparison, compare: { ...s.comparison.compare, ...patch } } })),
    patchLatencyAware: (patch) => set((s) => ({ comparison: { ...s.comparison, latencyAware: { ...s.comparison.latencyAware, ...patch } } })),
  });
