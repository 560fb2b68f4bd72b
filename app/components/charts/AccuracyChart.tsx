import { memo } from 'react';
import { Bar, BarChart, LabelList, XAxis, YAxis } from 'recharts';
import { AxisTitles } from './AxisTitles';
import { GridLines, TEXT_TICK } from './ticks';
import { Fp32Int8Legend } from './shared';
import { COLORS } from './theme';

export interface AccuracyGroup {
  /** e.g. "Top-1". */
  readonly label: string;
  /** Fractions in [0, 1] (NaN when unknown). */
  readonly fp32: number;
  readonly int8: number;
}

const pct = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 10 : 0);
const percentLabel = (v: unknown) => `${String(v)}%`;

/** FP32 against INT8 side by side per measure (accuracy top-1, top-5...), in percent. */
function AccuracyChartView(props: { groups: readonly AccuracyGroup[]; height?: number; yTitle?: string }) {
  const data = props.groups.map((g) => ({ label: g.label, fp32: pct(g.fp32), int8: pct(g.int8) }));
  return (
    <div>
      <AxisTitles y={props.yTitle ?? 'Correct (% of images)'}>
        <BarChart data={data} responsive style={{ width: '100%', height: props.height ?? 190 }} margin={{ top: 16, right: 12, bottom: 0, left: 0 }} barCategoryGap="25%" accessibilityLayer>
          <GridLines axis="y" values={[0, 25, 50, 75, 100]} />
          <XAxis interval={0} dataKey="label" tick={TEXT_TICK} />
          <YAxis interval={0} tick={TEXT_TICK} domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} width={36} />
          <Bar dataKey="fp32" name="FP32" fill={COLORS.fp32} isAnimationActive={false}>
            <LabelList dataKey="fp32" position="top" formatter={percentLabel} style={{ fontSize: 10, fill: COLORS.grid }} />
          </Bar>
          <Bar dataKey="int8" name="INT8" fill={COLORS.int8} isAnimationActive={false}>
            <LabelList dataKey="int8" position="top" formatter={percentLabel} style={{ fontSize: 10, fill: COLORS.grid }} />
          </Bar>
        </BarChart>
      </AxisTitles>
      <Fp32Int8Legend />
    </div>
  );
}

export const AccuracyChart = memo(AccuracyChartView);
