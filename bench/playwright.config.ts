/**
 * The Chromium half of the latency-aware bench (`npm run bench:chromium`): the workbench's own
 * Compare step, driven by Playwright in /usr/bin/chromium against the production build, as the e2e
 * runs it (the e2e config's server and browser), with this folder's chromium.bench.ts only.
 */
import base from '../playwright.config';
import { defineConfig } from 'playwright/test';

export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: 'chromium.bench.ts',
  outputDir: '../test-results/bench',
  timeout: 20 * 60_000,
  retries: 0,
});
