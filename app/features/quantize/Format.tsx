import { useStore } from '../../store';
import { download, setFormat } from '../../store/actions';
import { ChartFrame } from '../../components/ChartFrame';
import { SizeChart, type SizeBar } from '../../components/charts/SizeChart';
import { formatBytes, formatPercent } from '../../lib/format';
import { EXPORT_FORMATS, FORMAT_DESCRIPTIONS, FORMAT_LABELS } from '../../../workers/core/export/formats';
import { FidelityGate, useFidelityFailed } from './FidelityGate';

/** INT8 / FP16 / weight-only INT8: what Build makes. */
export function FormatChoice() {
  const format = useStore((s) => s.quantize.format);
  const busy = useStore((s) => s.quantize.status === 'working');
  return (
    <fieldset className="row wrap inline-fields" data-testid="format-choice">
      <legend>Format</legend>
      {EXPORT_FORMATS.map((f) => (
        <label key={f} title={FORMAT_DESCRIPTIONS[f]}>
          <input type="radio" name="export-format" value={f} checked={format === f} disabled={busy} onChange={() => setFormat(f)} data-testid={`format-${f}`} />
          {FORMAT_LABELS[f]}
        </label>
      ))}
      <span className="muted" data-testid="format-description">
        {FORMAT_DESCRIPTIONS[format]}.
      </span>
    </fieldset>
  );
}

/** The built FP16 or weight-only model: sizes, what was converted, what stayed FP32 and why, downloads. */
export function FormatOutcome() {
  const outcome = useStore((s) => s.quantize.outcome);
  const exporting = useStore((s) => s.quantize.exporting);
  const unfaithful = useFidelityFailed();
  const r = outcome?.formatReport;
  if (!outcome || !r) return null;
  const label = FORMAT_LABELS[outcome.format];
  const { sizes } = outcome;
  const bars: SizeBar[] = [
    { label: 'FP32', bytes: sizes.prepared, role: 'fp32' },
    { label, bytes: sizes.int8, role: 'int8', note: `${formatPercent(sizes.int8 / sizes.prepared)} of FP32` },
  ];
  const kept = r.nodes.filter((n) => !n.converted);
  return (
    <div className="panel result" data-testid="quantize-result">
      <h3>
        {label} model: {outcome.int8Name}
      </h3>
      <div className="size-row">
        <ChartFrame title="File size" summary={`FP32 ${formatBytes(sizes.prepared)}, ${label} ${formatBytes(sizes.int8)} (${formatPercent(sizes.int8 / sizes.prepared)} of FP32).`} testId="size-chart">
          <SizeChart bars={bars} />
        </ChartFrame>
        <table className="compact" data-testid="sizes">
          <caption>Sizes</caption>
          <tbody>
            <tr>
              <th scope="row">FP32 (prepared)</th>
              <td className="num">{formatBytes(sizes.prepared)}</td>
            </tr>
            <tr>
              <th scope="row">{label}</th>
              <td className="num" data-testid="int8-size">
                {formatBytes(sizes.int8)} ({formatPercent(sizes.int8 / sizes.prepared)} of FP32)
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      <p data-testid="quantize-summary">
        {r.format === 'fp16'
          ? `${r.convertedNodes} of ${r.nodes.length} nodes compute in float16; ${r.casts} Cast node(s) at the edges of FP32 islands; ${r.initializers.converted} initializers in float16; inputs and outputs ${r.io === 'float32' ? 'keep float32' : 'in float16'}.`
          : `${r.convertedNodes} layers with int8 weights per output channel behind DequantizeLinear (${r.int8Values.toLocaleString('en-US')} values); activations and arithmetic stay float.`}
      </p>
      {r.format === 'fp16' && r.keptByReason.length ? (
        <table className="compact" data-testid="kept-reasons">
          <caption>Kept in FP32, by reason</caption>
          <tbody>
            {r.keptByReason.map((k) => (
              <tr key={k.reason}>
                <td className="num">{k.count}</td>
                <td>{k.opTypes.join(', ')}</td>
                <td>{k.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <FidelityGate />
      <div className="row">
        <button type="button" className={unfaithful ? 'danger' : 'primary'} onClick={() => void download('int8')} disabled={exporting !== null} data-testid="download-int8">
          {unfaithful ? `Download ${label} .onnx anyway (not faithful)` : `Download ${label} .onnx`}
        </button>
        <button type="button" onClick={() => void download('report')} disabled={exporting !== null} data-testid="download-report">
          Download report (.json)
        </button>
      </div>
      {kept.length ? (
        <details>
          <summary>{kept.length} node(s) not converted</summary>
          <ul className="notes">
            {kept.map((n) => (
              <li key={n.name}>
                <code>{n.name}</code> ({n.opType}): {n.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
