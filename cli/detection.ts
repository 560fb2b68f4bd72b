/**
 * Node glue for detection scoring: YOLO label folders beside image folders, and image folders as the
 * engine's DetectionSource (preprocessed feeds plus each image's decoded size, to map boxes back).
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import { ZeropointError } from '../workers/core/errors';
import { quote } from '../workers/core/intake/names';
import type { DetectionSource, LabelLookup } from '../workers/core/analysis/detection/evaluate';
import { parseYoloLabels, type YoloLabel } from '../workers/core/analysis/detection/labels';
import { constantFeeds, type FeedPlan } from '../workers/core/preprocess/feeds';
import { imageFeed } from '../workers/core/preprocess/image';
import type { PreprocessSpec } from '../workers/core/preprocess/spec';
import { nodeFileHost } from './fs-host';
import { decodeImageFile, type DecodeImageOptions } from './images';
import { readTextFile } from './pipeline';

/** Whether --labels names a folder (YOLO label files: detection) rather than a CSV (classification). */
export async function isLabelFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export interface LabelFolder {
  readonly lookup: LabelLookup;
  /** 1 + the largest class in the label files read. */
  readonly labelClasses: number;
  /** Images with a label file, and the names of those without one (images with no objects, YOLO's convention). */
  readonly labelled: number;
  readonly missing: readonly string[];
  /** Label files skipped: links that lead out of the folder, or entries that are not regular files. */
  readonly refused: readonly string[];
}

const stemOf = (path: string) => basename(path, extname(path));

/**
 * The label file of each image: `DIR/<path under the image folder, extension .txt>`, else
 * `DIR/<stem>.txt` (YOLO's labels/ beside images/). An image without one has no objects (YOLO's
 * convention), and is listed; no label file at all for any image is 'bad-labels'. A label file must
 * be a regular file inside DIR after resolving links.
 */
export async function readLabelFolder(dir: string, images: readonly string[], imageFolder: string): Promise<LabelFolder> {
  const root = await nodeFileHost.realpath(dir);
  if (root === undefined) throw new ZeropointError('io', `Cannot read labels folder ${quote(dir)}; check the path.`, { subject: dir });
  const labels: YoloLabel[][] = [];
  const missing: string[] = [];
  const refused: string[] = [];
  let labelClasses = 0;
  let labelled = 0;
  for (const image of images) {
    const rel = relative(imageFolder, image);
    const candidates = [join(dir, dirname(rel), `${stemOf(rel)}.txt`), join(dir, `${stemOf(image)}.txt`)];
    let found: string | undefined;
    for (const c of candidates) {
      const real = await nodeFileHost.realpath(c);
      if (real === undefined) continue;
      const entry = await nodeFileHost.stat(real);
      if (!nodeFileHost.isInside(root, real) || entry?.kind !== 'file') {
        refused.push(c);
        continue;
      }
      found = c;
      break;
    }
    if (found === undefined) {
      missing.push(image);
      labels.push([]);
      continue;
    }
    const parsed = parseYoloLabels(await readTextFile(found, 'labels file'), found);
    for (const l of parsed) labelClasses = Math.max(labelClasses, l.classId + 1);
    labels.push(parsed);
    labelled++;
  }
  if (labelled === 0) {
    const sample = images[0] ? ` (for ${quote(basename(images[0]))}: ${quote(join(dir, `${stemOf(images[0])}.txt`))})` : '';
    const txt = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.txt')).length;
    throw new ZeropointError('bad-labels', `No image of the ${images.length} has a YOLO label file in ${quote(dir)}${sample}; ${txt ? `the folder's ${txt} .txt files are named after other images: ` : ''}pass the labels folder of these images (one 'class cx cy w h' file per image, named as the image).`, { subject: dir });
  }
  return { lookup: (i) => labels[i] ?? [], labelClasses, labelled, missing, refused };
}

/** Image files decoded and preprocessed on demand, with their decoded size. */
export function detectionFolderSource(files: readonly string[], spec: PreprocessSpec, plan: FeedPlan, decode: DecodeImageOptions = {}): DetectionSource {
  return {
    count: files.length,
    label: (i) => files[i],
    async image(i) {
      const image = await decodeImageFile(files[i], decode);
      return { feeds: { ...constantFeeds(plan.constants), [plan.image.name]: imageFeed(image, spec, plan.image) }, size: { width: image.width, height: image.height } };
    },
  };
}
