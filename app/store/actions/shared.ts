/** What every action module uses: the store, the app's base URL, and small helpers. */
import type { Problem } from '../../../workers/contracts';
import { ZeropointError } from '../../../workers/core/errors';
import { useStore } from '../index';

export const get = () => useStore.getState();
export const BASE = import.meta.env.BASE_URL;

export function cancelledProblem(what: string): Problem {
  return { code: 'cancelled', message: `${what} was cancelled; nothing was kept. Start it again when you are ready.` };
}

/** Calls `fn` at most every `ms` (the last call of a burst is delivered when `flush` is true). */
export function throttled<T>(fn: (value: T) => void, ms: number): (value: T, flush?: boolean) => void {
  let last = -Infinity;
  return (value, flush = false) => {
    const now = performance.now();
    if (!flush && now - last < ms) return;
    last = now;
    fn(value);
  };
}

/** A file shipped with the app (the sample, the class list). */
export async function fetchBlob(url: string): Promise<Blob> {
  const response = await fetch(url);
  if (!response.ok) throw new ZeropointError('io', `Cannot load the sample file '${url}' (HTTP ${response.status}). Reload the page; if it persists, reinstall the app.`, { subject: url });
  return response.blob();
}
