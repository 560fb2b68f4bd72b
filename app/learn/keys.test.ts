import { describe, expect, it } from 'vitest';
import { isEditableTarget, keyAction } from './keys';

const free = { editable: false, modifiers: false };

describe('Learn mode keys', () => {
  it('→ / PageDown go to the next lesson, ← / PageUp to the previous, within 1..7', () => {
    expect(keyAction('ArrowRight', 3, false, free)).toEqual({ kind: 'lesson', lesson: 4 });
    expect(keyAction('PageDown', 3, false, free)).toEqual({ kind: 'lesson', lesson: 4 });
    expect(keyAction('ArrowLeft', 3, false, free)).toEqual({ kind: 'lesson', lesson: 2 });
    expect(keyAction('PageUp', 3, false, free)).toEqual({ kind: 'lesson', lesson: 2 });
    expect(keyAction('ArrowRight', 7, false, free)).toBeNull();
    expect(keyAction('ArrowLeft', 1, false, free)).toBeNull();
  });

  it('Home, End and digits jump', () => {
    expect(keyAction('Home', 5, false, free)).toEqual({ kind: 'lesson', lesson: 1 });
    expect(keyAction('End', 5, false, free)).toEqual({ kind: 'lesson', lesson: 7 });
    expect(keyAction('6', 1, false, free)).toEqual({ kind: 'lesson', lesson: 6 });
    expect(keyAction('8', 1, false, free)).toBeNull();
    expect(keyAction('1', 1, false, free)).toBeNull();
    expect(keyAction('a', 1, false, free)).toBeNull();
  });

  it('leaves the keys to a focused slider or field, and to modifier combinations', () => {
    expect(keyAction('ArrowRight', 3, false, { editable: true, modifiers: false })).toBeNull();
    expect(keyAction('ArrowLeft', 3, false, { editable: false, modifiers: true })).toBeNull();
  });

  it('Escape leaves presenting mode, even from a field', () => {
    expect(keyAction('Escape', 3, true, { editable: true, modifiers: false })).toEqual({ kind: 'exit-presenting' });
    expect(keyAction('Escape', 3, false, free)).toBeNull();
  });

  it('knows which targets use the arrows themselves', () => {
    expect(isEditableTarget('INPUT', 'range', false)).toBe(true);
    expect(isEditableTarget('INPUT', 'number', false)).toBe(true);
    expect(isEditableTarget('INPUT', 'radio', false)).toBe(true);
    expect(isEditableTarget('INPUT', null, false)).toBe(true);
    expect(isEditableTarget('INPUT', 'checkbox', false)).toBe(false);
    expect(isEditableTarget('SELECT', null, false)).toBe(true);
    expect(isEditableTarget('BUTTON', null, false)).toBe(false);
    expect(isEditableTarget('DIV', null, true)).toBe(true);
    expect(isEditableTarget('A', null, false)).toBe(false);
  });
});
