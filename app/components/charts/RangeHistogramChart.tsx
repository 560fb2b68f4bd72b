import { memo } from 'react';
import { Area, ComposedChart, Tooltip, usePlotArea, useXAxisScale } from 'recharts';
import type { HistogramView, QuantGridView, RangeMethod } from '../../../workers/contracts';
import { gridLines, histogramExtent, histogramSteps, logTicks, paddedDomain, upTicks } from '../../lib/chart-data';
import { formatNumber } from '../../lib/format';
import { AxisTitles } from './AxisTitles';
import { GridLines, histogramAxes } from './ticks';
import { BinTooltip } from './shared';
import { COLORS, METHOD_STYLE } from './theme';

/** Where one range method would put the clip range. */
export interface MethodMarker {
  readonly method: RangeMethod;
  readonly min: number;
  readonly max: number;
}

export interface RangeHistogramChartProps {
  readonly histogram: HistogramView;
  /** The clip range in use (the chosen method's). */
  readonly range: { readonly min: number; readonly max: number };
  /** The method that chose it (named in the legend). */
  readonly method: RangeMethod;
  /** The integer grid the range gives. */
  readonly grid: QuantGridView;
  /** Where the other methods would clip. */
  readonly markers: readonly MethodMarker[];
  readonly logScale: boolean;
  /** What the values are (x-axis label). */
  readonly valueLabel?: string;
  readonly height?: number;
}

/**
 * Everything drawn over the histogram in data coordinates, as plain SVG in one layer (a few elements
 * instead of a dozen chart components, so moving the range re-renders little): the clipped zones,
 * the grid (light lines on every k-th level and ticks along the bottom, real 0 darker), the method
 * markers (dashed) and the clip range (solid, labelled).
 */
function Overlay(props: { range: { min: number; max: number }; grid: readonly number[]; markers: readonly MethodMarker[]; domain: readonly [number, number] }) {
  const x = useXAxisScale();
  const plot = usePlotArea();
  if (!x || !plot) return null;
  const top = plot.y;
  const bottom = plot.y + plot.height;
  const left = plot.x;
  const right = plot.x + plot.width;
  const px = (v: number) => {
    const p = x(v);
    return p === undefined ? null : Math.max(left, Math.min(right, p));
  };
  const inside = (v: number) => v >= props.domain[0] && v <= props.domain[1];
  const lo = px(props.range.min);
  const hi = px(props.range.max);
  let gridPath = '';
  let tickPath = '';
  for (const v of props.grid) {
    const p = inside(v) ? px(v) : null;
    if (p === null || v === 0) continue;
    gridPath += `M${p} ${top}V${bottom}`;
    tickPath += `M${p} ${bottom - 6}V${bottom}`;
  }
  const zero = inside(0) ? px(0) : null;
  return (
    <g className="range-overlay" aria-hidden="true" pointerEvents="none">
      {lo !== null && lo > left ? <rect x={left} y={top} width={lo - left} height={plot.height} fill={COLORS.clip} fillOpacity={0.09} /> : null}
      {hi !== null && hi < right ? <rect x={hi} y={top} width={right - hi} height={plot.height} fill={COLORS.clip} fillOpacity={0.09} /> : null}
      <path d={gridPath} stroke={COLORS.grid} strokeOpacity={0.1} />
      <path d={tickPath} stroke={COLORS.grid} strokeOpacity={0.6} />
      {zero !== null ? <path d={`M${zero} ${top}V${bottom}M${zero} ${bottom - 9}V${bottom}`} stroke={COLORS.grid} strokeOpacity={0.5} strokeWidth={1.5} /> : null}
      {props.markers.map((m) => {
        const style = METHOD_STYLE[m.method];
        const a = inside(m.min) ? px(m.min) : null;
        const b = inside(m.max) ? px(m.max) : null;
        return (
          <path
            key={m.method}
            d={`${a !== null ? `M${a} ${top}V${bottom}` : ''}${b !== null ? `M${b} ${top}V${bottom}` : ''}`}
            stroke={style.color}
            strokeWidth={2}
            strokeDasharray={style.dash}
          />
        );
      })}
      {lo !== null ? <path d={`M${lo} ${top}V${bottom}`} stroke={COLORS.clip} strokeWidth={2} /> : null}
      {hi !== null ? <path d={`M${hi} ${top}V${bottom}`} stroke={COLORS.clip} strokeWidth={2} /> : null}
      {lo !== null ? (
        <text x={lo} y={top - 5} textAnchor={lo - left < 30 ? 'start' : 'middle'} fontSize={10} fill={COLORS.clip}>
          clip min
        </text>
      ) : null}
      {hi !== null ? (
        <text x={hi} y={top - 5} textAnchor={right - hi < 30 ? 'end' : 'middle'} fontSize={10} fill={COLORS.clip}>
          clip max
        </text>
      ) : null}
    </g>
  );
}


/**
 * An activation's calibration histogram with the clip range in use (solid lines; what it clips is
 * shaded), the quantization grid (every k-th level drawn so 256 levels stay legible) and where each
 * range method would clip (dashed markers). Counts linear or log (symlog, so empty bins stay at 0).
 */
function RangeHistogramChartView(props: RangeHistogramChartProps) {
  const { histogram: h, range, grid, markers, logScale } = props;
  const data = histogramSteps(h);
  const extent = histogramExtent(h) ?? [range.min, range.max];
  const domain = paddedDomain([extent[0], extent[1], range.min, range.max, ...markers.flatMap((m) => [m.min, m.max])], 0.02);
  const maxCount = Math.max(1, ...h.counts);
  const yTicks = logScale ? logTicks(maxCount) : upTicks(maxCount);
  const lines = gridLines(grid, 32);
  const height = props.height ?? 260;
  return (
    <div className="range-histogram">
      <AxisTitles x={props.valueLabel ?? 'Activation value'} y={logScale ? 'Values (log scale)' : 'Values'}>
        <ComposedChart data={data} responsive style={{ width: '100%', height }} margin={{ top: 18, right: 16, bottom: 0, left: 0 }} accessibilityLayer>
          <GridLines axis="y" values={yTicks} />
          {histogramAxes({ domain, countTicks: yTicks, logScale })}
          <Area type="stepAfter" dataKey="count" stroke={COLORS.barsStroke} strokeWidth={1} fill={COLORS.bars} fillOpacity={0.75} isAnimationActive={false} name="Values" />
          <Overlay range={range} grid={lines.values} markers={markers} domain={domain} />
          <Tooltip content={<BinTooltip binWidth={h.binWidth} />} isAnimationActive={false} cursor={{ stroke: COLORS.axis, strokeDasharray: '2 2' }} />
        </ComposedChart>
      </AxisTitles>
      <ul className="chart-legend" aria-label="Legend">
        <li>
          <span className="swatch swatch-line" style={{ borderColor: COLORS.clip }} aria-hidden="true" />
          Clip range ({METHOD_STYLE[props.method].label}): {formatNumber(range.min)} … {formatNumber(range.max)}
        </li>
        <li>
          <span className="swatch swatch-area" style={{ background: COLORS.clip, opacity: 0.25 }} aria-hidden="true" />
          Clipped
        </li>
        <li>
          <span className="swatch swatch-ticks" aria-hidden="true" />
          Grid: {lines.every === 1 ? `all ${lines.levels} levels` : `every ${lines.every}th of ${lines.levels} levels`}, step {formatNumber(grid.scale * lines.every)}
        </li>
        {markers.map((m) => (
          <li key={m.method}>
            <span className="swatch swatch-line" style={{ borderColor: METHOD_STYLE[m.method].color, borderStyle: 'dashed' }} aria-hidden="true" />
            {METHOD_STYLE[m.method].label}: {formatNumber(m.min)} … {formatNumber(m.max)}
          </li>
        ))}
      </ul>
    </div>
  );
}

const sameRange = (a: { min: number; max: number }, b: { min: number; max: number }) => a.min === b.min && a.max === b.max;

/**
 * Histograms are compared by shape, not identity: a detail re-fetched for the same statistics brings
 * an equal histogram in a new object, and redrawing it would only cost main-thread time.
 */
function sameHistogram(a: HistogramView, b: HistogramView): boolean {
  return a === b || (a.lo === b.lo && a.binWidth === b.binWidth && a.count === b.count && a.counts.length === b.counts.length && a.min === b.min && a.max === b.max);
}

export const RangeHistogramChart = memo(
  RangeHistogramChartView,
  (a, b) =>
    sameHistogram(a.histogram, b.histogram) &&
    sameRange(a.range, b.range) &&
    a.method === b.method &&
    a.grid.scale === b.grid.scale &&
    a.grid.zeroPoint === b.grid.zeroPoint &&
    a.grid.qmin === b.grid.qmin &&
    a.grid.qmax === b.grid.qmax &&
    a.logScale === b.logScale &&
    a.valueLabel === b.valueLabel &&
    a.height === b.height &&
    a.markers.length === b.markers.length &&
    a.markers.every((m, i) => m.method === b.markers[i].method && sameRange(m, b.markers[i])),
);
