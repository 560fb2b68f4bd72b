import { Area, ComposedChart, ReferenceArea, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { codeSteps } from '../lib/series';
import { PALETTE, TICK, tick } from './theme';

export interface CodeHistogramChartProps {
  /** Values per code, slot i is code qmin + i. */
  readonly counts: ArrayLike<number>;
  readonly qmin: number;
  readonly qmax: number;
  readonly zeroPoint: number;
  /** The codes the data's [min, max] reaches; the rest are wasted. */
  readonly reach: { readonly lo: number; readonly hi: number };
  readonly label: string;
  readonly testId?: string;
}

/** A tensor seen through a grid: values per integer code, the codes the data never reaches shaded. */
export function CodeHistogramChart(props: CodeHistogramChartProps) {
  const { qmin, qmax, reach } = props;
  const data = codeSteps(props.counts, qmin, true);
  const top = Math.max(1, ...data.map((p) => p.y));
  const unused = (from: number, to: number) => (to - from >= 24 ? { value: 'unused codes', fill: PALETTE.vermillion, fontSize: '0.8em' } : undefined);
  return (
    <div className="learn-chart short" data-testid={props.testId} role="img" aria-label={props.label}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 20, right: 16, bottom: 4, left: 4 }}>
          <XAxis type="number" dataKey="x" domain={[qmin - 0.5, qmax + 0.5]} allowDataOverflow tick={TICK} tickFormatter={tick} ticks={[qmin, props.zeroPoint, qmax]} />
          <YAxis type="number" domain={[0, top * 1.05]} tick={TICK} tickFormatter={(v: number) => (v === 0 ? '1' : `1e${Math.round(v)}`)} width={40} />
          {reach.lo > qmin ? <ReferenceArea x1={qmin - 0.5} x2={reach.lo - 0.5} fill={PALETTE.vermillion} fillOpacity={0.18} label={unused(qmin, reach.lo)} /> : null}
          {reach.hi < qmax ? <ReferenceArea x1={reach.hi + 0.5} x2={qmax + 0.5} fill={PALETTE.vermillion} fillOpacity={0.18} label={unused(reach.hi, qmax)} /> : null}
          <Area type="stepAfter" dataKey="y" stroke={PALETTE.barsStroke} fill={PALETTE.bars} fillOpacity={0.85} isAnimationActive={false} dot={false} activeDot={false} />
          <ReferenceLine x={props.zeroPoint} stroke={PALETTE.black} label={{ value: `zp ${props.zeroPoint}`, position: 'top', fill: PALETTE.black, fontSize: '0.8em' }} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
