import { RANGE_METHODS } from '../../../workers/core/calibration/ranges';
import { useStore } from '../../store';
import { selectTensor } from '../../store/actions';
import { Alert } from '../../components/Alert';
import { HistogramChart } from '../../components/BarChart';
import { formatNumber, formatPercent } from '../../lib/format';

export function TensorDetailPanel() {
  const selected = useStore((s) => s.ranges.selected);
  const status = useStore((s) => s.ranges.detailStatus);
  const d = useStore((s) => s.ranges.detail);
  const error = useStore((s) => s.ranges.detailError);
  const method = useStore((s) => s.ranges.options.method);
  if (!selected) return <p className="muted">Click a tensor to see its histogram and every method's range.</p>;
  return (
    <aside className="panel detail" aria-label={`Tensor ${selected}`} data-testid="tensor-detail">
      <div className="row">
        <h3>{selected}</h3>
        <button type="button" className="link" onClick={() => void selectTensor(null)}>
          Close
        </button>
      </div>
      {status === 'working' ? <p role="status">Loading…</p> : null}
      {error ? <Alert problem={error} testId="tensor-detail-error" /> : null}
      {d && d.tensor === selected ? (
        <>
          <p>
            {d.opType} {d.node ? `(${d.node})` : ''} · shape {d.shape ? `[${d.shape.join(',')}]` : 'unknown'} · {d.stats.count.toLocaleString('en-US')} values from {d.stats.batches} image(s)
            {d.rangeSource !== d.tensor ? ` · parameters shared with ${d.rangeSource}` : ''}
          </p>
          {d.histogram ? (
            <HistogramChart
              histogram={d.histogram}
              label={`Histogram of ${d.tensor} with the ${method} range`}
              testId="tensor-histogram"
              markers={[
                { x: d.chosen.min, label: 'min', tone: 'range' },
                { x: d.chosen.max, label: 'max', tone: 'range' },
              ]}
            />
          ) : null}
          <table className="compact" data-testid="tensor-ranges">
            <caption>Every method on the same statistics</caption>
            <thead>
              <tr>
                <th scope="col">Method</th>
                <th scope="col">Min</th>
                <th scope="col">Max</th>
                <th scope="col">Clipped</th>
              </tr>
            </thead>
            <tbody>
              {RANGE_METHODS.map((m) => {
                const r = d.ranges[m];
                return r ? (
                  <tr key={m} className={m === method ? 'selected' : undefined}>
                    <th scope="row">{m}</th>
                    <td className="num">{formatNumber(r.min)}</td>
                    <td className="num">{formatNumber(r.max)}</td>
                    <td className="num">{r.clippedFraction === undefined ? '—' : formatPercent(r.clippedFraction, 3)}</td>
                  </tr>
                ) : null;
              })}
            </tbody>
          </table>
          <p data-testid="tensor-grid">
            Grid: {d.grid.type} {d.grid.qmin}…{d.grid.qmax}, scale {formatNumber(d.grid.scale, 6)}, zero point {d.grid.zeroPoint}; represents {formatNumber(d.grid.lowest)} … {formatNumber(d.grid.highest)}.
            Observed {formatNumber(d.stats.min)} … {formatNumber(d.stats.max)}, mean {formatNumber(d.stats.mean)}, std {formatNumber(d.stats.std)}.
          </p>
        </>
      ) : null}
    </aside>
  );
}
