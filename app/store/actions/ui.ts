/** How the page is laid out: folded steps, the theme. */
import { STEPS, stepStatus, type StepId } from '../status';
import type { Theme } from '../ui';
import { get } from './shared';

export function toggleFold(step: StepId): void {
  const { folded } = get().ui;
  get().patchUi({ folded: { ...folded, [step]: !folded[step] } });
}

/** Folds every finished step but the last one done (the page then opens on what is left to do), or unfolds all. */
export function foldFinished(fold: boolean): void {
  const s = get();
  const folded: Partial<Record<StepId, boolean>> = {};
  if (fold) for (const step of STEPS) if (stepStatus(s, step.id).state === 'done' && step.id !== 'compare') folded[step.id] = true;
  s.patchUi({ folded });
}

export function setTheme(theme: Theme): void {
  get().patchUi({ theme });
}
