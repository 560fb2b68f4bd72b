/**
 * What the CLI's commands share: one-line output with control characters escaped, progress lines,
 * the flags for inputs and limits, and small parsers that fail with one 'bad-option' line.
 */
import { ZeropointError } from '../workers/core/errors';
import { DEFAULT_LIMITS } from '../workers/core/intake/limits';
import { oneLine, quote } from '../workers/core/intake/names';
import { DataType, type ValueInfo } from '../workers/core/onnx/types';
import { parseInputValue, type FeedChoices } from '../workers/core/preprocess/feeds';
import type { RunBudget } from '../workers/core/runner';
import { scanImages, type ImageListing } from './images';

/** One line to stderr, control characters escaped (names from files and models may hold any). */
export function say(line: string): void {
  process.stderr.write(`${oneLine(line)}\n`);
}

export function fail(message: string): never {
  throw new ZeropointError('bad-option', message);
}

/** True while a TTY progress line is on screen without its newline: an error must start a new line. */
let progressLineOpen = false;

/** Ends a TTY progress line left open, so an error line starts on a line of its own. */
export function endProgressLine(): void {
  if (progressLineOpen) process.stderr.write('\n');
  progressLineOpen = false;
}

export function progress(label: string): (p: { done: number; total: number }) => void {
  const t0 = Date.now();
  let last = 0;
  return ({ done, total }) => {
    const now = Date.now();
    if (done !== total && now - last < 500) return;
    last = now;
    const rate = done / Math.max((now - t0) / 1000, 1e-3);
    const left = (total - done) / Math.max(rate, 1e-9);
    const line = oneLine(`${label} ${done}/${total} images, ${rate.toFixed(1)} img/s, ${left.toFixed(0)} s left`);
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}\x1b[K${done === total ? '\n' : ''}`);
      progressLineOpen = done !== total;
    } else process.stderr.write(`${line}\n`);
  };
}

export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) fail(`${flag} '${value}' must be a positive whole number.`);
  return n;
}

/** --width/--height: the input size for models whose image input has dynamic height or width. */
function inputSize(values: { width?: string; height?: string }): { width?: number; height?: number } {
  return { width: positiveInt(values.width, '--width'), height: positiveInt(values.height, '--height') };
}

/** Options shared by quantize and compare: how big an image and how long a run may be. */
export const LIMIT_OPTIONS = {
  'max-image-pixels': { type: 'string' },
  'run-timeout': { type: 'string' },
} as const;

/** Options shared by quantize and compare: which input is the image, and what the others are fed. */
export const INPUT_OPTIONS = {
  width: { type: 'string' },
  height: { type: 'string' },
  'image-input': { type: 'string' },
  input: { type: 'string', multiple: true },
  'fourth-channel': { type: 'string' },
} as const;

interface InputValues {
  width?: string;
  height?: string;
  'image-input'?: string;
  input?: string[];
  'fourth-channel'?: string;
}

/** --width/--height, --image-input, --input NAME=VALUE (repeatable), --fourth-channel as feed choices. */
export function feedChoices(values: InputValues): FeedChoices {
  const given: Record<string, unknown> = {};
  for (const item of values.input ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) fail(`--input ${quote(item)} must be NAME=VALUE, such as --input orig_target_sizes=[[416,416]].`);
    const name = item.slice(0, eq);
    if (name in given) fail(`--input gives input ${quote(name)} twice; give each input once.`);
    given[name] = parseInputValue(name, item.slice(eq + 1));
  }
  const fourthText = values['fourth-channel'];
  const fourthChannel = fourthText === undefined ? undefined : Number(fourthText);
  if (fourthChannel !== undefined && (fourthText!.trim() === '' || !Number.isFinite(fourthChannel))) fail(`--fourth-channel ${quote(fourthText!)} must be a number, such as 1.`);
  return { ...inputSize(values), imageInput: values['image-input'], values: given, fourthChannel };
}

export function decodeLimits(values: { 'max-image-pixels'?: string }): { maxPixels?: number; raise: string } {
  return { maxPixels: positiveInt(values['max-image-pixels'], '--max-image-pixels'), raise: '--max-image-pixels N' };
}

export function runBudget(values: { 'run-timeout'?: string }): RunBudget {
  const text = values['run-timeout'];
  const seconds = text === undefined ? DEFAULT_LIMITS.runTimeoutMs / 1000 : Number(text);
  if (!(seconds > 0) || !Number.isFinite(seconds)) fail(`--run-timeout '${text}' must be a positive number of seconds.`);
  return { ms: seconds * 1000, raise: '--run-timeout SECONDS' };
}

/** The images of a folder; entries that are not regular image files inside it are noted, not read. */
export async function imagesOf(dir: string, limit: number | undefined): Promise<ImageListing> {
  const listing = await scanImages(dir, { limit });
  const n = listing.skipped.length;
  if (n > 0) {
    const shown = listing.skipped.slice(0, 3).map((s) => `${quote(s.path)} (${s.reason})`);
    say(`note: skipped ${n} entr${n === 1 ? 'y' : 'ies'} of ${quote(dir)} that ${n === 1 ? 'is not a regular image file' : 'are not regular image files'} inside it: ${shown.join(', ')}${n > 3 ? ', ...' : ''}`);
  }
  return listing;
}

/**
 * parseArgs reads `--limit -1` as a flag followed by an unknown option '-1' and says so in three
 * lines; a value that looks like a number is joined to its flag (`--limit=-1`), so the flag's own
 * check can name it.
 */
export function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (args[i].startsWith('--') && !args[i].includes('=') && next !== undefined && /^-\d|^-\.\d|^-inf/i.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

const TYPE_NAMES = new Map<number, string>(Object.entries(DataType).map(([k, v]) => [v, k.toLowerCase()]));

export function elemTypeName(v: ValueInfo): string {
  const t = v.type?.tensorType?.elemType ?? 0;
  return t === DataType.FLOAT ? 'float32' : (TYPE_NAMES.get(t) ?? `type ${t}`);
}

export function list(value: string | undefined): string[] {
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

/** JSON has no Infinity: an identical tensor's SQNR is written as the string "inf". */
export function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? null : value > 0 ? 'inf' : '-inf';
  return value;
}
