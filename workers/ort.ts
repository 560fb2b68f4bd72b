/**
 * The only module that imports onnxruntime-web. It imports 'onnxruntime-web/webgpu' (WASM plus the
 * native WebGPU provider): the default JSEP build computes per-tensor DequantizeLinear wrongly on
 * WebGPU (onnxruntime issue 32578), and one ORT variant per bundle keeps the WASM binary single.
 *
 * Implements the engine's Runner port. Runs on one session are serialized: onnxruntime-web rejects a
 * second run while one is in flight.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { ZeropointError } from './core/errors';
import { classifyRuntimeError, type Feeds, type Runner, type RunnerSession, type RunnerTensor, type SessionOptions, type TensorValues } from './core/runner';

export type WebProvider = 'wasm' | 'webgpu';

export interface WebRunnerOptions {
  readonly provider?: WebProvider;
  /** WASM threads (needs cross-origin isolation in a browser); 1 by default. */
  readonly threads?: number;
  /** Where the .wasm files are served from (the app sets this; Node finds them in the package). */
  readonly wasmPaths?: string;
  /** 0 logs node placement per provider (which nodes fall back to the CPU on WebGPU). */
  readonly logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  readonly source?: string;
}

let configuredThreads: number | undefined;

function configure(options: WebRunnerOptions): void {
  // env.wasm settings only take effect before the first session; later calls keep the first choice.
  if (configuredThreads === undefined) {
    configuredThreads = options.threads ?? 1;
    ort.env.wasm.numThreads = configuredThreads;
    if (options.wasmPaths) ort.env.wasm.wasmPaths = options.wasmPaths;
  }
}

function fromOrt(t: ort.Tensor): RunnerTensor {
  return { type: t.type as RunnerTensor['type'], dims: [...t.dims], data: t.data as TensorValues };
}

export function webRuntimeError(e: unknown, source: string): ZeropointError {
  return classifyRuntimeError(e, { source, runtime: 'onnxruntime-web' });
}

/**
 * A session with onnxruntime's profiler on (enableProfiling), for per-node times. endProfiling()
 * makes onnxruntime-web print the profile's events on its stdout (console.log in a worker) while it
 * runs; the caller captures those lines.
 */
export async function createProfilingSession(model: Uint8Array, options: WebRunnerOptions = {}): Promise<{ run(feeds: Feeds): Promise<unknown>; endProfiling(): void; release(): Promise<void> }> {
  configure(options);
  const provider = options.provider ?? 'wasm';
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, { executionProviders: [provider], graphOptimizationLevel: 'all', logSeverityLevel: 3, enableProfiling: true });
  } catch (e) {
    throw webRuntimeError(e, options.source ?? 'model');
  }
  return {
    async run(feeds: Feeds) {
      const f: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor(v.type, v.data as ort.Tensor.DataType, v.dims as number[]);
      try {
        return await session.run(f);
      } catch (e) {
        throw webRuntimeError(e, options.source ?? 'model');
      }
    },
    endProfiling: () => session.endProfiling(),
    release: () => session.release(),
  };
}

export function createWebRunner(options: WebRunnerOptions = {}): Runner {
  configure(options);
  const provider = options.provider ?? 'wasm';
  const source = options.source ?? 'model';
  return {
    name: `onnxruntime-web (${provider}${provider === 'wasm' ? `, ${configuredThreads} thread(s)` : ''})`,
    async createSession(model: Uint8Array, opts: SessionOptions = {}): Promise<RunnerSession> {
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(model, {
          executionProviders: [provider],
          graphOptimizationLevel: opts.optimization ?? 'all',
          logSeverityLevel: options.logSeverityLevel ?? 3,
        });
      } catch (e) {
        throw webRuntimeError(e, source);
      }
      let queue: Promise<unknown> = Promise.resolve();
      return {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        run(feeds: Feeds, runOptions) {
          const next = queue.then(async () => {
            runOptions?.signal?.throwIfAborted();
            const ortFeeds: Record<string, ort.Tensor> = {};
            for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(v.type, v.data as ort.Tensor.DataType, v.dims as number[]);
            try {
              const fetches = runOptions?.outputNames ? (runOptions.outputNames as string[]) : undefined;
              const result = fetches ? await session.run(ortFeeds, fetches) : await session.run(ortFeeds);
              const out: Record<string, RunnerTensor> = {};
              for (const [k, v] of Object.entries(result)) out[k] = fromOrt(v);
              return out;
            } catch (e) {
              throw webRuntimeError(e, source);
            }
          });
          queue = next.catch(() => undefined);
          return next;
        },
        async release() {
          await queue;
          await session.release();
        },
      };
    },
  };
}
