import { memo } from 'react';
import { Bar, BarChart, Tooltip, XAxis, YAxis } from 'recharts';
import { upTicks } from '../../lib/chart-data';
import { formatNumber } from '../../lib/format';
import { AxisTitles } from './AxisTitles';
import { GridLines, NUMBER_TICK } from './ticks';
import { COLORS } from './theme';

export interface BiasShiftBar {
  /** The corrected node. */
  readonly node: string;
  /** RMS over output channels of ε·E[x], the mean shift removed from the bias. */
  readonly rms: number;
  readonly maxAbs: number;
  readonly channels: number;
  readonly added: boolean;
}

interface TooltipProps {
  readonly active?: boolean;
  readonly payload?: ReadonlyArray<{ readonly payload?: BiasShiftBar & { readonly i: number } }>;
}

function ShiftTooltip(props: TooltipProps) {
  const p = props.payload?.[0]?.payload;
  if (!props.active || !p) return null;
  return (
    <div className="chart-tooltip">
      <div>
        {p.node}
        {p.added ? ' (bias added)' : ''}
      </div>
      <strong>RMS {formatNumber(p.rms)}</strong> <span className="muted">max |shift| {formatNumber(p.maxAbs)} over {p.channels} channels</span>
    </div>
  );
}

/** Per corrected layer, in graph order: how far weight rounding had moved its output channel means. */
function BiasShiftChartView(props: { bars: readonly BiasShiftBar[] }) {
  const data = props.bars.map((b, i) => ({ ...b, i }));
  const yTicks = upTicks(Math.max(...data.map((d) => d.rms), 1e-9), 4);
  return (
    <AxisTitles x="Corrected layer, in graph order" y="RMS shift removed">
      <BarChart data={data} responsive style={{ width: '100%', height: 200 }} margin={{ top: 8, right: 12, bottom: 0, left: 4 }} barCategoryGap={1} accessibilityLayer>
        <GridLines axis="y" values={yTicks} />
        <XAxis dataKey="i" tick={false} height={4} />
        <YAxis type="number" tick={NUMBER_TICK} domain={[0, yTicks[yTicks.length - 1]]} ticks={yTicks} width={56} tickFormatter={(v: number) => formatNumber(v, 2)} />
        <Tooltip content={<ShiftTooltip />} isAnimationActive={false} />
        <Bar dataKey="rms" fill={COLORS.int8} isAnimationActive={false} name="RMS shift" />
      </BarChart>
    </AxisTitles>
  );
}

export const BiasShiftChart = memo(BiasShiftChartView);
