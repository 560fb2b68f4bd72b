import { memo } from 'react';
import { Bar, BarChart, Cell, LabelList, XAxis, YAxis } from 'recharts';
import { niceTicks, upTicks } from '../../lib/chart-data';
import { formatBytes } from '../../lib/format';
import { AxisTitles } from './AxisTitles';
import { GridLines, NUMBER_TICK, TEXT_TICK } from './ticks';
import { COLORS } from './theme';

export interface SizeBar {
  readonly label: string;
  readonly bytes: number;
  /** Colour role: the FP32 reference, the INT8 result, or another file. */
  readonly role: 'fp32' | 'int8' | 'model';
  /** Shown after the size, e.g. "26.7% of FP32". */
  readonly note?: string;
}

/** Model file sizes as horizontal bars (MB), each labelled with its size. */
function SizeChartView(props: { bars: readonly SizeBar[]; height?: number }) {
  // `role` stays out of the chart's data: recharts spreads data fields onto the SVG paths, and a role attribute there is an invalid ARIA role.
  const data = props.bars.map(({ role, ...b }) => ({ ...b, fill: COLORS[role], mb: b.bytes / 1e6, text: `${formatBytes(b.bytes)}${b.note ? ` (${b.note})` : ''}` }));
  const xTicks = upTicks(Math.max(...data.map((d) => d.mb), 0.001), 5);
  return (
    <AxisTitles x="Size (MB)">
      <BarChart
        data={data}
        layout="vertical"
        responsive
        style={{ width: '100%', height: props.height ?? 30 + 32 * data.length }}
        margin={{ top: 4, right: 150, bottom: 0, left: 8 }}
        barCategoryGap={6}
        accessibilityLayer
      >
        <GridLines axis="x" values={xTicks.length > 1 ? xTicks : niceTicks(0, 1, 5)} />
        <XAxis interval={0} type="number" dataKey="mb" tick={NUMBER_TICK} domain={[0, xTicks[xTicks.length - 1]]} ticks={xTicks} />
        <YAxis interval={0} type="category" dataKey="label" tick={TEXT_TICK} width={112} />
        <Bar dataKey="mb" isAnimationActive={false} name="Size">
          {data.map((d) => (
            <Cell key={d.label} fill={d.fill} />
          ))}
          <LabelList dataKey="text" position="right" style={{ fontSize: 11, fill: COLORS.grid }} />
        </Bar>
      </BarChart>
    </AxisTitles>
  );
}

export const SizeChart = memo(SizeChartView);
