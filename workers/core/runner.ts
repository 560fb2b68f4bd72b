/**
 * The inference port. The engine never imports onnxruntime: the host (a worker with onnxruntime-web,
 * the CLI with onnxruntime-node) passes a Runner. Tensors are plain data so they cross worker
 * boundaries without conversion.
 */
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
