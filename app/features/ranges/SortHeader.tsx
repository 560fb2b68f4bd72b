import type { RangeSortKey } from '../../store';
import { Term, type TermId } from '../../components/Term';
import { sortRanges } from '../../store/actions';
import { useStore } from '../../store';

/** A column header that sorts the ranges tables (aria-sort says how it is sorted now). */
export function SortHeader(props: { sortKey: RangeSortKey; label: string; title?: string; numeric?: boolean; term?: TermId }) {
  const sort = useStore((s) => s.ranges.view.sort);
  const active = sort.key === props.sortKey;
  return (
    <th scope="col" aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'} className={props.numeric ? 'num' : undefined} title={props.title}>
      <button type="button" className={`sort${active ? ' active' : ''}`} onClick={() => sortRanges(props.sortKey)}>
        {props.label}
        <span className="sort-arrow" aria-hidden="true">
          {active ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
      {props.term ? <Term id={props.term} /> : null}
    </th>
  );
}
