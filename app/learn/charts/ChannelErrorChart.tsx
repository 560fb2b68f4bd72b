import { CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import type { ChannelErrors } from '../../../workers/contracts';
import { chartDb } from '../lib/series';
import { PALETTE, TICK } from './theme';

/** SQNR (dB) of each output channel quantized with one scale per tensor and with its own scale. */
export function ChannelErrorChart(props: { rows: readonly ChannelErrors[]; selected: number; label: string; testId?: string }) {
  const data = props.rows.map((r, i) => ({ i, channel: r.channel, perTensor: chartDb(r.perTensorSqnrDb), perChannel: chartDb(r.perChannelSqnrDb) }));
  const at = data.findIndex((d) => d.channel === props.selected);
  return (
    <div className="learn-chart" data-testid={props.testId} role="img" aria-label={props.label}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 16, right: 16, bottom: 4, left: 4 }}>
          <CartesianGrid stroke="#e6e9ee" vertical={false} />
          <XAxis dataKey="i" type="number" domain={[-0.5, data.length - 0.5]} tick={TICK} tickFormatter={(i: number) => String(data[Math.round(i)]?.channel ?? '')} allowDecimals={false} />
          <YAxis type="number" tick={TICK} width={44} unit=" dB" domain={[0, 'auto']} />
          <Legend wrapperStyle={{ fontSize: '0.85em' }} />
          <Line name="per-tensor scale" dataKey="perTensor" stroke={PALETTE.vermillion} strokeDasharray="5 3" strokeWidth={2} dot={data.length <= 64} isAnimationActive={false} />
          <Line name="per-channel scales" dataKey="perChannel" stroke={PALETTE.blue} strokeWidth={2} dot={data.length <= 64} isAnimationActive={false} />
          {at >= 0 ? <ReferenceLine x={at} stroke={PALETTE.black} strokeWidth={1.5} /> : null}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
