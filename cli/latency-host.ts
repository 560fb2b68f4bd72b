/**
 * The latency-aware search's host in Node (workers/core/profile/latency-aware.ts LatencyHost):
 * profiles and times models on
 *
 *   cpu    onnxruntime-node's CPU provider (enableProfiling writes a JSON file: profileFilePrefix in a
 *          temporary folder, read and removed);
 *   wasm   onnxruntime-web's WASM build as Node resolves it (dist/ort.node.min.mjs, the plain SIMD
 *          build the browser's WASM runs, which starts its threads as worker_threads). Its profile is
 *          printed on fd 1, one event per line, while endProfiling() runs: captured by wrapping
 *          fs.writeSync for that call.
 *
 * onnxruntime-web fixes its thread count at the first session: one thread count per process.
 * V8 compiles the WASM module in the background after the first session; timing before that ends
 * measures baseline code, so the host waits until this process is idle (settle) before timing.
 */
import { createRequire } from 'node:module';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Feeds } from '../workers/core/runner';
import { kernelTimes, parseProfile, type KernelProfile } from '../workers/core/profile/events';
import type { LatencyHost } from '../workers/core/profile/latency-aware';
import { DEFAULT_INTERLEAVED, timeInterleaved, type InterleavedOptions } from '../workers/core/profile/timing';
import type { ProviderInfo } from '../workers/core/profile/explain';

export type NodeProvider = 'cpu' | 'wasm';

export interface NodeHostOptions {
  readonly provider: NodeProvider;
  readonly threads: number;
  readonly feeds: Feeds;
  /** Untimed runs before the profiled ones (their events are dropped). */
  readonly profileWarmup?: number;
  readonly profileRuns?: number;
  readonly timing?: Partial<Omit<InterleavedOptions, 'now'>>;
  readonly log?: (line: string) => void;
}

interface Session {
  run(): Promise<unknown>;
  end(): Promise<string>;
  release(): Promise<void>;
}

export function providerInfo(provider: NodeProvider, threads: number): ProviderInfo {
  if (provider === 'cpu') return { id: 'cpu', label: `onnxruntime-node CPU ${threads} thread${threads === 1 ? '' : 's'}` };
  return { id: threads === 1 ? 'wasm-1' : 'wasm-n', label: `WASM ${threads} thread${threads === 1 ? '' : 's'}` };
}

/** Waits until this process uses under 15% of a core for half a second (V8's background wasm compiler done). */
export async function settle(maxSeconds = 120): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < maxSeconds * 2; i++) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, 500));
    const c = process.cpuUsage(c0);
    if ((c.user + c.system) / 1000 / (performance.now() - w0) < 0.15) break;
  }
  return (performance.now() - t0) / 1000;
}

async function cpuSession(bytes: Uint8Array, feeds: Feeds, threads: number, profile: boolean): Promise<Session> {
  const ort = await import('onnxruntime-node');
  const dir = profile ? await mkdtemp(join(tmpdir(), 'zeropoint-profile-')) : undefined;
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    executionProviders: ['cpu'],
    logSeverityLevel: 4,
    ...(dir ? { enableProfiling: true, profileFilePrefix: join(dir, 'profile') } : {}),
  });
  const f: Record<string, InstanceType<typeof ort.Tensor>> = {};
  for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor(v.type, v.data as Float32Array, v.dims as number[]);
  return {
    run: () => session.run(f),
    async end() {
      session.endProfiling();
      const file = (await readdir(dir!)).find((n) => n.endsWith('.json'));
      const text = file ? await readFile(join(dir!, file), 'utf8') : '[]';
      await rm(dir!, { recursive: true, force: true });
      return text;
    },
    release: () => session.release(),
  };
}

let webThreads: number | undefined;

async function wasmSession(bytes: Uint8Array, feeds: Feeds, threads: number, profile: boolean): Promise<Session> {
  const ort = await import('onnxruntime-web');
  if (webThreads === undefined) {
    webThreads = threads;
    ort.env.wasm.numThreads = threads;
  }
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3, enableProfiling: profile });
  const f: Record<string, InstanceType<typeof ort.Tensor>> = {};
  for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor(v.type, v.data as Float32Array, v.dims as number[]);
  return {
    run: () => session.run(f),
    async end() {
      // The module prints the events with fs.writeSync(1, ...) while endProfiling runs.
      const fs = createRequire(import.meta.url)('node:fs') as { writeSync: (fd: number, data: unknown, ...rest: unknown[]) => number };
      const original = fs.writeSync;
      const lines: string[] = [];
      fs.writeSync = (fd: number, data: unknown, ...rest: unknown[]) => {
        if (fd !== 1) return original(fd, data, ...rest);
        const text = typeof data === 'string' ? data : Buffer.from(data as Uint8Array).toString('utf8');
        lines.push(text);
        return typeof data === 'string' ? Buffer.byteLength(data) : (data as Uint8Array).byteLength;
      };
      try {
        session.endProfiling();
      } finally {
        fs.writeSync = original;
      }
      return lines.join('');
    },
    release: () => session.release(),
  };
}

export function createNodeLatencyHost(o: NodeHostOptions): LatencyHost & { readonly provider: ProviderInfo } {
  const open = o.provider === 'cpu' ? cpuSession : wasmSession;
  const warmup = o.profileWarmup ?? (o.provider === 'wasm' ? 5 : 2);
  const runs = o.profileRuns ?? 5;
  let settled = o.provider !== 'wasm';
  const ensureSettled = async () => {
    if (settled) return;
    settled = true;
    const s = await settle();
    if (s > 2) o.log?.(`waited ${s.toFixed(0)} s for V8 to finish compiling onnxruntime-web's WASM`);
  };
  return {
    provider: providerInfo(o.provider, o.threads),
    async profile(models) {
      const sessions: Session[] = [];
      try {
        for (const m of models) sessions.push(await open(m.bytes, o.feeds, o.threads, true));
        for (const s of sessions) await s.run();
        await ensureSettled();
        // Interleaved, as the timing is: a shared machine's load changes hit every model alike.
        for (let i = 1; i < warmup + runs; i++) for (const s of sessions) await s.run();
        const out: KernelProfile[] = [];
        for (const [k, s] of sessions.entries()) out.push(kernelTimes(parseProfile(await s.end()), { warmup, source: models[k].id }));
        return out;
      } finally {
        for (const s of sessions) await s.release();
      }
    },
    async time(models) {
      const sessions: Session[] = [];
      try {
        for (const m of models) sessions.push(await open(m.bytes, o.feeds, o.threads, false));
        await ensureSettled();
        return await timeInterleaved(
          sessions.map((s) => () => s.run()),
          { ...DEFAULT_INTERLEAVED, ...o.timing, now: () => performance.now() },
        );
      } finally {
        for (const s of sessions) await s.release();
      }
    },
  };
}
