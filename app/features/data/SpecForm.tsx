import { useEffect, useState } from 'react';
import { PRESET_NAMES, PRESETS, type PartialSpec, type PresetName } from '../../../workers/core/preprocess/spec';
import { useStore } from '../../store';
import { choosePreset, resetSpec, setSpecField } from '../../store/actions';
import { Alert } from '../../components/Alert';
import { SuggestionNote } from './Suggestion';

const PRESET_TEXT: Record<PresetName, string> = {
  imagenet: 'imagenet — RGB, /255, torchvision mean/std, center crop',
  caffe: 'caffe — BGR, 0..255 minus mean, center crop',
  unit: 'unit — RGB /255, stretch',
  raw: 'raw — 0..255, stretch (gray for 1 channel)',
  yolo: 'yolo — RGB /255, letterbox 114',
};

function parseList(text: string): number[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
}

/** A number-list field that commits on blur or Enter (typing "0.4," must not fail half-way). */
function ListField(props: { label: string; value: readonly number[] | undefined; onCommit: (v: number[]) => void }) {
  const shown = props.value ? props.value.join(', ') : '';
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  return (
    <label>
      {props.label}
      <input
        type="text"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => text !== shown && props.onCommit(parseList(text))}
        onKeyDown={(e) => e.key === 'Enter' && text !== shown && props.onCommit(parseList(text))}
      />
    </label>
  );
}

function NumberField(props: { label: string; value: number | undefined; step?: string; onCommit: (v: number) => void }) {
  const shown = props.value === undefined ? '' : String(props.value);
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  const commit = () => text !== shown && props.onCommit(Number(text));
  return (
    <label>
      {props.label}
      <input type="number" step={props.step ?? 'any'} value={text} onChange={(e) => setText(e.target.value)} onBlur={commit} onKeyDown={(e) => e.key === 'Enter' && commit()} />
    </label>
  );
}

function Select<K extends keyof PartialSpec>(props: { label: string; field: K; value: string | undefined; options: readonly string[] }) {
  return (
    <label>
      {props.label}
      <select value={props.value ?? ''} onChange={(e) => setSpecField(props.field as never, e.target.value as never)}>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

export function SpecForm() {
  const preset = useStore((s) => s.data.preset);
  const overrides = useStore((s) => s.data.overrides);
  const spec = useStore((s) => s.data.spec);
  const specError = useStore((s) => s.data.specError);
  const geometry = useStore((s) => s.model.info?.geometry ?? null);
  // The resolved spec when valid; otherwise the preset's fields with the user's edits (so nothing goes blank).
  const shown = { ...(spec ?? PRESETS[preset]), ...overrides };
  const edited = Object.keys(overrides).length > 0;
  return (
    <form className="panel spec-form" aria-label="Preprocessing" data-testid="spec-form" onSubmit={(e) => e.preventDefault()}>
      <h3>Preprocessing</h3>
      <label>
        Preset
        <select value={preset} onChange={(e) => choosePreset(e.target.value as PresetName)} data-testid="preset-select">
          {PRESET_NAMES.map((p) => (
            <option key={p} value={p}>
              {PRESET_TEXT[p]}
            </option>
          ))}
        </select>
      </label>
      <SuggestionNote />
      {!geometry ? <p className="muted">Open an image model to see the full preprocessing for its input.</p> : null}
      <fieldset disabled={!geometry}>
        <legend>Fields {edited ? '(edited)' : '(from the preset)'}</legend>
        <div className="grid-fields">
          <Select label="Colour" field="color" value={shown.color} options={['rgb', 'bgr', 'gray']} />
          <NumberField label="Scale" value={shown.scale} onCommit={(v) => setSpecField('scale', v)} />
          <ListField label="Mean" value={shown.mean} onCommit={(v) => setSpecField('mean', v)} />
          <ListField label="Std" value={shown.std} onCommit={(v) => setSpecField('std', v)} />
          <Select label="Resize" field="resize" value={shown.resize} options={['center-crop', 'stretch', 'letterbox']} />
          <NumberField label="Crop ratio" value={shown.cropRatio} onCommit={(v) => setSpecField('cropRatio', v)} />
          <NumberField label="Pad" value={shown.pad} step="1" onCommit={(v) => setSpecField('pad', v)} />
          <Select label="Align" field="align" value={shown.align} options={['center', 'top-left']} />
          <Select label="Layout" field="layout" value={shown.layout} options={['nchw', 'nhwc']} />
        </div>
        {edited ? (
          <button type="button" onClick={resetSpec}>
            Reset to the preset
          </button>
        ) : null}
      </fieldset>
      {specError ? <Alert problem={specError} testId="spec-error" /> : null}
    </form>
  );
}
