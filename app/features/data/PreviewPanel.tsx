import { useStore } from '../../store';
import { Alert } from '../../components/Alert';
import { Pixels } from '../../components/Pixels';
import { formatNumber } from '../../lib/format';

/** One image as decoded, and the model input turned back into a picture (so a wrong channel order shows). */
export function PreviewPanel() {
  const preview = useStore((s) => s.data.preview);
  const specBroken = useStore((s) => s.data.specError !== null);
  const r = preview.result;
  return (
    <div className="panel" data-testid="preview">
      <h3>Preview</h3>
      {preview.status === 'working' ? <p role="status">Preprocessing…</p> : null}
      {preview.error ? <Alert problem={preview.error} testId="preview-error" /> : null}
      {r ? (
        <figure className="preview">
          <div className="row">
            <Pixels pixels={r.thumbnail} label={`${r.name} as decoded`} testId="preview-original" />
            <Pixels pixels={r.input} label={`${r.name} as the model sees it`} testId="preview-input" />
          </div>
          <figcaption>
            {r.name}: {r.original.width}×{r.original.height} → tensor [{r.dims.join(', ')}], values {formatNumber(r.valueRange.min, 2)} … {formatNumber(r.valueRange.max, 2)} (mean{' '}
            {formatNumber(r.valueRange.mean, 2)})
          </figcaption>
        </figure>
      ) : preview.status !== 'working' && !preview.error ? (
        <p className="muted">{specBroken ? 'Fix the preprocessing settings to see the preview.' : 'Add images and open an image model to see one preprocessed. Click a thumbnail to preview it.'}</p>
      ) : null}
    </div>
  );
}
