import { Area, ComposedChart, ReferenceArea, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import type { HistogramView } from '../../../workers/contracts';
import { histogramSteps, niceTicks } from '../lib/series';
import { PALETTE, TICK, tick } from './theme';

export interface HistogramMarker {
  readonly x: number;
  readonly label: string;
  readonly color: string;
  readonly dash?: string;
  readonly width?: number;
  /** Where the label goes (recharts label position); alternating top positions by default. */
  readonly position?: 'top' | 'insideTopRight' | 'insideTopLeft' | 'insideBottomRight' | 'insideBottomLeft';
}

export interface HistogramChartProps {
  readonly histogram: HistogramView;
  /** Shade what falls outside this range (it is clipped). */
  readonly clip?: { readonly min: number; readonly max: number };
  readonly markers?: readonly HistogramMarker[];
  readonly log?: boolean;
  readonly label: string;
  readonly testId?: string;
  readonly tall?: boolean;
}

/** A tensor's real histogram (step area; log10(1 + count) by default), clipped tails shaded, vertical markers. */
export function HistogramChart(props: HistogramChartProps) {
  const { histogram: h, clip } = props;
  const log = props.log ?? true;
  const data = histogramSteps(h, log);
  const markers = props.markers ?? [];
  const xs = [h.min, h.max, ...markers.map((m) => m.x), ...(clip ? [clip.min, clip.max] : [])].filter(Number.isFinite);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const pad = (hi - lo || 1) * 0.02;
  const top = Math.max(1, ...data.map((p) => p.y));
  return (
    <div className={`learn-chart${props.tall ? ' tall' : ''}`} data-testid={props.testId} role="img" aria-label={props.label}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 22, right: 20, bottom: 4, left: 4 }}>
          <XAxis type="number" dataKey="x" domain={[lo - pad, hi + pad]} allowDataOverflow tick={TICK} tickFormatter={tick} ticks={niceTicks(lo, hi, 6)} />
          <YAxis type="number" domain={[0, top * 1.05]} tick={TICK} tickFormatter={(v: number) => (log ? (v === 0 ? '1' : `1e${Math.round(v)}`) : tick(v))} width={44} />
          {clip && clip.min > h.min ? <ReferenceArea x1={lo - pad} x2={clip.min} fill={PALETTE.vermillion} fillOpacity={0.12} ifOverflow="hidden" /> : null}
          {clip && clip.max < h.max ? <ReferenceArea x1={clip.max} x2={hi + pad} fill={PALETTE.vermillion} fillOpacity={0.12} ifOverflow="hidden" /> : null}
          <Area type="stepAfter" dataKey="y" stroke={PALETTE.barsStroke} fill={PALETTE.bars} fillOpacity={0.85} isAnimationActive={false} dot={false} activeDot={false} />
          {markers.map((m, i) => (
            <ReferenceLine
              key={`${m.label}-${i}`}
              x={m.x}
              stroke={m.color}
              strokeWidth={m.width ?? 2}
              strokeDasharray={m.dash}
              ifOverflow="extendDomain"
              label={{ value: m.label, position: m.position ?? (i % 2 ? 'insideTopRight' : 'top'), fill: m.color, fontSize: '0.8em' }}
            />
          ))}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
