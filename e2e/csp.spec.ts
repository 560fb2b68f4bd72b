/**
 * The app under its Content-Security-Policy (vite.config.ts), as `vite preview` serves the build:
 * - every response (the page, its scripts and stylesheet, the workers, onnxruntime's .mjs and .wasm,
 *   the sample) carries the CSP, X-Content-Type-Options, Referrer-Policy and the isolation headers;
 * - the built index.html carries the policy as a <meta> (without frame-ancestors), which alone
 *   still blocks eval when a host sends no CSP header;
 * - the sample flow (calibrate, quantize, compare) runs on WASM with N threads (onnxruntime's pthread
 *   workers) and its FP32 and INT8 models run on WebGPU (latency; comparing SqueezeNet on this
 *   browser's software adapter takes minutes), and MNIST goes through calibrate, quantize and compare
 *   on WebGPU: with no CSP violation in the page or in any worker, and every request the page and its
 *   workers make stays on the app's origin.
 */
import { join } from 'node:path';
import type { APIRequestContext, BrowserContext, Page, Request, Response, Worker } from 'playwright/test';
import { writePng } from '../cli/images';
import { readMnist } from '../cli/mnist';
import { CONTENT_SECURITY_POLICY, META_CONTENT_SECURITY_POLICY, ORT_FILES, PREVIEW_HEADERS } from '../vite.config';
import { IMAGES, model, tempDir } from './assets';
import { expect, note, test, type ProviderId, type Workbench } from './fixtures';

/** What a securitypolicyviolation event in the page said (workers report theirs on the console). */
interface Violation {
  readonly directive: string;
  readonly blocked: string;
  readonly source: string;
  /** Which policy refused it: the header's (the only one with frame-ancestors) or the meta's. */
  readonly policy: 'header' | 'meta';
}

const CSP_MESSAGE = /Content[- ]Security[- ]Policy|Refused to (load|execute|connect|create|compile|evaluate|apply|frame)/i;

interface Watch {
  readonly requests: Request[];
  readonly responses: Response[];
  /** Console messages (page and workers) about the CSP. */
  readonly consoleProblems: string[];
  readonly workers: string[];
  pageViolations(): Promise<Violation[]>;
  clearPageViolations(): Promise<void>;
}

/**
 * Listens, from before the app loads, for CSP violations in the page (securitypolicyviolation, kept
 * in __cspViolations) and in every worker (a listener added as soon as Playwright sees the worker,
 * which reports each violation as a console error), and records every request and response of the
 * browser context (Playwright reports dedicated workers' network traffic there too).
 */
async function watch(page: Page, context: BrowserContext): Promise<Watch> {
  const requests: Request[] = [];
  const responses: Response[] = [];
  const consoleProblems: string[] = [];
  const workers: string[] = [];
  context.on('request', (r) => requests.push(r));
  context.on('response', (r) => responses.push(r));
  context.on('console', (m) => {
    if (CSP_MESSAGE.test(m.text())) consoleProblems.push(`${m.worker() ? `worker ${m.worker()!.url()}` : 'page'}: ${m.text()}`);
  });
  const listenInWorker = (w: Worker): void => {
    workers.push(w.url());
    void w
      .evaluate(() => {
        // (Node's lib has no DOM types.)
        type Event = { violatedDirective: string; blockedURI: string; sourceFile: string; lineNumber: number };
        const g = globalThis as unknown as { addEventListener(type: string, listener: (e: Event) => void): void; location: { href: string } };
        g.addEventListener('securitypolicyviolation', (e) =>
          console.error(`Content Security Policy violation in ${g.location.href}: ${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`),
        );
      })
      .catch(() => undefined); // a worker may end before the listener goes in
  };
  page.on('worker', listenInWorker);
  await page.addInitScript(() => {
    type Event = { violatedDirective: string; blockedURI: string; sourceFile: string; lineNumber: number; originalPolicy: string };
    const w = globalThis as unknown as { __cspViolations: Violation[]; addEventListener(type: string, listener: (e: Event) => void): void };
    w.__cspViolations = [];
    w.addEventListener('securitypolicyviolation', (e) =>
      w.__cspViolations.push({
        directive: e.violatedDirective,
        blocked: e.blockedURI,
        source: `${e.sourceFile}:${e.lineNumber}`,
        policy: e.originalPolicy.includes('frame-ancestors') ? 'header' : 'meta',
      }),
    );
  });
  return {
    requests,
    responses,
    consoleProblems,
    workers,
    pageViolations: () => page.evaluate(() => (globalThis as unknown as { __cspViolations: Violation[] }).__cspViolations),
    clearPageViolations: () => page.evaluate(() => void ((globalThis as unknown as { __cspViolations: Violation[] }).__cspViolations = [])),
  };
}

/**
 * In the page: an inline <script> and a string of code for a timer, each of which the policy must
 * refuse (each would push to __ran). Run by the timer, not in Playwright's evaluation: DevTools
 * evaluations are allowed to eval.
 */
function tryEvalAndInline(): void {
  type El = { textContent: string };
  const d = (globalThis as unknown as { document: { createElement(tag: string): El; head: { append(e: El): void } } }).document;
  const script = d.createElement('script');
  script.textContent = "(globalThis.__ran ??= []).push('inline')";
  d.head.append(script);
  (globalThis as unknown as { setTimeout(code: string, ms: number): number }).setTimeout("(globalThis.__ran ??= []).push('eval')", 0);
}

/** Whether a URL is on the app's origin, or a local blob:/data: URL (which Playwright may report too). */
function local(url: string, origin: string): boolean {
  if (url.startsWith('blob:') || url.startsWith('data:')) return true;
  return new URL(url).origin === origin;
}

// What the server sends is checked here; the offline service worker (which keeps those headers on
// what it caches, and would answer later requests itself) is checked by offline.spec.ts.
test.use({ serviceWorkers: 'block' });

test('headers on the page and on onnxruntime\'s files, the meta tag in the built index.html', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const index = await page.request.get('/');
  expect(index.ok()).toBe(true);
  for (const [name, value] of Object.entries(PREVIEW_HEADERS)) expect(index.headers()[name.toLowerCase()], name).toBe(value);
  expect(index.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(index.headers()['content-security-policy']).not.toMatch(/'unsafe-eval'|'unsafe-inline'/);

  // The meta: right after <meta charset>, before any script or stylesheet; no frame-ancestors (ignored there).
  const html = await index.text();
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html);
  expect(meta?.[1]).toBe(META_CONTENT_SECURITY_POLICY);
  expect(META_CONTENT_SECURITY_POLICY).not.toContain('frame-ancestors');
  expect(CONTENT_SECURITY_POLICY.startsWith(META_CONTENT_SECURITY_POLICY)).toBe(true);
  expect(html.indexOf('http-equiv="Content-Security-Policy"')).toBeLessThan(html.search(/<script|<link rel="stylesheet"/));

  // onnxruntime's glue and binary (a worker imports and fetches them): the same headers, their own MIME types.
  for (const [file, type] of [
    ['ort/ort-wasm-simd-threaded.asyncify.mjs', /^text\/javascript/],
    ['ort/ort-wasm-simd-threaded.asyncify.wasm', /^application\/wasm/],
  ] as const) {
    const r = await page.request.head(`/${file}`);
    expect(r.ok(), file).toBe(true);
    expect(r.headers()['content-type'], file).toMatch(type);
    for (const [name, value] of Object.entries(PREVIEW_HEADERS)) expect(r.headers()[name.toLowerCase()], `${file} ${name}`).toBe(value);
  }

  // A host that sends no CSP header: the meta alone still governs the page (eval blocked), and the
  // app still starts under it.
  await page.route(`${origin}/`, async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['content-security-policy'];
    await route.fulfill({ response, headers });
  });
  const { pageViolations } = await watch(page, page.context());
  const response = await page.goto('/');
  expect(response?.headers()['content-security-policy']).toBeUndefined();
  await expect(page.getByRole('heading', { level: 1, name: 'Zeropoint' })).toBeVisible();
  expect(await page.evaluate(() => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated)).toBe(true);
  expect(await pageViolations()).toEqual([]);
  await page.evaluate(tryEvalAndInline);
  await expect.poll(pageViolations).toEqual([
    expect.objectContaining({ directive: 'script-src-elem', blocked: 'inline', policy: 'meta' }),
    expect.objectContaining({ directive: 'script-src', blocked: 'eval', policy: 'meta' }),
  ]);
  expect(await page.evaluate(() => (globalThis as unknown as { __ran?: string[] }).__ran)).toBeUndefined();
});

/**
 * After a flow: no violation in the page or any worker, every request on the origin (the record
 * includes the workers' own: onnxruntime's glue and binary are only loaded by workers), and every
 * response from the server carried the headers.
 */
async function expectClean(seen: Watch, origin: string, request: APIRequestContext): Promise<void> {
  expect(await seen.pageViolations()).toEqual([]);
  expect(seen.consoleProblems).toEqual([]);
  const urls = seen.requests.map((r) => r.url());
  expect(urls.filter((u) => !local(u, origin))).toEqual([]);
  for (const file of ORT_FILES) expect(urls.some((u) => u.endsWith(`/ort/${file}`)), `a worker loaded ort/${file}`).toBe(true);
  const served = seen.responses.filter((r) => r.url().startsWith(`${origin}/`));
  expect(served.length).toBeGreaterThan(10);
  // Playwright gets no headers for some workers' own scripts (Chromium loads those outside the page's
  // network stack): those are checked as the server sends them (and the worker eval check above shows
  // the policy reaches the workers).
  const headerless = new Set<string>();
  for (const r of served) {
    let headers = await r.allHeaders();
    if (!('content-type' in headers) && r.request().resourceType() === 'script') {
      headerless.add(r.url());
      headers = (await request.head(r.url())).headers();
    }
    for (const [name, value] of Object.entries(PREVIEW_HEADERS)) expect(headers[name.toLowerCase()], `${name} on ${r.url()}`).toBe(value);
  }
  const scripts = [...new Set(seen.workers.map((u) => u.split('/').pop()))].join(', ');
  note('requests', `${urls.length} (${new Set(urls).size} distinct URLs), all on ${origin}`);
  note('workers', `${seen.workers.length} (${scripts}); worker scripts reported without headers: ${headerless.size}`);
}

/** Selects a provider, compares, and checks the summary; returns the agreement. */
async function compareOn(workbench: Workbench, id: ProviderId, images: number): Promise<number> {
  const compare = workbench.step('compare');
  const t0 = Date.now();
  await workbench.selectProvider(id);
  await workbench.compare();
  await expect(compare.getByTestId('comparison-summary')).toContainText(`Compared on ${images} image(s)`);
  const agreement = compare.getByTestId('top1-agreement');
  await expect(agreement).toHaveText(/^\d+\.\d%$/);
  note(`${id} top-1 agreement`, `${await agreement.innerText()} (compare: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return Number((await agreement.innerText()).replace('%', ''));
}

test('the sample under the CSP: calibrate, quantize, compare on WASM (N threads), latency on WebGPU', async ({ workbench, page, context, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const seen = await watch(page, context);

  await workbench.goto();
  // The detector works, and the policy is in force in the page: an inline script and a string of
  // code are refused, and reported by both policies, the header's and the meta's.
  await page.evaluate(tryEvalAndInline);
  await expect
    .poll(async () => (await seen.pageViolations()).map((v) => `${v.policy} ${v.directive} ${v.blocked}`).sort())
    .toEqual(['header script-src eval', 'header script-src-elem inline', 'meta script-src eval', 'meta script-src-elem inline']);
  await seen.clearPageViolations();

  await workbench.openSample();
  await workbench.calibrate();
  await workbench.buildInt8();

  // In a worker too (its policy comes from its own response's header; a meta reaches no worker):
  // a string of code is refused, and the worker's listener reports it on the console.
  const worker = page.workers().find((w) => /model\.worker/.test(w.url()));
  expect(worker, 'the model worker').toBeDefined();
  await worker!.evaluate(() => {
    // Run by the timer, outside this evaluation (DevTools' own evaluations may eval).
    (globalThis as unknown as { setTimeout(code: string, ms: number): number }).setTimeout('globalThis.__ran = true', 0);
  });
  await expect.poll(() => seen.consoleProblems.join('\n')).toMatch(/eval/);
  expect(await worker!.evaluate(() => (globalThis as unknown as { __ran?: boolean }).__ran)).toBeUndefined();
  seen.consoleProblems.length = 0;

  // WASM with N threads: onnxruntime's pthreads are workers of a worker, under the policy too.
  const wasm = await workbench.provider('wasm-n');
  expect(wasm.details).toMatch(/^\d+ threads$/);
  expect(await compareOn(workbench, 'wasm-n', 20)).toBeGreaterThanOrEqual(80);

  // WebGPU: a session and a run of each model (a comparison of SqueezeNet on this browser's software
  // adapter takes minutes; the next test compares on WebGPU with a small model).
  const webgpu = await workbench.provider('webgpu');
  note('WebGPU provider', `${webgpu.available ? 'available' : 'NOT available'}: ${webgpu.details}`);
  if (webgpu.available) {
    await workbench.selectProvider('webgpu');
    await workbench.measureLatency(1, { warmup: 0, expectRows: ['webgpu-fp32', 'webgpu-int8'] });
    await expect(workbench.step('compare').getByTestId('placement-int8')).toContainText(/INT8: \d+ node\(s\) fall back to the CPU/);
  } else {
    expect(webgpu.details).toMatch(/WebGPU/);
  }
  await expect(workbench.alerts()).toHaveCount(0);
  await expectClean(seen, origin, page.request);
});

test.describe('WebGPU', () => {
  let digits: Awaited<ReturnType<typeof tempDir>>;
  let files: string[] = [];

  test.beforeAll(async () => {
    digits = await tempDir('csp-mnist');
    const set = await readMnist(join(IMAGES, 'mnist'), { limit: 4 });
    files = await Promise.all(
      set.images.map(async (data, i) => {
        const path = join(digits.path, `digit-${i}-label-${set.labels[i]}.png`);
        await writePng(path, { width: set.width, height: set.height, data });
        return path;
      }),
    );
  });

  test.afterAll(async () => {
    await digits?.dispose();
  });

  test('MNIST under the CSP: calibrate, quantize, compare on WebGPU', async ({ workbench, page, context, baseURL }) => {
    const seen = await watch(page, context);
    await workbench.goto();
    await workbench.dropModel(model('mnist.onnx'));
    await workbench.choosePreset('raw');
    await workbench.drop('calibration', files);
    await expect(workbench.imageCount('calibration')).toHaveText(/^4 image\(s\)/);
    await workbench.calibrate();
    await workbench.buildInt8();
    const webgpu = await workbench.provider('webgpu');
    note('WebGPU provider', `${webgpu.available ? 'available' : 'NOT available'}: ${webgpu.details}`);
    test.skip(!webgpu.available, `no WebGPU adapter in this browser: ${webgpu.details}`);
    expect(await compareOn(workbench, 'webgpu', 4)).toBeGreaterThanOrEqual(50);
    await expect(workbench.alerts()).toHaveCount(0);
    await expectClean(seen, new URL(baseURL!).origin, page.request);
  });
});
