import { Term } from '../../components/Term';
import { RANGE_METHODS, type RangeMethod } from '../../../workers/core/calibration/ranges';
import { useStore } from '../../store';
import { setMethodOptions } from '../../store/actions';

const METHOD_TEXT: Record<RangeMethod, string> = {
  minmax: 'MinMax',
  'moving-average': 'Moving-average MinMax',
  percentile: 'Percentile',
  entropy: 'Entropy (KL)',
  mse: 'MSE',
};

/** Range method and activation options. Changing them re-reads the statistics; it never recalibrates. */
export function MethodOptions(props: { compact?: boolean }) {
  const o = useStore((s) => s.ranges.options);
  return (
    <fieldset className="method-options" data-testid={props.compact ? 'method-options-compact' : 'method-options'}>
      <legend>Range method</legend>
      <label>
        Method
        <select value={o.method} onChange={(e) => setMethodOptions({ method: e.target.value as RangeMethod })} data-testid={props.compact ? 'method-select-compact' : 'method-select'}>
          {RANGE_METHODS.map((m) => (
            <option key={m} value={m}>
              {METHOD_TEXT[m]}
            </option>
          ))}
        </select>
      </label>
      {o.method === 'percentile' ? (
        <>
          <label>
            Percentile
            <input type="number" min={50} max={100} step="0.001" value={o.percentile} onChange={(e) => e.target.value && setMethodOptions({ percentile: Number(e.target.value) })} />
          </label>
          <label>
            Tails
            <select value={o.percentileMode} onChange={(e) => setMethodOptions({ percentileMode: e.target.value as 'symmetric' | 'per-side' })}>
              <option value="symmetric">symmetric (|x|)</option>
              <option value="per-side">each side</option>
            </select>
          </label>
        </>
      ) : null}
      {o.method === 'entropy' ? (
        <>
          <label>
            Target bins
            <input type="number" min={128} max={65536} step={1} value={o.entropyBins} onChange={(e) => e.target.value && setMethodOptions({ entropyBins: Number(e.target.value) })} />
          </label>
          <label>
            Quantized bins
            <input type="number" min={2} max={65536} step={1} value={o.entropyQuantizedBins} onChange={(e) => e.target.value && setMethodOptions({ entropyQuantizedBins: Number(e.target.value) })} />
          </label>
        </>
      ) : null}
      {props.compact ? null : (
        <>
          <label>
            Activations
            <select value={o.activationType} onChange={(e) => setMethodOptions({ activationType: e.target.value as 'u8' | 's8' })}>
              <option value="u8">uint8</option>
              <option value="s8">int8</option>
            </select>
          </label>
          <label>
            Weights
            <select value={o.weightType ?? 's8'} onChange={(e) => setMethodOptions({ weightType: e.target.value as 's8' | 'u8' })}>
              <option value="s8">int8, symmetric</option>
              <option value="u8">uint8, asymmetric</option>
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={o.activationSymmetric} onChange={(e) => setMethodOptions({ activationSymmetric: e.target.checked })} />
            Symmetric activations
          </label>
          <Term id="symmetric" />
          <label className="check">
            <input type="checkbox" checked={o.perChannel} onChange={(e) => setMethodOptions({ perChannel: e.target.checked })} />
            Per-channel weights
          </label>
          <Term id="per-channel" />
        </>
      )}
    </fieldset>
  );
}
