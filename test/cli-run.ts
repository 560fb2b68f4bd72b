/**
 * Running the real CLI from tests: `node cli/bin.mjs ...` (or any command) spawned from the
 * repository root, with the user's environment minus ZEROPOINT_DEBUG (which adds stacks).
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const BIN = join(ROOT, 'cli/bin.mjs');

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; `timeoutMs` only stops a hang (the default is 100 s). */
export function spawnRun(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  const env = { ...process.env, ...options.env };
  delete env.ZEROPOINT_DEBUG;
  return new Promise((done, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 100_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** `zeropoint ARGS...` as a user runs it. */
export const runZeropoint = (args: readonly string[], options: { timeoutMs?: number } = {}): Promise<Run> => spawnRun(process.execPath, [BIN, ...args], options);
