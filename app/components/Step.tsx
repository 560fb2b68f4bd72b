import type { ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store';
import { setCurrentStep, toggleFold } from '../store/actions';
import { stepStatus, type StepId } from '../store/status';
import { StatusBadge } from './StatusBadge';

/**
 * One pipeline step: a titled region with a stable test id (`step-<id>`) and a status badge
 * (`step-<id>-status`: done, ready, needs input, running, waiting, problem). A step can fold to its
 * one-line summary (the Fold button, `step-<id>-fold`); a click or the focus inside it makes it the
 * step a reload comes back to.
 */
export function Step(props: { id: StepId; n: number; title: string; summary?: ReactNode; blocked?: string | null; children: ReactNode }) {
  const titleId = `step-${props.id}-title`;
  const bodyId = `step-${props.id}-body`;
  const status = useStore(useShallow((s) => stepStatus(s, props.id)));
  const folded = useStore((s) => s.ui.folded[props.id] === true);
  const track = () => setCurrentStep(props.id);
  return (
    <section
      className={`step${folded ? ' folded' : ''}`}
      aria-labelledby={titleId}
      data-testid={`step-${props.id}`}
      data-state={status.state}
      data-folded={folded ? 'true' : undefined}
      onPointerDownCapture={track}
      onFocusCapture={track}
    >
      <header className="step-header">
        <h2 id={titleId} tabIndex={-1}>
          <span className="step-number" aria-hidden="true">
            {props.n}
          </span>
          {props.title}
        </h2>
        <StatusBadge status={status} testId={`step-${props.id}-status`} />
        {props.summary ? <div className="step-summary">{props.summary}</div> : null}
        <button
          type="button"
          className="link fold-button"
          aria-expanded={!folded}
          aria-controls={bodyId}
          onClick={() => toggleFold(props.id)}
          data-testid={`step-${props.id}-fold`}
          title={folded ? 'Show this step' : 'Fold this step to its summary line'}
        >
          {folded ? 'Show' : 'Fold'}
          <span className="sr-only"> {props.title}</span>
        </button>
      </header>
      <div id={bodyId} hidden={folded}>
        {props.blocked ? (
          <p className="blocked" data-testid={`step-${props.id}-blocked`}>
            {props.blocked}
          </p>
        ) : (
          props.children
        )}
      </div>
    </section>
  );
}
