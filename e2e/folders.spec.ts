/**
 * Whole folders as image sets, read recursively, with labels from class folders named by an ImageNet
 * wnid (optionally followed by text) or from a LABELS.csv. Two ways in, the same expectations:
 * - a real drop of the folder from disk (the browser's own drag-and-drop through CDP, so the page gets
 *   directory entries and walks them),
 * - the folder picker (<input webkitdirectory>), which gives files with relative paths.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CALIB, calibImages, copyInto, tempDir } from './assets';
import { expect, test, type ImageSet, type Workbench } from './fixtures';

let root: Awaited<ReturnType<typeof tempDir>>;

/** Relative path in the set -> expected class index ('' = unlabelled). */
const CLASS_FOLDERS: Record<string, string> = {
  // A folder named by a wnid and text: its images, whatever their names, are tench (class 0).
  'classes/n01440764_tench/tench-1.jpg': '0',
  'classes/n01440764_tench/tench-2.jpg': '0',
  'classes/n01440764_tench/tench-3.jpg': '0',
  // A bare wnid folder: the folder wins over a file name that starts with another class's wnid, and the
  // nearest wnid folder above a plain subfolder gives the class (goldfish, class 1).
  'classes/n01443537/n01491361_tiger_shark.JPEG': '1',
  'classes/n01443537/n01498041_stingray.JPEG': '1',
  'classes/n01443537/more/goldfish-3.jpg': '1',
};

const LABELS_CSV: Record<string, string> = {
  'labelled/cat.jpg': '281',
  'labelled/sub/ship.jpg': '510',
  'labelled/unlisted.jpg': '',
};

test.beforeAll(async () => {
  root = await tempDir('folders');
  const sources = await calibImages(9, 3);
  const files = [...Object.keys(CLASS_FOLDERS), ...Object.keys(LABELS_CSV)];
  await Promise.all(
    files.map((rel, i) => {
      // A name from imagenet-calib is that very image (its wnid must lose to the folder's); others are copies.
      const real = join(CALIB, basename(rel));
      return copyInto(existsSync(real) ? real : sources[i % sources.length], join(root.path, rel));
    }),
  );
  await writeFile(join(root.path, 'classes/README.txt'), 'Not an image: the app leaves it out and says so.\n');
  // Keyed by base name; a header line; an image without a line stays unlabelled.
  await writeFile(join(root.path, 'labelled/LABELS.csv'), 'file,class-index\ncat.jpg,281\nship.jpg,510\n');
});

test.afterAll(async () => {
  await root?.dispose();
});

async function expectSet(workbench: Workbench, set: ImageSet, expected: Record<string, string>, labelsFrom: string): Promise<void> {
  const labelled = Object.values(expected).filter((l) => l !== '').length;
  const total = Object.keys(expected).length;
  await expect(workbench.imageCount(set)).toHaveText(`${total} image(s), ${labelled} labelled (labels: ${labelsFrom})`);
  expect(await workbench.thumbnailLabels(set)).toEqual(expected);
  // The files are readable in the page: every thumbnail decodes.
  const images = workbench.page.getByTestId(`images-${set}`).getByTestId('thumbnail').locator('img');
  await expect(images).toHaveCount(total);
  for (const img of await images.all()) {
    await img.scrollIntoViewIfNeeded();
    await expect
      .poll(() =>
        img.evaluate((node) => {
          const image = node as unknown as { complete: boolean; naturalWidth: number };
          return image.complete ? image.naturalWidth : 0;
        }),
      )
      .toBeGreaterThan(0);
  }
}

const WAYS = [
  { way: 'dropped from disk (directory entries)', add: (w: Workbench, set: ImageSet, dir: string) => w.dropFromDisk(set, [dir]) },
  { way: 'picked with the folder picker', add: (w: Workbench, set: ImageSet, dir: string) => w.pickFolder(set, dir) },
] as const;

for (const { way, add } of WAYS) {
  test(`folders ${way}: class folders and LABELS.csv give labels`, async ({ workbench, page }) => {
    await workbench.goto();
    const before = (await workbench.drops()).length;

    // Class folders, recursively; the README is left out and listed.
    await add(workbench, 'calibration', join(root.path, 'classes'));
    await expectSet(workbench, 'calibration', CLASS_FOLDERS, 'class folders / file names');
    await expect(page.getByTestId('images-calibration-left-out')).toContainText('classes/README.txt');

    // A folder with a LABELS.csv (in the folder itself, images also in a subfolder).
    await add(workbench, 'evaluation', join(root.path, 'labelled'));
    await expectSet(workbench, 'evaluation', LABELS_CSV, 'LABELS.csv');
    await expect(page.getByTestId('images-evaluation-left-out')).toHaveCount(0);

    const drops = (await workbench.drops()).slice(before);
    if (way.startsWith('dropped')) {
      // Two trusted drop events, one per zone (a folder's DataTransfer lists no loose files).
      expect(drops.map((d) => [d.target, d.trusted])).toEqual([
        ['drop-calibration', true],
        ['drop-evaluation', true],
      ]);
    } else {
      expect(drops).toEqual([]);
    }
    await expect(workbench.alerts()).toHaveCount(0);
    await workbench.screenshot(`folders-${way.startsWith('dropped') ? 'drop' : 'picker'}`, 'data');
  });
}

test('a dropped folder calibrates the sample model', async ({ workbench, page }) => {
  await workbench.goto();
  await workbench.openSample();
  await workbench.clearImages('calibration');
  await workbench.dropFromDisk('calibration', [join(root.path, 'classes')]);
  await expect(workbench.imageCount('calibration')).toHaveText(/^6 image\(s\), 6 labelled/);
  await workbench.calibrate();
  await expect(page.getByTestId('calibration-result')).toContainText('Calibrated on 6 image(s)');
  await expect(workbench.alerts()).toHaveCount(0);
});
