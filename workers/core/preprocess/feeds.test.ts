import { describe, expect, it } from 'vitest';
import { ZeropointError } from '../errors';
import { DataType, type ValueInfo } from '../onnx/types';
import { constantFeeds, feedPlan, parseInputValue } from './feeds';

function input(name: string, dims: (number | string)[], elemType: number = DataType.FLOAT): ValueInfo {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

function thrown(f: () => unknown): ZeropointError {
  try {
    f();
  } catch (e) {
    if (e instanceof ZeropointError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

const DEIM = [input('images', ['N', 3, 416, 416]), input('orig_target_sizes', ['N', 2], DataType.INT64)];

describe('feedPlan', () => {
  it('picks the single image-shaped input and defaults orig_target_sizes to [W, H] of the network input, with a note', () => {
    const plan = feedPlan(DEIM);
    expect(plan.image).toMatchObject({ name: 'images', layout: 'nchw', channels: 3, height: 416, width: 416, batch: 1 });
    expect(plan.constants).toEqual([{ name: 'orig_target_sizes', type: 'int64', dims: [1, 2], values: [416, 416] }]);
    expect(plan.notes).toEqual(["input 'orig_target_sizes' is fed [[416,416]] (the network input's size as [width, height], for boxes in input pixels); give another value to change it."]);
    const feeds = constantFeeds(plan.constants);
    expect(feeds.orig_target_sizes.type).toBe('int64');
    expect(Array.from(feeds.orig_target_sizes.data as BigInt64Array)).toEqual([416n, 416n]);
  });

  it('defaults im_shape to [H, W] and scale_factor to [1, 1], float where the input is float', () => {
    const plan = feedPlan([input('image', [1, 3, 320, 640]), input('im_shape', [1, 2]), input('scale_factor', [1, 2])]);
    expect(plan.constants).toEqual([
      { name: 'im_shape', type: 'float32', dims: [1, 2], values: [320, 640] },
      { name: 'scale_factor', type: 'float32', dims: [1, 2], values: [1, 1] },
    ]);
    expect(plan.notes).toHaveLength(2);
  });

  it('takes given values over the defaults: a number fills the tensor, an array must have its shape', () => {
    expect(feedPlan(DEIM, { values: { orig_target_sizes: [[640, 480]] } }).constants[0]).toEqual({ name: 'orig_target_sizes', type: 'int64', dims: [1, 2], values: [640, 480] });
    expect(feedPlan(DEIM, { values: { orig_target_sizes: 7 } }).constants[0].values).toEqual([7, 7]);
    expect(feedPlan(DEIM, { values: { orig_target_sizes: [[1, 2]] } }).notes).toEqual([]);
    const scalar = feedPlan([input('x', [1, 3, 8, 8]), input('threshold', [])], { values: { threshold: 0.25 } });
    expect(scalar.constants).toEqual([{ name: 'threshold', type: 'float32', dims: [], values: [0.25] }]);
  });

  it('names the input whose value is missing or malformed, and says how to give it', () => {
    const missing = thrown(() => feedPlan([input('x', [1, 3, 8, 8]), input('threshold', [])]));
    expect(missing.code).toBe('bad-option');
    expect(missing.message).toBe("Input 'threshold' [] is not the image and has no default; give its value with --input threshold=VALUE (a number or a JSON array).");
    expect(thrown(() => feedPlan(DEIM, { values: { orig_target_sizes: [[416, 416, 1]] } })).message).toBe(
      "Input 'orig_target_sizes' [?,2]: axis 1 has 3 values where the input has 2; give it with --input orig_target_sizes=VALUE.",
    );
    expect(thrown(() => feedPlan(DEIM, { values: { orig_target_sizes: [[416.5, 416]] } })).message).toContain('416.5 is not a whole number, and the input is int64');
    expect(thrown(() => feedPlan(DEIM, { values: { orig_target_sizes: [416, 416] } })).message).toContain('the value has 1 level of arrays where the input has 2 axes');
    expect(thrown(() => feedPlan(DEIM, { values: { sizes: 1 } })).message).toBe("A value is given for input 'sizes', which the model does not have; its inputs are 'images', 'orig_target_sizes'.");
    expect(thrown(() => feedPlan(DEIM, { values: { images: 1 } })).message).toContain('is the image input');
    const how = { imageInput: 'the Image input choice', value: (n: string) => `the field of ${n}` };
    expect(thrown(() => feedPlan([input('x', [1, 3, 8, 8]), input('t', [])], {}, { how })).message).toContain('give its value with the field of t');
  });

  it('asks which input is the image when several could be, and takes the one named', () => {
    const two = [input('left', [1, 3, 64, 64]), input('right', [1, 3, 64, 64])];
    expect(thrown(() => feedPlan(two)).message).toBe("The model has 2 inputs that could be the image ('left', 'right'); say which with --image-input NAME.");
    const plan = feedPlan(two, { imageInput: 'right', values: { left: 0 } });
    expect(plan.image.name).toBe('right');
    expect(plan.constants[0]).toMatchObject({ name: 'left', dims: [1, 3, 64, 64] });
    expect(thrown(() => feedPlan(two, { imageInput: 'middle' })).message).toBe("The image input 'middle' is not an input of the model; its inputs are 'left', 'right'.");
  });

  it('takes 4-channel NHWC and uint8 image inputs', () => {
    expect(feedPlan([input('input_image_with_alpha:0', [1, 512, 512, 4])], { fourthChannel: 0.5 }).image).toMatchObject({ layout: 'nhwc', channels: 4, fourthChannel: 0.5 });
    expect(feedPlan([input('x', [1, 224, 224, 3], DataType.UINT8)]).image.elemType).toBe(DataType.UINT8);
  });
});

describe('parseInputValue', () => {
  it('reads a number or a JSON array, and names the input otherwise', () => {
    expect(parseInputValue('s', '0.5')).toBe(0.5);
    expect(parseInputValue('s', '[[416,416]]')).toEqual([[416, 416]]);
    const e = thrown(() => parseInputValue('orig_target_sizes', '[[416,416'));
    expect(e.message).toBe("The value '[[416,416' for input 'orig_target_sizes' is neither a number nor a JSON array of numbers; write it like --input orig_target_sizes=[[416,416]] or a single number.");
    expect(thrown(() => parseInputValue('s', 'abc')).code).toBe('bad-option');
  });
});
