/**
 * What Zeropoint agrees to read, decode and run. Every bound a hostile file could otherwise push
 * without end (bytes, pixels, nesting, loop counts, time) has a number here, with a message where
 * it is enforced; hosts (CLI flags, the workbench's options) may raise or lower them.
 */
export interface IntakeLimits {
  /** A model file, in bytes (Node cannot read more than 2 GiB into one buffer anyway). */
  readonly maxModelBytes: number;
  /** One image file, in bytes. */
  readonly maxImageBytes: number;
  /** Decoded pixels of one image (width x height), checked from the header before decoding. */
  readonly maxImagePixels: number;
  /** A preprocessing spec or labels file, in bytes. */
  readonly maxTextBytes: number;
  /** Subgraphs (If/Loop/Scan bodies) nested inside each other. */
  readonly maxGraphDepth: number;
  /** Arrays and objects nested inside each other in a JSON file. */
  readonly maxJsonDepth: number;
  /** Elements of one tensor (an initializer, or a model input the host must allocate). */
  readonly maxTensorElements: number;
  /** One text field of the model (doc_string, a metadata value, a name), in UTF-16 units. */
  readonly maxTextFieldLength: number;
  /** Iterations of a Loop whose trip count is a constant and that has no other way to stop. */
  readonly maxLoopTrips: number;
  /** One inference run during calibration or comparison, in milliseconds. */
  readonly runTimeoutMs: number;
}

export const DEFAULT_LIMITS: IntakeLimits = {
  maxModelBytes: 2 ** 31 - 1,
  maxImageBytes: 256 * 2 ** 20,
  maxImagePixels: 50_000_000,
  maxTextBytes: 16 * 2 ** 20,
  // Real models nest a few levels (a Loop inside an If); protobuf's own default recursion limit of
  // 100 messages allows about 33 graph levels (graph -> node -> attribute -> graph).
  maxGraphDepth: 32,
  maxJsonDepth: 64,
  // 2^28 float32 values are 1 GiB.
  maxTensorElements: 2 ** 28,
  maxTextFieldLength: 4 * 2 ** 20,
  maxLoopTrips: 100_000_000,
  runTimeoutMs: 120_000,
};

export function withLimits(limits: Partial<IntakeLimits> | undefined): IntakeLimits {
  return limits ? { ...DEFAULT_LIMITS, ...limits } : DEFAULT_LIMITS;
}
