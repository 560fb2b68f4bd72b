import { useEffect, useState, type RefObject } from 'react';

/** Tables with more rows than this render only the rows in view (plus some), so they stay quick. */
export const WINDOW_THRESHOLD = 150;

export interface RowWindow {
  readonly start: number;
  readonly end: number;
  /** Heights of the spacer rows before and after the rendered ones (px). */
  readonly padTop: number;
  readonly padBottom: number;
}

/**
 * The slice of `count` fixed-height rows visible in a scroll container (all of them below the
 * threshold). Re-renders only when the slice changes, not on every scroll event.
 */
export function useRowWindow(container: RefObject<HTMLElement | null>, count: number, rowHeight: number, overscan = 12): RowWindow {
  const windowed = count > WINDOW_THRESHOLD;
  const [range, setRange] = useState<{ start: number; end: number }>({ start: 0, end: Math.min(count, 40) });
  useEffect(() => {
    const el = container.current;
    if (!el || !windowed) return;
    const update = () => {
      const first = Math.floor(el.scrollTop / rowHeight);
      const visible = Math.ceil(el.clientHeight / rowHeight) + 1;
      const start = Math.max(0, first - overscan);
      const end = Math.min(count, first + visible + overscan);
      setRange((r) => (r.start === start && r.end === end ? r : { start, end }));
    };
    update();
    el.addEventListener('scroll', update, { passive: true });
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => {
      el.removeEventListener('scroll', update);
      observer.disconnect();
    };
  }, [container, count, rowHeight, overscan, windowed]);
  if (!windowed) return { start: 0, end: count, padTop: 0, padBottom: 0 };
  const start = Math.min(range.start, count);
  const end = Math.min(Math.max(range.end, start), count);
  return { start, end, padTop: start * rowHeight, padBottom: (count - end) * rowHeight };
}
