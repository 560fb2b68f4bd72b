import { memo } from 'react';
import { ComposedChart, Line, Tooltip, XAxis, YAxis, usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import { channelBars, niceTicks, paddedDomain, type ChannelBar } from '../../lib/chart-data';
import { formatNumber } from '../../lib/format';
import { AxisTitles } from './AxisTitles';
import { GridLines, NUMBER_TICK, TEXT_TICK } from './ticks';
import { COLORS } from './theme';

export interface ChannelRangeChartProps {
  /** Per output channel (one entry for a per-tensor weight). */
  readonly channelMin: readonly number[];
  readonly channelMax: readonly number[];
  /** The range one scale for the whole tensor would have to cover. */
  readonly perTensor: { readonly min: number; readonly max: number };
  /** At most this many bars; more channels are grouped (each bar the group's envelope). */
  readonly maxBars?: number;
  readonly height?: number;
}

interface Point {
  readonly x: number;
  readonly min: number;
  readonly max: number;
  readonly from: number;
  readonly to: number;
}

/** Every bar as one SVG path (hundreds of channels stay one element), the per-tensor lines and 0. */
function Bars(props: { bars: readonly ChannelBar[]; perTensor: { min: number; max: number } }) {
  const x = useXAxisScale();
  const y = useYAxisScale();
  const plot = usePlotArea();
  if (!x || !y || !plot) return null;
  let d = '';
  for (const b of props.bars) {
    const x0 = x(b.from);
    const x1 = x(b.to + 1);
    const y0 = y(b.max);
    const y1 = y(b.min);
    if (x0 === undefined || x1 === undefined || y0 === undefined || y1 === undefined) continue;
    const gap = x1 - x0 > 3 ? 1 : 0;
    d += `M${x0 + gap / 2} ${y0}H${x1 - gap / 2}V${Math.max(y1, y0 + 1)}H${x0 + gap / 2}Z`;
  }
  const left = plot.x;
  const right = plot.x + plot.width;
  const line = (v: number) => {
    const p = y(v);
    return p === undefined ? '' : `M${left} ${p}H${right}`;
  };
  return (
    <g aria-hidden="true" pointerEvents="none">
      <path d={line(0)} stroke={COLORS.axis} strokeOpacity={0.6} />
      <path d={d} fill={COLORS.fp32} fillOpacity={0.8} />
      <path d={line(props.perTensor.min) + line(props.perTensor.max)} stroke={COLORS.clip} strokeWidth={1.5} strokeDasharray="6 3" />
    </g>
  );
}

interface TooltipProps {
  readonly active?: boolean;
  readonly payload?: ReadonlyArray<{ readonly payload?: Point }>;
}

function ChannelTooltip(props: TooltipProps) {
  const p = props.payload?.[0]?.payload;
  if (!props.active || !p) return null;
  return (
    <div className="chart-tooltip">
      <div>{p.from === p.to ? `Channel ${p.from}` : `Channels ${p.from}–${p.to}`}</div>
      <strong>
        {formatNumber(p.min)} … {formatNumber(p.max)}
      </strong>
    </div>
  );
}

/**
 * A weight's range per output channel (a bar from min to max for each channel) against the one range
 * a per-tensor scale would need (dashed lines): channels much narrower than the lines are the ones
 * per-channel quantization saves.
 */
function ChannelRangeChartView(props: ChannelRangeChartProps) {
  const channels = Math.min(props.channelMin.length, props.channelMax.length);
  const bars = channelBars(props.channelMin, props.channelMax, props.maxBars ?? 256);
  const data: Point[] = bars.map((b) => ({ x: (b.from + b.to + 1) / 2, min: b.min, max: b.max, from: b.from, to: b.to }));
  const grouped = bars.length < channels;
  const yDomain = paddedDomain([props.perTensor.min, props.perTensor.max, 0, ...bars.map((b) => b.min), ...bars.map((b) => b.max)], 0.06);
  const xTicks = niceTicks(0, channels, 8).filter((t) => Number.isInteger(t));
  const yTicks = niceTicks(yDomain[0], yDomain[1], 6);
  return (
    <div className="channel-range">
      <AxisTitles x={grouped ? `Output channel (bars of ${bars[0].to - bars[0].from + 1} channels)` : 'Output channel'} y="Weight value">
        <ComposedChart data={data} responsive style={{ width: '100%', height: props.height ?? 240 }} margin={{ top: 10, right: 16, bottom: 0, left: 0 }} accessibilityLayer>
          <GridLines axis="y" values={yTicks} />
          <XAxis
            interval={0}
            type="number"
            dataKey="x"
            domain={[0, channels]}
            ticks={xTicks}
            allowDataOverflow
            tick={TEXT_TICK}
          />
          <YAxis
            interval={0}
            type="number"
            domain={yDomain}
            ticks={yTicks}
            allowDataOverflow
            tick={NUMBER_TICK}
            width={56}
          />
          <Bars bars={bars} perTensor={props.perTensor} />
          {/* Invisible: gives the tooltip its data points. */}
          <Line dataKey="max" stroke="none" dot={false} activeDot={false} isAnimationActive={false} name="Channel max" />
          <Tooltip content={<ChannelTooltip />} isAnimationActive={false} cursor={{ stroke: COLORS.axis, strokeDasharray: '2 2' }} />
        </ComposedChart>
      </AxisTitles>
      <ul className="chart-legend" aria-label="Legend">
        <li>
          <span className="swatch swatch-area" style={{ background: COLORS.fp32 }} aria-hidden="true" />
          Channel min … max{grouped ? ' (envelope of each group)' : ''}
        </li>
        <li>
          <span className="swatch swatch-line" style={{ borderColor: COLORS.clip, borderStyle: 'dashed' }} aria-hidden="true" />
          Per-tensor range: {formatNumber(props.perTensor.min)} … {formatNumber(props.perTensor.max)}
        </li>
      </ul>
    </div>
  );
}

export const ChannelRangeChart = memo(ChannelRangeChartView);
