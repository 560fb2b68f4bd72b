import { roundTrip, scaleLesson } from '../../../workers/core/learn/lessons';
import { roundHalfToEven } from '../../../workers/core/quant/params';
import { NumberLineChart } from '../charts/NumberLineChart';
import { Card, Formula, LessonFrame, Num } from '../components';
import { Check, Choice, NumberField, Slider } from '../fields';
import { sig } from '../lib/format';
import { DEFAULT_LESSON_STATE, type QuantType, type ScaleState } from '../meta';
import { useLearn } from '../store';

const patch = (p: Partial<ScaleState>) => useLearn.getState().patchLesson(1, p);

/** Lesson 1: a range and a type give a scale and a zero-point; a value goes to an integer and back. */
export function ScaleLesson() {
  const st = useLearn((s) => s.lessons[1]);
  const range = { min: Math.min(st.min, st.max), max: Math.max(st.min, st.max) };
  const l = scaleLesson(range, st.type, st.symmetric);
  const rt = roundTrip(st.x, l, st.type);
  const ratio = st.x / l.scale;
  const span = l.range.max - l.range.min || 1;
  const sliderMin = Number((l.range.min - 0.25 * span).toPrecision(6));
  const sliderMax = Number((l.range.max + 0.25 * span).toPrecision(6));
  const lowest = (l.qmin - l.zeroPoint) * l.scale;
  const highest = (l.qmax - l.zeroPoint) * l.scale;
  const inside = st.x >= lowest - l.scale / 2 && st.x <= highest + l.scale / 2;
  return (
    <LessonFrame
      id={1}
      lead={
        <p>
          An INT8 tensor stores integers <var>q</var>; the real value they stand for is <var>x̂</var> = scale · (<var>q</var> − zero_point). Pick the real range the {l.qmax - l.qmin + 1} codes must
          cover: the scale is the width of one step, and the zero-point is the code that stands for 0.0 exactly (so zero padding and ReLU zeros cost nothing).
        </p>
      }
    >
      <div className="learn-controls" data-testid="l1-controls">
        <NumberField label="min" value={st.min} onChange={(min) => patch({ min })} testId="l1-min" step={0.1} />
        <NumberField label="max" value={st.max} onChange={(max) => patch({ max })} testId="l1-max" step={0.1} />
        <Choice<QuantType>
          legend="type"
          value={st.type}
          options={[
            { value: 'u8', label: 'u8 (0…255)' },
            { value: 's8', label: 's8 (−128…127)' },
          ]}
          onChange={(type) => patch({ type })}
          testId="l1-type"
        />
        <Check label="symmetric" checked={st.symmetric} onChange={(symmetric) => patch({ symmetric })} testId="l1-symmetric" />
        <button type="button" onClick={() => patch(DEFAULT_LESSON_STATE[1])} data-testid="l1-reset">
          Worked example
        </button>
      </div>
      {st.min > st.max ? <p className="note">min is above max: the lesson uses [{sig(range.min)}, {sig(range.max)}].</p> : null}
      <div className="learn-grid two">
        <Card title="The grid" testId="l1-grid">
          <dl className="learn-facts">
            <dt>scale</dt>
            <dd>
              <Num value={l.scale} format={(v) => sig(v)} testId="l1-scale" className="big" />
            </dd>
            <dt>zero-point</dt>
            <dd>
              <Num value={l.zeroPoint} format={String} testId="l1-zero-point" className="big" />
            </dd>
            <dt>codes</dt>
            <dd>
              <Num value={l.qmin} format={String} testId="l1-qmin" /> … <Num value={l.qmax} format={String} testId="l1-qmax" />
            </dd>
            <dt>covers</dt>
            <dd>
              [{sig(lowest)}, {sig(highest)}]{l.range.min !== range.min || l.range.max !== range.max ? ` (the range widened to [${sig(l.range.min)}, ${sig(l.range.max)}]: it must contain 0${st.symmetric ? ' and be symmetric' : ''})` : ''}
            </dd>
          </dl>
          <Formula testId="l1-formula-scale">{l.formula.scale}</Formula>
          <Formula testId="l1-formula-zero-point">{l.formula.zeroPoint}</Formula>
        </Card>
        <Card title="Quantize a value and back" testId="l1-roundtrip">
          <div className="learn-controls">
            <Slider label={`x = ${sig(st.x)}`} value={st.x} min={sliderMin} max={sliderMax} step={Number((span / 500).toPrecision(2))} onChange={(x) => patch({ x })} testId="l1-x-slider" />
            <NumberField label="x" value={st.x} onChange={(x) => patch({ x })} testId="l1-x" step={0.01} />
          </div>
          <dl className="learn-facts">
            <dt>x</dt>
            <dd>
              <Num value={st.x} format={(v) => sig(v)} testId="l1-x-value" />
            </dd>
            <dt>q</dt>
            <dd>
              <Num value={rt.q} format={String} testId="l1-q" className="big" />
            </dd>
            <dt>x̂ (back)</dt>
            <dd>
              <Num value={rt.real} format={(v) => sig(v)} testId="l1-real" className="big" />
            </dd>
            <dt>error x̂ − x</dt>
            <dd>
              <Num value={rt.error} format={(v) => sig(v, 4)} testId="l1-error" className="big" />
            </dd>
          </dl>
          <Formula testId="l1-formula-q">
            q = clamp(round(x / scale) + zero_point, qmin, qmax) = clamp(round({sig(st.x)} / {sig(l.scale)}) + {l.zeroPoint}, {l.qmin}, {l.qmax}) = clamp({roundHalfToEven(ratio)} + {l.zeroPoint}) = {rt.q}
          </Formula>
          <Formula testId="l1-formula-real">
            x̂ = scale · (q − zero_point) = {sig(l.scale)} · ({rt.q} − {l.zeroPoint}) = {sig(rt.real)}
          </Formula>
          <p className={rt.clipped || !inside ? 'note warn' : 'note'} data-testid="l1-error-note">
            {rt.clipped || !inside
              ? `x is outside the grid: it is clipped to code ${rt.q}, and the error (${sig(rt.error, 3)}) is no longer bounded by the step.`
              : `Inside the range the error is at most half a step: |${sig(rt.error, 3)}| ≤ scale / 2 = ${sig(l.scale / 2, 4)}.`}
          </p>
        </Card>
      </div>
      <Card title="The integer grid on the number line">
        <NumberLineChart scale={l.scale} zeroPoint={l.zeroPoint} qmin={l.qmin} qmax={l.qmax} x={st.x} q={rt.q} real={rt.real} label="Every code of the grid on the real line, with x and its dequantized value" testId="l1-number-line" />
        <NumberLineChart scale={l.scale} zeroPoint={l.zeroPoint} qmin={l.qmin} qmax={l.qmax} x={st.x} q={rt.q} real={rt.real} window={4} label="Zoom on x: the neighbouring codes and the rounding interval of q" testId="l1-number-line-zoom" />
        <p className="muted">
          One tick per code. Below: a zoom on x — every real value in the shaded interval rounds to code {rt.q} and comes back as x̂.
        </p>
      </Card>
    </LessonFrame>
  );
}
