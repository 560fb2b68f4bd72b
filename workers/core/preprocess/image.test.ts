import { describe, expect, it } from 'vitest';
import { ZeropointError } from '../errors';
import { DataType } from '../onnx/types';
import { imageFeed, imageToTensor, placement, tensorToImage, toImageCoords, type RgbaImage } from './image';
import { resolveSpec, type InputGeometry, type PartialSpec, type PresetName } from './spec';

function geometry(width: number, height: number, channels = 3, layout: 'nchw' | 'nhwc' = 'nchw'): InputGeometry {
  return { name: 'input', layout, channels, width, height, batch: 1, elemType: DataType.FLOAT };
}

function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number?]): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = pixel(x, y);
      data.set([r, g, b, a], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

function spec(preset: PresetName | PartialSpec, g: InputGeometry) {
  return resolveSpec(preset, { channels: g.channels, layout: g.layout });
}

/** Channel c of an NCHW tensor, as rows. */
function channel(data: Float32Array, g: InputGeometry, c: number): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < g.height; y++) rows.push(Array.from(data.subarray(c * g.width * g.height + y * g.width, c * g.width * g.height + (y + 1) * g.width)));
  return rows;
}

describe('resize filter', () => {
  // Pillow 9.4 reference: Image.fromarray(a, 'F').resize((w, h), Image.BILINEAR) on this 9x7 float image.
  const src = image(9, 7, (x, y) => {
    const v = (x * 37 + y * 91 + x * y * 13) % 256;
    return [v, v, v];
  });
  const pillow: [number, number, number[]][] = [
    [4, 3, [106.9184, 137.7805, 138.4425, 130.6816, 121.7059, 147.9326, 136.6958, 124.0319, 108.4041, 141.3206, 137.2578, 150.1429]],
    [
      4,
      11,
      [
        30.6571, 105.5854, 171.6829, 60.5429, 76.9169, 135.4301, 138.4457, 121.0104, 137.026, 166.9956, 104.4013, 187.0468, 169.2078, 137.2572, 145.2838,
        141.374, 145.5351, 141.5765, 154.3792, 114.3195, 79.9714, 171.439, 139.6341, 101.2286, 112.1533, 137.7273, 124.8891, 125.374, 128.3766, 132.9645,
        120.3614, 145.5299, 123.3221, 166.8004, 129.4568, 160.3662, 98.3195, 142.7384, 145.3636, 151.2649, 78.0857, 118.6585, 157.5366, 141.9143,
      ],
    ],
    [
      13,
      11,
      [
        0.0, 19.9231, 45.5385, 71.1538, 96.7692, 122.3846, 148.0, 173.6154, 199.2308, 205.1538, 53.5385, 20.0769, 40.0, 41.3636, 64.4685, 94.1748, 123.8811,
        153.5874, 147.4895, 96.6364, 126.3427, 156.049, 175.014, 108.049, 105.5315, 128.6364,
      ],
    ],
  ];
  for (const [w, h, expected] of pillow) {
    it(`matches Pillow BILINEAR (antialiased) for 9x7 -> ${w}x${h}`, () => {
      const g = geometry(w, h);
      const t = imageToTensor(src, spec('raw', g), g);
      const got = Array.from(t.data.subarray(0, expected.length));
      for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i], 3);
    });
  }

  it('keeps a constant image constant in every mode, up and down', () => {
    const flat = image(37, 23, () => [200, 100, 50]);
    for (const resize of ['stretch', 'center-crop', 'letterbox'] as const) {
      for (const [w, h] of [[8, 8], [64, 48], [37, 23], [5, 90]]) {
        const g = geometry(w, h);
        const s = spec({ resize }, g);
        const t = imageToTensor(flat, s, g);
        const p = placement(flat.width, flat.height, s, g);
        for (let c = 0; c < 3; c++) {
          const rows = channel(t.data, g, c);
          for (let y = p.y; y < p.y + p.height; y++) {
            for (let x = p.x; x < p.x + p.width; x++) expect(rows[y][x]).toBeCloseTo([200, 100, 50][c], 4);
          }
        }
      }
    }
  });

  it('averages a 1-pixel checkerboard on a 2x downscale', () => {
    const board = image(64, 48, (x, y) => ((x + y) % 2 ? [255, 255, 255] : [0, 0, 0]));
    const g = geometry(32, 24);
    const t = imageToTensor(board, spec('raw', g), g);
    const rows = channel(t.data, g, 0);
    // Away from the border every output pixel is exactly the mean; at the border Pillow renormalizes the
    // clipped triangle, so it leans to the outermost pixel, but the whole image still averages ~127.5.
    for (let y = 1; y < 23; y++) for (let x = 1; x < 31; x++) expect(rows[y][x]).toBeCloseTo(127.5, 4);
    const mean = t.data.subarray(0, 32 * 24).reduce((a, b) => a + b, 0) / (32 * 24);
    expect(Math.abs(mean - 127.5)).toBeLessThan(4);
  });

  it('is the identity when the size does not change', () => {
    const img = image(5, 4, (x, y) => [x * 50, y * 60, (x * y * 17) % 256]);
    const g = geometry(5, 4);
    const t = imageToTensor(img, spec('raw', g), g);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 5; x++) {
        expect(t.data[y * 5 + x]).toBe(x * 50);
        expect(t.data[20 + y * 5 + x]).toBe(y * 60);
        expect(t.data[40 + y * 5 + x]).toBe((x * y * 17) % 256);
      }
    }
  });
});

describe('geometry', () => {
  it('center-crops a 500x375 image to 224 via 341x256 (torchvision Resize(256) + CenterCrop(224))', () => {
    const g = geometry(224, 224);
    const s = spec('imagenet', g);
    const p = placement(500, 375, s, g);
    expect(p).toMatchObject({ resizedWidth: 341, resizedHeight: 256, cropX: 58, cropY: 16, x: 0, y: 0, width: 224, height: 224 });
    // torchvision: crop_left = int(round((341 - 224) / 2)) = round(58.5) = 58 (half to even)
    expect(toImageCoords(p.transform, 0, 0)).toEqual([(58 * 500) / 341, (16 * 375) / 256]);
    const [x1, y1] = toImageCoords(p.transform, 224, 224);
    expect(x1).toBeCloseTo((282 * 500) / 341, 9);
    expect(y1).toBeCloseTo((240 * 375) / 256, 9);
    expect(p.transform.scale).toBeCloseTo(375 / 256, 12);
    // Portrait: 333x500 -> 256x384, crop at (16, 80).
    expect(placement(333, 500, s, g)).toMatchObject({ resizedWidth: 256, resizedHeight: 384, cropX: 16, cropY: 80 });
  });

  it('center-crop samples the image where the transform says', () => {
    // R grows linearly with x, G with y: a symmetric filter reproduces a linear ramp exactly.
    const ramp = image(500, 375, (x, y) => [Math.floor(x / 2), Math.floor(y / 2), 0]);
    const g = geometry(224, 224);
    const s = spec({ preset: 'raw', resize: 'center-crop' }, g);
    const t = imageToTensor(ramp, s, g);
    const rows = channel(t.data, g, 0);
    const cols = channel(t.data, g, 1);
    for (const j of [10, 100, 200]) {
      const [ox, oy] = toImageCoords(t.transform, j + 0.5, j + 0.5);
      // floor(x/2) is a ramp of slope 1/2 with a 0.25 mean offset within each pair of pixels.
      expect(rows[50][j]).toBeCloseTo(ox / 2 - 0.5, 0);
      expect(cols[j][50]).toBeCloseTo(oy / 2 - 0.5, 0);
    }
  });

  it('letterboxes: pads with the normalized pad value and maps corners back', () => {
    const img = image(100, 50, () => [10, 20, 30]);
    const g = geometry(64, 64);
    const s = spec('yolo', g);
    const t = imageToTensor(img, s, g);
    expect(t.dims).toEqual([1, 3, 64, 64]);
    const p = placement(100, 50, s, g);
    expect(p).toMatchObject({ resizedWidth: 64, resizedHeight: 32, x: 0, y: 16, width: 64, height: 32 });
    const rows = channel(t.data, g, 1);
    for (let y = 0; y < 64; y++) {
      const expected = y < 16 || y >= 48 ? 114 / 255 : 20 / 255;
      for (let x = 0; x < 64; x += 7) expect(rows[y][x]).toBeCloseTo(expected, 6);
    }
    expect(toImageCoords(t.transform, 0, 16)).toEqual([0, 0]);
    expect(toImageCoords(t.transform, 64, 48)).toEqual([100, 50]);
    expect(t.transform.scale).toBeCloseTo(100 / 64, 12);
  });

  it('letterboxes an odd size like Ultralytics and aligns top-left on request', () => {
    const img = image(100, 49, () => [0, 0, 0]);
    const g = geometry(64, 64);
    const centered = placement(100, 49, spec('yolo', g), g);
    // r = 0.64, h' = round(31.36) = 31, top = round((64 - 31) / 2 - 0.1) = 16
    expect(centered).toMatchObject({ resizedWidth: 64, resizedHeight: 31, x: 0, y: 16 });
    const [bx, by] = toImageCoords(centered.transform, 64, 16 + 31);
    expect(bx).toBeCloseTo(100, 12);
    expect(by).toBeCloseTo(49, 12);

    const s = spec({ preset: 'yolo', align: 'top-left', pad: 0 }, g);
    const t = imageToTensor(image(50, 100, () => [255, 255, 255]), s, g);
    const p = placement(50, 100, s, g);
    expect(p).toMatchObject({ resizedWidth: 32, resizedHeight: 64, x: 0, y: 0 });
    const rows = channel(t.data, g, 0);
    expect(rows[10][31]).toBeCloseTo(1, 6);
    expect(rows[10][32]).toBe(0);
    expect(toImageCoords(t.transform, 32, 64)).toEqual([50, 100]);
  });

  it('stretch maps each axis separately', () => {
    const g = geometry(32, 16);
    const p = placement(64, 64, spec('unit', g), g);
    expect(p.transform).toMatchObject({ scaleX: 2, scaleY: 4, offsetX: 0, offsetY: 0 });
    expect(toImageCoords(p.transform, 32, 16)).toEqual([64, 64]);
  });
});

describe('colour and layout', () => {
  const red = image(4, 4, () => [255, 0, 0]);

  it('caffe puts B,G,R in that order and subtracts the B,G,R mean', () => {
    const g = geometry(4, 4);
    const t = imageToTensor(red, spec('caffe', g), g);
    expect(t.data[0]).toBe(0 - 104); // B
    expect(t.data[16]).toBe(0 - 117); // G
    expect(t.data[32]).toBe(255 - 123); // R
  });

  it('imagenet normalizes RGB per channel', () => {
    const g = geometry(4, 4);
    const t = imageToTensor(red, spec('imagenet', g), g);
    expect(t.data[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(t.data[16]).toBeCloseTo((0 - 0.456) / 0.224, 5);
    expect(t.data[32]).toBeCloseTo((0 - 0.406) / 0.225, 5);
  });

  it('writes NHWC as the transpose of NCHW', () => {
    const img = image(40, 30, (x, y) => [x * 6, y * 8, (x + y) * 3]);
    const gc = geometry(16, 12);
    const gh = geometry(16, 12, 3, 'nhwc');
    for (const preset of ['imagenet', 'caffe', 'yolo'] as const) {
      const a = imageToTensor(img, spec(preset, gc), gc);
      const b = imageToTensor(img, spec(preset, gh), gh);
      expect(b.dims).toEqual([1, 12, 16, 3]);
      for (let c = 0; c < 3; c++) for (let p = 0; p < 16 * 12; p++) expect(b.data[p * 3 + c]).toBe(a.data[c * 192 + p]);
    }
  });

  it('gray is ITU-R 601 luma', () => {
    const g = geometry(3, 3, 1);
    const t = imageToTensor(image(3, 3, () => [100, 150, 200]), spec('raw', g), g);
    expect(t.dims).toEqual([1, 1, 3, 3]);
    for (const v of t.data) expect(v).toBeCloseTo(0.299 * 100 + 0.587 * 150 + 0.114 * 200, 4);
  });

  it('composites transparent pixels over black', () => {
    const g = geometry(2, 1);
    const t = imageToTensor(image(2, 1, (x) => (x === 0 ? [200, 100, 40, 0] : [200, 100, 40, 51])), spec('raw', g), g);
    const expected = [0, 40, 0, 20, 0, 8]; // NCHW: R of both pixels, then G, then B
    expected.forEach((v, i) => expect(t.data[i]).toBeCloseTo(v, 4));
  });
});

describe('tensorToImage', () => {
  it('undoes normalization, channel order and layout', () => {
    const img = image(6, 5, (x, y) => [x * 40, y * 50, (x * y * 9) % 256]);
    for (const preset of ['imagenet', 'caffe', 'yolo', 'raw'] as const) {
      for (const layout of ['nchw', 'nhwc'] as const) {
        const g = geometry(6, 5, 3, layout);
        const s = spec({ preset, resize: 'stretch' }, g);
        const back = tensorToImage(imageToTensor(img, s, g), s, g);
        expect(back.width).toBe(6);
        expect(Array.from(back.data)).toEqual(Array.from(img.data));
      }
    }
    const g1 = geometry(6, 5, 1);
    const s1 = spec('raw', g1);
    const gray = tensorToImage(imageToTensor(image(6, 5, () => [90, 90, 90]), s1, g1), s1, g1);
    expect(Array.from(gray.data.subarray(0, 8))).toEqual([90, 90, 90, 255, 90, 90, 90, 255]);
  });

  it('shows a wrong channel order as swapped colours', () => {
    const g = geometry(2, 2);
    const t = imageToTensor(image(2, 2, () => [255, 0, 0]), spec('caffe', g), g);
    const asRgb = tensorToImage(t, spec({ preset: 'caffe', color: 'rgb' }, g), g);
    expect(Array.from(asRgb.data.subarray(0, 4))).toEqual([0, 0, 255, 255]);
  });
});

describe('batching and errors', () => {
  it('writes into a batch buffer at an offset', () => {
    const g = geometry(8, 8);
    const s = spec('imagenet', g);
    const a = image(20, 20, (x) => [x * 10, 0, 0]);
    const b = image(20, 20, (_, y) => [0, y * 10, 0]);
    const batch = new Float32Array(2 * 3 * 64);
    imageToTensor(a, s, g, { out: batch, offset: 0 });
    imageToTensor(b, s, g, { out: batch, offset: 192 });
    expect(Array.from(batch.subarray(0, 192))).toEqual(Array.from(imageToTensor(a, s, g).data));
    expect(Array.from(batch.subarray(192))).toEqual(Array.from(imageToTensor(b, s, g).data));
    expect(() => imageToTensor(a, s, g, { out: batch, offset: 200 })).toThrow(/too few for 192 at offset 200/);
  });

  it('rejects a spec that does not fit the input', () => {
    const g = geometry(8, 8);
    const img = image(8, 8, () => [0, 0, 0]);
    const e = (() => {
      try {
        imageToTensor(img, spec('imagenet', geometry(8, 8, 3, 'nhwc')), g);
      } catch (err) {
        return err as ZeropointError;
      }
    })();
    expect(e?.code).toBe('bad-spec');
    expect(e?.message).toContain("Spec layout 'nhwc' does not match the 'nchw' layout of model input 'input'");
    expect(() => imageToTensor(img, spec('imagenet', g), geometry(8, 8, 1))).toThrow(/gives 3 channels but the model input has 1/);
    expect(() => imageToTensor({ width: 8, height: 8, data: new Uint8Array(10) }, spec('imagenet', g), g)).toThrow(/do not match its size 8x8/);
  });
});

describe('4-channel and uint8 inputs', () => {
  const src = image(4, 2, (x, y) => [10 * x, 20 * y, 30, 255]);

  it('writes the colour channels and fills the fourth with the constant, NHWC and NCHW', () => {
    const nhwc: InputGeometry = { ...geometry(4, 2, 4, 'nhwc'), fourthChannel: 1 };
    const t = imageToTensor(src, spec('raw', nhwc), nhwc);
    expect(t.dims).toEqual([1, 2, 4, 4]);
    expect(Array.from(t.data.subarray(0, 8))).toEqual([0, 0, 30, 1, 10, 0, 30, 1]);
    for (let p = 3; p < t.data.length; p += 4) expect(t.data[p]).toBe(1);
    const nchw: InputGeometry = { ...geometry(4, 2, 4, 'nchw'), fourthChannel: -0.5 };
    const u = imageToTensor(src, spec({ preset: 'unit', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }, nchw), nchw);
    expect(u.dims).toEqual([1, 4, 2, 4]);
    expect(Array.from(u.data.subarray(24, 32))).toEqual(new Array(8).fill(-0.5));
    expect(u.data[0]).toBeCloseTo(-1, 6);
    // letterbox padding leaves the constant channel whole
    const lb: InputGeometry = { ...geometry(4, 4, 4, 'nhwc'), fourthChannel: 2 };
    const l = imageToTensor(src, spec({ preset: 'raw', resize: 'letterbox', pad: 114 }, lb), lb);
    expect(l.data[3]).toBe(2);
    expect(l.data[0]).toBe(114);
    const back = tensorToImage(t, spec('raw', nhwc), nhwc);
    expect(Array.from(back.data.subarray(4, 8))).toEqual([10, 0, 30, 255]);
  });

  it('imageFeed gives a uint8 input bytes, rounded and clamped', () => {
    const g: InputGeometry = { ...geometry(4, 2, 3, 'nhwc'), elemType: DataType.UINT8 };
    const f = imageFeed(src, spec({ preset: 'raw', scale: 1.3 }, g), g);
    expect(f.type).toBe('uint8');
    expect(f.dims).toEqual([1, 2, 4, 3]);
    expect(Array.from((f.data as Uint8Array).subarray(0, 6))).toEqual([0, 0, 39, 13, 0, 39]);
    expect((f.data as Uint8Array)[(1 * 4 + 3) * 3 + 0]).toBe(39);
    const big = imageFeed(image(1, 1, () => [250, 0, 0]), spec({ preset: 'raw', scale: 2 }, g), { ...g, width: 1, height: 1 });
    expect((big.data as Uint8Array)[0]).toBe(255);
    expect(imageFeed(src, spec('raw', geometry(4, 2)), geometry(4, 2)).type).toBe('float32');
  });
});
