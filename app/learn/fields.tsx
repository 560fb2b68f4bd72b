/**
 * Form controls for the lessons: a number field that lets the user type freely (a lone "-" or "1."
 * does not fight back) and commits every valid number, a slider, a segmented choice.
 */
import { useEffect, useId, useState } from 'react';

/** A value set from outside, shown with 7 significant digits (a slider's 855.8984985351562 reads 855.8985). */
function shortNumber(v: number): string {
  return String(Number(v.toPrecision(7)));
}

export function NumberField(props: { label: string; value: number; onChange: (v: number) => void; testId: string; step?: number; min?: number; max?: number; width?: string }) {
  const [text, setText] = useState(shortNumber(props.value));
  // Follow outside changes (a slider, a URL, a reset) unless the text already means that value.
  useEffect(() => {
    setText((t) => (Number(t) === props.value && t.trim() !== '' ? t : shortNumber(props.value)));
  }, [props.value]);
  return (
    <label className="learn-field">
      {props.label}
      <input
        type="number"
        value={text}
        step={props.step ?? 'any'}
        min={props.min}
        max={props.max}
        style={props.width ? { width: props.width } : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const v = Number(e.target.value);
          if (e.target.value.trim() !== '' && Number.isFinite(v)) props.onChange(v);
        }}
        data-testid={props.testId}
      />
    </label>
  );
}

export function Slider(props: { label: string; value: number; min: number; max: number; step: number; onChange: (v: number) => void; testId: string }) {
  return (
    <label className="learn-field learn-slider">
      {props.label}
      <input type="range" value={props.value} min={props.min} max={props.max} step={props.step} onChange={(e) => props.onChange(Number(e.target.value))} data-testid={props.testId} />
    </label>
  );
}

export function Choice<T extends string>(props: { legend: string; value: T; options: ReadonlyArray<{ value: T; label: string }>; onChange: (v: T) => void; testId: string }) {
  const name = useId();
  return (
    <fieldset className="learn-choice" data-testid={props.testId}>
      <legend>{props.legend}</legend>
      {props.options.map((o) => (
        <label key={o.value} className="check">
          <input type="radio" name={name} value={o.value} checked={props.value === o.value} onChange={() => props.onChange(o.value)} />
          {o.label}
        </label>
      ))}
    </fieldset>
  );
}

export function Check(props: { label: string; checked: boolean; onChange: (v: boolean) => void; testId: string }) {
  return (
    <label className="check learn-check">
      <input type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} data-testid={props.testId} />
      {props.label}
    </label>
  );
}
