import { describe, expect, it } from 'vitest';
import { ZeropointError } from '../errors';
import { DataType, type ValueInfo } from '../onnx/types';
import { PRESETS, SCALE_1_255, inputGeometry, parseSpecJson, resolveSpec, type PartialSpec } from './spec';

function input(name: string, dims: (number | string)[], elemType: number = DataType.FLOAT): ValueInfo {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function thrown(fn: () => unknown): ZeropointError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ZeropointError);
    return e as ZeropointError;
  }
  throw new Error('expected a throw');
}

describe('presets', () => {
  it('imagenet is torchvision RGB /255 mean/std with center crop 0.875', () => {
    const s = resolveSpec('imagenet', { channels: 3 });
    expect(s).toEqual({
      color: 'rgb',
      scale: 1 / 255,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      resize: 'center-crop',
      cropRatio: 0.875,
      pad: 114,
      align: 'center',
      layout: 'nchw',
    });
    expect(SCALE_1_255).toBe(1 / 255);
  });

  it('caffe is BGR 0..255 minus B,G,R mean', () => {
    const s = resolveSpec('caffe', { channels: 3 });
    expect(s.color).toBe('bgr');
    expect(s.scale).toBe(1);
    expect(s.mean).toEqual([104, 117, 123]);
    expect(s.std).toEqual([1, 1, 1]);
    expect(s.resize).toBe('center-crop');
    expect(Math.round(224 / s.cropRatio)).toBe(256);
  });

  it('unit, raw and yolo', () => {
    expect(resolveSpec('unit', { channels: 3 })).toMatchObject({ color: 'rgb', scale: SCALE_1_255, resize: 'stretch' });
    expect(resolveSpec('raw', { channels: 3 })).toMatchObject({ color: 'rgb', scale: 1, resize: 'stretch', mean: [0, 0, 0] });
    expect(resolveSpec('yolo', { channels: 3 })).toMatchObject({ color: 'rgb', scale: SCALE_1_255, resize: 'letterbox', pad: 114, align: 'center' });
  });

  it('raw turns gray for a 1-channel model (MNIST)', () => {
    expect(resolveSpec('raw', { channels: 1 })).toMatchObject({ color: 'gray', scale: 1, mean: [0], std: [1], resize: 'stretch' });
    expect(resolveSpec('unit', { channels: 1 })).toMatchObject({ color: 'gray', mean: [0], std: [1] });
  });

  it('imagenet cannot silently become gray', () => {
    const e = thrown(() => resolveSpec('imagenet', { channels: 1 }));
    expect(e.code).toBe('bad-spec');
    expect(e.message).toContain('[0.485,0.456,0.406]');
    expect(e.message).toContain('1 channel');
  });

  it('layout comes from the model unless the spec says', () => {
    expect(resolveSpec('imagenet', { channels: 3, layout: 'nhwc' }).layout).toBe('nhwc');
    expect(resolveSpec({ preset: 'imagenet', layout: 'nchw' }, { channels: 3, layout: 'nhwc' }).layout).toBe('nchw');
  });

  it('presets are not mutated by resolving', () => {
    const s = resolveSpec('imagenet', { channels: 3 });
    (s.mean as number[])[0] = 9;
    expect(PRESETS.imagenet.mean[0]).toBe(0.485);
  });
});

describe('custom specs', () => {
  it('fields override the named preset; no preset means raw', () => {
    const s = resolveSpec({ preset: 'imagenet', resize: 'stretch', cropRatio: 1 }, { channels: 3 });
    expect(s).toMatchObject({ color: 'rgb', scale: SCALE_1_255, resize: 'stretch', cropRatio: 1, mean: [0.485, 0.456, 0.406] });
    const u = resolveSpec({ mean: [127, 127, 127], std: [128, 128, 128] }, { channels: 3 });
    expect(u).toMatchObject({ color: 'rgb', scale: 1, resize: 'stretch', mean: [127, 127, 127], std: [128, 128, 128] });
  });

  const cases: [string, PartialSpec | string, number, RegExp][] = [
    ['unknown preset', 'imagnet', 3, /Unknown preprocessing preset 'imagnet'; use one of imagenet, caffe, unit, raw, yolo/],
    ['mean length', { mean: [0.5, 0.5] }, 3, /mean \[0\.5,0\.5\] has 2 values but the model input has 3 channels/],
    ['std length', { std: [1, 1, 1] }, 1, /std \[1,1,1\] has 3 values but the model input has 1 channel/],
    ['zero std', { std: [1, 0, 1] }, 3, /std \[1,0,1\] has a zero at index 1/],
    ['negative scale', { scale: -1 }, 3, /scale -1 must be positive/],
    ['zero scale', { scale: 0 }, 3, /scale 0 must be positive/],
    ['bad crop ratio', { cropRatio: 1.5 }, 3, /cropRatio 1\.5 must be in \(0, 1\]/],
    ['bad pad', { pad: 300 }, 3, /pad 300 must be a 0\.\.255 pixel value/],
    ['bad color', { color: 'rgba' as never }, 3, /color 'rgba' is not one of 'rgb', 'bgr', 'gray'/],
    ['bad resize', { resize: 'crop' as never }, 3, /resize 'crop' is not one of 'center-crop', 'stretch', 'letterbox'/],
    ['bad layout', { layout: 'chw' as never }, 3, /layout 'chw' is not one of 'nchw', 'nhwc'/],
    ['mean not numbers', { mean: ['a', 1, 2] as never }, 3, /mean \["a",1,2\] must be an array of numbers/],
    ['unknown field', { maen: [1, 2, 3] } as never, 3, /Unknown field 'maen'/],
    ['gray for 3 channels', { color: 'gray', mean: [0], std: [1] }, 3, /color 'gray' gives 1 channel but the model input has 3/],
    ['rgb for 1 channel', { color: 'rgb' }, 1, /color 'rgb' gives 3 channels but the model input has 1; use color 'gray'/],
  ];
  for (const [what, spec, channels, message] of cases) {
    it(`rejects ${what}`, () => {
      const e = thrown(() => resolveSpec(spec as PartialSpec, { channels }));
      expect(e.code).toBe('bad-spec');
      expect(e.message).toMatch(message);
    });
  }

  it('rejects a channel count that is not an image', () => {
    expect(thrown(() => resolveSpec('raw', { channels: 5 })).code).toBe('bad-spec');
  });
});

describe('parseSpecJson', () => {
  it('reads a spec file', () => {
    const spec = parseSpecJson('{"preset":"caffe","resize":"stretch","scale":"1/255"}', 'spec.json');
    expect(spec).toEqual({ preset: 'caffe', resize: 'stretch', scale: SCALE_1_255 });
    expect(resolveSpec(spec, { channels: 3 })).toMatchObject({ color: 'bgr', resize: 'stretch', scale: SCALE_1_255 });
  });

  it('accepts a bare preset name', () => {
    expect(parseSpecJson('"yolo"', 'y.json')).toEqual({ preset: 'yolo' });
  });

  it('round-trips a resolved spec', () => {
    const s = resolveSpec('imagenet', { channels: 3 });
    expect(resolveSpec(parseSpecJson(JSON.stringify(s), 'a.json'), { channels: 3 })).toEqual(s);
  });

  it('quotes the file on syntax errors, wrong shapes and bad fields', () => {
    const syntax = thrown(() => parseSpecJson('{"color": rgb}', 'my-spec.json'));
    expect(syntax.code).toBe('bad-spec');
    expect(syntax.message).toMatch(/^Cannot parse the spec in 'my-spec\.json' as JSON \(.+\); fix the JSON syntax\.$/);
    expect(thrown(() => parseSpecJson('[1,2]', 'a.json')).message).toMatch(/The spec in 'a\.json' must be a JSON object/);
    expect(thrown(() => parseSpecJson('"imagenette"', 'b.json')).message).toMatch(/Unknown preprocessing preset 'imagenette' in 'b\.json'/);
    const field = thrown(() => parseSpecJson('{"resize":"fit"}', 'c.json'));
    expect(field.message).toMatch(/Spec resize 'fit' is not one of .* \(in 'c\.json'\)\.$/);
    expect(thrown(() => parseSpecJson('{"colour":"rgb"}', 'd.json')).message).toMatch(/Unknown field 'colour' in 'd\.json'/);
  });
});

describe('inputGeometry', () => {
  it('infers NCHW', () => {
    expect(inputGeometry(input('data_0', [1, 3, 224, 224]))).toEqual({
      name: 'data_0',
      layout: 'nchw',
      channels: 3,
      height: 224,
      width: 224,
      batch: 1,
      elemType: DataType.FLOAT,
    });
    expect(inputGeometry(input('Input3', [1, 1, 28, 28]))).toMatchObject({ layout: 'nchw', channels: 1, height: 28, width: 28 });
    expect(inputGeometry(input('x', [1, 3, 240, 320], DataType.FLOAT16))).toMatchObject({ height: 240, width: 320, elemType: DataType.FLOAT16 });
  });

  it('infers NHWC', () => {
    expect(inputGeometry(input('x', [1, 224, 224, 3]))).toMatchObject({ layout: 'nhwc', channels: 3, height: 224, width: 224 });
    expect(inputGeometry(input('x', ['N', 'H', 'W', 3]), { height: 96, width: 128, batch: 4 })).toMatchObject({
      layout: 'nhwc',
      height: 96,
      width: 128,
      batch: 4,
    });
  });

  it('NCHW wins a tie unless told', () => {
    expect(inputGeometry(input('x', [1, 3, 3, 3])).layout).toBe('nchw');
    expect(inputGeometry(input('x', [1, 3, 3, 3]), { layout: 'nhwc' }).layout).toBe('nhwc');
  });

  it('a dynamic batch is 1 unless given', () => {
    expect(inputGeometry(input('input', ['N', 3, 224, 224])).batch).toBe(1);
    expect(inputGeometry(input('input', ['N', 3, 224, 224]), { batch: 8 }).batch).toBe(8);
  });

  it('a dynamic height or width needs an override', () => {
    const e = thrown(() => inputGeometry(input('images', [1, 3, 'height', 'width'])));
    expect(e.code).toBe('bad-spec');
    expect(e.message).toBe(
      "Model input 'images' [1,3,height,width] has a dynamic height (axis 2, 'height'); give the height in pixels (CLI: --height <pixels>).",
    );
    const w = thrown(() => inputGeometry(input('images', [1, 3, 'height', 'width']), { height: 320 }));
    expect(w.message).toContain("dynamic width (axis 3, 'width')");
    expect(w.message).toContain('--width');
    expect(inputGeometry(input('images', [1, 3, 'height', 'width']), { height: 320, width: 480 })).toMatchObject({ height: 320, width: 480 });
  });

  it('an override cannot contradict a fixed size', () => {
    const e = thrown(() => inputGeometry(input('x', [1, 3, 224, 224]), { width: 300 }));
    expect(e.code).toBe('bad-spec');
    expect(e.message).toContain('fixed width of 224');
    expect(inputGeometry(input('x', [1, 3, 224, 224]), { width: 224 }).width).toBe(224);
  });

  it('rejects inputs that are not float images', () => {
    const cases: [ValueInfo, RegExp][] = [
      [input('input_ids', [1, 128], DataType.INT64), /^Model input 'input_ids' is int64 \[1,128\], not float, float16 or uint8; Zeropoint needs/],
      [input('x', [1, 128]), /'x' is float \[1,128\], rank 2, not 4/],
      [input('x', [1, 3, 224, 224], DataType.INT32), /'x' is int32 \[1,3,224,224\], not float/],
      [input('x', [1, 5, 224, 224]), /'x' is float \[1,5,224,224\], which has no axis of 1, 3 or 4 channels/],
      [input('x', [1, 'C', 224, 224]), /\[1,C,224,224\]/],
      [{ name: 'seq', type: {} }, /'seq' is not a tensor \(a sequence, map or optional type\)/],
    ];
    for (const [vi, message] of cases) {
      const e = thrown(() => inputGeometry(vi));
      expect(e.code).toBe('not-image-model');
      expect(e.message).toMatch(message);
      expect(e.subject).toBe(vi.name);
    }
  });

  it('takes 4 channels (the fourth a constant, 1 unless given) and uint8 inputs', () => {
    expect(inputGeometry(input('input_image_with_alpha:0', [1, 512, 512, 4]))).toEqual({
      name: 'input_image_with_alpha:0',
      layout: 'nhwc',
      channels: 4,
      height: 512,
      width: 512,
      batch: 1,
      elemType: DataType.FLOAT,
      fourthChannel: 1,
    });
    expect(inputGeometry(input('x', [1, 4, 64, 64]), { fourthChannel: 0 })).toMatchObject({ layout: 'nchw', channels: 4, fourthChannel: 0 });
    expect(inputGeometry(input('x', [1, 3, 224, 224], DataType.UINT8))).toMatchObject({ channels: 3, elemType: DataType.UINT8 });
    expect(thrown(() => inputGeometry(input('x', [1, 4, 8, 8]), { fourthChannel: Number.NaN })).message).toContain('--fourth-channel');
    // A 4-channel input's spec describes its colour channels.
    expect(resolveSpec('imagenet', { channels: 4 }).mean).toHaveLength(3);
  });
});
