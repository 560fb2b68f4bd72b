/**
 * Comlink transfer handlers shared by both sides of every worker door. Import this module (for its
 * side effect, `installTransferHandlers()`) in app/workers.ts AND in each *.worker.ts before
 * `Comlink.expose` / `Comlink.wrap`, so both ends agree on the wire format.
 *
 * 1. AbortSignal. A signal cannot be structured-cloned. It crosses as a MessagePort (plus whether it
 *    had already fired): the sending side posts one message on 'abort'; the receiving side owns an
 *    AbortController that aborts with a ZeropointError('cancelled'). Comlink applies handlers to
 *    top-level arguments only, so a long call takes the signal as its own (last) argument.
 *
 * 2. Errors. Comlink's own 'throw' handler keeps only message/name/stack, which would lose a
 *    ZeropointError's `code` and `subject`: the UI needs the code to react (and the subject to point at
 *    the file, node or tensor). The wrapped handler sends them along and rebuilds a real
 *    ZeropointError on the calling side; other errors keep Comlink's behaviour, and a non-Error thrown
 *    value (a string from a WASM abort, say) becomes an Error with its text instead of failing to clone.
 */
import * as Comlink from 'comlink';
import type { Problem } from './contracts';
import { isZeropointError, ZeropointError, type ZeropointErrorCode } from './core/errors';

interface SerializedSignal {
  readonly aborted: boolean;
  readonly reason: string;
  readonly port: MessagePort;
}

interface SerializedZeropointError {
  readonly isError: true;
  readonly zeropoint: true;
  readonly value: { message: string; code: ZeropointErrorCode; subject?: string; stack?: string };
}

function reasonText(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r.message;
  return typeof r === 'string' ? r : 'The operation was cancelled.';
}

function cancelled(reason: string): ZeropointError {
  return new ZeropointError('cancelled', reason && reason !== 'signal is aborted without reason' ? reason : 'The operation was cancelled.');
}

export const abortSignalHandler: Comlink.TransferHandler<AbortSignal, SerializedSignal> = {
  canHandle: (value: unknown): value is AbortSignal => typeof AbortSignal !== 'undefined' && value instanceof AbortSignal,
  serialize(signal) {
    const { port1, port2 } = new MessageChannel();
    if (!signal.aborted) {
      signal.addEventListener(
        'abort',
        () => {
          port1.postMessage(reasonText(signal));
          port1.close();
        },
        { once: true },
      );
    } else port1.close();
    return [{ aborted: signal.aborted, reason: signal.aborted ? reasonText(signal) : '', port: port2 }, [port2]];
  },
  deserialize({ aborted, reason, port }) {
    const controller = new AbortController();
    if (aborted) {
      controller.abort(cancelled(reason));
      port.close();
    } else {
      port.onmessage = (event: { data: unknown }) => {
        controller.abort(cancelled(String(event.data)));
        port.close();
      };
    }
    return controller.signal;
  },
};

function isSerializedZeropointError(v: unknown): v is SerializedZeropointError {
  return typeof v === 'object' && v !== null && (v as { zeropoint?: unknown }).zeropoint === true;
}

/** Wraps Comlink's 'throw' handler (which must already be registered: it is, on import). */
export function errorHandler(original: Comlink.TransferHandler<unknown, unknown>): Comlink.TransferHandler<unknown, unknown> {
  return {
    canHandle: original.canHandle,
    serialize(thrown) {
      const value = (thrown as { value: unknown }).value;
      if (isZeropointError(value)) {
        const e = value as ZeropointError;
        const wire: SerializedZeropointError = { isError: true, zeropoint: true, value: { message: e.message, code: e.code, subject: e.subject, stack: e.stack } };
        return [wire, []];
      }
      if (!(value instanceof Error)) {
        const text = typeof value === 'string' ? value : (() => {
          try {
            return JSON.stringify(value) ?? String(value);
          } catch {
            return String(value);
          }
        })();
        return original.serialize({ ...(thrown as object), value: new Error(text) });
      }
      return original.serialize(thrown);
    },
    deserialize(wire) {
      if (isSerializedZeropointError(wire)) {
        const { message, code, subject, stack } = wire.value;
        const e = new ZeropointError(code, message, subject === undefined ? undefined : { subject });
        if (stack) e.stack = `${e.stack ?? ''}\n--- in the worker ---\n${stack}`;
        throw e;
      }
      return original.deserialize(wire);
    },
  };
}

let installed = false;

/** Registers both handlers once per realm (idempotent). */
export function installTransferHandlers(): void {
  if (installed) return;
  installed = true;
  Comlink.transferHandlers.set('abort-signal', abortSignalHandler as Comlink.TransferHandler<unknown, unknown>);
  const original = Comlink.transferHandlers.get('throw');
  if (original) Comlink.transferHandlers.set('throw', errorHandler(original));
}

installTransferHandlers();

/** The error as plain data for the UI (any thrown value). */
export function problemOf(e: unknown): Problem {
  if (isZeropointError(e)) return { code: (e as ZeropointError).code, message: (e as ZeropointError).message, subject: (e as ZeropointError).subject };
  if (e instanceof Error) return { code: 'unexpected', message: e.message.split('\n')[0] || e.name };
  return { code: 'unexpected', message: String(e) };
}
