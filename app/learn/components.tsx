/**
 * Small building blocks shared by the lessons: a number that says what it is (its exact value in
 * `data-value`, so a test can compare it with the engine), the lesson frame, the data gate that
 * explains what is being prepared, the tensor/layer pickers and the data download.
 */
import type { ReactNode } from 'react';
import type { LearnActivation, LearnWeight, Problem } from '../../workers/contracts';
import { Alert } from '../components/Alert';
import { saveFile } from '../lib/download';
import { useStore } from '../store';
import { showOnGraph } from '../store/actions';
import { ensureLearnData } from './actions';
import { lessonJson } from './lib/series';
import { LESSONS, type LessonId } from './meta';
import { useLearn, type Loadable } from './store';

/** A computed number: shown formatted, exact in data-value. */
export function Num(props: { value: number; format: (v: number) => string; testId: string; className?: string }) {
  return (
    <output className={`learn-num${props.className ? ` ${props.className}` : ''}`} data-testid={props.testId} data-value={String(props.value)}>
      {props.format(props.value)}
    </output>
  );
}

export function LessonFrame(props: { id: LessonId; lead: ReactNode; children: ReactNode }) {
  return (
    <section className="lesson" aria-labelledby={`lesson-${props.id}-title`} data-testid={`lesson-${props.id}`}>
      <h2 id={`lesson-${props.id}-title`}>
        <span className="lesson-number" aria-hidden="true">
          {props.id}
        </span>
        {LESSONS[props.id].title}
      </h2>
      <div className="lesson-lead">{props.lead}</div>
      {props.children}
    </section>
  );
}

/** A bordered block with a title. */
export function Card(props: { title?: ReactNode; children: ReactNode; testId?: string; className?: string }) {
  return (
    <div className={`learn-card${props.className ? ` ${props.className}` : ''}`} data-testid={props.testId}>
      {props.title ? <h3>{props.title}</h3> : null}
      {props.children}
    </div>
  );
}

/** What the lessons are waiting for (opening the sample, calibrating), or the problem and a retry. */
export function SetupStatus(props: { need: 'model' | 'calibration' }) {
  const setup = useLearn((s) => s.setup);
  const catalog = useLearn((s) => s.catalog);
  const progress = useStore((s) => s.calibration.progress);
  const model = useStore((s) => s.model.info?.name);
  if (props.need === 'model' && catalog && catalog.weights.length > 0) return null;
  if (props.need === 'calibration' && catalog && catalog.activations.length > 0) return null;
  if (setup.status === 'error' && setup.error) {
    return (
      <div className="learn-setup" data-testid="learn-setup">
        <Alert problem={setup.error} testId="learn-setup-error" />
        <button type="button" onClick={() => void ensureLearnData()}>
          Try again
        </button>
      </div>
    );
  }
  const text =
    setup.status === 'opening'
      ? 'Opening the sample model and its images…'
      : setup.status === 'calibrating'
        ? `Calibrating ${model ?? 'the model'} on its images${progress ? ` (${progress.done} of ${progress.total})` : ''}…`
        : 'Reading the statistics…';
  return (
    <p className="learn-setup" role="status" data-testid="learn-setup">
      {text}
    </p>
  );
}

/** A loadable's waiting text or problem. */
export function LoadState<T>(props: { value: Loadable<T> | undefined; what: string; onRetry?: () => void }) {
  const v = props.value;
  if (!v || v.status === 'idle' || v.status === 'working') {
    return (
      <p role="status" className="muted">
        Computing {props.what}…
      </p>
    );
  }
  if (v.status === 'error' && v.error) return <ProblemView problem={v.error} onRetry={props.onRetry} />;
  return null;
}

export function ProblemView(props: { problem: Problem; onRetry?: () => void }) {
  return (
    <div>
      <Alert problem={props.problem} />
      {props.onRetry ? (
        <button type="button" onClick={props.onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

function shapeText(shape: readonly number[] | null): string {
  return shape ? shape.join('×') : '?';
}

export function ActivationPicker(props: { value: string | null; options: readonly LearnActivation[]; onChange: (tensor: string) => void; testId: string; label: string; filter?: (a: LearnActivation) => boolean }) {
  const options = props.filter ? props.options.filter(props.filter) : props.options;
  const list = props.value && !options.some((o) => o.tensor === props.value) ? [...options, ...props.options.filter((o) => o.tensor === props.value)] : options;
  return (
    <label>
      {props.label}
      <select value={props.value ?? ''} onChange={(e) => props.onChange(e.target.value)} data-testid={props.testId}>
        {list.map((a) => (
          <option key={a.tensor} value={a.tensor}>
            {a.tensor} — {a.opType} {shapeText(a.shape)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function LayerPicker(props: { value: string | null; options: readonly LearnWeight[]; onChange: (node: string) => void; testId: string; label: string; showSpread?: boolean }) {
  return (
    <label>
      {props.label}
      <select value={props.value ?? ''} onChange={(e) => props.onChange(e.target.value)} data-testid={props.testId}>
        {props.options.map((w) => (
          <option key={w.node} value={w.node}>
            {w.node} — {w.weight} {w.dims.join('×')}
            {props.showSpread ? ` (channel ranges differ ${Number.isFinite(w.channelSpread) ? `${w.channelSpread.toFixed(0)}×` : 'a lot: a channel is all zeros'})` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Saves the inputs and results of a lesson as JSON (the histogram it used, the ranges...). */
export function DownloadData(props: { name: string; data: () => unknown; testId: string }) {
  return (
    <button
      type="button"
      className="link learn-download"
      data-testid={props.testId}
      onClick={() => saveFile({ name: `${props.name}.json`, mime: 'application/json', bytes: new TextEncoder().encode(lessonJson(props.data())) })}
    >
      Download the numbers (JSON)
    </button>
  );
}

/** A formula line with the numbers put in. */
export function Formula(props: { children: ReactNode; testId?: string }) {
  return (
    <p className="formula" data-testid={props.testId}>
      <code>{props.children}</code>
    </p>
  );
}

/**
 * "Show it on the graph": the workbench's graph view, centred on the layer the lesson talks about, with
 * its panel open (histogram with the clip range, weight ranges, error). The link's hash leaves Learn mode.
 */
export function GraphLink(props: { node: string | null | undefined; testId: string }) {
  const hasGraph = useStore((s) => s.graph.views.fp32 !== null);
  if (!props.node || !hasGraph) return null;
  const node = props.node;
  return (
    <a href="#graph-title" className="graph-link" onClick={() => void showOnGraph(node)} data-testid={props.testId}>
      Show {node} on the graph
    </a>
  );
}
