/**
 * Pixels -> tensor (and back, for display), the one definition used by the browser and by Node.
 * Decoding is the host's job (cli/images.ts, workers/decode-image.ts); this file starts from RGBA 8-bit.
 *
 * RESIZE FILTER. Separable resampling with an antialiased bilinear ("triangle") filter, the definition
 * of Pillow's Image.resize(..., BILINEAR) and of torchvision's resize with antialias=True (which ports
 * Pillow's code), computed in float on 0..255 values without Pillow's 8-bit rounding in between:
 *
 *   for an axis resized from `inSize` to `outSize`: scale = inSize / outSize,
 *   filterScale = max(scale, 1)         (the kernel widens only when downscaling: antialiasing),
 *   support = 1 * filterScale           (triangle: tri(t) = max(0, 1 - |t|)),
 *   output pixel i has its center at   c = (i + 0.5) * scale       (half-pixel centers),
 *   taps are input pixels x in [trunc(c - support + 0.5), trunc(c + support + 0.5)) clipped to the image,
 *   w(x) = tri((x + 0.5 - c) / filterScale), normalized to sum to 1 (so edges renormalize, no clamping).
 *
 * Upscaling is therefore plain bilinear interpolation with half-pixel centers; downscaling by k averages
 * about 2k input pixels with triangle weights. Horizontal pass first, then vertical, as Pillow does.
 * Weights are computed once per axis and only for the output pixels that survive the crop; only the
 * input rows those outputs need are filtered.
 *
 * GEOMETRY (`placement`):
 *   stretch:     resize to W x H ignoring aspect.
 *   center-crop: torchvision Resize(round(size / cropRatio)) + CenterCrop(size): the short side becomes
 *                S = round(size / cropRatio) and the long side floor(S * long / short) (256x341 for a
 *                500x375 image and size 224); the crop starts at round_half_even((resized - size) / 2),
 *                Python's round. For a non-square input the image is scaled to cover
 *                round(W / cropRatio) x round(H / cropRatio) the same way.
 *   letterbox:   Ultralytics LetterBox: r = min(W / w, H / h), resized to round(w r) x round(h r), placed at
 *                floor((W - w')/2), floor((H - h')/2) ('center') or at 0,0 ('top-left'); the rest is `pad`.
 *
 * COLOUR. A pixel with alpha < 255 is composited over black (RGB x alpha / 255) first: a browser canvas
 * keeps premultiplied colour, so that is the only colour both hosts can agree on. Gray is ITU-R 601 luma
 * 0.299 R + 0.587 G + 0.114 B (Pillow's convert('L') without its rounding).
 */
import { ZeropointError } from '../errors';
import { DataType } from '../onnx/types';
import type { RunnerTensor } from '../runner';
import { DEFAULT_FOURTH_CHANNEL, validateSpec, type InputGeometry, type PreprocessSpec } from './spec';

/** A decoded image: width * height RGBA pixels, 8 bits each, not premultiplied, row-major. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/**
 * Maps a point in model-input pixel coordinates (0..W, 0..H, edges not centers) back to the original
 * image: origX = x * scaleX + offsetX, origY = y * scaleY + offsetY (see toImageCoords).
 * `scale` is the aspect-preserving factor (original pixels per model pixel) of letterbox and
 * center-crop (for 'stretch', the geometric mean of the two axes); scaleX/scaleY are exact per axis,
 * since rounding the resized size makes them differ slightly.
 */
export interface ImageTransform {
  readonly scale: number;
  readonly scaleX: number;
  readonly scaleY: number;
  readonly offsetX: number;
  readonly offsetY: number;
}

export interface ImageTensor {
  /**
   * float32 values; dims [1, C, H, W] (nchw) or [1, H, W, C] (nhwc), C the INPUT's channels: a
   * 4-channel input gets the spec's 3 colour channels and a fourth filled with geometry.fourthChannel.
   */
  readonly data: Float32Array;
  readonly dims: number[];
  readonly transform: ImageTransform;
}

/** Where the image goes: resized to resizedWidth x resizedHeight, cropped at (cropX, cropY), placed at (x, y). */
export interface Placement {
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /** Top-left of the part kept from the resized image (center-crop), else 0. */
  readonly cropX: number;
  readonly cropY: number;
  /** Where that part lands in the model input (letterbox padding), else 0. */
  readonly x: number;
  readonly y: number;
  /** Size of the part written from the image; the rest of the input is padding. */
  readonly width: number;
  readonly height: number;
  readonly transform: ImageTransform;
}

export function toImageCoords(t: ImageTransform, x: number, y: number): [number, number] {
  return [x * t.scaleX + t.offsetX, y * t.scaleY + t.offsetY];
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export function placement(srcWidth: number, srcHeight: number, spec: PreprocessSpec, geometry: InputGeometry): Placement {
  const W = geometry.width;
  const H = geometry.height;
  let rw: number;
  let rh: number;
  let cropX = 0;
  let cropY = 0;
  let x = 0;
  let y = 0;
  let scale: number;
  if (spec.resize === 'stretch') {
    rw = W;
    rh = H;
    scale = Math.sqrt((srcWidth / W) * (srcHeight / H));
  } else if (spec.resize === 'center-crop') {
    const sw = roundHalfEven(W / spec.cropRatio);
    const sh = roundHalfEven(H / spec.cropRatio);
    if (sw / srcWidth >= sh / srcHeight) {
      rw = sw;
      rh = Math.max(sh, Math.floor((sw * srcHeight) / srcWidth));
      scale = srcWidth / rw;
    } else {
      rh = sh;
      rw = Math.max(sw, Math.floor((sh * srcWidth) / srcHeight));
      scale = srcHeight / rh;
    }
    cropX = roundHalfEven((rw - W) / 2);
    cropY = roundHalfEven((rh - H) / 2);
  } else {
    const r = Math.min(W / srcWidth, H / srcHeight);
    rw = Math.min(W, Math.max(1, roundHalfEven(srcWidth * r)));
    rh = Math.min(H, Math.max(1, roundHalfEven(srcHeight * r)));
    if (spec.align === 'center') {
      x = Math.floor((W - rw) / 2);
      y = Math.floor((H - rh) / 2);
    }
    scale = 1 / r;
  }
  const scaleX = srcWidth / rw;
  const scaleY = srcHeight / rh;
  return {
    resizedWidth: rw,
    resizedHeight: rh,
    cropX,
    cropY,
    x,
    y,
    width: Math.min(W, rw),
    height: Math.min(H, rh),
    transform: { scale, scaleX, scaleY, offsetX: (cropX - x) * scaleX, offsetY: (cropY - y) * scaleY },
  };
}

/** Filter taps for output pixels first..first+count-1 of an axis resized inSize -> outSize. */
interface AxisFilter {
  readonly starts: Int32Array;
  readonly counts: Int32Array;
  /** count * ksize weights; tap k of output i is weights[i * ksize + k]. */
  readonly weights: Float64Array;
  readonly ksize: number;
  /** Input range [lo, hi) touched by any tap. */
  readonly lo: number;
  readonly hi: number;
}

function axisFilter(inSize: number, outSize: number, first: number, count: number): AxisFilter {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // triangle support 1, widened when downscaling
  const ksize = Math.ceil(support) * 2 + 1;
  const inv = 1 / filterScale;
  const starts = new Int32Array(count);
  const counts = new Int32Array(count);
  const weights = new Float64Array(count * ksize);
  let lo = inSize;
  let hi = 0;
  for (let i = 0; i < count; i++) {
    const center = (first + i + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5));
    const base = i * ksize;
    let total = 0;
    let firstNz = -1;
    let lastNz = -1;
    for (let k = 0; k < xmax - xmin; k++) {
      const t = Math.abs((xmin + k + 0.5 - center) * inv);
      const w = t < 1 ? 1 - t : 0;
      weights[base + k] = w;
      total += w;
      if (w !== 0) {
        if (firstNz < 0) firstNz = k;
        lastNz = k;
      }
    }
    if (firstNz < 0) {
      // Cannot happen for valid sizes; keep the nearest pixel rather than divide by zero.
      firstNz = lastNz = 0;
      weights[base] = 1;
      total = 1;
    }
    const n = lastNz - firstNz + 1;
    for (let k = 0; k < n; k++) weights[base + k] = weights[base + firstNz + k] / total;
    for (let k = n; k < ksize; k++) weights[base + k] = 0;
    starts[i] = xmin + firstNz;
    counts[i] = n;
    if (starts[i] < lo) lo = starts[i];
    if (starts[i] + n > hi) hi = starts[i] + n;
  }
  return { starts, counts, weights, ksize, lo, hi };
}

export interface ImageToTensorOptions {
  /** Write into this buffer (a batch) at `offset` elements instead of allocating. */
  readonly out?: Float32Array;
  readonly offset?: number;
}

/**
 * Preprocesses one RGBA image for a model input. The spec must be resolved for this geometry (same
 * channel count and layout). Throws 'bad-image' for inconsistent pixel data and 'bad-spec' for a spec
 * that does not fit the input.
 */
export function imageToTensor(image: RgbaImage, spec: PreprocessSpec, geometry: InputGeometry, options: ImageToTensorOptions = {}): ImageTensor {
  const { width: w, height: h, data: src } = image;
  if (!(Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0) || src.length !== w * h * 4) {
    throw new ZeropointError('bad-image', `Image pixels do not match its size ${w}x${h} (${src.length} bytes for ${w * h * 4} expected); decode it again as RGBA.`);
  }
  validateSpec(spec, geometry.channels);
  if (spec.layout !== geometry.layout) {
    throw new ZeropointError(
      'bad-spec',
      `Spec layout '${spec.layout}' does not match the '${geometry.layout}' layout of model input '${geometry.name}'; remove "layout" from the spec.`,
      { subject: 'layout' },
    );
  }
  const W = geometry.width;
  const H = geometry.height;
  /** Colour channels from the image; TC, the tensor's, adds the constant fourth one. */
  const C = spec.color === 'gray' ? 1 : 3;
  const TC = geometry.channels === 4 ? 4 : C;
  const size = TC * H * W;
  const offset = options.offset ?? 0;
  let out: Float32Array;
  if (options.out) {
    if (offset < 0 || offset + size > options.out.length) {
      throw new ZeropointError('bad-option', `The output buffer has ${options.out.length} elements, too few for ${size} at offset ${offset}; allocate batch x ${size}.`);
    }
    out = options.out.subarray(offset, offset + size);
  } else {
    out = new Float32Array(size);
  }

  const place = placement(w, h, spec, geometry);
  const outW = place.width;
  const outH = place.height;
  const hf = axisFilter(w, place.resizedWidth, place.cropX, outW);
  const vf = axisFilter(h, place.resizedHeight, place.cropY, outH);
  const y0 = vf.lo;
  const rows = vf.hi - vf.lo;

  // Source pixels: the RGBA bytes directly, or a float plane (gray, or colour composited over black).
  let opaque = true;
  for (let i = 3; i < src.length; i += 4) {
    if (src[i] !== 255) {
      opaque = false;
      break;
    }
  }
  let plane: Float32Array | undefined;
  if (C === 1 || !opaque) {
    plane = new Float32Array(rows * w * C);
    const start = y0 * w * 4;
    const n = rows * w;
    if (C === 1) {
      for (let p = 0, s = start; p < n; p++, s += 4) {
        const l = 0.299 * src[s] + 0.587 * src[s + 1] + 0.114 * src[s + 2];
        plane[p] = opaque ? l : (l * src[s + 3]) / 255;
      }
    } else {
      for (let p = 0, s = start; p < n; p++, s += 4) {
        const a = src[s + 3] / 255;
        plane[p * 3] = src[s] * a;
        plane[p * 3 + 1] = src[s + 1] * a;
        plane[p * 3 + 2] = src[s + 2] * a;
      }
    }
  }

  // Horizontal pass: rows [y0, y0 + rows) -> tmp, outW pixels of C interleaved channels.
  const rowLen = outW * C;
  const tmp = new Float32Array(rows * rowLen);
  const { starts: hs, counts: hc, weights: hw, ksize: hk } = hf;
  if (plane === undefined) {
    for (let r = 0; r < rows; r++) {
      const rowBase = (y0 + r) * w * 4;
      let o = r * rowLen;
      for (let j = 0; j < outW; j++) {
        let s = rowBase + hs[j] * 4;
        const wb = j * hk;
        const n = hc[j];
        let r0 = 0;
        let g0 = 0;
        let b0 = 0;
        for (let k = 0; k < n; k++, s += 4) {
          const wk = hw[wb + k];
          r0 += wk * src[s];
          g0 += wk * src[s + 1];
          b0 += wk * src[s + 2];
        }
        tmp[o++] = r0;
        tmp[o++] = g0;
        tmp[o++] = b0;
      }
    }
  } else if (C === 3) {
    for (let r = 0; r < rows; r++) {
      const rowBase = r * w * 3;
      let o = r * rowLen;
      for (let j = 0; j < outW; j++) {
        let s = rowBase + hs[j] * 3;
        const wb = j * hk;
        const n = hc[j];
        let r0 = 0;
        let g0 = 0;
        let b0 = 0;
        for (let k = 0; k < n; k++, s += 3) {
          const wk = hw[wb + k];
          r0 += wk * plane[s];
          g0 += wk * plane[s + 1];
          b0 += wk * plane[s + 2];
        }
        tmp[o++] = r0;
        tmp[o++] = g0;
        tmp[o++] = b0;
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const rowBase = r * w;
      let o = r * rowLen;
      for (let j = 0; j < outW; j++) {
        const s = rowBase + hs[j];
        const wb = j * hk;
        const n = hc[j];
        let v = 0;
        for (let k = 0; k < n; k++) v += hw[wb + k] * plane[s + k];
        tmp[o++] = v;
      }
    }
  }

  // Normalization per tensor channel: value = pixel * a + b; source channel c goes to tensor channel tc.
  const a = new Float64Array(C);
  const b = new Float64Array(C);
  const tensorChannel = new Int32Array(C);
  for (let c = 0; c < C; c++) {
    const tc = spec.color === 'bgr' ? 2 - c : c;
    tensorChannel[c] = tc;
    a[tc] = spec.scale / spec.std[tc];
    b[tc] = -spec.mean[tc] / spec.std[tc];
  }
  const nchw = spec.layout === 'nchw';
  const plane2 = H * W;
  if (outW < W || outH < H) {
    // Letterbox: fill with the normalized pad value, then write the image over it.
    for (let tc = 0; tc < C; tc++) {
      const v = spec.pad * a[tc] + b[tc];
      if (nchw) out.fill(v, tc * plane2, (tc + 1) * plane2);
      else for (let p = tc; p < size; p += TC) out[p] = v;
    }
  }
  if (TC === 4) {
    // The constant channel covers the whole input, padding included.
    const v = geometry.fourthChannel ?? DEFAULT_FOURTH_CHANNEL;
    if (nchw) out.fill(v, 3 * plane2, 4 * plane2);
    else for (let p = 3; p < size; p += 4) out[p] = v;
  }

  // Vertical pass, straight into the tensor.
  const acc = new Float64Array(rowLen);
  const { starts: vs, counts: vc, weights: vw, ksize: vk } = vf;
  for (let i = 0; i < outH; i++) {
    acc.fill(0);
    const n = vc[i];
    for (let k = 0; k < n; k++) {
      const wk = vw[i * vk + k];
      const base = (vs[i] + k - y0) * rowLen;
      for (let j = 0; j < rowLen; j++) acc[j] += wk * tmp[base + j];
    }
    const ty = place.y + i;
    if (nchw) {
      for (let c = 0; c < C; c++) {
        const tc = tensorChannel[c];
        const ac = a[tc];
        const bc = b[tc];
        const o = tc * plane2 + ty * W + place.x;
        for (let j = 0, q = c; j < outW; j++, q += C) out[o + j] = acc[q] * ac + bc;
      }
    } else {
      const o = (ty * W + place.x) * TC;
      for (let j = 0; j < outW; j++) {
        for (let c = 0; c < C; c++) {
          const tc = tensorChannel[c];
          out[o + j * TC + tc] = acc[j * C + c] * a[tc] + b[tc];
        }
      }
    }
  }

  return { data: out, dims: nchw ? [1, TC, H, W] : [1, H, W, TC], transform: place.transform };
}

/**
 * One image as the feed of its input, in the input's element type: float32 (the host converts float16),
 * or for a UINT8 input the values rounded to whole numbers and clamped to 0..255 (use a spec with scale 1
 * and mean 0, std 1: the 'raw' preset).
 */
export function imageFeed(image: RgbaImage, spec: PreprocessSpec, geometry: InputGeometry): RunnerTensor {
  const t = imageToTensor(image, spec, geometry);
  if (geometry.elemType !== DataType.UINT8) return { type: 'float32', dims: t.dims, data: t.data };
  const bytes = new Uint8Array(t.data.length);
  for (let i = 0; i < bytes.length; i++) {
    const v = Math.round(t.data[i]);
    bytes[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { type: 'uint8', dims: t.dims, data: bytes };
}

/**
 * Undoes normalization, colour order and layout: the model input as a picture (RGBA, opaque), so a
 * wrong channel order or mean is visible. Values are clamped to 0..255. Reads the first image of `data`.
 */
export function tensorToImage(tensor: { readonly data: Float32Array } | Float32Array, spec: PreprocessSpec, geometry: InputGeometry): RgbaImage & { data: Uint8ClampedArray } {
  const data = tensor instanceof Float32Array ? tensor : tensor.data;
  const W = geometry.width;
  const H = geometry.height;
  const C = spec.color === 'gray' ? 1 : geometry.channels === 4 ? 4 : 3;
  if (data.length < C * H * W) {
    throw new ZeropointError('bad-option', `The tensor has ${data.length} values, fewer than ${C}x${H}x${W}; pass the preprocessed input of '${geometry.name}'.`);
  }
  const rgba = new Uint8ClampedArray(W * H * 4);
  // pixel = (value * std + mean) / scale, per tensor channel.
  const mul = spec.std.map((s) => s / spec.scale);
  const add = spec.mean.map((m) => m / spec.scale);
  const nchw = spec.layout === 'nchw';
  const plane = H * W;
  const at = (p: number, tc: number) => (nchw ? data[tc * plane + p] : data[p * C + tc]) * mul[tc] + add[tc];
  for (let p = 0; p < plane; p++) {
    const o = p * 4;
    if (C === 1) {
      const v = at(p, 0);
      rgba[o] = v;
      rgba[o + 1] = v;
      rgba[o + 2] = v;
    } else if (spec.color === 'bgr') {
      rgba[o] = at(p, 2);
      rgba[o + 1] = at(p, 1);
      rgba[o + 2] = at(p, 0);
    } else {
      rgba[o] = at(p, 0);
      rgba[o + 1] = at(p, 1);
      rgba[o + 2] = at(p, 2);
    }
    rgba[o + 3] = 255;
  }
  return { width: W, height: H, data: rgba };
}
