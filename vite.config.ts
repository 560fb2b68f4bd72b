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
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  // Same-origin only: every file the app loads comes from its own origin.
  'Cross-Origin-Resource-Policy': 'same-origin',
};

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
        for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
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

export default defineConfig({
  plugins: [ortWasm()],
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
    headers: ISOLATION_HEADERS,
  },
  preview: {
    headers: ISOLATION_HEADERS,
  },
  build: {
    target: 'es2023',
    // The ORT glue and binary are copied as they are; the app chunks stay small.
    chunkSizeWarningLimit: 1024,
  },
});
