/**
 * A wrapped worker and the two ways a call to it ends early: the worker dies (its pending calls reject
 * with a 'runtime' error instead of hanging), or the person cancels (the AbortSignal crosses to the
 * worker; a worker that does not stop within a grace period is terminated). Used by app/workers.ts and
 * app/analysis-workers.ts, the only places that create workers.
 */
import * as Comlink from 'comlink';
import { ZeropointError } from '../workers/core/errors';

/** How long a cancelled worker may take to stop by itself before it is terminated. */
const CANCEL_GRACE_MS = 2000;

export interface Handle<Api> {
  readonly label: string;
  readonly api: Comlink.Remote<Api>;
  /** Rejects when the worker crashes or is terminated. */
  readonly gone: Promise<never>;
  /** Ends the worker; its pending calls reject with `reason` (a 'cancelled' message, or the error itself). */
  terminate(reason?: string | ZeropointError): void;
  readonly terminated: () => boolean;
}

export function handle<Api>(worker: Worker, label: string): Handle<Api> {
  const api = Comlink.wrap<Api>(worker);
  let fail: (e: unknown) => void = () => undefined;
  let terminated = false;
  const gone = new Promise<never>((_, reject) => {
    fail = reject;
  });
  gone.catch(() => undefined); // observed by race() below; never unhandled
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    terminated = true;
    worker.terminate();
    fail(new ZeropointError('runtime', `The ${label} stopped unexpectedly${event.message ? ` (${event.message})` : ''}. Try again; if it keeps happening, reload the page.`));
  });
  return {
    label,
    api,
    gone,
    terminated: () => terminated,
    terminate(reason: string | ZeropointError = 'The operation was cancelled.') {
      if (terminated) return;
      terminated = true;
      worker.terminate();
      fail(typeof reason === 'string' ? new ZeropointError('cancelled', reason) : reason);
    },
  };
}

/** The call's result, or the worker's death, whichever comes first. */
export function race<T>(h: Handle<unknown>, call: Promise<T>): Promise<T> {
  return Promise.race([call, h.gone]);
}

/**
 * Runs a cancellable call: on abort the worker gets the signal; if the call has not settled after the
 * grace period (a WASM inference cannot be interrupted), the worker is terminated.
 */
export function cancellable<T>(h: Handle<unknown>, signal: AbortSignal, call: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    timer = setTimeout(() => h.terminate(), CANCEL_GRACE_MS);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return race(h, call).finally(() => {
    signal.removeEventListener('abort', onAbort);
    if (timer !== undefined) clearTimeout(timer);
  });
}

