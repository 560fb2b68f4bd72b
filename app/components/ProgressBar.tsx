/**
 * A determinate progress bar (role="progressbar" with aria-valuenow/min/max and a value text), with
 * the numbers beside it. `label` names it for screen readers.
 */
export function ProgressBar(props: { label: string; value: number; max: number; valueText: string; testId?: string }) {
  const max = Math.max(1, props.max);
  const value = Math.max(0, Math.min(max, props.value));
  return (
    <div
      className="progressbar"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      aria-valuetext={props.valueText}
      data-testid={props.testId}
    >
      <div className="progressbar-fill" style={{ width: `${(100 * value) / max}%` }} />
    </div>
  );
}
