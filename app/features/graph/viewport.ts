/**
 * Pan and zoom as plain numbers: a point of the layout (x, y) is drawn at (x·scale + tx, y·scale + ty)
 * CSS pixels in the canvas. Pan and zoom only change these three numbers; the layout never moves.
 */
export interface Viewport {
  readonly scale: number;
  readonly tx: number;
  readonly ty: number;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export const MIN_SCALE = 0.02;
export const MAX_SCALE = 4;

const clampScale = (s: number) => Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));

/** Zooms by `factor` keeping the layout point under (sx, sy) where it is. */
export function zoomAt(v: Viewport, factor: number, sx: number, sy: number): Viewport {
  const scale = clampScale(v.scale * factor);
  const k = scale / v.scale;
  return { scale, tx: sx - (sx - v.tx) * k, ty: sy - (sy - v.ty) * k };
}

export function panBy(v: Viewport, dx: number, dy: number): Viewport {
  return { ...v, tx: v.tx + dx, ty: v.ty + dy };
}

/** The whole drawing in view. */
export function fitAll(layout: Size, view: Size, padding = 12): Viewport {
  const scale = clampScale(Math.min((view.width - 2 * padding) / layout.width, (view.height - 2 * padding) / layout.height, 1));
  return { scale, tx: (view.width - layout.width * scale) / 2, ty: (view.height - layout.height * scale) / 2 };
}

/** The first view of a graph: its top, as wide as the canvas allows (at most scale 1), centred across. */
export function fitTop(layout: Size, view: Size): Viewport {
  const scale = clampScale(Math.min(1, (view.width - 24) / layout.width));
  return { scale, tx: (view.width - layout.width * scale) / 2, ty: 8 };
}

/** Centres a layout point, zooming in to `minScale` if the view is further out. */
export function centerOn(v: Viewport, x: number, y: number, view: Size, minScale = 1): Viewport {
  const scale = Math.max(v.scale, Math.min(MAX_SCALE, minScale));
  return { scale, tx: view.width / 2 - x * scale, ty: view.height / 2 - y * scale };
}

/** The layout rectangle the canvas shows. */
export function visibleRect(v: Viewport, view: Size): { x0: number; y0: number; x1: number; y1: number } {
  return { x0: -v.tx / v.scale, y0: -v.ty / v.scale, x1: (view.width - v.tx) / v.scale, y1: (view.height - v.ty) / v.scale };
}

/** The layout point under a canvas point. */
export function toLayout(v: Viewport, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - v.tx) / v.scale, y: (sy - v.ty) / v.scale };
}
