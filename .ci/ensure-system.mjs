#!/usr/bin/env node
/**
 * `npm test` runs this first (package.json "pretest"): the system packages the tests need, installed
 * when this machine can (root with apt-get), else one line with the command that does, and nothing
 * runs. `.ci/run` relies on it too.
 *
 *   libonnx-testdata   Debian's ~1,070 ONNX node tests (codec and opset-upgrade conformance)
 *   chromium           Debian's Chromium at /usr/bin/chromium (Playwright e2e; never `playwright install`)
 *
 * CHROMIUM_PATH points the e2e at another Chromium; ZEROPOINT_SKIP_SYSTEM_CHECK=1 skips this check.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (process.env.ZEROPOINT_SKIP_SYSTEM_CHECK === '1') process.exit(0);

const needs = [
  { pkg: 'libonnx-testdata', present: () => existsSync('/usr/share/libonnx-testdata/data/node') },
  { pkg: 'chromium', present: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') },
];
let missing = needs.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);

const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const apt = existsSync('/usr/bin/apt-get');
if (root && apt) {
  console.error(`npm test: installing ${missing.join(', ')} (${command})`);
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch {
    // checked again below
  }
  missing = needs.filter((n) => !n.present()).map((n) => n.pkg);
  if (missing.length === 0) process.exit(0);
}
console.error(`npm test needs the system package(s) ${missing.join(', ')}; install them first: ${root ? '' : 'sudo '}${command.replace('&& apt-get', root ? '&& apt-get' : '&& sudo apt-get')}`);
process.exit(1);
