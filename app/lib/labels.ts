/**
 * Class labels for images: a LABELS.csv (`file,class-index`, header allowed, keyed by base name), or
 * the class from a folder name or file name that starts with an ImageNet wnid (n01440764...), whose
 * index is its line in imagenet_synset_ort.txt (0-based), or a folder named by the index itself.
 * Pure functions: no DOM, no fetch.
 */
import { ZeropointError } from '../../workers/core/errors';

const WNID = /^(n\d{8})(?![0-9])/;

export const baseName = (path: string): string => path.split(/[\\/]/).pop() ?? path;

/** `file,class-index` lines; a first line that is not numeric is a header. Throws 'bad-labels'. */
export function parseLabelsCsv(text: string, source: string): Map<string, number> {
  const labels = new Map<string, number>();
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const [file, cls] = trimmed.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
    const value = Number(cls);
    if (!file || cls === undefined || cls === '' || !Number.isInteger(value) || value < 0) {
      if (i === 0) return; // header
      throw new ZeropointError('bad-labels', `Line ${i + 1} of '${source}' is '${trimmed}'; expected 'file,class-index' with a whole number, such as 'cat.jpg,281'.`, { subject: source });
    }
    labels.set(baseName(file), value);
  });
  if (labels.size === 0) throw new ZeropointError('bad-labels', `'${source}' has no 'file,class-index' lines; write one line per image, such as 'cat.jpg,281'.`, { subject: source });
  return labels;
}

export interface Synsets {
  readonly wnids: readonly string[];
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
}

/** imagenet_synset_ort.txt: one `wnid name, other names` per line, in class-index order. */
export function parseSynsets(text: string): Synsets {
  const wnids: string[] = [];
  const names: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^(n\d{8})\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    wnids.push(m[1]);
    names.push(m[2].split(',')[0].trim());
  }
  return { wnids, names, index: new Map(wnids.map((w, i) => [w, i])) };
}

/** True when a path carries a class in its folder or file name (so synsets are worth loading). */
export function hasClassHint(path: string): boolean {
  const parts = path.split(/[\\/]/);
  return parts.some((p) => WNID.test(p)) || (parts.length > 1 && /^\d+$/.test(parts[parts.length - 2]));
}

/**
 * The class of an image from its path: the nearest parent folder named by a wnid (optionally followed
 * by more text, e.g. 'n01440764_tench') or by a class index, else a file name starting with a wnid.
 */
export function labelFromPath(path: string, synsets: Synsets | null): number | null {
  const parts = path.split(/[\\/]/);
  const file = parts.pop() ?? '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const folder = parts[i];
    if (/^\d+$/.test(folder)) return Number(folder);
    const m = WNID.exec(folder);
    if (m && synsets?.index.has(m[1])) return synsets.index.get(m[1])!;
  }
  const m = WNID.exec(file);
  if (m && synsets?.index.has(m[1])) return synsets.index.get(m[1])!;
  return null;
}
