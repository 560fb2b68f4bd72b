/**
 * The engine's Runner on onnxruntime-node (CPU). Used by the CLI, the bench and the unit tests.
 *
 * Two ways to host onnxruntime:
 * - in this process (the default: tests and the bench, where nothing is hostile and copies cost);
 * - `isolated`, in a child process (cli/ort-process.mjs), which the CLI uses. onnxruntime-node's
 *   run() blocks the thread that calls it and cannot be interrupted, so a run budget (runWithin)
 *   could never fire and a Loop of 1e12 iterations would hang the CLI. With the runtime in a child,
 *   this side keeps time, and the child is killed when the budget is spent or the CLI exits.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { ZeropointError } from '../workers/core/errors';
import { classifyRuntimeError, type Feeds, type Runner, type RunnerSession, type RunnerTensor, type SessionOptions, type TensorValues } from '../workers/core/runner';

export function runtimeError(e: unknown, source: string): ZeropointError {
  return classifyRuntimeError(e, { source, runtime: 'onnxruntime' });
}

/**
 * onnxruntime's own log (coloured `[E:onnxruntime ...]` lines on stderr) stays quiet unless asked
 * for with ZEROPOINT_DEBUG: its errors reach the user as one zeropoint line instead.
 */
const DEBUG = Boolean(process.env.ZEROPOINT_DEBUG);
const LOG_SEVERITY = DEBUG ? 2 : 4;
ort.env.logLevel = DEBUG ? 'warning' : 'fatal';

const sessionOptions = (opts: SessionOptions) => ({
  graphOptimizationLevel: opts.optimization ?? 'all',
  intraOpNumThreads: opts.threads ?? 0,
  executionProviders: ['cpu'],
  logSeverityLevel: LOG_SEVERITY,
});

export interface NodeRunnerOptions {
  /** Named in runtime error messages. */
  readonly source?: string;
  /** Host onnxruntime in a child process, so a run that never ends can be stopped (the CLI). */
  readonly isolated?: boolean;
}

export function createNodeRunner(options: NodeRunnerOptions = {}): Runner {
  const source = options.source ?? 'model';
  return options.isolated ? isolatedRunner(source) : inProcessRunner(source);
}

function inProcessRunner(source: string): Runner {
  const toOrt = (t: RunnerTensor) => new ort.Tensor(t.type, t.data as ort.Tensor.DataType, t.dims as number[]);
  return {
    name: 'onnxruntime-node (CPU)',
    async createSession(model: Uint8Array, opts: SessionOptions = {}): Promise<RunnerSession> {
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(model, sessionOptions(opts) as ort.InferenceSession.SessionOptions);
      } catch (e) {
        throw runtimeError(e, source);
      }
      return {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        async run(feeds: Feeds, runOptions) {
          runOptions?.signal?.throwIfAborted();
          const ortFeeds: Record<string, ort.Tensor> = {};
          for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(v);
          let result: ort.InferenceSession.ReturnType;
          try {
            result = runOptions?.outputNames ? await session.run(ortFeeds, runOptions.outputNames as string[]) : await session.run(ortFeeds);
          } catch (e) {
            throw runtimeError(e, source);
          }
          const out: Record<string, RunnerTensor> = {};
          for (const [k, v] of Object.entries(result)) out[k] = { type: v.type as RunnerTensor['type'], dims: [...v.dims], data: v.data as TensorValues };
          return out;
        },
        async release() {
          await session.release();
        },
      };
    },
  };
}

interface Reply {
  readonly id: number;
  readonly error?: string;
  readonly sid?: number;
  readonly inputNames?: string[];
  readonly outputNames?: string[];
  readonly outputs?: Record<string, RunnerTensor>;
}

/** The child process, started on first use; it keeps this process alive only while a call is pending. */
class OrtProcess {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  private start(): ChildProcess {
    const child = fork(new URL('./ort-process.mjs', import.meta.url), [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      this.idle();
      if (reply.error !== undefined) p?.reject(new Error(reply.error));
      else p?.resolve(reply);
    });
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
      for (const p of this.pending.values()) p.reject(new Error('the onnxruntime process ended'));
      this.pending.clear();
    });
    // However this process ends (a timed-out run included), the child ends with it.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.removeListener('exit', kill));
    this.child = child;
    void this.call({ op: 'init', logLevel: DEBUG ? 'warning' : 'fatal' });
    return child;
  }

  private idle(): void {
    if (this.pending.size === 0 && this.child) {
      this.child.unref();
      (this.child.channel as { unref?: () => void } | null | undefined)?.unref?.();
    }
  }

  call(message: Record<string, unknown>): Promise<Reply> {
    const child = this.child ?? this.start();
    const id = this.nextId++;
    child.ref();
    (child.channel as { ref?: () => void } | null | undefined)?.ref?.();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.send({ ...message, id });
    });
  }
}

function isolatedRunner(source: string): Runner {
  const host = new OrtProcess();
  return {
    name: 'onnxruntime-node (CPU, isolated process)',
    async createSession(model: Uint8Array, opts: SessionOptions = {}): Promise<RunnerSession> {
      let reply: Reply;
      try {
        reply = await host.call({ op: 'create', model, options: sessionOptions(opts) });
      } catch (e) {
        throw runtimeError(e, source);
      }
      const sid = reply.sid!;
      return {
        inputNames: reply.inputNames!,
        outputNames: reply.outputNames!,
        async run(feeds: Feeds, runOptions) {
          runOptions?.signal?.throwIfAborted();
          try {
            return (await host.call({ op: 'run', sid, feeds, outputNames: runOptions?.outputNames })).outputs!;
          } catch (e) {
            throw runtimeError(e, source);
          }
        },
        async release() {
          await host.call({ op: 'release', sid });
        },
      };
    },
  };
}
