/**
 * onnxruntime-web (WASM) in one child Node for a whole test file (Liftoff only, as cli/corpus.test.ts
 * and cli/zeropoint.test.ts run it): `run(model, feeds)` creates a session, runs once, releases it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Feeds, RunnerTensor } from '../workers/core/runner';

const ROOT = resolve(import.meta.dirname, '..');

export interface WebReply {
  readonly id?: number;
  readonly ready?: boolean;
  readonly error?: string;
  readonly runner?: string;
  readonly outputs?: Record<string, RunnerTensor>;
}

const WEB_SCRIPT = `const { createWebRunner } = await import(process.argv[2]);
const runner = createWebRunner({ provider: 'wasm' });
process.on('message', async ({ id, model, feeds }) => {
  try {
    const session = await runner.createSession(model);
    const outputs = await session.run(feeds);
    await session.release();
    process.send({ id, runner: runner.name, outputs });
  } catch (e) {
    process.send({ id, error: String(e && e.message ? e.message : e) });
  }
});
process.send({ ready: true });
`;

export class WebHost {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (r: WebReply) => void>();
  private ready: Promise<void> | undefined;

  /** `dir`: a temporary folder for the child's script. */
  constructor(private readonly dir: string) {}

  start(): Promise<void> {
    this.ready ??= (async () => {
      const script = join(this.dir, 'web-host.mjs');
      await writeFile(script, WEB_SCRIPT);
      await new Promise<void>((done, fail) => {
        const child = fork(script, [pathToFileURL(join(ROOT, 'workers/ort.ts')).href], {
          execArgv: ['--liftoff-only', '--import', 'tsx'],
          serialization: 'advanced',
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
        child.on('message', (r: WebReply) => {
          if (r.ready) return done();
          const p = this.pending.get(r.id!);
          this.pending.delete(r.id!);
          p?.(r);
        });
        child.on('error', fail);
        child.on('exit', (code) => {
          for (const p of this.pending.values()) p({ error: `the onnxruntime-web process ended (${code})` });
          this.pending.clear();
          fail(new Error(`the onnxruntime-web process ended (${code})`));
        });
        this.child = child;
      });
    })();
    return this.ready;
  }

  async run(model: Uint8Array, feeds: Feeds): Promise<WebReply> {
    await this.start();
    const id = this.nextId++;
    return new Promise((done) => {
      this.pending.set(id, done);
      this.child!.send({ id, model, feeds });
    });
  }

  stop(): void {
    this.child?.kill('SIGKILL');
  }
}
