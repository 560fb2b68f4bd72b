/**
 * The MNIST test set from its gzipped IDX files (t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz).
 * IDX: big-endian uint32 magic (0x00000803 images, 0x00000801 labels), then the count, then rows and
 * columns for images; then the bytes. Images are 28x28 gray, 0 = background, 255 = ink.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ZeropointError } from '../workers/core/errors';

export interface MnistSet {
  /** width*height bytes each, views into one buffer. */
  readonly images: Uint8Array[];
  readonly labels: number[];
  readonly width: number;
  readonly height: number;
}

export const MNIST_IMAGES_FILE = 't10k-images-idx3-ubyte.gz';
export const MNIST_LABELS_FILE = 't10k-labels-idx1-ubyte.gz';

async function readIdx(path: string, magic: number, code: 'bad-image' | 'bad-labels'): Promise<{ dims: number[]; body: Uint8Array }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new ZeropointError('io', `Cannot read MNIST file '${path}': ${e instanceof Error ? e.message : String(e)}; check the folder.`, { subject: path, cause: e });
  }
  try {
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  } catch (e) {
    throw new ZeropointError(code, `Cannot unzip MNIST file '${path}': ${e instanceof Error ? e.message : String(e)}; download it again.`, { subject: path, cause: e });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rank = magic & 0xff;
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize || view.getUint32(0) !== magic) {
    const found = bytes.length >= 4 ? `0x${view.getUint32(0).toString(16).padStart(8, '0')}` : 'nothing';
    throw new ZeropointError(code, `'${path}' is not an IDX file with magic 0x${magic.toString(16).padStart(8, '0')} (found ${found}); use the official MNIST .gz files.`, { subject: path });
  }
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length < headerSize + size) {
    throw new ZeropointError(code, `MNIST file '${path}' is truncated: ${bytes.length - headerSize} of ${size} data bytes; download it again.`, { subject: path });
  }
  return { dims, body: bytes.subarray(headerSize, headerSize + size) };
}

/** Reads the MNIST test set from `dir` (the folder holding the two .gz files). `limit` keeps the first N. */
export async function readMnist(dir: string, options: { limit?: number } = {}): Promise<MnistSet> {
  const [imgs, lbls] = await Promise.all([
    readIdx(join(dir, MNIST_IMAGES_FILE), 0x00000803, 'bad-image'),
    readIdx(join(dir, MNIST_LABELS_FILE), 0x00000801, 'bad-labels'),
  ]);
  const [count, height, width] = imgs.dims;
  if (lbls.dims[0] !== count) {
    throw new ZeropointError('bad-labels', `MNIST labels in '${dir}' count ${lbls.dims[0]} but images count ${count}; use matching files.`, { subject: dir });
  }
  const n = options.limit !== undefined ? Math.min(count, Math.max(0, options.limit)) : count;
  const pixels = width * height;
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    images.push(imgs.body.subarray(i * pixels, (i + 1) * pixels));
    labels.push(lbls.body[i]);
  }
  return { images, labels, width, height };
}
