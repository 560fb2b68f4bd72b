/**
 * onnxruntime's profile as data. With `enableProfiling`, onnxruntime records one Chrome-trace event
 * per kernel execution ("<node name>_kernel_time", cat "Node", args.op_name, the input and output
 * types and shapes, the provider) and one per run ("model_run", cat "Session"). onnxruntime-node
 * writes them to a JSON file (`profileFilePrefix`); onnxruntime-web's WASM module prints the same
 * JSON line by line on its stdout (console.log in a browser worker, fd 1 in Node), one event per line
 * with a trailing comma. parseProfile reads either form.
 *
 * kernelTimes() keeps the runs after the warm-ups (the first runs allocate and, on WASM, run code
 * V8 has not optimized yet) and gives each kernel's mean time per run: the data the mapping
 * (map.ts) attributes to the person's nodes.
 */
import { ZeropointError } from '../errors';

export interface ProfileEvent {
  readonly cat: string;
  readonly name: string;
  /** Start, microseconds since the session began. */
  readonly ts: number;
  /** Duration, microseconds. */
  readonly dur: number;
  readonly args?: {
    readonly op_name?: string;
    readonly provider?: string;
    readonly input_type_shape?: ReadonlyArray<Record<string, readonly number[]>>;
    readonly output_type_shape?: ReadonlyArray<Record<string, readonly number[]>>;
  };
}

/** Reads a profile: a JSON array (onnxruntime-node's file) or the lines onnxruntime-web prints. */
export function parseProfile(text: string | readonly string[]): ProfileEvent[] {
  const whole = typeof text === 'string' ? text : text.join('\n');
  const trimmed = whole.trim();
  if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (Array.isArray(parsed)) return parsed.filter(isEvent);
    } catch {
      // the printed form (trailing commas, other lines between events): read line by line below
    }
  }
  const events: ProfileEvent[] = [];
  for (const raw of whole.split('\n')) {
    const line = raw.trim().replace(/,$/, '');
    if (!line.startsWith('{') || !line.endsWith('}')) continue;
    try {
      const e = JSON.parse(line) as unknown;
      if (isEvent(e)) events.push(e);
    } catch {
      // a line of something else that happens to start with '{'
    }
  }
  return events;
}

function isEvent(e: unknown): e is ProfileEvent {
  const v = e as Partial<ProfileEvent> | null;
  return !!v && typeof v === 'object' && typeof v.cat === 'string' && typeof v.name === 'string' && typeof v.ts === 'number' && typeof v.dur === 'number';
}

/** One kernel of the profiled session, averaged over the timed runs. */
export interface KernelTime {
  /** The node name onnxruntime ran (its optimized graph's: 'Conv_3_token_12', 'Transpose'). */
  readonly name: string;
  /** The kernel's op type ('QLinearConv', 'FusedConv', 'Transpose', 'QuantizeLinear'). */
  readonly op: string;
  /** Mean milliseconds per run. */
  readonly ms: number;
  /** Position in the run's execution order. */
  readonly order: number;
  readonly provider: string;
  /** Element type and dims of the first input and of the first output. */
  readonly input?: { readonly type: string; readonly dims: readonly number[] };
  readonly output?: { readonly type: string; readonly dims: readonly number[] };
  /** Every input's and output's element type and dims, in order. */
  readonly inputs: ReadonlyArray<{ readonly type: string; readonly dims: readonly number[] }>;
  readonly outputs: ReadonlyArray<{ readonly type: string; readonly dims: readonly number[] }>;
}

export interface KernelProfile {
  /** Runs averaged (after the warm-ups). */
  readonly runs: number;
  /** Mean wall time of one run as onnxruntime measured it ('model_run'), ms. */
  readonly runMs: number;
  /** Sum of the kernels' mean times, ms per run. */
  readonly kernelMs: number;
  readonly kernels: readonly KernelTime[];
}

type Shape = { readonly type: string; readonly dims: readonly number[] };

function shapes(list: ReadonlyArray<Record<string, readonly number[]>> | undefined): Shape[] {
  const out: Shape[] = [];
  for (const entry of list ?? []) {
    const [type, dims] = Object.entries(entry)[0] ?? [];
    if (type !== undefined) out.push({ type, dims: Array.isArray(dims) ? dims : [] });
  }
  return out;
}

/**
 * Kernel times per run over the runs after `warmup` (default: all but the last `timed`, at least 1
 * warm-up when there are 2 runs or more). A kernel that runs several times in one run (a node inside
 * a Loop) is summed within the run.
 */
export function kernelTimes(events: readonly ProfileEvent[], options: { warmup?: number; source?: string } = {}): KernelProfile {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  if (runs.length === 0) {
    throw new ZeropointError('runtime', `The profile of ${options.source ?? 'the model'} holds no run (no 'model_run' event): profile at least one run before ending the profile.`, { subject: options.source });
  }
  const warmup = Math.min(options.warmup ?? (runs.length >= 2 ? 1 : 0), runs.length - 1);
  const timed = runs.slice(warmup);
  const from = timed[0].ts;
  const sums = new Map<string, { op: string; us: number; order: number; provider: string; inputs: Shape[]; outputs: Shape[] }>();
  let order = 0;
  // Only the first timed run's order counts; later runs add time.
  const nodeEvents = events.filter((e) => e.cat === 'Node' && e.ts >= from && e.name.endsWith('_kernel_time')).sort((a, b) => a.ts - b.ts);
  for (const e of nodeEvents) {
    const name = e.name.slice(0, -'_kernel_time'.length);
    const s = sums.get(name);
    if (s) s.us += e.dur;
    else sums.set(name, { op: e.args?.op_name ?? '?', us: e.dur, order: order++, provider: e.args?.provider ?? '', inputs: shapes(e.args?.input_type_shape), outputs: shapes(e.args?.output_type_shape) });
  }
  const n = timed.length;
  const kernels: KernelTime[] = [...sums].map(([name, s]) => ({
    name,
    op: s.op,
    ms: s.us / 1000 / n,
    order: s.order,
    provider: s.provider,
    input: s.inputs[0],
    output: s.outputs[0],
    inputs: s.inputs,
    outputs: s.outputs,
  }));
  kernels.sort((a, b) => a.order - b.order);
  return {
    runs: n,
    runMs: timed.reduce((a, r) => a + r.dur, 0) / 1000 / n,
    kernelMs: kernels.reduce((a, k) => a + k.ms, 0),
    kernels,
  };
}
