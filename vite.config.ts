/**
 * The workbench build. Three things matter beyond a plain React app:
 *
 * 1. Cross-origin isolation (COOP same-origin + COEP require-corp) in dev AND preview, so
 *    SharedArrayBuffer exists and onnxruntime-web can run WASM threads.
 * 2. onnxruntime-web's WASM files. We resolve `onnxruntime-web/webgpu` with the package's
 *    `onnxruntime-web-use-extern-wasm` export condition, i.e. the build WITHOUT the glue module
 *    inlined, and serve the glue (.mjs) and the binary (.wasm) ourselves under `<base>ort/`: copied
 *    into the build, served from node_modules in dev. The workers set `ort.env.wasm.wasmPaths` to that
 *    folder (the app passes it in each worker's init call), so the same URL works in dev, preview and
 *    any static host, and no 27 MB binary goes through the bundler.
 * 3. JSX with Vite's built-in (oxc) transform and React's automatic runtime: no React plugin.
 * 4. A strict Content-Security-Policy (CONTENT_SECURITY_POLICY below, the one source of the policy),
 *    sent with X-Content-Type-Options and Referrer-Policy by both servers, and written into the built
 *    index.html as a <meta> for static hosts that send no headers.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  // Same-origin only: every file the app loads comes from its own origin.
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The app's Content-Security-Policy, directive by directive: everything from its own origin, nothing
 * inline, no eval. The loosenings, each needed by something the app does:
 * - script-src 'wasm-unsafe-eval': onnxruntime-web compiles its .wasm (WebAssembly.instantiate); JS
 *   eval and new Function stay blocked.
 * - img-src blob: the thumbnails of dropped images are object URLs; data: the empty favicon.
 * Workers (the app's own and onnxruntime's pthreads) are same-origin module scripts, so worker-src
 * needs no blob:, and connect-src no blob: or data: (images reach the workers as Blobs, not URLs).
 * Styles are one stylesheet; React sets style attributes through the CSSOM, which CSP does not
 * govern, so style-src needs no 'unsafe-inline'.
 */
const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'worker-src': ["'self'"],
  'connect-src': ["'self'"],
  'img-src': ["'self'", 'blob:', 'data:'],
  'style-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
} as const satisfies Record<string, readonly string[]>;
type Directives = Record<string, readonly string[]>;

const serialize = (d: Directives): string =>
  Object.entries(d)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');

/** The policy the preview server (and any static host) sends as a header, for the page and every worker. */
export const CONTENT_SECURITY_POLICY = serialize(CSP_DIRECTIVES);

/**
 * The same policy for the built index.html's <meta>: without frame-ancestors, which browsers ignore
 * (and warn about) in a meta element. A meta tag governs the page only, not its workers, and cannot
 * stop framing: the header is the real policy, the meta a floor for hosts that send no headers.
 */
export const META_CONTENT_SECURITY_POLICY = serialize(Object.fromEntries(Object.entries(CSP_DIRECTIVES).filter(([k]) => k !== 'frame-ancestors')));

/**
 * Dev only (`vite`, never the build): Vite's client injects each CSS module as an inline <style>
 * element, so style-src adds 'unsafe-inline'. Its HMR WebSocket is same-origin ('self' covers ws:).
 */
const DEV_CONTENT_SECURITY_POLICY = serialize({ ...CSP_DIRECTIVES, 'style-src': ["'self'", "'unsafe-inline'"] });

const securityHeaders = (csp: string) => ({
  ...ISOLATION_HEADERS,
  'Content-Security-Policy': csp,
  // Scripts, workers and the .wasm are only run when served with their own MIME type.
  'X-Content-Type-Options': 'nosniff',
  // The app makes no off-origin requests; none of them would need to say where they came from.
  'Referrer-Policy': 'no-referrer',
});
/** What `vite preview` sends with every file (and what a production host should send). */
export const PREVIEW_HEADERS = securityHeaders(CONTENT_SECURITY_POLICY);
const DEV_HEADERS = securityHeaders(DEV_CONTENT_SECURITY_POLICY);

const ORT_DIST = resolve(import.meta.dirname, 'node_modules/onnxruntime-web/dist');
/** The variant `onnxruntime-web/webgpu` loads (WASM + the native WebGPU provider, asyncify build). */
export const ORT_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'] as const;
const ORT_URL_DIR = 'ort/';

function ortWasm(): Plugin {
  let base = '/';
  return {
    name: 'zeropoint:ort-wasm',
    configResolved(config) {
      base = config.base;
    },
    configureServer(server) {
      const prefix = `${base}${ORT_URL_DIR}`;
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0];
        const file = path.startsWith(prefix) ? path.slice(prefix.length) : '';
        if (!(ORT_FILES as readonly string[]).includes(file)) return next();
        const full = resolve(ORT_DIST, file);
        res.setHeader('Content-Type', file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        res.setHeader('Content-Length', String(statSync(full).size));
        for (const [k, v] of Object.entries(DEV_HEADERS)) res.setHeader(k, v);
        createReadStream(full).pipe(res);
      });
    },
    generateBundle() {
      for (const file of ORT_FILES) {
        this.emitFile({ type: 'asset', fileName: `${ORT_URL_DIR}${file}`, source: readFileSync(resolve(ORT_DIST, file)) });
      }
    },
  };
}

/** Every file under a folder, as paths relative to it with '/' separators. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = resolve(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(relative(dir, full).split('\\').join('/'));
    }
  };
  walk(dir);
  return out;
}

/**
 * The build writes `sw.js` (from app/offline/sw.js): a service worker that caches every file of the
 * build (the bundle, onnxruntime-web's files, public/ with the sample) so the workbench works offline
 * once loaded. Same origin, no inline code: the CSP allows it as it is ('self'). Its version is a hash
 * of the file list and the bundle's contents, so each build replaces the last one's cache.
 */
function serviceWorker(): Plugin {
  let publicDir = '';
  return {
    name: 'zeropoint:service-worker',
    apply: 'build',
    configResolved(config) {
      publicDir = config.publicDir;
    },
    generateBundle(_options, bundle) {
      const files = ['', ...Object.keys(bundle).filter((f) => f !== 'index.html' && !f.endsWith('.map')), ...(publicDir ? filesUnder(publicDir) : [])];
      const hash = createHash('sha256');
      for (const name of Object.keys(bundle).sort()) {
        const item = bundle[name];
        hash.update(name);
        hash.update(item.type === 'chunk' ? item.code : typeof item.source === 'string' ? item.source : Buffer.from(item.source));
      }
      for (const f of files) hash.update(f);
      const template = readFileSync(resolve(import.meta.dirname, 'app/offline/sw.js'), 'utf8');
      const source = template.replace("'__ZEROPOINT_VERSION__'", JSON.stringify(hash.digest('hex').slice(0, 16))).replace('__ZEROPOINT_PRECACHE__', JSON.stringify([...new Set(files)].sort()));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

/** The built index.html gets the policy as its first element after <meta charset>, before any script or style. */
function cspMeta(): Plugin {
  return {
    name: 'zeropoint:csp-meta',
    apply: 'build',
    transformIndexHtml(html) {
      const charset = /<meta charset="[^"]*"\s*\/?>/i;
      if (!charset.test(html)) throw new Error('index.html has no <meta charset>: the CSP meta goes after it');
      return html.replace(charset, (m) => `${m}\n    <meta http-equiv="Content-Security-Policy" content="${META_CONTENT_SECURITY_POLICY}" />`);
    },
  };
}

export default defineConfig({
  plugins: [ortWasm(), cspMeta(), serviceWorker()],
  resolve: {
    // 'onnxruntime-web/webgpu' -> dist/ort.webgpu.min.mjs (glue and binary loaded from wasmPaths).
    conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
  },
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'react' },
  },
  optimizeDeps: {
    exclude: ['onnxruntime-web'],
  },
  worker: {
    format: 'es',
  },
  server: {
    headers: DEV_HEADERS,
  },
  preview: {
    headers: PREVIEW_HEADERS,
  },
  build: {
    target: 'es2023',
    // The ORT glue and binary are copied as they are; the app chunks stay small.
    chunkSizeWarningLimit: 1024,
  },
});
