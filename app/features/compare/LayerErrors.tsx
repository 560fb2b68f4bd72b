import { useMemo, useRef, useState } from 'react';
import { ChartFrame, LogToggle } from '../../components/ChartFrame';
import { Deferred } from '../../components/Deferred';
import { ErrorHistogramChart } from '../../components/charts/ErrorHistogramChart';
import { OverlayHistogramChart } from '../../components/charts/OverlayHistogramChart';
import { SqnrChart } from '../../components/charts/SqnrChart';
import { worstIndex } from '../../lib/chart-data';
import { formatDb, formatNumber, formatPercent } from '../../lib/format';
import { sortRows, type SortDir } from '../../lib/sort';
import { Term, type TermId } from '../../components/Term';
import { useRowWindow } from '../../lib/useWindow';
import { useStore } from '../../store';
import { keepLayerInFp32, selectLayer, setCompareLogScale } from '../../store/actions';

const ROW_HEIGHT = 27;

type LayerSortKey = 'order' | 'node' | 'tensor' | 'op' | 'sqnr' | 'local' | 'cosine' | 'mse' | 'offset';
type Layer = NonNullable<ReturnType<typeof useStore.getState>['comparison']['compare']['result']>['layers'][number];

const SORT_VALUE: Record<LayerSortKey, (l: Layer) => number | string | null> = {
  order: (l) => l.order,
  node: (l) => l.node || null,
  tensor: (l) => l.fp32,
  op: (l) => l.opType,
  sqnr: (l) => l.sqnrDb,
  local: (l) => l.local?.sqnrDb ?? null,
  cosine: (l) => l.cosine,
  mse: (l) => l.mse,
  offset: (l) => (Number.isFinite(l.biasShare) ? l.biasShare : null),
};

/** A sortable column header of the per-layer table (aria-sort says how it is sorted now). */
function LayerSortHeader(props: { k: LayerSortKey; label: string; sort: { key: LayerSortKey; dir: SortDir }; onSort: (k: LayerSortKey) => void; numeric?: boolean; title?: string; term?: TermId }) {
  const active = props.sort.key === props.k;
  return (
    <th scope="col" aria-sort={active ? (props.sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'} className={props.numeric ? 'num' : undefined} title={props.title}>
      <button type="button" className={`sort${active ? ' active' : ''}`} onClick={() => props.onSort(props.k)} data-testid={`layer-sort-${props.k}`}>
        {props.label}
        <span className="sort-arrow" aria-hidden="true">
          {active ? (props.sort.dir === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
      {props.term ? <Term id={props.term} /> : null}
    </th>
  );
}

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
        <h4>
          {l.node || l.fp32} <span className="muted mono">{l.node ? l.fp32 : ''}</span>
        </h4>
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
  const [sort, setSort] = useState<{ key: LayerSortKey; dir: SortDir }>({ key: 'order', dir: 'asc' });
  const [filter, setFilter] = useState('');
  const [quantizedOnly, setQuantizedOnly] = useState(false);
  const all = useMemo(() => r?.layers ?? [], [r]);
  const bars = useMemo(() => all.map((l) => ({ name: l.fp32, opType: l.opType, order: l.order, sqnrDb: l.sqnrDb, quantized: l.quantized })), [all]);
  const layers = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const kept = all.filter((l) => (!quantizedOnly || l.quantized) && (!f || l.fp32.toLowerCase().includes(f) || l.node.toLowerCase().includes(f) || l.opType.toLowerCase().includes(f)));
    return sortRows(kept, SORT_VALUE[sort.key], sort.dir);
  }, [all, filter, quantizedOnly, sort]);
  const win = useRowWindow(scroller, layers.length, ROW_HEIGHT);
  if (!r) return null;
  if (!r.perLayer) return <p className="muted">The INT8 model carries no tensor mapping, so layers are not compared.</p>;
  // The worst among the quantized layers only: a layer kept in FP32 is not what quantization broke.
  const worstAll = worstIndex(all.map((l) => (l.quantized ? l.sqnrDb : NaN)));
  const worstName = worstAll >= 0 ? all[worstAll].fp32 : null;
  const selected = chosen ?? worstName;
  const onSort = (key: LayerSortKey) =>
    setSort((old) => ({ key, dir: old.key === key ? (old.dir === 'asc' ? 'desc' : 'asc') : key === 'sqnr' || key === 'local' || key === 'cosine' || key === 'order' || key === 'node' || key === 'tensor' || key === 'op' ? 'asc' : 'desc' }));
  return (
    <section className="subsection" aria-labelledby="layers-title">
      <h3 id="layers-title">Error per layer</h3>
      <ChartFrame
        title="SQNR per layer, in graph order (higher is better)"
        summary={worstAll >= 0 ? `${all.length} layers; the worst quantized layer is ${all[worstAll].node || all[worstAll].fp32} (tensor ${all[worstAll].fp32}) at ${formatDb(all[worstAll].sqnrDb)}.` : `${all.length} layers, none quantized.`}
        testId="sqnr-chart"
      >
        <Deferred stage={2} height={bars.length <= 48 ? 330 : 270}>
          <SqnrChart layers={bars} selected={selected} onSelect={selectLayer} />
        </Deferred>
      </ChartFrame>
      <div className="toolbar layer-filter">
        <label>
          Filter
          <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="node, tensor or op" data-testid="layer-filter" />
        </label>
        <label className="check">
          <input type="checkbox" checked={quantizedOnly} onChange={(e) => setQuantizedOnly(e.target.checked)} data-testid="layer-quantized-only" />
          Quantized layers only
        </label>
        <span className="muted" role="status" data-testid="layer-count">
          {layers.length} of {all.length} layer(s)
        </span>
      </div>
      <div className="split layers">
        <div className="table-scroll tall" ref={scroller}>
          <table className="compact fixed-rows" data-testid="layer-errors">
            <caption>Per layer: the node (as the keep list names it) and the tensor it writes; click a header to sort</caption>
            <thead>
              <tr>
                <LayerSortHeader k="order" label="#" sort={sort} onSort={onSort} numeric />
                <LayerSortHeader k="node" label="Node" sort={sort} onSort={onSort} title="The node that writes the tensor, as the Quantize step's keep list names it" />
                <LayerSortHeader k="tensor" label="Tensor" sort={sort} onSort={onSort} />
                <LayerSortHeader k="op" label="Op" sort={sort} onSort={onSort} />
                <LayerSortHeader k="sqnr" label="SQNR" sort={sort} onSort={onSort} numeric term="sqnr" title="Accumulated: the INT8 model's tensor against the FP32 model's" />
                <LayerSortHeader k="local" label="Local" sort={sort} onSort={onSort} numeric title="Local: the tensor's own Q/DQ applied to its FP32 values (what its grid alone costs)" />
                <LayerSortHeader k="cosine" label="Cosine" sort={sort} onSort={onSort} numeric term="cosine" />
                <LayerSortHeader k="mse" label="MSE" sort={sort} onSort={onSort} numeric />
                <LayerSortHeader k="offset" label="Offset" sort={sort} onSort={onSort} numeric title="Share of the squared error that is a constant offset per channel (what bias correction removes)" />
                <th scope="col">INT8</th>
              </tr>
            </thead>
            <tbody>
              {win.padTop > 0 ? <tr aria-hidden="true" className="spacer" style={{ height: win.padTop }} /> : null}
              {layers.slice(win.start, win.end).map((l) => (
                <tr key={l.fp32} className={`${l.fp32 === selected ? 'selected' : ''}${l.fp32 === worstName ? ' worst' : ''}`} data-testid="layer-row" data-node={l.node} data-quantized={l.quantized ? 'true' : 'false'}>
                  <td className="num">{l.order}</td>
                  <th scope="row" className="name-cell">
                    <button type="button" className="link mono" onClick={() => selectLayer(l.fp32)} aria-pressed={l.fp32 === selected} title={`${l.node || '(unnamed node)'} writes ${l.fp32}`}>
                      {l.node || l.fp32}
                    </button>
                  </th>
                  <td className="name-cell mono muted" title={l.fp32}>
                    {l.fp32}
                  </td>
                  <td>{l.opType}</td>
                  <td className="num">
                    {l.fp32 === worstName ? (
                      <span className="flag" title="The worst quantized layer" data-testid="layer-worst">
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
