import { useStore } from '../../store';
import { showWeight } from '../../store/actions';
import { Alert } from '../../components/Alert';
import { formatNumber } from '../../lib/format';

const SHOWN = 64;

/** Per-channel min/max and scales of one layer's weights (a table now; a chart in phase 2). */
export function WeightPanel() {
  const w = useStore((s) => s.quantize.weight);
  if (!w.node) return <p className="muted">Click “show” on a Conv, Gemm or MatMul node to see its weights per channel.</p>;
  const d = w.detail;
  return (
    <aside className="panel detail" aria-label={`Weights of ${w.node}`} data-testid="weight-detail">
      <div className="row">
        <h3>Weights of {w.node}</h3>
        <button type="button" className="link" onClick={() => void showWeight(null)}>
          Close
        </button>
      </div>
      {w.status === 'working' ? <p role="status">Loading…</p> : null}
      {w.error ? <Alert problem={w.error} /> : null}
      {w.status === 'ready' && !d ? <p>This node has no weight that is quantized.</p> : null}
      {d ? (
        <>
          <p>
            <code>{d.weight}</code> [{d.dims.join(', ')}], {d.type}, {d.axis >= 0 ? `per channel on axis ${d.axis} (${d.scales.length} channels)` : 'per tensor'}
          </p>
          <div className="table-scroll">
            <table className="compact">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Min</th>
                  <th scope="col">Max</th>
                  <th scope="col">Scale</th>
                  <th scope="col">Zero point</th>
                </tr>
              </thead>
              <tbody>
                {d.scales.slice(0, SHOWN).map((s, c) => (
                  <tr key={c}>
                    <td className="num">{c}</td>
                    <td className="num">{formatNumber(d.channelMin[c])}</td>
                    <td className="num">{formatNumber(d.channelMax[c])}</td>
                    <td className="num">{formatNumber(s, 6)}</td>
                    <td className="num">{d.zeroPoints[c]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {d.scales.length > SHOWN ? <p className="muted">First {SHOWN} of {d.scales.length} channels.</p> : null}
        </>
      ) : null}
    </aside>
  );
}
