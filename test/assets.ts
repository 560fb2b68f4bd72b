/** Paths of the shared real test data (../shared/assets, see its MANIFEST.md). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const ASSETS = resolve(import.meta.dirname, '../../shared/assets');
export const MODELS = `${ASSETS}/models`;
export const IMAGES = `${ASSETS}/images`;
export const model = (name: string) => `${MODELS}/${name}`;

if (!existsSync(ASSETS)) {
  throw new Error(`Test assets not found at ${ASSETS}: clone the project with ../shared beside it.`);
}
