/*
 * Zeropoint's service worker: the workbench offline once it has loaded.
 *
 * The build (vite.config.ts, serviceWorker()) writes this file to `<base>sw.js` with the list of every
 * file of the build: the app's scripts and styles, onnxruntime-web's glue and .wasm, the embedded
 * sample and the class list. Installing caches them all; the page and its workers then load from the
 * cache when the network is gone.
 *
 * - Navigations: network first (a new version shows up when online), the cached page when offline.
 * - Everything else of this origin: the cache first, else the network (and what it returns is kept).
 * - Cached responses are the server's own, headers included: COOP/COEP/CORP (cross-origin isolation
 *   for WASM threads) and the Content-Security-Policy survive a response from the cache.
 * - Other origins are never touched (the app makes no such requests).
 * A new build has a new VERSION: its worker installs beside the old one, takes over, and deletes the
 * old cache.
 */
/* global self, caches, fetch, URL, Response */
const VERSION = '__ZEROPOINT_VERSION__';
const PRECACHE = __ZEROPOINT_PRECACHE__;
const CACHE = `zeropoint-${VERSION}`;
const SCOPE = new URL('./', self.location.href).href;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(PRECACHE.map((path) => new URL(path, SCOPE).href));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith('zeropoint-') && key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

async function fromCache(request) {
  const cache = await caches.open(CACHE);
  return cache.match(request, { ignoreVary: true });
}

async function navigate(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(CACHE);
      await cache.put(SCOPE, response.clone());
    }
    return response;
  } catch (e) {
    const cached = (await fromCache(request)) ?? (await fromCache(SCOPE));
    if (cached) return cached;
    throw e;
  }
}

async function cacheFirst(request) {
  const cached = await fromCache(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') {
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !request.url.startsWith(SCOPE)) return;
  // Range requests (media) and the dev server's module graph are not this worker's business.
  if (request.headers.has('range')) return;
  event.respondWith(request.mode === 'navigate' ? navigate(request) : cacheFirst(request));
});
