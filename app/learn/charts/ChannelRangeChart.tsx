import { Area, Bar, ComposedChart, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import type { ChannelErrors } from '../../../workers/contracts';
import { niceTicks } from '../lib/series';
import { PALETTE, TICK, tick } from './theme';

/** Above this many channels the ranges are drawn as one band instead of one bar each. */
const MAX_BARS = 256;

/**
 * Each output channel's weight range [min, max] (one floating bar per channel, in the given order),
 * with the per-tensor range (the widest of them all) as dashed lines: what one scale must cover.
 */
export function ChannelRangeChart(props: { rows: readonly ChannelErrors[]; selected: number; label: string; testId?: string }) {
  const data = props.rows.map((r, i) => ({ i, channel: r.channel, range: [r.min, r.max] as [number, number] }));
  let lo = 0;
  let hi = 0;
  for (const r of props.rows) {
    lo = Math.min(lo, r.min);
    hi = Math.max(hi, r.max);
  }
  const a = Math.max(-lo, hi);
  const at = data.findIndex((d) => d.channel === props.selected);
  return (
    <div className="learn-chart" data-testid={props.testId} role="img" aria-label={props.label}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 16, right: 16, bottom: 4, left: 4 }} barCategoryGap={data.length > 64 ? 0 : 1}>
          <XAxis dataKey="i" type="number" domain={[-0.5, data.length - 0.5]} tick={TICK} tickFormatter={(i: number) => String(data[Math.round(i)]?.channel ?? '')} allowDecimals={false} />
          <YAxis type="number" domain={[-a * 1.05, a * 1.05]} tick={TICK} tickFormatter={tick} width={52} ticks={niceTicks(-a, a, 4)} />
          <ReferenceLine y={a} stroke={PALETTE.vermillion} strokeDasharray="5 3" label={{ value: 'per-tensor ±max|w|', position: 'insideTopRight', fill: PALETTE.vermillion, fontSize: '0.8em' }} />
          <ReferenceLine y={-a} stroke={PALETTE.vermillion} strokeDasharray="5 3" />
          <ReferenceLine y={0} stroke={PALETTE.grey} />
          {data.length > MAX_BARS ? (
            <Area type="step" dataKey="range" stroke={PALETTE.barsStroke} fill={PALETTE.bars} isAnimationActive={false} dot={false} activeDot={false} />
          ) : (
            <Bar dataKey="range" fill={PALETTE.bars} stroke={PALETTE.barsStroke} isAnimationActive={false} />
          )}
          {at >= 0 ? <ReferenceLine x={at} stroke={PALETTE.black} strokeWidth={1.5} label={{ value: `channel ${props.selected}`, position: 'insideBottomLeft', fill: PALETTE.black, fontSize: '0.8em' }} /> : null}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
