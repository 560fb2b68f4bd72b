/**
 * A few lines over IndexedDB: one database, one object store of keyed records. Blobs and typed arrays
 * are stored as they are (structured clone), so a dropped model, its images and the calibration
 * statistics survive a reload without being read into memory first. `put` clones its value when it
 * is called, so a caller may transfer the buffers right after.
 */
const DB_NAME = 'zeropoint-session';
const STORE = 'records';

let opening: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB refused to open'));
    request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  }).catch((e: unknown) => {
    opening = null;
    throw e;
  });
  return opening;
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** Writes one record (the value is cloned now; the promise settles when it is on disk). */
export function put(key: string, value: unknown): Promise<void> {
  return open().then((db) => {
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(value, key);
    return done(tx);
  });
}

export async function getAll(keys: readonly string[]): Promise<Record<string, unknown>> {
  const db = await open();
  const tx = db.transaction(STORE, 'readonly');
  const store = tx.objectStore(STORE);
  const out: Record<string, unknown> = {};
  await Promise.all(
    keys.map(
      (key) =>
        new Promise<void>((resolve, reject) => {
          const r = store.get(key);
          r.onsuccess = () => {
            if (r.result !== undefined) out[key] = r.result;
            resolve();
          };
          r.onerror = () => reject(r.error ?? new Error(`IndexedDB could not read '${key}'`));
        }),
    ),
  );
  return out;
}

export async function remove(key: string): Promise<void> {
  const db = await open();
  const tx = db.transaction(STORE, 'readwrite');
  tx.objectStore(STORE).delete(key);
  return done(tx);
}

export async function clearAll(): Promise<void> {
  const db = await open();
  const tx = db.transaction(STORE, 'readwrite');
  tx.objectStore(STORE).clear();
  return done(tx);
}
