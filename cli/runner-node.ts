/**
 * The engine's Runner on onnxruntime-node (CPU). Used by the CLI, the bench and the unit tests.
 */
import * as ort from 'onnxruntime-node';
import { ZeropointError } from '../workers/core/errors';
import type { Feeds, Runner, RunnerSession, RunnerTensor, SessionOptions, TensorValues } from '../workers/core/runner';

function toOrt(t: RunnerTensor): ort.Tensor {
  return new ort.Tensor(t.type, t.data as ort.Tensor.DataType, t.dims as number[]);
}

function fromOrt(t: ort.Tensor): RunnerTensor {
  return { type: t.type as RunnerTensor['type'], dims: [...t.dims], data: t.data as TensorValues };
}

/** onnxruntime's message for an op it lacks: "Could not find an implementation for X(13) node with name 'n'". */
export function runtimeError(e: unknown, source: string): ZeropointError {
  const text = e instanceof Error ? e.message : String(e);
  const missing = /implementation for (\w+)\((\d+)\) node with name '([^']*)'/.exec(text);
  if (missing) {
    return new ZeropointError('unsupported-op', `onnxruntime has no kernel for op '${missing[1]}' (opset ${missing[2]}) at node '${missing[3]}' in '${source}'. Replace that op in the exporter or keep it out of the model.`, { subject: missing[3], cause: e });
  }
  const firstLine = text.split('\n')[0].replace(/^\[[^\]]*\]\s*/, '');
  return new ZeropointError('runtime', `onnxruntime could not run '${source}': ${firstLine}`, { subject: source, cause: e });
}

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
          logSeverityLevel: 3,
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
