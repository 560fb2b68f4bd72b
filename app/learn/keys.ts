/**
 * Keyboard navigation between lessons, for the person at the front (a presenter's clicker sends
 * PageUp/PageDown; a keyboard has the arrows). Pure: the DOM listener lives in route.ts.
 *
 * Keys never navigate while the focus is in a control that uses them itself (a slider, a number
 * field, a select, a radio group) or with a modifier held (Alt+← is the browser's Back).
 */
import type { LessonId } from './meta';

export interface KeyContext {
  /** The focus is in an editable control (input other than a button/checkbox, select, textarea, contenteditable). */
  readonly editable: boolean;
  /** Alt, Ctrl, Meta or Shift held. */
  readonly modifiers: boolean;
}

export type KeyAction = { readonly kind: 'lesson'; readonly lesson: LessonId } | { readonly kind: 'exit-presenting' };

const FIRST: LessonId = 1;
const LAST: LessonId = 7;

/** What a key press does in Learn mode, or null when it is left to the browser. */
export function keyAction(key: string, current: LessonId, presenting: boolean, context: KeyContext): KeyAction | null {
  if (key === 'Escape') return presenting ? { kind: 'exit-presenting' } : null;
  if (context.editable || context.modifiers) return null;
  let next: number | null = null;
  switch (key) {
    case 'ArrowRight':
    case 'PageDown':
      next = current + 1;
      break;
    case 'ArrowLeft':
    case 'PageUp':
      next = current - 1;
      break;
    case 'Home':
      next = FIRST;
      break;
    case 'End':
      next = LAST;
      break;
    default:
      if (/^[1-7]$/.test(key)) next = Number(key);
  }
  if (next === null || next < FIRST || next > LAST || next === current) return null;
  return { kind: 'lesson', lesson: next as LessonId };
}

/** Input types whose keys are their own (everything but buttons and checkboxes). */
const NON_EDITABLE_INPUTS = new Set(['button', 'submit', 'reset', 'checkbox', 'image', 'file', 'color']);

/** Whether an element (by tag, input type, contenteditable) consumes arrow keys itself. */
export function isEditableTarget(tag: string, inputType: string | null, contentEditable: boolean): boolean {
  const t = tag.toLowerCase();
  if (contentEditable) return true;
  if (t === 'select' || t === 'textarea') return true;
  if (t === 'input') return !NON_EDITABLE_INPUTS.has((inputType ?? 'text').toLowerCase());
  return false;
}
