/**
 * The engine's one error class. `code` says what kind of problem it is so a caller (CLI, worker, UI)
 * can react without parsing text; `message` is one sentence that quotes the offending value and says
 * what to do. Per-item skips (an op left in FP32, an image skipped) are data, never throws.
 */
export type ZeropointErrorCode =
  | 'not-onnx' // bytes are not an ONNX ModelProto
  | 'truncated' // protobuf ended early
  | 'unsupported-dtype'
  | 'unsupported-op' // onnxruntime (or the engine) cannot run an op
  | 'opset-upgrade' // an op cannot be converted safely to the target opset
  | 'external-data' // a tensor's external data file is missing or short
  | 'bad-graph' // structural problems: dangling tensor, cycle
  | 'bad-model' // a field no valid model has: opset 0, negative dims, data type 99, data shorter than its shape
  | 'refused-file' // a path that is not a regular file the user gave: a device, a FIFO, a link out of the folder
  | 'refused-output' // an output path that is an input, the other output, or not a regular file
  | 'too-large' // past a limit of intake/limits.ts: bytes, pixels, elements, nesting
  | 'timeout' // one inference run took longer than its budget
  | 'not-image-model' // the model's input is not an image tensor
  | 'bad-image' // an image failed to decode
  | 'no-images' // a calibration folder with no images
  | 'bad-spec' // a preprocessing spec or option is invalid
  | 'bad-option'
  | 'already-quantized' // a QDQ, QOperator or dynamic model given to the quantizer
  | 'bad-labels'
  | 'not-detector' // no detection decoder reads the model's outputs (name one, or this is not a detector)
  | 'no-statistics' // asked for a range of a tensor never observed
  | 'runtime' // the inference runtime failed
  | 'unfaithful' // the INT8 model's outputs disagree with FP32 below the fidelity threshold (--strict)
  | 'cancelled'
  | 'io';

export class ZeropointError extends Error {
  override readonly name = 'ZeropointError';
  readonly code: ZeropointErrorCode;
  /** The file, node or tensor the message is about, when there is one. */
  readonly subject?: string;

  constructor(code: ZeropointErrorCode, message: string, options?: { subject?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.subject = options?.subject;
  }
}

export function isZeropointError(e: unknown): e is ZeropointError {
  return e instanceof ZeropointError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ZeropointError');
}

/** Throws 'cancelled' when the signal has fired; long loops call this between steps. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ZeropointError('cancelled', 'The operation was cancelled.');
}
