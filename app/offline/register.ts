/**
 * Registers the service worker the build writes (`<base>sw.js`, from app/offline/sw.js) so the
 * workbench works offline once loaded. Not in the dev server (Vite serves modules there, and a cache
 * would hide edits). A browser without service workers (or a page not served over http(s)) simply
 * stays online-only.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const base = import.meta.env.BASE_URL;
  navigator.serviceWorker.register(`${base}sw.js`, { scope: base }).catch((e: unknown) => {
    console.warn(`The offline cache could not be installed (${e instanceof Error ? e.message : String(e)}); the workbench needs the network.`);
  });
}
