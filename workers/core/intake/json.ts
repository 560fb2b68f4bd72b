/**
 * JSON from a user's file, with its nesting bounded before it is parsed: `[[[[...]]]]` 100,000 deep
 * would otherwise exhaust the stack of the parser or of whatever walks the value afterwards.
 */
import { ZeropointError } from '../errors';
import { DEFAULT_LIMITS } from './limits';
import { quote } from './names';

/** The deepest nesting of arrays and objects in `text` (brackets inside strings do not count). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Throws 'too-large' naming the file when its JSON nests deeper than `maxDepth`. */
export function checkJsonDepth(text: string, options: { source: string; maxDepth?: number }): void {
  const max = options.maxDepth ?? DEFAULT_LIMITS.maxJsonDepth;
  const depth = jsonDepth(text);
  if (depth > max) {
    throw new ZeropointError('too-large', `${quote(options.source)} nests JSON arrays and objects ${depth} deep, more than the ${max} Zeropoint reads; a preprocessing spec is a flat object: fix the file.`, { subject: options.source });
  }
}

/** Parses a user's JSON file with its depth checked first; a syntax error names the file. */
export function readJson(text: string, source: string): unknown {
  checkJsonDepth(text, { source });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ZeropointError('bad-option', `${quote(source)} is not valid JSON (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); fix the file.`, { subject: source });
  }
}
