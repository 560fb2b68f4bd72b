import { useMemo, useRef, type KeyboardEvent } from 'react';
import { overlayColor } from '../../../workers/core/report/overlays';
import { Alert } from '../../components/Alert';
import { useStore } from '../../store';
import { collapseRepeated, downloadHtmlReport, focusNode, selectGraphNode, setGraphVariant, setOverlay, toggleBlock } from '../../store/actions';
import { makeScene } from './draw';
import { GraphCanvas } from './GraphCanvas';
import { Legend } from './Legend';
import { NodePanel } from './NodePanel';
import { useOverlays } from './overlay-data';
import { SearchBox, searchMatches } from './SearchBox';
import { walk, type WalkKey } from './walk';

const WALK_KEYS = new Set<string>(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight']);

function Toolbar(props: { overlayIds: ReadonlyArray<{ id: string; label: string }> }) {
  const variant = useStore((s) => s.graph.variant);
  const hasInt8 = useStore((s) => s.quantize.outcome !== null);
  const overlay = useStore((s) => s.graph.overlay);
  const collapsed = useStore((s) => s.graph.collapsed.length > 0);
  const hasBlocks = useStore((s) => (s.graph.views[s.graph.variant]?.blocks.some((b) => b.repeated) ?? false));
  const canReport = useStore((s) => s.quantize.outcome !== null && s.graph.layout !== null && s.data.spec !== null);
  const reporting = useStore((s) => s.graph.reporting);
  return (
    <div className="row wrap graph-toolbar">
      <fieldset className="row inline-fields">
        <legend className="sr-only">Which graph</legend>
        <label className="check">
          <input type="radio" name="graph-variant" checked={variant === 'fp32'} onChange={() => void setGraphVariant('fp32')} />
          FP32
        </label>
        <label className="check" title={hasInt8 ? 'The INT8 model as written: the Q/DQ pairs the rewrite inserted' : 'Build the INT8 model first'}>
          <input type="radio" name="graph-variant" checked={variant === 'int8'} disabled={!hasInt8} onChange={() => void setGraphVariant('int8')} data-testid="graph-int8" />
          INT8 as written
        </label>
      </fieldset>
      <label>
        Overlay{' '}
        <select value={overlay ?? ''} onChange={(e) => setOverlay(e.target.value || null)} data-testid="graph-overlay">
          <option value="">None</option>
          {props.overlayIds.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <label className="check">
        <input type="checkbox" checked={collapsed} disabled={!hasBlocks && !collapsed} onChange={(e) => void collapseRepeated(e.target.checked)} data-testid="graph-collapse" />
        {variant === 'int8' ? 'Show the fused kernels (as onnxruntime runs it)' : 'Collapse repeated blocks'}
      </label>
      <SearchBox />
      <button type="button" onClick={() => void downloadHtmlReport()} disabled={!canReport || reporting} data-testid="download-html-report" title={canReport ? 'One HTML file: summary, options, this graph and overlay, charts, tables, how to reproduce' : 'Build the INT8 model first'}>
        {reporting ? 'Writing the report…' : 'Download report (.html)'}
      </button>
    </div>
  );
}

/**
 * The model's graph: one view of the same state as the tables (the same keep lists, ranges, decisions
 * and comparison), laid out in the graph worker, drawn on a canvas, coloured by an overlay.
 * Keyboard on the graph: arrows walk producers (↑), consumers (↓) and siblings (← →), / searches,
 * Esc closes the node panel, + − 0 zoom.
 */
export function GraphSection() {
  const info = useStore((s) => s.model.info);
  const layout = useStore((s) => s.graph.layout);
  const status = useStore((s) => s.graph.status);
  const error = useStore((s) => s.graph.error);
  const reportError = useStore((s) => s.graph.reportError);
  const overlayId = useStore((s) => s.graph.overlay);
  const moved = useStore((s) => (s.graph.overlay ? s.graph.thresholds[s.graph.overlay] : undefined));
  const selected = useStore((s) => s.graph.selected);
  const focus = useStore((s) => s.graph.focus);
  const search = useStore((s) => s.graph.search);
  const view = useStore((s) => s.graph.views[s.graph.variant]);
  const overlays = useOverlays();
  const overlay = overlays.find((o) => o.id === overlayId) ?? null;
  const scene = useMemo(() => {
    if (!layout) return null;
    return makeScene(
      layout,
      // A fused kernel of the INT8 graph ('fused:Conv_3') takes its op's value.
      (id) => (overlay ? overlayColor(overlay.values[id.startsWith('fused:') ? id.slice(6) : id], overlay.scale, moved) : '#ffffff'),
      (tensors) => {
        if (!overlay?.edges) return null;
        const v = tensors.map((t) => overlay.edges![t]).find((x) => x !== undefined);
        return v === undefined ? null : overlayColor(v, overlay.scale, moved);
      },
    );
  }, [layout, overlay, moved]);
  const matches = useMemo(() => (view && layout ? searchMatches(view, layout, search) : new Set<string>()), [view, layout, search]);
  const box = useRef<HTMLDivElement>(null);
  if (!info) return null;

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.target instanceof HTMLTextAreaElement;
    if (e.key === 'Escape') {
      if (selected) void selectGraphNode(null);
      box.current?.querySelector<HTMLCanvasElement>('canvas.graph-canvas')?.focus();
      e.preventDefault();
    } else if (e.key === '/' && !typing) {
      box.current?.querySelector<HTMLInputElement>('input[type="search"]')?.focus();
      e.preventDefault();
    } else if (WALK_KEYS.has(e.key) && !typing && layout) {
      const from = selected ?? layout.nodes[0]?.id;
      const next = from ? (selected ? walk(layout, from, e.key as WalkKey) : from) : null;
      if (next) {
        void selectGraphNode(next);
        void focusNode(next);
      }
      e.preventDefault();
    }
  };

  return (
    <section className="step graph-step" aria-labelledby="graph-title" data-testid="graph-view" ref={box} onKeyDown={onKeyDown}>
      <header className="step-header">
        <h2 id="graph-title">Graph</h2>
        <span className="step-summary" data-testid="graph-summary">
          {layout ? `${view?.nodes.length ?? 0} nodes, ${layout.nodes.length} boxes drawn (${layout.engine})` : null}
          {status === 'working' ? ' · laying out…' : ''}
        </span>
      </header>
      <Toolbar overlayIds={overlays.map((o) => ({ id: o.id, label: o.label }))} />
      {error ? <Alert problem={error} testId="graph-error" /> : null}
      {reportError ? <Alert problem={reportError} testId="graph-report-error" /> : null}
      {overlay ? <Legend overlay={overlay} /> : overlays.length === 0 ? <p className="muted">Overlays appear as the steps produce their data: ranges after calibration, precision after the build, error after Compare.</p> : null}
      <div className="graph-main">
        {scene ? (
          <GraphCanvas
            scene={scene}
            selected={selected}
            matches={matches}
            focus={focus}
            onSelect={(id) => void selectGraphNode(id)}
            onOpenBlock={(id) => void toggleBlock(id)}
            label={`The graph of ${info.name}${overlay ? `, coloured by ${overlay.label}` : ''}: drag to pan, wheel or + and − to zoom, arrows to walk from node to node.`}
          />
        ) : (
          <div className="graph-canvas-box placeholder" role="status">
            {status === 'working' ? 'Laying out the graph…' : 'No graph yet.'}
          </div>
        )}
        <NodePanel overlays={overlays} />
      </div>
    </section>
  );
}
