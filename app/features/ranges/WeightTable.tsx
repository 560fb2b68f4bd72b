import { useMemo, useRef } from 'react';
import type { WeightRow } from '../../../workers/contracts';
import { formatNumber } from '../../lib/format';
import { sortRows } from '../../lib/sort';
import { useRowWindow } from '../../lib/useWindow';
import { useStore, type RangeSortKey } from '../../store';
import { selectRangeWeight } from '../../store/actions';
import { matchesFilter, ROW_HEIGHT, SqnrCell } from './cells';
import { SortHeader } from './SortHeader';

function keyOf(key: RangeSortKey, order: Map<WeightRow, number>): (r: WeightRow) => number | string | null {
  switch (key) {
    case 'order':
      return (r) => order.get(r) ?? 0;
    case 'name':
      return (r) => r.weight;
    case 'op':
      return (r) => r.opType;
    case 'observed':
      return (r) => Math.max(Math.abs(r.observed.min), Math.abs(r.observed.max));
    case 'scale':
      return (r) => r.scale.max;
    case 'clipped':
      return () => 0;
    case 'sqnr':
      return (r) => r.sqnrDb;
  }
}

/** The quantized weights: per-channel or per-tensor parameters and the exact SQNR of each. */
export function WeightTable() {
  const weights = useStore((s) => s.ranges.table?.weights);
  const selected = useStore((s) => s.ranges.weight.node);
  const { sort, filter } = useStore((s) => s.ranges.view);
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useMemo(() => {
    const all = weights ?? [];
    const order = new Map(all.map((r, i) => [r, i]));
    return sortRows(
      all.filter((r) => matchesFilter(filter, r.weight, r.node, r.opType)),
      keyOf(sort.key, order),
      sort.dir,
    );
  }, [weights, sort, filter]);
  const win = useRowWindow(scroller, rows.length, ROW_HEIGHT);
  if (!weights) return null;
  return (
    <div className="table-scroll ranges-table" ref={scroller} tabIndex={-1}>
      <table className="compact fixed-rows" data-testid="weight-table" aria-label="Quantized weights" aria-rowcount={rows.length + 1}>
        <thead>
          <tr>
            <SortHeader sortKey="name" label="Weight" />
            <th scope="col">Node</th>
            <SortHeader sortKey="op" label="Op" />
            <th scope="col" className="col-shape">
              Shape
            </th>
            <th scope="col" className="num">
              Channels
            </th>
            <SortHeader sortKey="observed" label="Observed" numeric title="Smallest … largest weight (sorts by the largest magnitude)" />
            <SortHeader sortKey="scale" label="Scale" numeric title="Smallest … largest channel scale" />
            <th scope="col" className="num" title="Zero point and integer type">
              Zero pt
            </th>
            <SortHeader sortKey="sqnr" label="SQNR" numeric title="Exact signal-to-quantization-noise ratio of the quantized weight" />
          </tr>
        </thead>
        <tbody>
          {win.padTop > 0 ? <tr aria-hidden="true" className="spacer" style={{ height: win.padTop }} /> : null}
          {rows.slice(win.start, win.end).map((r, i) => (
            <tr key={r.weight} className={r.node === selected ? 'selected' : undefined} data-testid="weight-row" aria-rowindex={win.start + i + 2}>
              <th scope="row" className="name-cell">
                <button type="button" className="link" onClick={() => void selectRangeWeight(r.node)} aria-pressed={r.node === selected} title={r.weight}>
                  {r.weight}
                </button>
              </th>
              <td className="name-cell muted" title={r.node}>
                {r.node}
              </td>
              <td>{r.opType}</td>
              <td className="shape col-shape">[{r.dims.join(',')}]</td>
              <td className="num" title={r.axis >= 0 ? `Per channel on axis ${r.axis}` : 'One scale for the whole tensor'}>
                {r.axis >= 0 ? r.channels : 'tensor'}
              </td>
              <td className="num">
                {formatNumber(r.observed.min)} … {formatNumber(r.observed.max)}
              </td>
              <td className="num">{r.channels > 1 ? `${formatNumber(r.scale.min, 3)} … ${formatNumber(r.scale.max, 3)}` : formatNumber(r.scale.max, 4)}</td>
              <td className="num">
                {r.zeroPoint} <span className="muted">{r.type}</span>
              </td>
              <SqnrCell db={r.sqnrDb} />
            </tr>
          ))}
          {win.padBottom > 0 ? <tr aria-hidden="true" className="spacer" style={{ height: win.padBottom }} /> : null}
        </tbody>
      </table>
      {rows.length === 0 ? <p className="muted empty">{weights.length ? `No weight matches “${filter}”.` : 'No weight is quantized with these settings.'}</p> : null}
    </div>
  );
}
