import { describe, expect, it } from 'vitest';
import { DEFAULT_LESSON_STATE } from './meta';
import { formatLearnHash, formatParam, isLearnHash, parseLearnHash } from './url';

describe('Learn mode URL', () => {
  it('tells Learn hashes from the workbench', () => {
    expect(isLearnHash('#learn')).toBe(true);
    expect(isLearnHash('#learn/3?min=1')).toBe(true);
    expect(isLearnHash('#learning')).toBe(false);
    expect(isLearnHash('#step-model-title')).toBe(false);
    expect(isLearnHash('')).toBe(false);
    expect(parseLearnHash('#step-ranges-title')).toBeNull();
  });

  it('parses a lesson with its controls', () => {
    expect(parseLearnHash('#learn/1?min=-2&max=6&type=s8&sym=1&x=1.5')).toEqual({
      lesson: 1,
      state: { min: -2, max: 6, type: 's8', symmetric: true, x: 1.5 },
      presenting: false,
    });
    expect(parseLearnHash('#learn/3?tensor=fire2%2Fsqueeze1x1_2&min=0&max=500&present=1')).toEqual({
      lesson: 3,
      state: { tensor: 'fire2/squeeze1x1_2', min: 0, max: 500 },
      presenting: true,
    });
    expect(parseLearnHash('#learn')).toEqual({ lesson: 1, state: {}, presenting: false });
  });

  it('ignores what it cannot use', () => {
    expect(parseLearnHash('#learn/9?min=abc')).toEqual({ lesson: 1, state: {}, presenting: false });
    expect(parseLearnHash('#learn/1?type=u16&max=Infinity&x=')).toEqual({ lesson: 1, state: {}, presenting: false });
    expect(parseLearnHash('#learn/4?ch=-1&sort=size')).toEqual({ lesson: 4, state: {}, presenting: false });
    expect(parseLearnHash('#learn/5?method=moving-average')).toEqual({ lesson: 5, state: {}, presenting: false });
  });

  it('round-trips every lesson state', () => {
    const states = {
      ...DEFAULT_LESSON_STATE,
      2: { activation: 'conv1_2', weight: 'Conv_0', symType: 'u8' as const },
      3: { tensor: 'fire2/squeeze1x1_2', min: -1.25, max: 997.123456789, type: 's8' as const, symmetric: true },
      4: { layer: 'Conv_27', channel: 12, sort: 'range' as const },
      5: { tensor: 'conv1_2', method: 'entropy' as const },
      6: { parameters: 1235496 },
    };
    for (const lesson of [1, 2, 3, 4, 5, 6, 7] as const) {
      const hash = formatLearnHash(lesson, states[lesson], lesson === 4);
      const back = parseLearnHash(hash)!;
      expect(back.lesson).toBe(lesson);
      expect(back.presenting).toBe(lesson === 4);
      expect({ ...states[lesson], ...back.state }).toEqual(states[lesson]);
    }
    expect(formatLearnHash(1, DEFAULT_LESSON_STATE[1], false)).toBe('#learn/1?min=-0.9&max=5&type=u8&sym=0&x=0.3');
    expect(formatLearnHash(3, DEFAULT_LESSON_STATE[3], false)).toBe('#learn/3?type=u8&sym=0');
    expect(formatLearnHash(7, {}, true)).toBe('#learn/7?present=1');
  });

  it('writes numbers short but exact to 12 digits', () => {
    expect(formatParam(0.1 + 0.2)).toBe('0.3');
    expect(formatParam(-0.9)).toBe('-0.9');
    expect(formatParam(45e6)).toBe('45000000');
    expect(Number(formatParam(997.123456789))).toBe(997.123456789);
  });
});
