/**
 * Names the user did not type (a file found in a folder, a node or tensor named by the model's
 * author) go into messages quoted and escaped, so a newline in a file name cannot forge a second
 * `zeropoint:` line and an ANSI escape in a tensor name never reaches the terminal.
 */

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidi overrides that can
// reorder or break a line on screen.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  switch (c) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default: {
      const code = c.charCodeAt(0);
      return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    }
  }
}

/** The text with every control character written as an escape (\n, \x1b, \u2028...). */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Longest name shown in a message; the rest is elided (the subject field keeps the whole name). */
const MAX_SHOWN = 200;

/** A name for a message: single-quoted, control characters escaped, very long names shortened. */
export function quote(name: string): string {
  const safe = escapeControls(name);
  const shown = safe.length > MAX_SHOWN ? `${safe.slice(0, MAX_SHOWN / 2)}...${safe.slice(-MAX_SHOWN / 2 + 3)}` : safe;
  return `'${shown}'`;
}

/** One line for a terminal or a log: control characters escaped, so it stays one line. */
export function oneLine(text: string): string {
  return escapeControls(text);
}
