/**
 * The exact settings behind an INT8 model, as the report prints them: the `zeropoint quantize`
 * command line and the plan as JSON (every option, the preprocessing spec, the inputs' values).
 */
import type { PreprocessSpec } from '../preprocess/spec';
import type { QuantizeOptions } from '../quant/quantize';

export interface ReproducePlan {
  readonly model: string;
  readonly calibration: { readonly images: number; readonly source: string };
  readonly preprocess: PreprocessSpec;
  readonly options: QuantizeOptions;
  /** Inputs other than the image, with the values they were fed. */
  readonly inputs?: Readonly<Record<string, unknown>>;
  readonly imageInput?: string;
  readonly size?: { readonly width: number; readonly height: number };
}

export interface ReproduceArgs {
  /** Paths to print (the CLI knows them; the workbench uses placeholders). */
  readonly modelPath: string;
  readonly calibPath: string;
  /** A preset name, or the spec file the plan's `preprocess` is saved to. */
  readonly preprocess: string;
  readonly out: string;
  readonly limit?: number;
}

/** Quotes a shell word when it needs it (POSIX single quotes). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `zeropoint quantize ...` for the plan; options the CLI has no flag for are listed in `unsupported`. */
export function cliCommand(plan: ReproducePlan, args: ReproduceArgs): { command: string; unsupported: string[] } {
  const o = plan.options;
  const words = ['npx', 'zeropoint', 'quantize', args.modelPath, '--calib', args.calibPath, '--preprocess', args.preprocess, '--out', args.out];
  const unsupported: string[] = [];
  if (args.limit !== undefined) words.push('--limit', String(args.limit));
  if (o.method !== 'minmax') words.push('--method', o.method);
  if (o.method === 'percentile' && o.percentile !== undefined) words.push('--percentile', String(o.percentile));
  if (o.method === 'percentile' && o.percentileMode === 'per-side') unsupported.push('percentileMode per-side');
  if (o.method === 'entropy' && ((o.entropyBins ?? 2048) !== 2048 || (o.entropyQuantizedBins ?? 128) !== 128)) unsupported.push('entropy bins');
  if (!o.perChannel) words.push('--per-tensor');
  if (o.activationType !== 'u8') words.push('--activations', o.activationType);
  if (o.activationSymmetric) words.push('--symmetric-activations');
  if ((o.weightType ?? 's8') !== 's8') unsupported.push(`weightType ${o.weightType}`);
  if (o.keepNodes.length) words.push('--keep-fp32', o.keepNodes.join(','));
  if (o.keepOpTypes.length) words.push('--keep-fp32-ops', o.keepOpTypes.join(','));
  if (o.keepFirstAndLast) words.push('--keep-first-last');
  if (o.biasCorrection) words.push('--bias-correction');
  if (plan.imageInput) words.push('--image-input', plan.imageInput);
  for (const [name, value] of Object.entries(plan.inputs ?? {})) words.push('--input', `${name}=${JSON.stringify(value)}`);
  if (plan.size) words.push('--width', String(plan.size.width), '--height', String(plan.size.height));
  return { command: words.map(shellWord).join(' '), unsupported };
}

/** A constant input's values as `--input NAME=VALUE` takes them: one number, or nested arrays of its shape. */
export function inputValue(feed: { readonly dims: readonly number[]; readonly values: readonly number[] }): unknown {
  if (feed.values.length === 1) return feed.values[0];
  const nest = (offset: number, axis: number): unknown => {
    if (axis === feed.dims.length) return feed.values[offset];
    const stride = feed.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: feed.dims[axis] }, (_, i) => nest(offset + i * stride, axis + 1));
  };
  return feed.dims.length ? nest(0, 0) : feed.values[0];
}
