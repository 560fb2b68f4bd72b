import { memo } from 'react';
import { Scatter, ScatterChart, Tooltip, XAxis, YAxis, usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import { jitter, niceTicks, summarizeSamples, type SampleSummary } from '../../lib/chart-data';
import { formatMs } from '../../lib/format';
import { AxisTitles } from './AxisTitles';
import { GridLines, NUMBER_TICK, plainTick } from './ticks';
import { Fp32Int8Legend } from './shared';
import { COLORS } from './theme';

export interface LatencySeries {
  /** e.g. "INT8 · WASM, 1 thread". */
  readonly label: string;
  readonly role: 'fp32' | 'int8' | 'model';
  readonly samplesMs: readonly number[];
}

interface Point {
  readonly ms: number;
  readonly y: number;
  readonly summary: SampleSummary;
  readonly series: string;
}

/**
 * Per series, in data coordinates: every run as a dot (jittered vertically, so equal times stay
 * visible), the box (p25–p75), the median bar, a triangle at p90 and whiskers to min and max. One
 * path per series for the dots, so a thousand runs stay one element.
 */
function Boxes(props: { series: readonly LatencySeries[]; summaries: ReadonlyArray<SampleSummary | null>; colors: readonly string[] }) {
  const x = useXAxisScale();
  const y = useYAxisScale();
  const plot = usePlotArea();
  if (!x || !y || !plot) return null;
  const band = Math.min(26, (plot.height / Math.max(1, props.summaries.length)) * 0.55);
  return (
    <g className="latency-boxes" aria-hidden="true" pointerEvents="none">
      {props.summaries.map((s, i) => {
        if (!s) return null;
        const cy = y(i);
        const [x0, x25, x50, x75, x90, x100] = [s.min, s.p25, s.median, s.p75, s.p90, s.max].map((v) => x(v) ?? NaN);
        if (cy === undefined || [x0, x25, x50, x75, x90, x100].some((v) => Number.isNaN(v))) return null;
        const top = cy - band / 2;
        const color = props.colors[i];
        let dots = '';
        const r = 2.6;
        props.series[i].samplesMs.forEach((ms, run) => {
          const px = x(ms);
          if (px === undefined) return;
          const py = cy + jitter(run) * band * 0.9;
          dots += `M${px - r} ${py}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0`;
        });
        return (
          <g key={i}>
            <path d={`M${x0} ${cy}H${x100}M${x0} ${cy - band / 4}V${cy + band / 4}M${x100} ${cy - band / 4}V${cy + band / 4}`} stroke={color} strokeWidth={1} />
            <rect x={x25} y={top} width={Math.max(1, x75 - x25)} height={band} fill={color} fillOpacity={0.12} stroke={color} strokeWidth={1} />
            <path d={dots} fill={color} fillOpacity={0.5} />
            <path d={`M${x50} ${top}V${top + band}`} stroke={color} strokeWidth={2.5} />
            <path d={`M${x90} ${top - 1}l-4 -6h8z`} fill={color} />
          </g>
        );
      })}
    </g>
  );
}

interface TooltipProps {
  readonly active?: boolean;
  readonly payload?: ReadonlyArray<{ readonly payload?: Point }>;
}

function SeriesTooltip(props: TooltipProps) {
  const p = props.payload?.[0]?.payload;
  if (!props.active || !p) return null;
  return (
    <div className="chart-tooltip">
      <div>{p.series}</div>
      <strong>median {formatMs(p.summary.median)}</strong>, p90 {formatMs(p.summary.p90)}
      <div className="muted">
        {p.summary.n} runs, {formatMs(p.summary.min)} … {formatMs(p.summary.max)}
      </div>
    </div>
  );
}

/**
 * Latency distribution per provider and model: every timed run as a dot (jittered vertically so
 * equal times stay visible) over a box plot (box p25–p75, thick bar at the median, triangle at p90,
 * whiskers to min and max).
 */
function LatencyChartView(props: { series: readonly LatencySeries[]; height?: number }) {
  const { series } = props;
  const summaries = series.map((s) => summarizeSamples(s.samplesMs));
  const colors = series.map((s) => COLORS[s.role]);
  const max = Math.max(1, ...series.flatMap((s) => s.samplesMs));
  // Up to the next round tick past the slowest run.
  const rough = niceTicks(0, max, 5);
  const tickStep = rough.length > 1 ? rough[1] - rough[0] : max;
  const xMax = Math.ceil((max * 1.02) / tickStep) * tickStep;
  const xTicks = niceTicks(0, xMax, 5);
  const height = props.height ?? Math.max(150, 60 + 52 * series.length);
  const medians: Point[] = series.flatMap((s, i) => {
    const summary = summaries[i];
    return summary ? [{ ms: summary.median, y: i, summary, series: s.label }] : [];
  });
  return (
    <div className="latency-chart">
      <AxisTitles x="Latency per run (ms)">
        <ScatterChart responsive style={{ width: '100%', height }} margin={{ top: 12, right: 20, bottom: 0, left: 8 }} accessibilityLayer>
          <GridLines axis="x" values={xTicks} />
          <XAxis
            interval={0}
            type="number"
            dataKey="ms"
            domain={[0, xMax]}
            ticks={xTicks}
            tick={NUMBER_TICK}
          />
          <YAxis
            interval={0}
            type="number"
            dataKey="y"
            domain={[-0.5, series.length - 0.5]}
            ticks={series.map((_, i) => i)}
            reversed
            tick={plainTick((v) => series[Number(v)]?.label ?? '')}
            width={168}
          />
          <Boxes series={series} summaries={summaries} colors={colors} />
          {/* Invisible: one point per series at its median, for the tooltip. */}
          <Scatter data={medians} shape={(p: { cx?: number; cy?: number }) => <circle cx={p.cx} cy={p.cy} r={14} fill="transparent" />} isAnimationActive={false} name="Median" />
          <Tooltip content={<SeriesTooltip />} isAnimationActive={false} cursor={false} />
        </ScatterChart>
      </AxisTitles>
      <Fp32Int8Legend>
        <li>Dots: timed runs · box: p25–p75 · bar: median · ▼: p90 · whiskers: min–max</li>
      </Fp32Int8Legend>
    </div>
  );
}

export const LatencyChart = memo(LatencyChartView);
