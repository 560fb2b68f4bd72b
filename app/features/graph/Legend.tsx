import type { NodeOverlay } from '../../../workers/core/report/overlays';
import { formatOverlayValue, legendBands, worstNode } from '../../../workers/core/report/overlays';
import { useStore } from '../../store';
import { focusNode, resetThresholds, setThreshold } from '../../store/actions';

/**
 * The overlay's legend: each colour and the values it stands for, and for a numeric overlay one
 * slider per threshold (the colours on the graph follow as it moves), plus "go to the worst node".
 */
export function Legend(props: { overlay: NodeOverlay }) {
  const o = props.overlay;
  const moved = useStore((s) => s.graph.thresholds[o.id]);
  const scale = o.scale;
  const thresholds = scale.kind === 'numeric' ? (moved ?? scale.thresholds) : [];
  const worst = worstNode(o);
  const count = Object.keys(o.values).length;
  return (
    <div className="graph-legend" data-testid="graph-legend" aria-label={`Legend: ${o.label}`}>
      <p className="meta">
        {o.description} {count} node(s) have a value.
      </p>
      <ul className="chart-legend">
        {legendBands(scale, moved).map((b) => (
          <li key={b.label}>
            <span className="swatch swatch-area" style={{ background: b.color }} aria-hidden="true" />
            {b.label}
          </li>
        ))}
        <li>
          <span className="swatch swatch-area swatch-none" aria-hidden="true" />
          no value
        </li>
      </ul>
      {scale.kind === 'numeric' ? (
        <div className="row wrap thresholds">
          {thresholds.map((t, k) => (
            <label key={k} className="threshold">
              Threshold {k + 1}
              <input
                type="range"
                min={scale.domain[0]}
                max={scale.domain[1]}
                step={scale.step}
                value={t}
                onChange={(e) => setThreshold(o.id, scale.thresholds, k, Number(e.target.value))}
                data-testid={`threshold-${k}`}
              />
              <output>{formatOverlayValue(t, scale)}</output>
            </label>
          ))}
          {moved ? (
            <button type="button" className="link" onClick={() => resetThresholds(o.id)}>
              Reset
            </button>
          ) : null}
          {worst ? (
            <button type="button" onClick={() => void focusNode(worst)} data-testid="graph-go-worst" title={`Centre the view on ${worst}`}>
              Go to the worst node ({formatOverlayValue(o.values[worst], scale)})
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
