import { useMemo, useRef } from 'react';
import type { RangeRow } from '../../../workers/contracts';
import { formatNumber, formatPercent } from '../../lib/format';
import { sortRows } from '../../lib/sort';
import { useRowWindow } from '../../lib/useWindow';
import { useStore, type RangeSortKey } from '../../store';
import { keepLayerInFp32, selectTensor } from '../../store/actions';
import { matchesFilter, ROW_HEIGHT, SqnrCell } from './cells';
import { SortHeader } from './SortHeader';
import { Term } from '../../components/Term';

function keyOf(key: RangeSortKey, order: Map<RangeRow, number>): (r: RangeRow) => number | string | null {
  switch (key) {
    case 'order':
      return (r) => order.get(r) ?? 0;
    case 'name':
      return (r) => r.tensor;
    case 'op':
      return (r) => r.opType;
    case 'observed':
      return (r) => Math.max(Math.abs(r.observed.min), Math.abs(r.observed.max));
    case 'scale':
      return (r) => r.scale;
    case 'clipped':
      return (r) => r.clippedFraction;
    case 'sqnr':
      return (r) => r.sqnrDb;
  }
}

/** The quantized activations: observed and chosen range, parameters, clipped share and expected SQNR. */
export function RangeTable() {
  const table = useStore((s) => s.ranges.table);
  const selected = useStore((s) => s.ranges.selected);
  const { sort, filter } = useStore((s) => s.ranges.view);
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useMemo(() => {
    const all = table?.rows ?? [];
    const order = new Map(all.map((r, i) => [r, i]));
    return sortRows(
      all.filter((r) => matchesFilter(filter, r.tensor, r.node, r.opType)),
      keyOf(sort.key, order),
      sort.dir,
    );
  }, [table, sort, filter]);
  const win = useRowWindow(scroller, rows.length, ROW_HEIGHT);
  if (!table) return null;
  return (
    <div className="table-scroll ranges-table" ref={scroller} tabIndex={-1}>
      <table className="compact fixed-rows" data-testid="range-table" aria-label={`Ranges by ${table.method}`} aria-rowcount={rows.length + 1}>
        <thead>
          <tr>
            <SortHeader sortKey="name" label="Tensor" />
            <SortHeader sortKey="op" label="Op" title="Op of the producing node (hover a cell for the node's name)" />
            <th scope="col" className="col-shape">
              Shape
            </th>
            <SortHeader sortKey="observed" label="Observed" numeric title="Smallest … largest value seen in calibration (sorts by the largest magnitude)" />
            <th scope="col" className="num" title="The clip range the method chose: min … max">
              Range
            </th>
            <SortHeader sortKey="scale" label="Scale" numeric term="scale" />
            <th scope="col" className="num" title="Zero point and integer type">
              Zero pt
              <Term id="zero-point" />
            </th>
            <SortHeader sortKey="clipped" label="Clipped" numeric title="Estimated share of values outside the range" term="clipping" />
            <SortHeader sortKey="sqnr" label="SQNR" numeric title="Expected signal-to-quantization-noise ratio with this range (from the histogram)" term="sqnr" />
            <th scope="col" title="Keep the producing layer (with the Relu it folds and the activation that gates it) in FP32 and rebuild the INT8 model">
              FP32
            </th>
          </tr>
        </thead>
        <tbody>
          {win.padTop > 0 ? <tr aria-hidden="true" className="spacer" style={{ height: win.padTop }} /> : null}
          {rows.slice(win.start, win.end).map((r, i) => (
            <tr key={r.tensor} className={r.tensor === selected ? 'selected' : undefined} data-testid="range-row" aria-rowindex={win.start + i + 2}>
              <th scope="row" className="name-cell">
                <button type="button" className="link" onClick={() => void selectTensor(r.tensor)} aria-pressed={r.tensor === selected} title={r.tensor}>
                  {r.tensor}
                </button>
              </th>
              <td title={r.node ? `Produced by ${r.node}` : 'A graph input'}>{r.opType}</td>
              <td className="shape col-shape">{r.shape ? `[${r.shape.join(',')}]` : '—'}</td>
              <td className="num">
                {formatNumber(r.observed.min)} … {formatNumber(r.observed.max)}
              </td>
              <td className="num">
                {formatNumber(r.range.min)} … {formatNumber(r.range.max)}
              </td>
              <td className="num">{formatNumber(r.scale, 6)}</td>
              <td className="num">
                {r.zeroPoint} <span className="muted">{r.type}</span>
              </td>
              <td className={`num${r.clippedFraction !== null && r.clippedFraction > 1e-3 ? ' warn' : ''}`}>{r.clippedFraction === null ? '—' : formatPercent(r.clippedFraction, 3)}</td>
              <SqnrCell db={r.sqnrDb} />
              <td>
                {r.node ? (
                  <button type="button" className="link" onClick={() => void keepLayerInFp32(r.node)} aria-label={`keep ${r.node} in FP32`} data-testid="range-keep">
                    keep
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
          {win.padBottom > 0 ? <tr aria-hidden="true" className="spacer" style={{ height: win.padBottom }} /> : null}
        </tbody>
      </table>
      {rows.length === 0 ? <p className="muted empty">No tensor matches “{filter}”.</p> : null}
    </div>
  );
}

