/**
 * The shared comlink handlers over a real MessageChannel (Node's is the same structured-clone wire a
 * Worker uses): a ZeropointError keeps its code and subject, an AbortSignal crosses and cancels a long
 * call, and a thrown non-Error becomes an Error instead of failing to clone.
 */
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { ZeropointError } from './core/errors';
import { problemOf } from './transfer';

interface TestApi {
  fail(): Promise<void>;
  failWithString(): Promise<void>;
  wait(onProgress: (n: number) => void, signal: AbortSignal): Promise<number>;
}

const api: TestApi = {
  async fail() {
    throw new ZeropointError('bad-image', "Cannot decode image 'a.jpg'.", { subject: 'a.jpg' });
  },
  async failWithString() {
    throw 'abort(OOM)';
  },
  async wait(onProgress, signal) {
    for (let i = 0; ; i++) {
      if (signal.aborted) throw new ZeropointError('cancelled', 'The operation was cancelled.');
      void onProgress(i);
      await new Promise((r) => setTimeout(r, 5));
    }
  },
};

const channels: MessageChannel[] = [];
function connect(): Comlink.Remote<TestApi> {
  const channel = new MessageChannel();
  channels.push(channel);
  Comlink.expose(api, channel.port1 as unknown as Comlink.Endpoint);
  return Comlink.wrap<TestApi>(channel.port2 as unknown as Comlink.Endpoint);
}

afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

describe('comlink transfer handlers', () => {
  it('keeps a ZeropointError code and subject across the wire', async () => {
    const remote = connect();
    const error = await remote.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZeropointError);
    expect(problemOf(error)).toEqual({ code: 'bad-image', message: "Cannot decode image 'a.jpg'.", subject: 'a.jpg' });
  });

  it('turns a thrown string into an Error', async () => {
    const remote = connect();
    const error = await remote.failWithString().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('abort(OOM)');
  });

  it('carries an AbortSignal that cancels a long call', async () => {
    const remote = connect();
    const controller = new AbortController();
    const seen: number[] = [];
    const call = remote.wait(
      Comlink.proxy((n: number) => {
        seen.push(n);
        if (n === 3) controller.abort();
      }),
      controller.signal,
    );
    const error = await call.catch((e: unknown) => e);
    expect(problemOf(error).code).toBe('cancelled');
    expect(seen.length).toBeGreaterThanOrEqual(4);
  });

  it('carries an already aborted signal', async () => {
    const remote = connect();
    const controller = new AbortController();
    controller.abort();
    const error = await remote.wait(Comlink.proxy(() => undefined), controller.signal).catch((e: unknown) => e);
    expect(problemOf(error).code).toBe('cancelled');
  });
});
