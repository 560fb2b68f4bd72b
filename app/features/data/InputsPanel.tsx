import { useEffect, useState } from 'react';
import { useStore } from '../../store';
import { inputsView, setInputs } from '../../store/actions/inputs';
import { Alert } from '../../components/Alert';

/** A text field that commits on blur or Enter (a JSON array typed half-way must not fail). */
function CommitField(props: { label: string; value: string; placeholder?: string; testId: string; onCommit: (v: string) => void }) {
  const [text, setText] = useState(props.value);
  useEffect(() => setText(props.value), [props.value]);
  const commit = () => text !== props.value && props.onCommit(text);
  return (
    <label>
      {props.label}
      <input type="text" value={text} placeholder={props.placeholder} data-testid={props.testId} onChange={(e) => setText(e.target.value)} onBlur={commit} onKeyDown={(e) => e.key === 'Enter' && commit()} />
    </label>
  );
}

/**
 * The model's inputs as they come: which one is the image, what the others are fed (prefilled with the
 * defaults their names imply), a 4-channel input's fourth channel and a dynamic size. Shown only when
 * there is something to ask.
 */
export function InputsPanel() {
  const info = useStore((s) => s.model.info);
  const inputs = useStore((s) => s.data.inputs);
  if (!info) return null;
  const view = inputsView(info.summary.inputs, info.geometry);
  if (!view.show) return null;
  const image = info.geometry?.name ?? inputs.imageInput ?? view.candidates[0] ?? '';
  const channels = info.geometry?.channels;
  const imageShape = info.summary.inputs.find((t) => t.name === image)?.shape ?? [];
  const dynamic = imageShape.slice(1).some((d) => typeof d !== 'number');
  return (
    <form className="panel inputs-panel" aria-label="Inputs" data-testid="inputs-panel" onSubmit={(e) => e.preventDefault()}>
      <h3>Inputs</h3>
      <p className="muted">The image input is fed from each image; every other input gets the same value with every image.</p>
      <div className="grid-fields">
        <label>
          Image input
          <select value={inputs.imageInput ?? image} onChange={(e) => setInputs({ imageInput: e.target.value })} data-testid="image-input-select">
            {view.inputs.map((t) => (
              <option key={t.name} value={t.name} disabled={!view.candidates.includes(t.name)}>
                {t.name} ({t.type} [{t.shape.join(', ')}])
              </option>
            ))}
          </select>
        </label>
        {view.inputs
          .filter((t) => t.name !== (inputs.imageInput ?? image))
          .map((t) => (
            <CommitField
              key={t.name}
              label={`${t.name} (${t.type} [${t.shape.join(', ')}])`}
              value={inputs.values[t.name] ?? inputs.defaults[t.name] ?? ''}
              placeholder="a number or a JSON array"
              testId={`input-value-${t.name}`}
              onCommit={(v) => setInputs({ values: { ...inputs.values, [t.name]: v } })}
            />
          ))}
        {channels === 4 ? (
          <CommitField label="Fourth channel value" value={inputs.fourthChannel || String(info.geometry?.fourthChannel ?? 1)} testId="fourth-channel" onCommit={(v) => setInputs({ fourthChannel: v })} />
        ) : null}
        {dynamic ? (
          <>
            <CommitField label="Width (px)" value={inputs.width} testId="input-width" onCommit={(v) => setInputs({ width: v })} />
            <CommitField label="Height (px)" value={inputs.height} testId="input-height" onCommit={(v) => setInputs({ height: v })} />
          </>
        ) : null}
      </div>
      {inputs.notes.length ? (
        <ul className="muted" data-testid="inputs-notes">
          {inputs.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
      {info.geometry ? (
        <p data-testid="inputs-summary">
          {info.geometry.name}: {info.geometry.channels} channel(s){info.geometry.channels === 4 ? ` (the fourth = ${info.geometry.fourthChannel ?? 1})` : ''}, {info.geometry.width}×{info.geometry.height},{' '}
          {info.geometry.layout.toUpperCase()}
          {info.geometry.constants?.length ? `; ${info.geometry.constants.map((c) => `${c.name} = ${JSON.stringify(c.values)}`).join(', ')}` : ''}
        </p>
      ) : null}
      {inputs.error ? <Alert problem={inputs.error} testId="inputs-error" /> : null}
    </form>
  );
}
