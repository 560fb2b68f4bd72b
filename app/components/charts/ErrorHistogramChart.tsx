import { Area, ComposedChart, ReferenceLine, Tooltip } from 'recharts';
import type { HistogramView } from '../../../workers/contracts';
import { histogramExtent, histogramSteps, logTicks, paddedDomain, upTicks } from '../../lib/chart-data';
import { AxisTitles } from './AxisTitles';
import { GridLines, histogramAxes } from './ticks';
import { BinTooltip } from './shared';
import { COLORS } from './theme';


/** The distribution of one layer's error values (FP32 minus INT8, every element of every image). */
export function ErrorHistogramChart(props: { histogram: HistogramView; logScale: boolean; height?: number }) {
  const h = props.histogram;
  const data = histogramSteps(h);
  const extent = histogramExtent(h) ?? [-1, 1];
  // Symmetric around 0, so a biased error shows as a lopsided shape.
  const reach = Math.max(Math.abs(extent[0]), Math.abs(extent[1]));
  const domain = paddedDomain([-reach, reach], 0.02);
  const maxCount = Math.max(1, ...h.counts);
  const ticks = props.logScale ? logTicks(maxCount) : upTicks(maxCount);
  return (
    <AxisTitles x="Error: FP32 − INT8" y={props.logScale ? 'Values (log scale)' : 'Values'}>
      <ComposedChart data={data} responsive style={{ width: '100%', height: props.height ?? 220 }} margin={{ top: 10, right: 16, bottom: 0, left: 0 }} accessibilityLayer>
        <GridLines axis="y" values={ticks} />
        {histogramAxes({ domain, countTicks: ticks, logScale: props.logScale })}
        <Area type="stepAfter" dataKey="count" stroke={COLORS.int8} fill={COLORS.int8} fillOpacity={0.3} isAnimationActive={false} name="Error values" />
        <ReferenceLine x={0} stroke={COLORS.grid} strokeOpacity={0.7} />
        <Tooltip content={<BinTooltip binWidth={h.binWidth} label="error" />} isAnimationActive={false} cursor={{ stroke: COLORS.axis, strokeDasharray: '2 2' }} />
      </ComposedChart>
    </AxisTitles>
  );
}
