import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // e2e/*.spec.ts belong to Playwright (npm run test:e2e), not vitest.
    include: ['workers/**/*.test.ts', 'app/**/*.test.ts', 'cli/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores on CI: real-model tests are CPU heavy, so keep the pool small.
    maxWorkers: 2,
  },
});
