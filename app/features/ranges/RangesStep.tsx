import { useStore } from '../../store';
import { selectTensor } from '../../store/actions';
import { Alert } from '../../components/Alert';
import { Step } from '../../components/Step';
import { formatNumber, formatPercent } from '../../lib/format';
import { MethodOptions } from '../calibrate/MethodOptions';
import { TensorDetailPanel } from './TensorDetail';

function RangeTableView() {
  const table = useStore((s) => s.ranges.table);
  const selected = useStore((s) => s.ranges.selected);
  if (!table) return null;
  return (
    <div className="table-scroll">
      <table className="compact" data-testid="range-table" aria-label={`Ranges by ${table.method}`}>
        <thead>
          <tr>
            <th scope="col">Tensor</th>
            <th scope="col">Node</th>
            <th scope="col">Op</th>
            <th scope="col">Shape</th>
            <th scope="col">Observed min</th>
            <th scope="col">Observed max</th>
            <th scope="col">Range min</th>
            <th scope="col">Range max</th>
            <th scope="col">Scale</th>
            <th scope="col">Zero point</th>
            <th scope="col">Clipped</th>
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r) => (
            <tr key={r.tensor} className={r.tensor === selected ? 'selected' : undefined} data-testid="range-row">
              <th scope="row">
                <button type="button" className="link" onClick={() => void selectTensor(r.tensor)} aria-pressed={r.tensor === selected}>
                  {r.tensor}
                </button>
              </th>
              <td>{r.node || '—'}</td>
              <td>{r.opType}</td>
              <td>{r.shape ? `[${r.shape.join(',')}]` : '—'}</td>
              <td className="num">{formatNumber(r.observed.min)}</td>
              <td className="num">{formatNumber(r.observed.max)}</td>
              <td className="num">{formatNumber(r.range.min)}</td>
              <td className="num">{formatNumber(r.range.max)}</td>
              <td className="num">{formatNumber(r.scale, 6)}</td>
              <td className="num">
                {r.zeroPoint} ({r.type})
              </td>
              <td className="num">{r.clippedFraction === null ? '—' : formatPercent(r.clippedFraction, 3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RangesStep() {
  const ready = useStore((s) => s.calibration.status === 'ready');
  const status = useStore((s) => s.ranges.status);
  const error = useStore((s) => s.ranges.error);
  const rows = useStore((s) => s.ranges.table?.rows.length ?? 0);
  return (
    <Step id="ranges" n={4} title="Ranges" blocked={ready ? null : 'Calibrate in step 3 to see the ranges.'} summary={rows ? <span>{rows} quantized tensors</span> : null}>
      <MethodOptions compact />
      {status === 'working' ? <p role="status">Computing ranges…</p> : null}
      {error ? <Alert problem={error} testId="ranges-error" /> : null}
      <div className="columns ranges">
        <RangeTableView />
        <TensorDetailPanel />
      </div>
    </Step>
  );
}
