/**
 * Drawing the laid-out graph on a 2D canvas, fast enough for every pan and zoom frame of a
 * 1,000-node model: only what is in view is drawn (a bounds test per box and per edge), fills are
 * batched by colour into one path each, every plain edge goes into one stroke, and text and arrow
 * heads are left out when they would be too small to read.
 */
import type { GraphLayout } from '../../../workers/contracts';
import { NO_VALUE_COLOR } from '../../../workers/core/report/overlays';
import { visibleRect, type Size, type Viewport } from './viewport';

/** What one frame draws: the layout and the colours, prepared once per layout or overlay change. */
export interface Scene {
  readonly layout: GraphLayout;
  /** Per layout node (same order): its fill. */
  readonly fills: readonly string[];
  /** Per layout edge (same order): its colour, or null for the plain grey. */
  readonly edgeColors: ReadonlyArray<string | null>;
  /** Per layout edge: its bounding box as x0, y0, x1, y1. */
  readonly edgeBoxes: Float64Array;
}

export interface Marks {
  readonly selected: string | null;
  /** Search matches. */
  readonly matches: ReadonlySet<string>;
}

export const COLORS = {
  background: '#fbfcfd',
  edge: '#a3adb9',
  border: '#4a5565',
  text: '#1b2230',
  io: '#e6ebf2',
  block: '#f3f5f8',
  selected: '#1f5fbf',
  match: '#c2410c',
} as const;

export function makeScene(layout: GraphLayout, fillOf: (id: string, kind: string) => string, edgeColorOf: (tensors: readonly string[]) => string | null): Scene {
  const edgeBoxes = new Float64Array(layout.edges.length * 4);
  layout.edges.forEach((e, i) => {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let k = 0; k < e.points.length; k += 2) {
      x0 = Math.min(x0, e.points[k]);
      x1 = Math.max(x1, e.points[k]);
      y0 = Math.min(y0, e.points[k + 1]);
      y1 = Math.max(y1, e.points[k + 1]);
    }
    edgeBoxes.set([x0, y0, x1, y1], i * 4);
  });
  return {
    layout,
    fills: layout.nodes.map((n) => (n.kind === 'input' || n.kind === 'output' ? COLORS.io : n.kind === 'block' ? fillOf(n.id, n.kind) || COLORS.block : fillOf(n.id, n.kind))),
    edgeColors: layout.edges.map((e) => edgeColorOf(e.tensors)),
    edgeBoxes,
  };
}

/** Text is drawn from this scale up (12 px labels at 0.45 are about 5 px tall: below, they are noise). */
const TEXT_SCALE = 0.45;
const ARROW_SCALE = 0.5;

export function drawScene(ctx: CanvasRenderingContext2D, scene: Scene, v: Viewport, size: Size, dpr: number, marks: Marks): void {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = COLORS.background;
  ctx.fillRect(0, 0, size.width, size.height);
  ctx.setTransform(dpr * v.scale, 0, 0, dpr * v.scale, dpr * v.tx, dpr * v.ty);
  const r = visibleRect(v, size);
  const px = 1 / v.scale; // one CSS pixel in layout units
  const { layout } = scene;

  // Edges: plain ones in one stroke, coloured ones grouped by colour.
  const byColor = new Map<string, number[]>();
  const plain: number[] = [];
  for (let i = 0; i < layout.edges.length; i++) {
    const b = i * 4;
    if (scene.edgeBoxes[b] > r.x1 || scene.edgeBoxes[b + 2] < r.x0 || scene.edgeBoxes[b + 1] > r.y1 || scene.edgeBoxes[b + 3] < r.y0) continue;
    const c = scene.edgeColors[i];
    if (c === null) plain.push(i);
    else {
      let list = byColor.get(c);
      if (!list) byColor.set(c, (list = []));
      list.push(i);
    }
  }
  const strokeEdges = (list: readonly number[], color: string, width: number) => {
    ctx.beginPath();
    for (const i of list) {
      const p = layout.edges[i].points;
      if (p.length < 4) continue;
      ctx.moveTo(p[0], p[1]);
      for (let k = 2; k < p.length; k += 2) ctx.lineTo(p[k], p[k + 1]);
    }
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.stroke();
  };
  strokeEdges(plain, COLORS.edge, Math.max(1.2, px));
  for (const [color, list] of byColor) strokeEdges(list, color, Math.max(2.4, 2 * px));
  if (v.scale >= ARROW_SCALE) {
    ctx.beginPath();
    for (const i of [...plain, ...[...byColor.values()].flat()]) {
      const p = layout.edges[i].points;
      const n = p.length;
      if (n < 4) continue;
      const x = p[n - 2];
      const y = p[n - 1];
      const a = Math.atan2(y - p[n - 3], x - p[n - 4]);
      ctx.moveTo(x, y);
      ctx.lineTo(x - 7 * Math.cos(a - 0.4), y - 7 * Math.sin(a - 0.4));
      ctx.lineTo(x - 7 * Math.cos(a + 0.4), y - 7 * Math.sin(a + 0.4));
      ctx.closePath();
    }
    ctx.fillStyle = COLORS.edge;
    ctx.fill();
  }

  // Boxes: fills batched by colour, then every border in one stroke (blocks dashed).
  const visible: number[] = [];
  for (let i = 0; i < layout.nodes.length; i++) {
    const n = layout.nodes[i];
    if (n.x > r.x1 || n.x + n.width < r.x0 || n.y > r.y1 || n.y + n.height < r.y0) continue;
    visible.push(i);
  }
  const fills = new Map<string, number[]>();
  for (const i of visible) {
    const f = scene.fills[i] || NO_VALUE_COLOR;
    let list = fills.get(f);
    if (!list) fills.set(f, (list = []));
    list.push(i);
  }
  const rounded = v.scale >= TEXT_SCALE;
  const box = (i: number, inset = 0) => {
    const n = layout.nodes[i];
    if (rounded) ctx.roundRect(n.x - inset, n.y - inset, n.width + 2 * inset, n.height + 2 * inset, n.kind === 'op' ? 4 : 12);
    else ctx.rect(n.x - inset, n.y - inset, n.width + 2 * inset, n.height + 2 * inset);
  };
  for (const [color, list] of fills) {
    ctx.beginPath();
    for (const i of list) box(i);
    ctx.fillStyle = color;
    ctx.fill();
  }
  ctx.lineWidth = Math.max(1, px);
  ctx.strokeStyle = COLORS.border;
  ctx.beginPath();
  for (const i of visible) if (layout.nodes[i].kind !== 'block') box(i);
  ctx.stroke();
  ctx.setLineDash([4, 3]);
  ctx.beginPath();
  for (const i of visible) if (layout.nodes[i].kind === 'block') box(i);
  ctx.stroke();
  ctx.setLineDash([]);

  // Search matches and the selected node, outlined so they are found at any zoom.
  const outline = (ids: ReadonlySet<string>, color: string, width: number) => {
    if (ids.size === 0) return;
    ctx.beginPath();
    for (const i of visible) if (ids.has(layout.nodes[i].id)) box(i, 3 * px);
    ctx.strokeStyle = color;
    ctx.lineWidth = width * px;
    ctx.stroke();
  };
  outline(marks.matches, COLORS.match, 2.5);
  if (marks.selected) outline(new Set([marks.selected]), COLORS.selected, 3.5);

  if (v.scale >= TEXT_SCALE) {
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = COLORS.text;
    for (const i of visible) {
      const n = layout.nodes[i];
      ctx.fillText(n.label, n.x + n.width / 2, n.y + n.height / 2 + 0.5, n.width - 8);
    }
  }
}

/** The whole graph small, for the minimap (drawn once per scene into its own canvas). */
export function drawMinimap(ctx: CanvasRenderingContext2D, scene: Scene, size: Size, dpr: number): { scale: number; ox: number; oy: number } {
  const { layout } = scene;
  const scale = Math.min(size.width / layout.width, size.height / layout.height);
  const ox = (size.width - layout.width * scale) / 2;
  const oy = (size.height - layout.height * scale) / 2;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, size.width, size.height);
  ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * ox, dpr * oy);
  ctx.beginPath();
  for (const e of layout.edges) {
    const p = e.points;
    if (p.length < 4) continue;
    ctx.moveTo(p[0], p[1]);
    ctx.lineTo(p[p.length - 2], p[p.length - 1]);
  }
  ctx.strokeStyle = COLORS.edge;
  ctx.lineWidth = 1 / scale;
  ctx.stroke();
  const minSide = 1.5 / scale;
  layout.nodes.forEach((n, i) => {
    ctx.fillStyle = scene.fills[i] === '#ffffff' ? '#c9d1db' : scene.fills[i] || NO_VALUE_COLOR;
    ctx.fillRect(n.x, n.y, Math.max(minSide, n.width), Math.max(minSide, n.height));
  });
  return { scale, ox, oy };
}

/** The box under a layout point (topmost drawn last wins), or null. */
export function hitTest(layout: GraphLayout, x: number, y: number, slop = 0): string | null {
  for (let i = layout.nodes.length - 1; i >= 0; i--) {
    const n = layout.nodes[i];
    if (x >= n.x - slop && x <= n.x + n.width + slop && y >= n.y - slop && y <= n.y + n.height + slop) return n.id;
  }
  return null;
}
