import type { StepStatus } from '../store/status';

const ICON: Record<StepStatus['state'], string> = {
  done: '✓',
  ready: '●',
  'needs-input': '!',
  working: '◌',
  waiting: '…',
  problem: '✕',
};

/** A step's state in a few words, with a shape as well as a colour (never colour alone). */
export function StatusBadge(props: { status: StepStatus; testId?: string; compact?: boolean }) {
  const { state, text } = props.status;
  return (
    <span className={`badge badge-${state}${props.compact ? ' compact' : ''}`} data-testid={props.testId} data-state={state} title={props.compact ? text : undefined}>
      <span className="badge-icon" aria-hidden="true">
        {ICON[state]}
      </span>
      {props.compact ? <span className="sr-only">{text}</span> : text}
    </span>
  );
}
