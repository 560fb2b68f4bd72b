import { useEffect, useRef } from 'react';
import { drawMinimap, drawScene, hitTest, type Scene } from './draw';
import { centerOn, fitAll, fitTop, panBy, toLayout, zoomAt, type Size, type Viewport } from './viewport';

export interface GraphCanvasProps {
  readonly scene: Scene;
  readonly selected: string | null;
  readonly matches: ReadonlySet<string>;
  /** Centre on this node when `seq` changes. */
  readonly focus: { readonly node: string; readonly seq: number } | null;
  readonly onSelect: (id: string | null) => void;
  /** A double click on a collapsed block. */
  readonly onOpenBlock: (id: string) => void;
  readonly label: string;
}

const MINIMAP: Size = { width: 150, height: 220 };

/** The first view of a layout: centred on the focused node when there is one (a link from Learn mode), else the graph's top. */
function startView(props: GraphCanvasProps, size: Size): Viewport {
  const n = props.focus ? props.scene.layout.nodes.find((x) => x.id === props.focus!.node) : undefined;
  return n ? centerOn(fitTop(props.scene.layout, size), n.x + n.width / 2, n.y + n.height / 2, size) : fitTop(props.scene.layout, size);
}

/**
 * The graph on a canvas with a minimap. Pan (drag), zoom (wheel, + and -, 0 fits) and every redraw
 * happen here, outside React: the viewport is three numbers in a ref, each change schedules one
 * animation frame that draws what is in view, and the layout is never recomputed. The minimap's
 * picture is drawn once per scene; each frame only copies it and draws the view's rectangle.
 */
export function GraphCanvas(props: GraphCanvasProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const mini = useRef<HTMLCanvasElement>(null);
  const view = useRef<Viewport>({ scale: 1, tx: 0, ty: 0 });
  const size = useRef<Size>({ width: 0, height: 0 });
  const miniPicture = useRef<{ canvas: HTMLCanvasElement; scale: number; ox: number; oy: number } | null>(null);
  const frame = useRef(0);
  const latest = useRef(props);
  latest.current = props;

  const draw = () => {
    frame.current = 0;
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    if (!el || !ctx || size.current.width === 0) return;
    const dpr = window.devicePixelRatio || 1;
    const { scene, selected, matches } = latest.current;
    drawScene(ctx, scene, view.current, size.current, dpr, { selected, matches });
    const v = view.current;
    el.dataset.scale = v.scale.toFixed(4);
    const sel = selected ? scene.layout.nodes.find((n) => n.id === selected) : undefined;
    el.dataset.selectedBox = sel ? [sel.x * v.scale + v.tx, sel.y * v.scale + v.ty, sel.width * v.scale, sel.height * v.scale].map((x) => x.toFixed(1)).join(',') : '';
    const m = mini.current?.getContext('2d');
    const picture = miniPicture.current;
    if (m && picture) {
      m.setTransform(dpr, 0, 0, dpr, 0, 0);
      m.clearRect(0, 0, MINIMAP.width, MINIMAP.height);
      m.drawImage(picture.canvas, 0, 0, MINIMAP.width, MINIMAP.height);
      const s = picture.scale / v.scale;
      m.strokeStyle = '#1f5fbf';
      m.lineWidth = 1.5;
      m.strokeRect(picture.ox - v.tx * s, picture.oy - v.ty * s, size.current.width * s, size.current.height * s);
    }
  };
  const schedule = () => {
    if (!frame.current) frame.current = requestAnimationFrame(draw);
  };
  const setView = (v: Viewport) => {
    view.current = v;
    schedule();
  };

  // Size: the canvas follows its box; its backing store is in device pixels.
  useEffect(() => {
    const el = canvas.current!;
    const ro = new ResizeObserver(() => {
      const dpr = window.devicePixelRatio || 1;
      const w = el.clientWidth;
      const h = el.clientHeight;
      const first = size.current.width === 0;
      size.current = { width: w, height: h };
      el.width = Math.round(w * dpr);
      el.height = Math.round(h * dpr);
      if (first) view.current = startView(latest.current, size.current);
      schedule();
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      if (frame.current) cancelAnimationFrame(frame.current);
    };
  }, []);

  // A new layout starts at its top; new colours keep the view.
  const layout = props.scene.layout;
  useEffect(() => {
    if (size.current.width > 0) view.current = startView(latest.current, size.current);
  }, [layout]);
  useEffect(() => {
    const dpr = window.devicePixelRatio || 1;
    const picture = miniPicture.current?.canvas ?? document.createElement('canvas');
    picture.width = MINIMAP.width * dpr;
    picture.height = MINIMAP.height * dpr;
    const placed = drawMinimap(picture.getContext('2d')!, props.scene, MINIMAP, dpr);
    miniPicture.current = { canvas: picture, ...placed };
    const m = mini.current!;
    m.width = MINIMAP.width * dpr;
    m.height = MINIMAP.height * dpr;
    schedule();
  }, [props.scene]);
  useEffect(schedule, [props.selected, props.matches]);

  // Focus requests (search, "go to worst", arrow keys).
  const focus = props.focus;
  useEffect(() => {
    if (!focus) return;
    const n = latest.current.scene.layout.nodes.find((x) => x.id === focus.node);
    if (n && size.current.width > 0) setView(centerOn(view.current, n.x + n.width / 2, n.y + n.height / 2, size.current));
  }, [focus?.seq]); // eslint-disable-line react-hooks/exhaustive-deps

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const el = canvas.current!;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = el.getBoundingClientRect();
      const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
      setView(zoomAt(view.current, Math.exp(-delta * 0.0015), e.clientX - rect.left, e.clientY - rect.top));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  const drag = useRef<{ x: number; y: number; moved: number; id: number } | null>(null);
  const onPointerDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { x: e.clientX, y: e.clientY, moved: 0, id: e.pointerId };
  };
  const onPointerMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    d.moved += Math.abs(dx) + Math.abs(dy);
    d.x = e.clientX;
    d.y = e.clientY;
    setView(panBy(view.current, dx, dy));
  };
  const onPointerUp = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    drag.current = null;
    if (!d || d.moved > 4) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const p = toLayout(view.current, e.clientX - rect.left, e.clientY - rect.top);
    props.onSelect(hitTest(props.scene.layout, p.x, p.y, 2 / view.current.scale));
  };
  const onDoubleClick = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const p = toLayout(view.current, e.clientX - rect.left, e.clientY - rect.top);
    const id = hitTest(props.scene.layout, p.x, p.y);
    const n = id ? props.scene.layout.nodes.find((x) => x.id === id) : undefined;
    if (n?.kind === 'block') props.onOpenBlock(n.id);
  };
  const onKeyDown = (e: React.KeyboardEvent<HTMLCanvasElement>) => {
    const c = { x: size.current.width / 2, y: size.current.height / 2 };
    if (e.key === '+' || e.key === '=') setView(zoomAt(view.current, 1.25, c.x, c.y));
    else if (e.key === '-') setView(zoomAt(view.current, 0.8, c.x, c.y));
    else if (e.key === '0') setView(fitAll(props.scene.layout, size.current));
    else return;
    e.preventDefault();
  };

  const miniDrag = useRef(false);
  const miniMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const picture = miniPicture.current;
    if (!picture || (!miniDrag.current && e.type !== 'pointerdown')) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const x = (e.clientX - rect.left - picture.ox) / picture.scale;
    const y = (e.clientY - rect.top - picture.oy) / picture.scale;
    const v = view.current;
    setView({ ...v, tx: size.current.width / 2 - x * v.scale, ty: size.current.height / 2 - y * v.scale });
  };

  return (
    <div className="graph-canvas-box">
      <canvas
        ref={canvas}
        className="graph-canvas"
        tabIndex={0}
        role="img"
        aria-label={props.label}
        data-testid="graph-canvas"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => (drag.current = null)}
        onDoubleClick={onDoubleClick}
        onKeyDown={onKeyDown}
      />
      <div className="graph-zoom" role="group" aria-label="Zoom">
        <button type="button" onClick={() => setView(zoomAt(view.current, 1.25, size.current.width / 2, size.current.height / 2))} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => setView(zoomAt(view.current, 0.8, size.current.width / 2, size.current.height / 2))} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={() => setView(fitAll(props.scene.layout, size.current))} data-testid="graph-fit">
          Fit
        </button>
      </div>
      <canvas
        ref={mini}
        className="graph-minimap"
        style={{ width: MINIMAP.width, height: MINIMAP.height }}
        aria-label="Minimap: drag to move the view"
        data-testid="graph-minimap"
        onPointerDown={(e) => {
          miniDrag.current = true;
          e.currentTarget.setPointerCapture(e.pointerId);
          miniMove(e);
        }}
        onPointerMove={miniMove}
        onPointerUp={() => (miniDrag.current = false)}
      />
    </div>
  );
}
