/**
 * Ranking and merging sensitivity rows: pure functions over plain data (no model, no runner), so the
 * page can merge what a pool of workers measured (each worker a share of the units, the same baseline).
 */
import { ZeropointError } from '../errors';
import type { SensitivityResult, SensitivityRow } from './sensitivity';

/**
 * Most damaging first: by the agreement when the unit alone is quantized (lowest first), then by what
 * keeping it alone buys. The first measure finds the units that break a model by themselves even when
 * several such units hide each other (on lw-person-det keeping either of its two worst convs alone
 * moves the score by 0.008, while either quantized alone drops it from 1 to 0.847); the second orders
 * the rest.
 */
export function rankRows(rows: readonly SensitivityRow[], by: 'score' | 'outputCosine' | 'sqnrDb' = 'score'): SensitivityRow[] {
  return [...rows].sort((a, b) => a.alone[by] - b.alone[by] || b.kept[by] - a.kept[by]);
}

/**
 * One result from the shares of a pool: the rows of every share, ranked; the baseline and image count
 * of the first (every share measures the same baseline on the same reference images). A unit measured
 * by two shares is an error: the shares must split the units.
 */
export function mergeSensitivity(parts: readonly SensitivityResult[]): SensitivityResult {
  if (parts.length === 0) throw new ZeropointError('bad-option', 'There are no sensitivity results to merge.');
  const seen = new Set<string>();
  for (const row of parts.flatMap((p) => p.rows)) {
    if (seen.has(row.unit.id)) throw new ZeropointError('bad-option', `The unit '${row.unit.id}' was measured by two workers; each unit belongs to one share.`, { subject: row.unit.id });
    seen.add(row.unit.id);
  }
  return { images: parts[0].images, baseline: parts[0].baseline, rows: rankRows(parts.flatMap((p) => p.rows)) };
}
