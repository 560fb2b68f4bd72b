import { memo } from 'react';
import { Bar, BarChart, XAxis, YAxis } from 'recharts';
import { niceTicks } from '../../lib/chart-data';
import { AxisTitles } from './AxisTitles';
import { GridLines, NUMBER_TICK, plainTick } from './ticks';
import { COLORS } from './theme';

export interface SensitivityBar {
  readonly unit: string;
  /** 1 - cosine when this unit alone is INT8 (the damage it does by itself). */
  readonly damage: number;
  /** Cosine regained when this unit alone is kept in FP32 (0 when it regains nothing). */
  readonly gain: number;
}

/** The most damaging units (ranked): what each costs quantized alone, and what keeping it alone buys. */
function SensitivityChartView(props: { bars: readonly SensitivityBar[]; height?: number }) {
  const top = Math.max(1e-6, ...props.bars.flatMap((b) => [b.damage, b.gain]));
  const ticks = niceTicks(0, top * 1.05, 5);
  const cap = ticks[ticks.length - 1] ?? top;
  return (
    <div>
      <AxisTitles y="Cosine lost / regained">
        <BarChart data={[...props.bars]} responsive style={{ width: '100%', height: props.height ?? 260 }} margin={{ top: 10, right: 12, bottom: 0, left: 0 }} barCategoryGap="20%">
          <GridLines axis="y" values={ticks} />
          <XAxis dataKey="unit" interval={0} tick={plainTick((v) => {
            const s = String(v ?? '');
            return s.length > 16 ? `…${s.slice(-15)}` : s;
          }, 10)} angle={-50} textAnchor="end" height={84} />
          <YAxis type="number" domain={[0, cap]} ticks={ticks} interval={0} tick={NUMBER_TICK} width={52} />
          <Bar dataKey="damage" name="Quantized alone: cosine lost" fill={COLORS.int8} isAnimationActive={false} />
          <Bar dataKey="gain" name="Kept in FP32 alone: cosine regained" fill={COLORS.fp32} isAnimationActive={false} />
        </BarChart>
      </AxisTitles>
      <ul className="chart-legend" aria-label="Legend">
        <li>
          <span className="swatch swatch-area" style={{ background: COLORS.int8 }} aria-hidden="true" />
          Quantized alone (the rest FP32): 1 − cosine
        </li>
        <li>
          <span className="swatch swatch-area" style={{ background: COLORS.fp32 }} aria-hidden="true" />
          Kept in FP32 alone (the rest INT8): cosine regained
        </li>
      </ul>
    </div>
  );
}

export const SensitivityChart = memo(SensitivityChartView);
