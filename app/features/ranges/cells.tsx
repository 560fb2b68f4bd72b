/** Pieces the ranges tables share: row height, the name filter, and the SQNR cell. */
import { formatDb } from '../../lib/format';

export const ROW_HEIGHT = 27;

/** Below this SQNR a tensor is flagged: the noise is over a tenth of the signal's amplitude. */
export const LOW_SQNR_DB = 20;

export function matchesFilter(filter: string, ...fields: string[]): boolean {
  const f = filter.trim().toLowerCase();
  return !f || fields.some((x) => x.toLowerCase().includes(f));
}

/** An SQNR with a bar behind it (fuller is better, 60 dB fills it), flagged when low. */
export function SqnrCell(props: { db: number | null }) {
  const { db } = props;
  if (db === null) return <td className="num">—</td>;
  const width = Number.isFinite(db) ? Math.max(0, Math.min(1, db / 60)) : 1;
  const low = Number.isFinite(db) && db < LOW_SQNR_DB;
  return (
    <td className={`num databar${low ? ' low' : ''}`} style={{ ['--bar' as string]: `${(width * 100).toFixed(1)}%` }}>
      {low ? (
        <>
          <span className="flag" aria-hidden="true" title={`Below ${LOW_SQNR_DB} dB`}>
            !
          </span>
          <span className="sr-only">low: </span>
        </>
      ) : null}
      {formatDb(db)}
    </td>
  );
}
