#!/usr/bin/env node
// `npx zeropoint ...`: runs the TypeScript CLI through tsx's loader (no build step).
// main() is called here rather than by zeropoint.ts's own entry check: npm runs this file through a
// link named `zeropoint` (node_modules/.bin, or the npx cache for `npx zeropoint` in this repo), so
// process.argv[1] does not name either file.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./zeropoint.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// A run that timed out may still be going on inside onnxruntime and would keep the process alive:
// exit once what was written to stdout and stderr has been flushed.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
