import { useMemo, useRef } from 'react';
import { ChartFrame, LogToggle } from '../../components/ChartFrame';
import { Deferred } from '../../components/Deferred';
import { ErrorHistogramChart } from '../../components/charts/ErrorHistogramChart';
import { OverlayHistogramChart } from '../../components/charts/OverlayHistogramChart';
import { SqnrChart } from '../../components/charts/SqnrChart';
import { worstIndex } from '../../lib/chart-data';
import { formatDb, formatNumber, formatPercent } from '../../lib/format';
import { useRowWindow } from '../../lib/useWindow';
import { useStore } from '../../store';
import { keepLayerInFp32, selectLayer, setCompareLogScale } from '../../store/actions';

const ROW_HEIGHT = 27;

/** The selected layer's error values and its FP32 and INT8 activations. */
function LayerDetail(props: { layer: string }) {
  const r = useStore((s) => s.comparison.compare.result);
  const logScale = useStore((s) => s.comparison.compare.logScale);
  const l = r?.layers.find((x) => x.fp32 === props.layer);
  if (!r || !l) return null;
  const errors = r.errorHistograms.layers[l.fp32];
  const pair = r.activationHistograms[l.fp32];
  return (
    <aside className="panel detail" aria-label={`Layer ${l.fp32}`} data-testid="layer-detail">
      <div className="panel-head">
        <h4>{l.fp32}</h4>
        <LogToggle checked={logScale} onChange={setCompareLogScale} testId="layer-log" />
      </div>
      <p className="meta">
        #{l.order} {l.opType} {l.node ? `(${l.node})` : ''} · {l.quantized ? 'INT8' : 'kept in FP32'} · SQNR {formatDb(l.sqnrDb)} · cosine {formatNumber(l.cosine, 5)} · max |error|{' '}
        {formatNumber(l.maxAbs)}
        {Number.isFinite(l.biasShare) ? (
          <>
            {' '}
            · offset <span data-testid="layer-offset">{formatPercent(l.biasShare)}</span> of the squared error (a constant per channel: what bias correction removes)
          </>
        ) : null}
      </p>
      {l.quantized && l.node ? (
        <p className="row">
          <button type="button" onClick={() => void keepLayerInFp32(l.node)} data-testid="layer-keep" title="Adds the layer (with the Relu it folds and the activation that gates it) to the Quantize step's keep list and builds the INT8 model again">
            Keep {l.node} in FP32 and rebuild
          </button>
        </p>
      ) : null}
      {errors ? (
        <ChartFrame title="Error values (FP32 − INT8)" summary={`Errors of ${l.fp32} range from ${formatNumber(errors.min)} to ${formatNumber(errors.max)}.`} testId="layer-error-histogram">
          <ErrorHistogramChart histogram={errors} logScale={logScale} />
        </ChartFrame>
      ) : null}
      {pair ? (
        <ChartFrame title="Activations, FP32 and INT8 overlaid" summary={`FP32 values of ${l.fp32} from ${formatNumber(pair.fp32.min)} to ${formatNumber(pair.fp32.max)}; INT8 from ${formatNumber(pair.int8.min)} to ${formatNumber(pair.int8.max)}.`} testId="layer-activations">
          <OverlayHistogramChart pair={pair} logScale={logScale} />
        </ChartFrame>
      ) : null}
    </aside>
  );
}

/** Per-layer error through the tensor mapping: SQNR chart, table, and the selected layer's histograms. */
export function LayerErrors() {
  const r = useStore((s) => s.comparison.compare.result);
  const chosen = useStore((s) => s.comparison.compare.selectedLayer);
  const scroller = useRef<HTMLDivElement>(null);
  const layers = useMemo(() => r?.layers ?? [], [r]);
  const bars = useMemo(() => layers.map((l) => ({ name: l.fp32, opType: l.opType, order: l.order, sqnrDb: l.sqnrDb, quantized: l.quantized })), [layers]);
  const win = useRowWindow(scroller, layers.length, ROW_HEIGHT);
  if (!r) return null;
  if (!r.perLayer) return <p className="muted">The INT8 model carries no tensor mapping, so layers are not compared.</p>;
  const worst = worstIndex(layers.map((l) => l.sqnrDb));
  const selected = chosen ?? layers[worst]?.fp32 ?? null;
  return (
    <section className="subsection" aria-labelledby="layers-title">
      <h3 id="layers-title">Error per layer</h3>
      <ChartFrame
        title="SQNR per layer, in graph order (higher is better)"
        summary={worst >= 0 ? `${layers.length} layers; the worst is ${layers[worst].fp32} at ${formatDb(layers[worst].sqnrDb)}.` : `${layers.length} layers.`}
        testId="sqnr-chart"
      >
        <Deferred stage={2} height={bars.length <= 48 ? 330 : 270}>
          <SqnrChart layers={bars} selected={selected} onSelect={selectLayer} />
        </Deferred>
      </ChartFrame>
      <div className="split layers">
        <div className="table-scroll tall" ref={scroller}>
          <table className="compact fixed-rows" data-testid="layer-errors">
            <caption>Per layer, in graph order</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  #
                </th>
                <th scope="col">Tensor</th>
                <th scope="col">Op</th>
                <th scope="col" className="num" title="Accumulated: the INT8 model's tensor against the FP32 model's">
                  SQNR
                </th>
                <th scope="col" className="num" title="Local: the tensor's own Q/DQ applied to its FP32 values (what its grid alone costs)">
                  Local
                </th>
                <th scope="col" className="num">
                  Cosine
                </th>
                <th scope="col" className="num">
                  MSE
                </th>
                <th scope="col" className="num" title="Share of the squared error that is a constant offset per channel (what bias correction removes)">
                  Offset
                </th>
                <th scope="col">INT8</th>
              </tr>
            </thead>
            <tbody>
              {win.padTop > 0 ? <tr aria-hidden="true" className="spacer" style={{ height: win.padTop }} /> : null}
              {layers.slice(win.start, win.end).map((l, i) => (
                <tr key={l.fp32} className={`${l.fp32 === selected ? 'selected' : ''}${win.start + i === worst ? ' worst' : ''}`}>
                  <td className="num">{l.order}</td>
                  <th scope="row" className="name-cell">
                    <button type="button" className="link mono" onClick={() => selectLayer(l.fp32)} aria-pressed={l.fp32 === selected} title={l.fp32}>
                      {l.fp32}
                    </button>
                  </th>
                  <td>{l.opType}</td>
                  <td className="num">
                    {win.start + i === worst ? (
                      <span className="flag" title="Worst layer">
                        worst
                      </span>
                    ) : null}{' '}
                    {formatDb(l.sqnrDb)}
                  </td>
                  <td className="num">{l.local ? formatDb(l.local.sqnrDb) : '–'}</td>
                  <td className="num">{formatNumber(l.cosine, 5)}</td>
                  <td className="num">{formatNumber(l.mse)}</td>
                  <td className="num" data-testid="layer-offset-cell">{Number.isFinite(l.biasShare) ? formatPercent(l.biasShare) : '–'}</td>
                  <td>{l.quantized ? 'yes' : 'no'}</td>
                </tr>
              ))}
              {win.padBottom > 0 ? <tr aria-hidden="true" className="spacer" style={{ height: win.padBottom }} /> : null}
            </tbody>
          </table>
        </div>
        {selected ? (
          <Deferred stage={3} height={560}>
            <LayerDetail layer={selected} />
          </Deferred>
        ) : null}
      </div>
    </section>
  );
}
