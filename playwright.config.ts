/**
 * End-to-end tests in real Chromium (Debian's /usr/bin/chromium; never `playwright install`) against
 * the production build served by `vite preview` with the COOP/COEP headers, on a free port.
 * Artifacts (traces, failure screenshots, the step screenshots) go to test-results/.
 */
import { execFileSync } from 'node:child_process';
import { defineConfig } from 'playwright/test';

/**
 * A free port, chosen once: worker processes re-read this config and inherit the environment, so
 * they see the same port as the runner that starts the server.
 */
function freePort(): string {
  const script = "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close();});";
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim();
}
process.env.ZEROPOINT_E2E_PORT ??= freePort();
const port = process.env.ZEROPOINT_E2E_PORT;
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  // Two cores: the app itself runs several workers, so one test at a time.
  workers: 1,
  fullyParallel: false,
  retries: process.env.CI ? 1 : 0,
  timeout: 6 * 60_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    baseURL,
    acceptDownloads: true,
    viewport: { width: 1400, height: 1000 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    },
  },
  projects: [{ name: 'chromium' }],
  webServer: {
    // A build folder per port: several runs on one machine must not rewrite each other's files.
    command: `npx vite build --logLevel warn --outDir .e2e-dist/${port} --emptyOutDir && npx vite preview --host 127.0.0.1 --port ${port} --strictPort --outDir .e2e-dist/${port}`,
    url: baseURL,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
