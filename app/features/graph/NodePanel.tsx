import type { GraphViewNode, NodeProfile } from '../../../workers/contracts';
import { formatOverlayValue, type NodeOverlay } from '../../../workers/core/report/overlays';
import { Alert } from '../../components/Alert';
import { ChartFrame } from '../../components/ChartFrame';
import { ErrorHistogramChart } from '../../components/charts/ErrorHistogramChart';
import { RangeHistogramChart, type MethodMarker } from '../../components/charts/RangeHistogramChart';
import { formatDb, formatMs, formatNumber, formatPercent } from '../../lib/format';
import { useStore } from '../../store';
import { selectGraphNode, setNodeKeep, toggleBlock } from '../../store/actions';
import { WeightDetailBody } from '../quantize/WeightPanel';

/** The node's activation histogram with its clip range (solid), the grid, and where the other methods would clip. */
function ActivationChart() {
  const p = useStore((s) => s.graph.panel);
  if (!p.tensor) return null;
  if (p.status === 'working' && !p.detail) return <p role="status">Loading the histogram of {p.tensor}…</p>;
  if (p.error) return <p className="muted">{p.error.code === 'no-statistics' ? `${p.tensor} was not observed by calibration (it is not quantized on its own).` : p.error.message}</p>;
  const d = p.detail;
  if (!d?.histogram) return d ? <p className="muted">Calibrated without histograms: only MinMax ranges are known.</p> : null;
  const markers: MethodMarker[] = (['minmax', 'percentile', 'entropy', 'mse'] as const).flatMap((m) => (d.ranges[m] ? [{ method: m, min: d.ranges[m].min, max: d.ranges[m].max }] : []));
  return (
    <ChartFrame title={`Activation ${d.tensor}: clip range and grid`} summary={`Values from ${formatNumber(d.stats.min)} to ${formatNumber(d.stats.max)}; clipped at ${formatNumber(d.chosen.min)} and ${formatNumber(d.chosen.max)}.`} testId="node-histogram">
      <RangeHistogramChart histogram={d.histogram} range={d.chosen} method={d.chosen.method} grid={d.grid} markers={markers} logScale height={200} />
    </ChartFrame>
  );
}

function ProfileLine(props: { node: string; profiles: readonly NodeProfile[] | null }) {
  if (!props.profiles?.length) return <p className="muted" data-testid="node-profile">No per-node profile yet (latency is measured per model in Compare).</p>;
  const lines = new Map<string, string[]>();
  for (const p of props.profiles) {
    const ms = p.nodes.filter((n) => n.node === props.node).reduce((a, n) => a + n.ms, 0);
    const list = lines.get(p.label) ?? [];
    list.push(`${p.variant.toUpperCase()} ${formatMs(ms)} (${formatPercent(p.totalMs > 0 ? ms / p.totalMs : NaN)})`);
    lines.set(p.label, list);
  }
  return (
    <p className="meta" data-testid="node-profile">
      Profile: {[...lines].map(([label, list]) => `${label}: ${list.join(', ')}`).join(' · ')}
    </p>
  );
}

function KeepSwitch(props: { node: GraphViewNode }) {
  const row = useStore((s) => s.model.info?.nodes.find((n) => n.name === props.node.id));
  const kept = useStore((s) => s.quantize.keepNodes.includes(props.node.id));
  const byRule = useStore((s) => (row ? s.quantize.keepOpTypes.includes(row.opType) || (s.quantize.keepFirstAndLast && row.firstOrLast) : false));
  const busy = useStore((s) => s.quantize.status === 'working' || s.comparison.compare.status === 'working');
  const int8 = useStore((s) => s.graph.variant === 'int8');
  if (!row?.quantizable || int8) return null;
  return (
    <label className="check toggle keep-switch">
      <input type="checkbox" role="switch" checked={kept || byRule} disabled={byRule || busy} onChange={(e) => void setNodeKeep(props.node.id, e.target.checked)} data-testid="node-keep-fp32" />
      Keep in FP32{byRule ? ' (by a rule in the Quantize step)' : ''}
      {busy ? (
        <span role="status" className="muted">
          {' '}
          rebuilding…
        </span>
      ) : null}
    </label>
  );
}

/** The selected node: what it is, every overlay's value for it, its charts and the keep-FP32 switch. Esc closes it. */
export function NodePanel(props: { overlays: readonly NodeOverlay[] }) {
  const id = useStore((s) => s.graph.selected);
  const variant = useStore((s) => s.graph.variant);
  const view = useStore((s) => s.graph.views[s.graph.variant]);
  const weight = useStore((s) => s.graph.panel.weight);
  const layers = useStore((s) => s.comparison.compare.result);
  const profiles = useStore((s) => s.graph.analysis.profiles);
  if (!id || !view) return <p className="muted placeholder graph-panel">Click a node (or press ↓ on the focused graph) to see its tensors, weights, error and profile.</p>;
  const node = view.nodes.find((n) => n.id === id);
  const block = view.blocks.find((b) => b.id === id);
  const close = (
    <button type="button" className="link" onClick={() => void selectGraphNode(null)} aria-label={`Close the panel of ${id}`}>
      Close
    </button>
  );
  if (block) {
    return (
      <aside className="panel detail graph-panel" aria-label={`Block ${block.label}`} data-testid="node-panel">
        <div className="panel-head">
          <h3>{block.id}</h3>
          {close}
        </div>
        <p className="meta">
          {block.nodes.length} nodes{block.repeated ? ', a block that repeats' : ''}: {block.signature.split(',').slice(0, 12).join(' → ')}
          {block.nodes.length > 12 ? ' …' : ''}
        </p>
        <button type="button" onClick={() => void toggleBlock(block.id)}>
          Open the block
        </button>
      </aside>
    );
  }
  if (!node) return null;
  const layer = layers?.layers.find((l) => l.node === id);
  const errors = layer ? layers?.errorHistograms.layers[layer.fp32] : undefined;
  const values = props.overlays.filter((o) => o.values[id] !== undefined);
  return (
    <aside className="panel detail graph-panel" aria-label={`Node ${id}`} data-testid="node-panel">
      <div className="panel-head">
        <h3 data-testid="node-panel-name">{id}</h3>
        {close}
      </div>
      <p className="meta">
        {node.opType}
        {node.block ? ` in ${node.block}` : ''} · reads {node.inputs.length ? node.inputs.join(', ') : 'nothing'} · writes {node.outputs.join(', ') || 'nothing'}
        {node.weights.length ? ` · weights ${node.weights.map((w) => `${w.name} [${w.dims.join('×')}]`).join(', ')}` : ''}
      </p>
      <KeepSwitch node={node} />
      {values.length ? (
        <table className="compact" data-testid="node-values">
          <tbody>
            {values.map((o) => (
              <tr key={o.id}>
                <th scope="row">{o.label}</th>
                <td className="num">{formatOverlayValue(o.values[id], o.scale)}</td>
                <td className="muted">{o.notes?.[id] ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No overlay has a value for this node yet: calibrate, build and compare to get ranges, precision and error.</p>
      )}
      {variant === 'fp32' ? <ActivationChart /> : <p className="muted">The INT8 graph as written: open the FP32 graph for this node's histograms.</p>}
      {weight.node === id ? <WeightDetailBody weight={weight} chartTestId="node-weight-chart" /> : null}
      {layer && errors ? (
        <ChartFrame title={`Error of ${layer.fp32} (FP32 − INT8)`} summary={`SQNR ${formatDb(layer.sqnrDb)}; errors from ${formatNumber(errors.min)} to ${formatNumber(errors.max)}.`} testId="node-error-histogram">
          <ErrorHistogramChart histogram={errors} logScale height={160} />
        </ChartFrame>
      ) : null}
      <ProfileLine node={id} profiles={profiles} />
      {node.kind === 'op' && node.block ? (
        <button type="button" className="link" onClick={() => void toggleBlock(node.block)}>
          Collapse its block
        </button>
      ) : null}
    </aside>
  );
}

