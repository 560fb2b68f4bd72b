import { CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import type { GrowthRow } from '../../../workers/contracts';
import { chartDb } from '../lib/series';
import { PALETTE, TICK, tick } from './theme';

/**
 * Lesson 5: as calibration images are added (log-2 axis: 1, 2, 4, ...), the layer's range (right
 * axis, dashed) and the SQNR of the full set quantized with that range (left axis).
 */
export function GrowthChart(props: { rows: readonly GrowthRow[]; total: number; label: string; testId?: string }) {
  const data = props.rows.map((r) => ({ images: r.images, sqnr: chartDb(r.sqnrDb), max: r.range.max, min: r.range.min }));
  const signed = props.rows.some((r) => r.range.min < 0);
  const ticks = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024].filter((t) => t <= Math.max(1, props.total));
  if (props.total > 0 && !ticks.includes(props.total)) ticks.push(props.total);
  return (
    <div className="learn-chart tall" data-testid={props.testId} role="img" aria-label={props.label}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 16, right: 8, bottom: 16, left: 4 }}>
          <CartesianGrid stroke="#e6e9ee" />
          <XAxis dataKey="images" type="number" scale="log" domain={[1, Math.max(2, props.total)]} ticks={ticks} tick={TICK} label={{ value: 'calibration images', position: 'insideBottom', offset: -10, fill: PALETTE.axis, fontSize: '0.8em' }} allowDataOverflow />
          <YAxis yAxisId="db" type="number" tick={TICK} width={48} domain={['auto', 'auto']} tickFormatter={(v: number) => v.toFixed(1)} label={{ value: 'SQNR (dB)', angle: -90, position: 'insideLeft', fill: PALETTE.blue, fontSize: '0.8em' }} />
          <YAxis yAxisId="range" orientation="right" type="number" tick={TICK} tickFormatter={tick} width={52} domain={['auto', 'auto']} label={{ value: 'range', angle: 90, position: 'insideRight', fill: PALETTE.orange, fontSize: '0.8em' }} />
          <Legend wrapperStyle={{ fontSize: '0.85em' }} verticalAlign="top" />
          <Line yAxisId="db" name="SQNR of the full set" dataKey="sqnr" stroke={PALETTE.blue} strokeWidth={2.5} isAnimationActive={false} />
          <Line yAxisId="range" name="range max" dataKey="max" stroke={PALETTE.orange} strokeDasharray="6 3" strokeWidth={2} isAnimationActive={false} />
          {signed ? <Line yAxisId="range" name="range min" dataKey="min" stroke={PALETTE.purple} strokeDasharray="2 3" strokeWidth={2} isAnimationActive={false} /> : null}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
