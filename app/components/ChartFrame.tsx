import { useId, type ReactNode } from 'react';

/**
 * A chart's frame: a <figure> named by its visible title, a one-line summary for screen readers (the
 * chart's numbers are also in a table nearby), optional controls (a log-scale toggle) and a legend.
 */
export function ChartFrame(props: { title: string; summary: string; testId?: string; controls?: ReactNode; children: ReactNode; note?: ReactNode; className?: string }) {
  const titleId = useId();
  const summaryId = useId();
  return (
    <figure className={`chart-frame${props.className ? ` ${props.className}` : ''}`} aria-labelledby={titleId} aria-describedby={summaryId} data-testid={props.testId}>
      <div className="chart-head">
        <figcaption id={titleId} className="chart-title">
          {props.title}
        </figcaption>
        {props.controls ? <div className="chart-controls">{props.controls}</div> : null}
      </div>
      <p id={summaryId} className="sr-only">
        {props.summary}
      </p>
      {props.children}
      {props.note ? <div className="chart-note">{props.note}</div> : null}
    </figure>
  );
}

/** The log-scale switch charts of counts share. */
export function LogToggle(props: { checked: boolean; onChange: (checked: boolean) => void; testId?: string }) {
  return (
    <label className="check toggle">
      <input type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} data-testid={props.testId} />
      Log scale
    </label>
  );
}
