/**
 * The engine's Runner on onnxruntime-node (CPU). Used by the CLI, the bench and the unit tests.
 */
import * as ort from 'onnxruntime-node';
import { ZeropointError } from '../workers/core/errors';
import { classifyRuntimeError, type Feeds, type Runner, type RunnerSession, type RunnerTensor, type SessionOptions, type TensorValues } from '../workers/core/runner';

function toOrt(t: RunnerTensor): ort.Tensor {
  return new ort.Tensor(t.type, t.data as ort.Tensor.DataType, t.dims as number[]);
}

function fromOrt(t: ort.Tensor): RunnerTensor {
  return { type: t.type as RunnerTensor['type'], dims: [...t.dims], data: t.data as TensorValues };
}

export function runtimeError(e: unknown, source: string): ZeropointError {
  return classifyRuntimeError(e, { source, runtime: 'onnxruntime' });
}

/**
 * onnxruntime's own log (coloured `[E:onnxruntime ...]` lines on stderr) stays quiet unless asked
 * for with ZEROPOINT_DEBUG: its errors reach the user as one zeropoint line instead.
 */
const LOG_SEVERITY = process.env.ZEROPOINT_DEBUG ? 2 : 4;
ort.env.logLevel = process.env.ZEROPOINT_DEBUG ? 'warning' : 'fatal';

export function createNodeRunner(options: { source?: string } = {}): Runner {
  return {
    name: 'onnxruntime-node (CPU)',
    async createSession(model: Uint8Array, opts: SessionOptions = {}): Promise<RunnerSession> {
      const source = options.source ?? 'model';
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(model, {
          graphOptimizationLevel: opts.optimization ?? 'all',
          intraOpNumThreads: opts.threads ?? 0,
          executionProviders: ['cpu'],
          logSeverityLevel: LOG_SEVERITY,
        });
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
          for (const [k, v] of Object.entries(result)) out[k] = fromOrt(v);
          return out;
        },
        async release() {
          await session.release();
        },
      };
    },
  };
}
