import type { StateCreator } from 'zustand';
import type { Store } from './index';
import type { StepId } from './status';

export type Theme = 'auto' | 'light' | 'dark';

/** What a reload brought back (app/store/actions/session.ts). */
export interface SessionState {
  readonly status: 'idle' | 'restoring' | 'restored' | 'error';
  /** One line for the banner: what was restored, or why it could not be. */
  readonly note: string | null;
  /** A calibration was running when the page went away (it has to be started again). */
  readonly calibrationInterrupted: boolean;
}

/** How the page is laid out (kept across reloads with the session). */
export interface UiState {
  /** The step the person last worked in: a reload comes back to it. */
  readonly currentStep: StepId | null;
  /** Steps folded to their one-line summary. */
  readonly folded: Readonly<Partial<Record<StepId, boolean>>>;
  readonly theme: Theme;
  readonly session: SessionState;
}

export interface UiSlice {
  readonly ui: UiState;
  patchUi(patch: Partial<UiState>): void;
}

export const initialSession: SessionState = { status: 'idle', note: null, calibrationInterrupted: false };

export const initialUi: UiState = { currentStep: null, folded: {}, theme: 'auto', session: initialSession };

export const createUiSlice: StateCreator<Store, [], [], UiSlice> = (set) => ({
  ui: initialUi,
  patchUi: (patch) => set((s) => ({ ui: { ...s.ui, ...patch } })),
});
