import type { ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store';
import { stepStatus, type StepId } from '../store/status';
import { StatusBadge } from './StatusBadge';

/**
 * One pipeline step: a titled region with a stable test id (`step-<id>`) and a status badge
 * (`step-<id>-status`: done, ready, needs input, running, waiting, problem).
 */
export function Step(props: { id: StepId; n: number; title: string; summary?: ReactNode; blocked?: string | null; children: ReactNode }) {
  const titleId = `step-${props.id}-title`;
  const status = useStore(useShallow((s) => stepStatus(s, props.id)));
  return (
    <section className="step" aria-labelledby={titleId} data-testid={`step-${props.id}`} data-state={status.state}>
      <header className="step-header">
        <h2 id={titleId}>
          <span className="step-number" aria-hidden="true">
            {props.n}
          </span>
          {props.title}
        </h2>
        <StatusBadge status={status} testId={`step-${props.id}-status`} />
        {props.summary ? <div className="step-summary">{props.summary}</div> : null}
      </header>
      {props.blocked ? (
        <p className="blocked" data-testid={`step-${props.id}-blocked`}>
          {props.blocked}
        </p>
      ) : (
        props.children
      )}
    </section>
  );
}
