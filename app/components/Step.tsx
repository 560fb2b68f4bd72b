import type { ReactNode } from 'react';

/** One pipeline step: a titled region with a stable test id (`step-<id>`). */
export function Step(props: { id: string; n: number; title: string; summary?: ReactNode; blocked?: string | null; children: ReactNode }) {
  const titleId = `step-${props.id}-title`;
  return (
    <section className="step" aria-labelledby={titleId} data-testid={`step-${props.id}`}>
      <header className="step-header">
        <h2 id={titleId}>
          <span className="step-number" aria-hidden="true">
            {props.n}
          </span>
          {props.title}
        </h2>
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
