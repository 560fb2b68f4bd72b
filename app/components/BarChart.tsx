import type { HistogramView } from '../../workers/contracts';

export interface Marker {
  readonly x: number;
  readonly label: string;
  readonly tone?: 'range' | 'observed' | 'grid';
}

/**
 * A placeholder histogram (inline SVG, log-scaled counts) with vertical markers. Phase 2 replaces it
 * with recharts; the data it takes (HistogramView + markers) is what the store already holds.
 */
export function HistogramChart(props: { histogram: HistogramView; markers?: readonly Marker[]; label: string; testId?: string }) {
  const { histogram: h } = props;
  const width = 480;
  const height = 140;
  const markers = props.markers ?? [];
  const lo = Math.min(h.lo, ...markers.map((m) => m.x));
  const hi = Math.max(h.lo + h.binWidth * h.counts.length, ...markers.map((m) => m.x));
  const span = hi - lo || 1;
  const x = (v: number) => ((v - lo) / span) * width;
  const peak = Math.max(1, ...h.counts.map((c) => Math.log10(1 + c)));
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height + 16}`} role="img" aria-label={props.label} data-testid={props.testId} preserveAspectRatio="none">
      {h.counts.map((c, i) => {
        const barHeight = (Math.log10(1 + c) / peak) * height;
        const x0 = x(h.lo + i * h.binWidth);
        return <rect key={i} x={x0} y={height - barHeight} width={Math.max(0.5, x(h.lo + (i + 1) * h.binWidth) - x0)} height={barHeight} className="bar" />;
      })}
      {markers.map((m, i) => (
        <g key={i} className={`marker marker-${m.tone ?? 'range'}`}>
          <line x1={x(m.x)} x2={x(m.x)} y1={0} y2={height} />
          <text x={Math.min(width - 40, Math.max(0, x(m.x) + 2))} y={height + 12}>
            {m.label}
          </text>
        </g>
      ))}
    </svg>
  );
}
