/**
 * Where the page is: the URL hash <-> Learn mode's store, the keyboard, and the presenting class.
 *
 * - `#learn/<n>?...` opens Learn mode on lesson n with its controls (url.ts); any other hash is the
 *   workbench (`#step-quantize-title` also scrolls to that step once it is rendered).
 * - The store writes the hash back: a new lesson is a new history entry (Back returns to the previous
 *   lesson); moving a control replaces the entry, debounced, so a slider drag does not flood history.
 * - ←/→, PageUp/PageDown, Home/End and 1–7 move between lessons (keys.ts); Escape leaves presenting.
 * - Presenting mode is the `presenting` class on <html>: large type, charts scale with it (em sizes).
 */
import { useEffect } from 'react';
import { ensureLearnData, watchWorkbench } from './actions';
import { isEditableTarget, keyAction } from './keys';
import type { LessonId } from './meta';
import { useLearn, type Mode } from './store';
import { formatLearnHash, isLearnHash, parseLearnHash } from './url';

const REPLACE_DEBOUNCE_MS = 250;

const learn = () => useLearn.getState();

let applying = false;

/** Applies the current hash to the store. */
function applyHash(): void {
  // A write still pending belongs to the entry we just left: drop it, or it would overwrite this one.
  if (pending !== null) clearTimeout(pending);
  pending = null;
  pendingHash = null;
  const route = parseLearnHash(location.hash);
  applying = true;
  try {
    if (!route) {
      if (learn().mode !== 'workbench') learn().patch({ mode: 'workbench' });
      scrollToAnchor(location.hash);
      return;
    }
    const { lessons } = learn();
    learn().patch({
      mode: 'learn',
      lesson: route.lesson,
      presenting: route.presenting,
      lessons: { ...lessons, [route.lesson]: { ...lessons[route.lesson], ...route.state } },
    });
  } finally {
    applying = false;
  }
}

/**
 * Controls inside a step that Learn mode links to; a step that is still blocked (no model yet) does
 * not render them, so the link lands on the step's title instead.
 */
const ANCHOR_STEP: Readonly<Record<string, string>> = { 'bias-correction': 'step-quantize-title' };

/** A workbench anchor (`#step-ranges-title`) exists only once the workbench has rendered again. */
function scrollToAnchor(hash: string): void {
  const id = decodeURIComponent(hash.replace(/^#/, ''));
  if (!id) return;
  let tries = 0;
  const attempt = () => {
    const el = document.getElementById(id) ?? (tries >= 10 && ANCHOR_STEP[id] ? document.getElementById(ANCHOR_STEP[id]) : null);
    if (el) el.scrollIntoView({ block: 'start' });
    else if (++tries < 20) requestAnimationFrame(attempt);
  };
  requestAnimationFrame(attempt);
}

let pending: ReturnType<typeof setTimeout> | null = null;
let pendingHash: string | null = null;

function flush(): void {
  if (pending !== null) clearTimeout(pending);
  pending = null;
  if (pendingHash !== null && pendingHash !== location.hash && isLearnHash(pendingHash)) history.replaceState(history.state, '', pendingHash);
  pendingHash = null;
}

function writeHash(hash: string, push: boolean): void {
  if (push) {
    flush();
    if (hash !== location.hash) history.pushState(history.state, '', hash);
    return;
  }
  pendingHash = hash;
  if (pending !== null) clearTimeout(pending);
  pending = setTimeout(flush, REPLACE_DEBOUNCE_MS);
}

function onKey(e: KeyboardEvent): void {
  const s = learn();
  if (s.mode !== 'learn' || e.defaultPrevented) return;
  const t = e.target instanceof HTMLElement ? e.target : null;
  const editable = t ? isEditableTarget(t.tagName, t instanceof HTMLInputElement ? t.type : null, t.isContentEditable) : false;
  const action = keyAction(e.key, s.lesson, s.presenting, { editable, modifiers: e.altKey || e.ctrlKey || e.metaKey || e.shiftKey });
  if (!action) return;
  e.preventDefault();
  if (action.kind === 'exit-presenting') s.patch({ presenting: false });
  else goToLesson(action.lesson);
}

export function goToLesson(lesson: LessonId): void {
  learn().patch({ lesson });
  window.scrollTo({ top: 0 });
}

export function setPresenting(presenting: boolean): void {
  learn().patch({ presenting });
}

let started = 0;
let stop: (() => void) | null = null;

/** Starts the URL, keyboard and class wiring once (StrictMode mounts twice: reference-counted). */
function start(): () => void {
  if (started++ === 0) {
    applyHash();
    const unsubscribe = useLearn.subscribe((s, prev) => {
      document.documentElement.classList.toggle('presenting', s.mode === 'learn' && s.presenting);
      if (s.mode === 'learn' && prev.mode !== 'learn') void ensureLearnData();
      if (s.mode === 'learn') {
        const hash = formatLearnHash(s.lesson, s.lessons[s.lesson], s.presenting);
        if (applying) {
          if (hash !== location.hash) history.replaceState(history.state, '', hash);
        } else if (prev.mode !== 'learn' || prev.lesson !== s.lesson) writeHash(hash, true);
        else if (hash !== location.hash || pendingHash !== null) writeHash(hash, false);
      } else if (prev.mode === 'learn' && !applying && isLearnHash(location.hash)) {
        flush();
        history.pushState(history.state, '', `${location.pathname}${location.search}`);
      }
    });
    const unwatch = watchWorkbench();
    window.addEventListener('hashchange', applyHash);
    window.addEventListener('popstate', applyHash);
    document.addEventListener('keydown', onKey);
    const s = learn();
    document.documentElement.classList.toggle('presenting', s.mode === 'learn' && s.presenting);
    if (s.mode === 'learn') void ensureLearnData();
    stop = () => {
      unsubscribe();
      unwatch();
      window.removeEventListener('hashchange', applyHash);
      window.removeEventListener('popstate', applyHash);
      document.removeEventListener('keydown', onKey);
    };
  }
  return () => {
    if (--started === 0) {
      stop?.();
      stop = null;
    }
  };
}

/** The app's mode (workbench | learn), with the URL, keyboard and presenting wiring running. */
export function useAppMode(): Mode {
  useEffect(() => start(), []);
  return useLearn((s) => s.mode);
}

/** Switches mode from code (the mode switch uses links; this is for buttons). */
export function setMode(mode: Mode): void {
  learn().patch({ mode });
}

// The first render already shows the right mode and lesson (no flash of the workbench).
if (typeof location !== 'undefined') applyHash();
