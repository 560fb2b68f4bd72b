/**
 * Child process of bench/bench.ts: FP32 vs INT8 latency on onnxruntime-web's WASM backend.
 *
 *   node --import tsx bench/web-latency.ts CONFIG.json
 *
 * A child per configuration because onnxruntime-web reads env.wasm.numThreads once per process.
 * Builds:
 *   app   the app's own runner, createWebRunner({ provider: 'wasm', threads }) from workers/ort.ts
 *         ('onnxruntime-web/webgpu', the asyncify bundle). Single-threaded only in Node: with threads > 1
 *         that bundle fetch()es its own file: URL for the pthread workers, which Node's fetch refuses.
 *   node  'onnxruntime-web' as Node resolves it (dist/ort.node.min.mjs: the plain WASM build, which
 *         starts its pthreads as worker_threads), so 2 threads can be measured.
 * Writes one JSON line per model to stdout; progress goes to stderr.
 */
import { appendFileSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Tensor as WebTensor } from 'onnxruntime-web';
import type { Feeds, RunnerTensor } from '../workers/core/runner';
import { timeAB, type ABOptions } from './timing';

export interface WebLatencyConfig {
  readonly build: 'app' | 'node';
  readonly threads: number;
  /** Results are appended here as JSON lines (stdout carries onnxruntime's profiler output). */
  readonly out: string;
  /** Also profile each model (enableProfiling) and print the events between @@profile markers on stdout. */
  readonly profileRuns?: number;
  readonly timing: ABOptions;
  readonly models: ReadonlyArray<{
    readonly id: string;
    readonly fp32: string;
    readonly int8: string;
    readonly input: string;
    readonly inputName: string;
    readonly dims: readonly number[];
    /** Per-model override of the timing options (a heavy model gets fewer runs). */
    readonly timing?: Partial<ABOptions>;
  }>;
}

export interface WebLatencyResult {
  readonly id: string;
  /** Seconds spent waiting for V8's background wasm compilation to finish before timing. */
  readonly settleS?: number;
  readonly fp32?: number[];
  readonly int8?: number[];
  readonly warmup?: number;
  readonly error?: string;
}

interface Session {
  run(feeds: Feeds): Promise<unknown>;
  release(): Promise<void>;
  endProfiling?(): void;
}

type Opener = (bytes: Uint8Array, profile?: boolean) => Promise<Session>;

async function appOpener(threads: number): Promise<Opener> {
  const { createWebRunner } = await import('../workers/ort');
  const runner = createWebRunner({ provider: 'wasm', threads, source: 'bench' });
  return (bytes) => runner.createSession(bytes, { optimization: 'all' });
}

async function nodeBuildOpener(threads: number): Promise<Opener> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  return async (bytes, profile) => {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3, enableProfiling: profile === true });
    return {
      endProfiling: () => session.endProfiling(),
      async run(feeds: Feeds) {
        const f: Record<string, WebTensor> = {};
        for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor(v.type, v.data as Float32Array, v.dims as number[]);
        return session.run(f);
      },
      release: () => session.release(),
    };
  };
}

/**
 * The app build compiles its whole 27 MB module with TurboFan on V8's background threads (about a minute
 * of CPU after the first session): timing before that ends measures baseline-compiled code and competes
 * with the compiler for the cores. Wait until this process is idle (under 15% of a core for a second).
 */
async function settle(label: string): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < 240; i++) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, 500));
    const c = process.cpuUsage(c0);
    const busy = (c.user + c.system) / 1000 / (performance.now() - w0);
    if (busy < 0.15) break;
    if (i % 10 === 0) process.stderr.write(`[${label}] waiting for background wasm compilation (${(100 * busy).toFixed(0)}% CPU)\n`);
  }
  return (performance.now() - t0) / 1000;
}

function emit(path: string, r: WebLatencyResult): void {
  appendFileSync(path, `${JSON.stringify(r)}\n`);
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
}

async function main(): Promise<void> {
  const config = JSON.parse(await readFile(process.argv[2], 'utf8')) as WebLatencyConfig;
  const label = `wasm ${config.build} ${config.threads}t`;
  let open: Opener;
  try {
    open = config.build === 'app' ? await appOpener(config.threads) : await nodeBuildOpener(config.threads);
  } catch (e) {
    for (const m of config.models) emit(config.out, { id: m.id, error: message(e) });
    return;
  }
  for (const m of config.models) {
    let fp32: Session | undefined;
    let int8: Session | undefined;
    try {
      process.stderr.write(`[${label}] ${m.id}: loading\n`);
      const raw = await readFile(m.input);
      const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      const tensor: RunnerTensor = { type: 'float32', dims: m.dims, data };
      const feeds: Feeds = { [m.inputName]: tensor };
      // Settle after each session: creating one while V8 still compiles can itself wait for the compiler.
      const tOpen = performance.now();
      fp32 = await open(new Uint8Array(await readFile(m.fp32)));
      let settleS = await settle(label);
      int8 = await open(new Uint8Array(await readFile(m.int8)));
      settleS += await settle(label);
      process.stderr.write(`[${label}] ${m.id}: sessions in ${((performance.now() - tOpen) / 1000).toFixed(1)} s (${settleS.toFixed(1)} s of it waiting for the wasm compiler)\n`);
      const a = fp32;
      const b = int8;
      const t0 = performance.now();
      const r = await timeAB(() => a.run(feeds), () => b.run(feeds), { ...config.timing, ...m.timing });
      process.stderr.write(`[${label}] ${m.id}: ${r.a.length} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      emit(config.out, { id: m.id, fp32: r.a, int8: r.b, warmup: r.warmup, settleS });
    } catch (e) {
      process.stderr.write(`[${label}] ${m.id}: ${message(e)}\n`);
      emit(config.out, { id: m.id, error: message(e) });
    } finally {
      await fp32?.release().catch(() => undefined);
      await int8?.release().catch(() => undefined);
    }
    if (config.profileRuns) {
      for (const kind of ['fp32', 'int8'] as const) {
        let session: Session | undefined;
        try {
          const raw = await readFile(m.input);
          const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
          const feeds: Feeds = { [m.inputName]: { type: 'float32', dims: m.dims, data } };
          session = await open(new Uint8Array(await readFile(kind === 'fp32' ? m.fp32 : m.int8)), true);
          if (!session.endProfiling) break;
          for (let i = 0; i < 2 + config.profileRuns; i++) await session.run(feeds);
          // onnxruntime-web's WASM module prints the profile with fd 1 writes: bracket it on the same fd.
          writeSync(1, `@@profile-begin ${m.id} ${kind}\n`);
          session.endProfiling();
          writeSync(1, `@@profile-end\n`);
        } catch (e) {
          process.stderr.write(`[${label}] ${m.id} profile: ${message(e)}\n`);
        } finally {
          await session?.release().catch(() => undefined);
        }
      }
    }
  }
}

await main();
// Results are on disk (appendFileSync). Exit without waiting: onnxruntime-web's pthread workers keep the
// event loop alive, and a normal exit joins V8's background wasm compile threads, which can take a minute.
writeSync(1, '@@done\n');
process.kill(process.pid, 'SIGKILL');
