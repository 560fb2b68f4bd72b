import { specMismatch } from '../../../workers/core/preprocess/suggest';
import { useStore } from '../../store';
import { answerCarryOver, applySuggestion } from '../../store/actions';

const BASIS: Record<string, string> = { metadata: "from the model's metadata", structure: "from the model's inputs and outputs", unknown: '' };

/**
 * What the model itself suggests for preprocessing and why; a warning when the chosen spec feeds
 * values the suggested family would not expect (caffe's BGR 0..255 to a YOLO model, say).
 */
export function SuggestionNote() {
  const suggestion = useStore((s) => s.model.info?.suggestion ?? null);
  const spec = useStore((s) => s.data.spec);
  const preset = useStore((s) => s.data.preset);
  const overrides = useStore((s) => s.data.overrides);
  if (!suggestion) return null;
  const same = suggestion.preset === preset && JSON.stringify(suggestion.overrides) === JSON.stringify(overrides);
  const mismatch = spec ? specMismatch(spec, suggestion) : null;
  const fields = Object.entries(suggestion.overrides).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join('/') : String(v)}`);
  return (
    <div className="suggestion" data-testid="preset-suggestion" data-preset={suggestion.preset ?? 'unknown'}>
      {suggestion.preset ? (
        <p>
          <strong>Suggested:</strong> <code data-testid="suggested-preset">{suggestion.preset}</code>
          {fields.length ? ` with ${fields.join(', ')}` : ''} — {suggestion.family}, {BASIS[suggestion.basis]}.{' '}
          {same ? <span className="muted">(in use)</span> : (
            <button type="button" className="link" onClick={applySuggestion} data-testid="use-suggestion">
              Use the suggestion
            </button>
          )}
        </p>
      ) : (
        <p>
          <strong>Suggested:</strong> <span data-testid="suggested-preset">unknown</span> — the model does not say which preprocessing it needs.
        </p>
      )}
      <details open={!same || !suggestion.preset}>
        <summary>Why</summary>
        <ul data-testid="suggestion-reasons">
          {suggestion.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      </details>
      {mismatch ? (
        <p role="alert" className="alert alert-warning" data-testid="spec-mismatch">
          <strong>Likely mismatch.</strong> {mismatch}
        </p>
      ) : null}
    </div>
  );
}

/** After another model was opened: keep the images that came with the previous one, or clear them? */
export function CarryOverQuestion() {
  const carry = useStore((s) => s.data.carryOver);
  if (!carry) return null;
  const parts = [carry.calibration ? `${carry.calibration} calibration` : '', carry.evaluation ? `${carry.evaluation} evaluation` : ''].filter(Boolean).join(' and ');
  return (
    <div className="carry-over" role="group" aria-labelledby="carry-over-text" data-testid="carry-over">
      <p id="carry-over-text">
        The {parts} image(s) came with the previous model, <code>{carry.from}</code>. Are they right for this one?
      </p>
      <div className="row">
        <button type="button" onClick={() => answerCarryOver(true)} data-testid="carry-keep">
          Keep the images
        </button>
        <button type="button" className="primary" onClick={() => answerCarryOver(false)} data-testid="carry-clear">
          Clear them
        </button>
      </div>
    </div>
  );
}
