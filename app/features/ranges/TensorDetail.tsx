import { RANGE_METHODS, type RangeMethod } from '../../../workers/core/calibration/ranges';
import type { QuantGridView, TensorDetail } from '../../../workers/contracts';
import { ChartFrame, LogToggle } from '../../components/ChartFrame';
import { Alert } from '../../components/Alert';
import { RangeHistogramChart, type MethodMarker } from '../../components/charts/RangeHistogramChart';
import { METHOD_STYLE } from '../../components/charts/theme';
import { gridFor } from '../../lib/chart-data';
import { formatNumber, formatPercent } from '../../lib/format';
import { useStore } from '../../store';
import { selectTensor, setMethodOptions, setRangesView, keepLayerInFp32 } from '../../store/actions';

/** The methods drawn as markers on the histogram. */
const MARKED: readonly RangeMethod[] = ['minmax', 'percentile', 'entropy', 'mse'];

/**
 * The range and grid for the method selected NOW. The worker's detail answers for the method it was
 * asked about; until the answer for a newly selected method arrives, the range comes from the
 * detail's per-method ranges (computed from the same statistics) and the grid from the same formulas
 * the quantizer uses, so the chart moves at once.
 */
function currentRange(d: TensorDetail, method: RangeMethod, type: 'u8' | 's8', symmetric: boolean): { range: { min: number; max: number }; grid: QuantGridView; exact: boolean } {
  if (d.chosen.method === method && d.grid.type === type) return { range: d.chosen, grid: d.grid, exact: true };
  const r = d.ranges[method] ?? d.chosen;
  return { range: r, grid: gridFor(r, type, symmetric), exact: false };
}

export function TensorDetailPanel() {
  const selected = useStore((s) => s.ranges.selected);
  const status = useStore((s) => s.ranges.detailStatus);
  const d = useStore((s) => s.ranges.detail);
  const error = useStore((s) => s.ranges.detailError);
  const method = useStore((s) => s.ranges.options.method);
  const type = useStore((s) => s.ranges.options.activationType);
  const symmetric = useStore((s) => s.ranges.options.activationSymmetric);
  const logScale = useStore((s) => s.ranges.view.logScale);
  if (!selected) return <p className="muted placeholder">Click a tensor in the table to see its histogram, the clip range, the quantization grid and where each method would clip.</p>;
  const shown = d && d.tensor === selected ? d : null;
  const current = shown ? currentRange(shown, method, type, symmetric) : null;
  const markers: MethodMarker[] = shown ? MARKED.flatMap((m) => (shown.ranges[m] ? [{ method: m, min: shown.ranges[m].min, max: shown.ranges[m].max }] : [])) : [];
  return (
    <aside className="panel detail" aria-label={`Tensor ${selected}`} data-testid="tensor-detail">
      <div className="panel-head">
        <h3>{selected}</h3>
        <button type="button" className="link" onClick={() => void selectTensor(null)} aria-label={`Close the detail of ${selected}`}>
          Close
        </button>
      </div>
      {status === 'working' && !shown ? <p role="status">Loading…</p> : null}
      {error ? <Alert problem={error} testId="tensor-detail-error" /> : null}
      {shown && current ? (
        <>
          <p className="meta">
            {shown.opType} {shown.node ? `(${shown.node})` : ''} · shape {shown.shape ? `[${shown.shape.join(',')}]` : 'unknown'} · {shown.stats.count.toLocaleString('en-US')} values from{' '}
            {shown.stats.batches} image(s)
            {shown.rangeSource !== shown.tensor ? ` · parameters shared with ${shown.rangeSource}` : ''}
            {status === 'working' ? <span className="updating"> · updating…</span> : null}
          </p>
          {shown.node ? (
            <p className="row">
              <button type="button" onClick={() => void keepLayerInFp32(shown.node)} data-testid="tensor-keep" title="Adds the layer (with the Relu it folds and the activation that gates it) to the Quantize step's keep list and builds the INT8 model again">
                Keep {shown.node} in FP32 and rebuild
              </button>
            </p>
          ) : null}
          {shown.histogram ? (
            <ChartFrame
              title="Activation histogram"
              summary={`Histogram of ${shown.tensor}: values from ${formatNumber(shown.stats.min)} to ${formatNumber(shown.stats.max)}; the ${METHOD_STYLE[method].label} range clips at ${formatNumber(current.range.min)} and ${formatNumber(current.range.max)}.`}
              testId="tensor-histogram"
              controls={<LogToggle checked={logScale} onChange={(v) => setRangesView({ logScale: v })} testId="histogram-log" />}
            >
              <RangeHistogramChart histogram={shown.histogram} range={current.range} method={method} grid={current.grid} markers={markers} logScale={logScale} />
            </ChartFrame>
          ) : (
            <p className="muted">Calibrated without histograms: only MinMax ranges are known.</p>
          )}
          <table className="compact methods" data-testid="tensor-ranges">
            <caption>Every method on the same statistics (choose one to use it)</caption>
            <thead>
              <tr>
                <th scope="col">Method</th>
                <th scope="col" className="num">
                  Min
                </th>
                <th scope="col" className="num">
                  Max
                </th>
                <th scope="col" className="num">
                  Clipped
                </th>
              </tr>
            </thead>
            <tbody>
              {RANGE_METHODS.map((m) => {
                const r = shown.ranges[m];
                return r ? (
                  <tr key={m} className={m === method ? 'selected' : undefined}>
                    <th scope="row">
                      <label className="check method-choice">
                        <input type="radio" name="tensor-method" checked={m === method} onChange={() => setMethodOptions({ method: m })} />
                        <span className="swatch swatch-line" style={{ borderColor: METHOD_STYLE[m].color, borderStyle: m === 'minmax' ? 'solid' : 'dashed' }} aria-hidden="true" />
                        {m}
                      </label>
                    </th>
                    <td className="num">{formatNumber(r.min)}</td>
                    <td className="num">{formatNumber(r.max)}</td>
                    <td className="num">{r.clippedFraction === undefined ? '—' : formatPercent(r.clippedFraction, 3)}</td>
                  </tr>
                ) : null;
              })}
            </tbody>
          </table>
          <p data-testid="tensor-grid" className="meta">
            Grid: {current.grid.type} {current.grid.qmin}…{current.grid.qmax}, scale {formatNumber(current.grid.scale, 6)}, zero point {current.grid.zeroPoint}; represents{' '}
            {formatNumber(current.grid.lowest)} … {formatNumber(current.grid.highest)}. Observed {formatNumber(shown.stats.min)} … {formatNumber(shown.stats.max)}, mean {formatNumber(shown.stats.mean)}, std{' '}
            {formatNumber(shown.stats.std)}.
          </p>
        </>
      ) : null}
    </aside>
  );
}
