/**
 * The workbench offline (issue 13): after one load online (the service worker caches the app,
 * onnxruntime-web's files and the sample), the network is blocked and the page is reloaded: it loads
 * from the cache, cross-origin isolated as before (the cached responses keep COOP/COEP), and the
 * sample flow runs: open, calibrate, quantize, compare on 4 images, then on 6 (the FP32 outputs of
 * the first 4 reused, the two runs side by side), measure latency (a verdict with its intervals).
 */
import { expect, test } from './fixtures';

test('offline after the first load: the sample flow still runs', async ({ workbench, page, context }) => {
  await workbench.goto();
  // The service worker installed (every file cached) and controls the page.
  await page.evaluate(async () => {
    const sw = (navigator as unknown as { serviceWorker: { ready: Promise<unknown> } }).serviceWorker;
    await sw.ready;
  });
  await expect.poll(() => page.evaluate(() => (navigator as unknown as { serviceWorker: { controller: unknown } }).serviceWorker.controller !== null)).toBe(true);

  await context.setOffline(true);
  // The network is really gone: a file the cache does not hold cannot be fetched.
  const probe = await page.evaluate(() =>
    fetch(`/not-cached-${Date.now()}.txt`).then(
      (r) => `HTTP ${r.status}`,
      () => 'failed',
    ),
  );
  expect(probe).toBe('failed');

  const navigation = await page.reload();
  expect(navigation?.fromServiceWorker()).toBe(true);
  await expect(page.getByRole('heading', { level: 1, name: 'Zeropoint' })).toBeVisible();
  expect(await page.evaluate(() => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated)).toBe(true);

  await workbench.openSample();
  await expect(workbench.imageCount('calibration')).toContainText('30 image(s)');
  await workbench.calibrate({ method: 'minmax' });
  await expect(workbench.rangeRows().first()).toBeVisible();
  await workbench.buildInt8();
  await expect(page.getByTestId('int8-size')).toContainText('of FP32');
  const compare = workbench.step('compare');
  await compare.getByTestId('compare-image-cap').fill('4');
  await expect(compare.getByTestId('compare-image-count')).toHaveText('the first 4 of 20 evaluation image(s)');
  await workbench.compare();
  await expect(compare.getByTestId('comparison-summary')).toContainText('Compared on 4 image(s)');
  await expect(compare.getByTestId('top1-agreement')).toHaveText(/^\d+(\.\d+)?%$/);
  // A second, larger comparison reuses the FP32 outputs of the first 4 images; both runs stay, side by side.
  await compare.getByTestId('compare-image-cap').fill('6');
  await workbench.compare();
  await expect(compare.getByTestId('comparison-summary')).toContainText('Compared on 6 image(s)');
  await expect(compare.getByTestId('comparison-summary')).toContainText('FP32 outputs of 4 image(s) reused from the last run.');
  await expect(compare.getByTestId('history-row')).toHaveCount(2);
  await compare.getByTestId('history-side-by-side').check();
  await expect(compare.getByTestId('side-by-side').getByRole('row', { name: /^Images/ })).toHaveText(/Images\s*4\s*6/);
  // Latency: both models alternating, a verdict (or "too noisy to tell") with the intervals.
  await workbench.measureLatency(5, { warmup: 1, expectRows: ['wasm-1-fp32', 'wasm-1-int8'] });
  await expect(compare.getByTestId('latency-verdict-wasm-1')).toHaveAttribute('data-verdict', /^(faster|slower|too-noisy)$/);
  await expect(compare.getByTestId('latency-verdict-wasm-1')).toContainText('95% interval');
  await expect(workbench.alerts()).toHaveCount(0);
});
