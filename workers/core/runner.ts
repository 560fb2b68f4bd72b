/**
 * The inference port. The engine never imports onnxruntime: the host (a worker with onnxruntime-web,
 * the CLI with onnxruntime-node) passes a Runner. Tensors are plain data so they cross worker
 * boundaries without conversion.
 */
import { ZeropointError } from './errors';

export type TensorElementType = 'float32' | 'float16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool' | 'float64' | 'int16' | 'uint16';

export type TensorValues = Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array | Float64Array | Int16Array;

export interface RunnerTensor {
  readonly type: TensorElementType;
  readonly dims: readonly number[];
  /** float16 is carried as its raw bits in a Uint16Array. */
  readonly data: TensorValues;
}

export type Feeds = Record<string, RunnerTensor>;

export interface SessionInfo {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

export interface RunnerSession extends SessionInfo {
  /** Runs the model; `outputNames` defaults to every graph output. Runs on one session are serialized by the caller. */
  run(feeds: Feeds, options?: { outputNames?: readonly string[]; signal?: AbortSignal }): Promise<Record<string, RunnerTensor>>;
  release(): Promise<void>;
}

export interface SessionOptions {
  /** Graph optimizations are part of what is measured: 'all' for latency, 'disabled' to read exact intermediates. */
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  readonly threads?: number;
  readonly provider?: 'cpu' | 'wasm' | 'webgpu';
}

export interface Runner {
  readonly name: string;
  /** Bytes are not kept after the call returns. */
  createSession(model: Uint8Array, options?: SessionOptions): Promise<RunnerSession>;
}


/**
 * Turns an onnxruntime failure (node or web: the messages are the same C++ text) into a one-line
 * ZeropointError that names the node and op and says what to do.
 */
export function classifyRuntimeError(e: unknown, options: { source: string; runtime: string }): ZeropointError {
  const { source, runtime } = options;
  const text = e instanceof Error ? e.message : String(e);
  // "Could not find an implementation for X(13) node with name 'n'": a known op without a kernel for these types.
  const missing = /implementation for (\w+)\((\d+)\) node with name '([^']*)'/.exec(text);
  if (missing) {
    return new ZeropointError('unsupported-op', `${runtime} has no kernel for op '${missing[1]}' (opset ${missing[2]}) at node '${missing[3]}' in '${source}'. Replace that op in the exporter or keep it out of the model.`, { subject: missing[3], cause: e });
  }
  // An op onnxruntime does not know at all (a typo, a custom op without its library): the graph check fails with
  // 'In Node, ("name", OpType, "domain", -1) : ... Error No Op registered for OpType with domain_version of 13'.
  const unknown = /In Node, \("([^"]*)", ([\w.]+), "([^"]*)",[\s\S]*?No Op registered for ([\w.]+) with domain_version of (\d+)/.exec(text);
  if (unknown) {
    const [, node, op, domain, , version] = unknown;
    return new ZeropointError('unsupported-op', `${runtime} does not know op '${op}' (domain '${domain || 'ai.onnx'}', opset ${version}) at node '${node}' in '${source}'. Re-export the model with standard ONNX ops, or replace that node.`, { subject: node, cause: e });
  }
  const firstLine = text.split('\n')[0].replace(/^\[[^\]]*\]\s*/, '');
  return new ZeropointError('runtime', `${runtime} could not run '${source}': ${firstLine}`, { subject: source, cause: e });
}

export interface RunBudget {
  /** Milliseconds one run may take (limits.ts: runTimeoutMs). */
  readonly ms: number;
  /** How the user raises it, for the message: "--run-timeout SECONDS", "the run budget in Calibrate". */
  readonly raise?: string;
}

/**
 * `run` unless it takes longer than the budget, then 'timeout' naming what ran on what. The run
 * itself may go on in the runtime (onnxruntime cannot interrupt a kernel): a host that times out
 * releases nothing and ends the process or worker.
 */
export async function runWithin<T>(run: Promise<T>, budget: RunBudget | undefined, what: string): Promise<T> {
  if (!budget || !(budget.ms > 0) || !Number.isFinite(budget.ms)) return run;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(runTimeoutError(budget, what)), budget.ms);
  });
  try {
    return await Promise.race([run, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The 'timeout' error for `what` ("Calibrating on image 'a.jpg'") past the budget: the same sentence
 * whether the run's own timer fired (runWithin) or a host stopped a worker that ran too long.
 */
export function runTimeoutError(budget: RunBudget, what: string, subject?: string): ZeropointError {
  const seconds = budget.ms >= 1000 ? `${+(budget.ms / 1000).toFixed(1)} s` : `${budget.ms} ms`;
  return new ZeropointError(
    'timeout',
    `${what} took longer than ${seconds}, the budget for one run; the model may loop without end (a Loop with a huge trip count) or be far heavier than its input suggests${budget.raise ? `. If it is only slow, raise the budget with ${budget.raise}` : ''}.`,
    subject === undefined ? undefined : { subject },
  );
}
