import type { WeightDetail } from '../../../workers/contracts';
import { Alert } from '../../components/Alert';
import { ChartFrame } from '../../components/ChartFrame';
import { ChannelRangeChart } from '../../components/charts/ChannelRangeChart';
import { formatNumber } from '../../lib/format';
import { useStore, type WeightState } from '../../store';
import { showWeight } from '../../store/actions';

const SHOWN = 64;

/** The range one per-tensor scale would need: symmetric weights ±max|w|, others [min, max] with 0. */
function perTensorRange(d: WeightDetail): { min: number; max: number } {
  const lo = Math.min(0, ...d.channelMin);
  const hi = Math.max(0, ...d.channelMax);
  const symmetric = d.type === 's8' && d.zeroPoints.every((z) => z === 0);
  const abs = Math.max(-lo, hi);
  return symmetric ? { min: -abs, max: abs } : { min: lo, max: hi };
}

/** A weight's per-channel ranges as a chart, its parameters, and the first channels as a table. */
export function WeightDetailBody(props: { weight: WeightState; chartTestId?: string }) {
  const w = props.weight;
  const d = w.detail;
  return (
    <>
      {w.status === 'working' && !d ? <p role="status">Loading…</p> : null}
      {w.error ? <Alert problem={w.error} /> : null}
      {w.status === 'ready' && !d ? <p>This node has no weight that is quantized.</p> : null}
      {d ? (
        <>
          <p className="meta">
            <code>{d.weight}</code> [{d.dims.join(', ')}], {d.type}, {d.axis >= 0 ? `per channel on axis ${d.axis} (${d.scales.length} channels)` : 'per tensor'}
          </p>
          <ChartFrame
            title={d.axis >= 0 ? 'Range per output channel' : 'Weight range'}
            summary={`${d.scales.length} channel(s); values from ${formatNumber(Math.min(...d.channelMin))} to ${formatNumber(Math.max(...d.channelMax))}.`}
            testId={props.chartTestId}
          >
            <ChannelRangeChart channelMin={d.channelMin} channelMax={d.channelMax} perTensor={perTensorRange(d)} />
          </ChartFrame>
          <details>
            <summary>Scales and zero points{d.scales.length > SHOWN ? ` (first ${SHOWN} of ${d.scales.length} channels)` : ''}</summary>
            <div className="table-scroll short">
              <table className="compact">
                <thead>
                  <tr>
                    <th scope="col">Channel</th>
                    <th scope="col" className="num">
                      Min
                    </th>
                    <th scope="col" className="num">
                      Max
                    </th>
                    <th scope="col" className="num">
                      Scale
                    </th>
                    <th scope="col" className="num">
                      Zero point
                    </th>
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
          </details>
        </>
      ) : null}
    </>
  );
}

/** The Quantize step's weight panel (a node's "show" link). */
export function WeightPanel() {
  const w = useStore((s) => s.quantize.weight);
  if (!w.node) return <p className="muted placeholder">Click “show” on a Conv, Gemm or MatMul node to see its weight ranges per output channel.</p>;
  return (
    <aside className="panel detail" aria-label={`Weights of ${w.node}`} data-testid="weight-detail">
      <div className="panel-head">
        <h3>Weights of {w.node}</h3>
        <button type="button" className="link" onClick={() => void showWeight(null)} aria-label={`Close the weights of ${w.node}`}>
          Close
        </button>
      </div>
      <WeightDetailBody weight={w} chartTestId="weight-chart" />
    </aside>
  );
}
