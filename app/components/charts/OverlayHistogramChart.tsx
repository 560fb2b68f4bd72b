import { Area, ComposedChart, Tooltip } from 'recharts';
import type { ActivationPair } from '../../../workers/contracts';
import { histogramExtent, logTicks, paddedDomain, upTicks } from '../../lib/chart-data';
import { formatNumber } from '../../lib/format';
import { AxisTitles } from './AxisTitles';
import { GridLines, histogramAxes } from './ticks';
import { COLORS } from './theme';

interface Point {
  readonly x: number;
  readonly fp32: number;
  readonly int8: number;
}

interface TooltipProps {
  readonly active?: boolean;
  readonly payload?: ReadonlyArray<{ readonly payload?: Point }>;
}

function PairTooltip(props: TooltipProps & { binWidth: number }) {
  const p = props.payload?.[0]?.payload;
  if (!props.active || !p) return null;
  return (
    <div className="chart-tooltip">
      <div>
        {formatNumber(p.x)} … {formatNumber(p.x + props.binWidth)}
      </div>
      <div style={{ color: COLORS.fp32 }}>FP32 {p.fp32.toLocaleString('en-US')}</div>
      <div style={{ color: COLORS.int8 }}>INT8 {p.int8.toLocaleString('en-US')}</div>
    </div>
  );
}

/**
 * One layer's FP32 and INT8 activations overlaid (the two histograms share their bins): FP32 filled,
 * INT8 as a dashed outline, so the grid's steps and any clipping in the INT8 side show against FP32.
 */
export function OverlayHistogramChart(props: { pair: ActivationPair; logScale: boolean; height?: number }) {
  const { fp32, int8 } = props.pair;
  const n = Math.max(fp32.counts.length, int8.counts.length);
  const w = fp32.binWidth || int8.binWidth;
  const lo = fp32.counts.length ? fp32.lo : int8.lo;
  const data: Point[] = [];
  for (let i = 0; i <= n; i++) {
    const k = Math.min(i, n - 1);
    data.push({ x: lo + i * w, fp32: fp32.counts[k] ?? 0, int8: int8.counts[k] ?? 0 });
  }
  const extent = histogramExtent(fp32.counts.length ? fp32 : int8) ?? [0, 1];
  const domain = paddedDomain(extent, 0.02);
  const maxCount = Math.max(1, ...fp32.counts, ...int8.counts);
  const ticks = props.logScale ? logTicks(maxCount) : upTicks(maxCount);
  return (
    <div>
      <AxisTitles x="Activation value" y={props.logScale ? 'Values (log scale)' : 'Values'}>
        <ComposedChart data={data} responsive style={{ width: '100%', height: props.height ?? 220 }} margin={{ top: 10, right: 16, bottom: 0, left: 0 }} accessibilityLayer>
          <GridLines axis="y" values={ticks} />
          {histogramAxes({ domain, countTicks: ticks, logScale: props.logScale })}
          <Area type="stepAfter" dataKey="fp32" stroke={COLORS.fp32} fill={COLORS.fp32} fillOpacity={0.25} isAnimationActive={false} name="FP32" />
          <Area type="stepAfter" dataKey="int8" stroke={COLORS.int8} strokeWidth={1.5} strokeDasharray="4 2" fill="none" isAnimationActive={false} name="INT8" />
          <Tooltip content={<PairTooltip binWidth={w} />} isAnimationActive={false} cursor={{ stroke: COLORS.axis, strokeDasharray: '2 2' }} />
        </ComposedChart>
      </AxisTitles>
      <ul className="chart-legend" aria-label="Legend">
        <li>
          <span className="swatch swatch-area" style={{ background: COLORS.fp32, opacity: 0.5 }} aria-hidden="true" />
          FP32 activation
        </li>
        <li>
          <span className="swatch swatch-line" style={{ borderColor: COLORS.int8, borderStyle: 'dashed' }} aria-hidden="true" />
          INT8 activation (dequantized)
        </li>
      </ul>
    </div>
  );
}
