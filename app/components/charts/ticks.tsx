import { usePlotArea, useXAxisScale, useYAxisScale, XAxis, YAxis } from 'recharts';
import { niceTicks } from '../../lib/chart-data';
import type { ReactElement } from 'react';
import { COLORS, formatTick } from './theme';

/** What recharts hands a custom tick renderer (the parts used here). */
export interface TickRenderProps {
  readonly x?: number | string;
  readonly y?: number | string;
  readonly index?: number;
  readonly payload?: { readonly value?: unknown };
  readonly textAnchor?: string;
  readonly verticalAnchor?: string;
  readonly angle?: number;
}

const DY: Record<string, string> = { start: '0.71em', middle: '0.32em', end: '0' };

/**
 * A tick label as a plain SVG <text>. recharts' own tick component measures every label in the DOM
 * (which forces a layout of the whole page) whenever the axis has a width; these never measure.
 */
export function plainTick(format: (value: unknown, index: number) => string, fontSize = 11): (props: TickRenderProps) => ReactElement {
  return function PlainTick(props: TickRenderProps) {
    const x = Number(props.x ?? 0);
    const y = Number(props.y ?? 0);
    const angle = props.angle ?? 0;
    return (
      <text
        x={x}
        y={y}
        dy={DY[props.verticalAnchor ?? 'middle'] ?? '0.32em'}
        textAnchor={(props.textAnchor as 'start' | 'middle' | 'end' | undefined) ?? 'middle'}
        fontSize={fontSize}
        fill={COLORS.axis}
        transform={angle ? `rotate(${angle}, ${x}, ${y})` : undefined}
        className="recharts-cartesian-axis-tick-value"
      >
        {format(props.payload?.value, props.index ?? 0)}
      </text>
    );
  };
}

/** Numeric ticks in compact form (formatTick). */
export const NUMBER_TICK = plainTick((v) => formatTick(Number(v)));
/** Ticks shown as given (category names). */
export const TEXT_TICK = plainTick((v) => String(v ?? ''));

/**
 * Grid lines at given values, drawn from the axis scale (recharts' CartesianGrid recomputes the
 * axis ticks itself and measures their labels in the DOM; these draw one path and measure nothing).
 */
export function GridLines(props: { axis: 'x' | 'y'; values: readonly number[] }) {
  const x = useXAxisScale();
  const y = useYAxisScale();
  const plot = usePlotArea();
  const scale = props.axis === 'x' ? x : y;
  if (!scale || !plot) return null;
  let d = '';
  for (const v of props.values) {
    const p = scale(v);
    if (p === undefined || !Number.isFinite(p)) continue;
    d += props.axis === 'x' ? `M${p} ${plot.y}V${plot.y + plot.height}` : `M${plot.x} ${p}H${plot.x + plot.width}`;
  }
  return <path d={d} stroke={COLORS.gridLines} aria-hidden="true" pointerEvents="none" />;
}

/**
 * The value (x) and count (y) axes every histogram chart uses, as elements (not a wrapper component)
 * so recharts sees them as direct children of its chart.
 */
export function histogramAxes(options: { domain: readonly [number, number]; countTicks: readonly number[]; logScale: boolean }) {
  const { domain, countTicks, logScale } = options;
  return [
    <XAxis key="x" interval={0} type="number" dataKey="x" domain={[domain[0], domain[1]]} allowDataOverflow tick={NUMBER_TICK} ticks={niceTicks(domain[0], domain[1], 8)} />,
    <YAxis
      key="y"
      interval={0}
      scale={logScale ? 'symlog' : 'linear'}
      domain={[0, countTicks[countTicks.length - 1]]}
      ticks={[...countTicks]}
      allowDataOverflow
      tick={NUMBER_TICK}
      width={52}
    />,
  ];
}
