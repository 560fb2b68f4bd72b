import { memo, type KeyboardEvent } from 'react';
import { ComposedChart, Line, XAxis, YAxis, usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import type { AutoPoint } from '../../lib/auto-points';
import { niceTicks } from '../../lib/chart-data';
import { AxisTitles } from './AxisTitles';
import { GridLines, NUMBER_TICK, plainTick } from './ticks';
import { COLORS } from './theme';

export type AutoAxis = 'units' | 'size';

interface Props {
  readonly points: readonly AutoPoint[];
  readonly axis: AutoAxis;
  /** The target's value (drawn as a dashed line). */
  readonly target: number;
  /** How the measure reads: 'cosine' or 'dB'. */
  readonly unit: 'cosine' | 'dB';
  /** The point whose plan is in force (ringed). */
  readonly applied: string | null;
  readonly onPick: (key: string) => void;
  readonly height?: number;
}

const xOf = (p: AutoPoint, axis: AutoAxis) => (axis === 'units' ? p.fp32Units : p.bytes / 1e6);

export function describePoint(p: AutoPoint, unit: 'cosine' | 'dB'): string {
  const value = unit === 'dB' ? `${p.value.toFixed(2)} dB` : `cosine ${p.value.toFixed(4)}`;
  const what = p.unit === null ? 'range methods chosen, every unit INT8' : `${p.accepted ? 'kept' : 'tried, not kept'}: ${p.unit}`;
  return `${p.fp32Units} FP32 unit${p.fp32Units === 1 ? '' : 's'}, ${(p.bytes / 1e6).toFixed(3)} MB, ${value} (${what})`;
}

/** The points as SVG: the accepted path, then each point a button (click or Enter applies its plan). */
function Points(props: Props) {
  const x = useXAxisScale();
  const y = useYAxisScale();
  const plot = usePlotArea();
  if (!x || !y || !plot) return null;
  const at = (p: AutoPoint) => ({ cx: x(xOf(p, props.axis)), cy: y(p.value) });
  let path = '';
  for (const p of props.points.filter((q) => q.accepted)) {
    const { cx, cy } = at(p);
    if (cx === undefined || cy === undefined) continue;
    path += `${path ? 'L' : 'M'}${cx} ${cy}`;
  }
  const ty = y(props.target);
  const key = (p: AutoPoint) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      props.onPick(p.key);
    }
  };
  return (
    <g>
      {ty !== undefined && Number.isFinite(ty) ? <path d={`M${plot.x} ${ty}H${plot.x + plot.width}`} stroke={COLORS.worst} strokeDasharray="5 4" aria-hidden="true" /> : null}
      <path d={path} fill="none" stroke={COLORS.fp32} strokeWidth={1.5} aria-hidden="true" />
      {props.points.map((p) => {
        const { cx, cy } = at(p);
        if (cx === undefined || cy === undefined || !Number.isFinite(cy)) return null;
        const label = `Apply: ${describePoint(p, props.unit)}`;
        return (
          <g key={p.key} role="button" tabIndex={0} aria-label={label} data-testid="auto-point" data-key={p.key} data-accepted={p.accepted} data-value={p.value} data-units={p.units.join(' ')} data-applied={props.applied === p.key} onClick={() => props.onPick(p.key)} onKeyDown={key(p)} cursor="pointer" className="auto-point">
            <title>{label}</title>
            {props.applied === p.key ? <circle cx={cx} cy={cy} r={10} fill="none" stroke={COLORS.selected} strokeWidth={2} /> : null}
            <circle cx={cx} cy={cy} r={6} fill={p.accepted ? COLORS.fp32 : '#ffffff'} stroke={p.accepted ? COLORS.fp32 : COLORS.axis} strokeWidth={2} />
          </g>
        );
      })}
    </g>
  );
}

/** Agreement (or SQNR) against the FP32 units kept, or against the model's size; click a point to apply it. */
function AutoChartView(props: Props) {
  const xs = props.points.map((p) => xOf(p, props.axis));
  const ys = [...props.points.map((p) => p.value), props.target].filter(Number.isFinite);
  const [xlo, xhi] = props.axis === 'units' ? [0, Math.max(1, ...xs) + 0.5] : pad(Math.min(...xs), Math.max(...xs), 0.08);
  const [ylo, yhi] = pad(Math.min(...ys), Math.max(...ys), 0.1);
  const yTicks = niceTicks(ylo, yhi, 5);
  // Cosines near 1 differ in the fourth decimal: as many decimals as the tick step needs.
  const step = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
  const decimals = Math.max(0, Math.min(6, Math.ceil(-Math.log10(step) - 1e-9)));
  const yTick = plainTick((v) => Number(v).toFixed(decimals));
  const xTicks = props.axis === 'units' ? niceTicks(0, xhi, Math.min(8, Math.ceil(xhi))).filter((t) => Number.isInteger(t)) : niceTicks(xlo, xhi, 5);
  const data = props.points.map((p) => ({ x: xOf(p, props.axis), value: p.value }));
  return (
    <AxisTitles x={props.axis === 'units' ? 'Units kept in FP32' : 'Model size (MB)'} y={props.unit === 'dB' ? 'Lowest output SQNR (dB)' : 'Lowest cosine to FP32'}>
      <ComposedChart data={data} responsive style={{ width: '100%', height: props.height ?? 220 }} margin={{ top: 12, right: 16, bottom: 0, left: 0 }}>
        <GridLines axis="y" values={yTicks} />
        <XAxis type="number" dataKey="x" domain={[xlo, xhi]} ticks={xTicks} interval={0} allowDataOverflow tick={NUMBER_TICK} height={22} />
        <YAxis type="number" domain={[ylo, yhi]} ticks={yTicks} interval={0} allowDataOverflow tick={yTick} width={58} />
        {/* Invisible: gives the axes their data. */}
        <Line dataKey="value" stroke="none" dot={false} activeDot={false} isAnimationActive={false} legendType="none" />
        <Points {...props} />
      </ComposedChart>
    </AxisTitles>
  );
}

function pad(lo: number, hi: number, share: number): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  const span = hi - lo || Math.abs(hi) * 0.01 || 1;
  return [lo - span * share, hi + span * share];
}

export const AutoChart = memo(AutoChartView);

/** The legend both Auto plots share. */
export function AutoLegend() {
  return (
    <ul className="chart-legend" aria-label="Legend">
      <li>
        <span className="swatch swatch-area" style={{ background: COLORS.fp32, borderRadius: '50%' }} aria-hidden="true" />
        Kept by the search (the line is its path)
      </li>
      <li>
        <span className="swatch swatch-outline" style={{ borderColor: COLORS.axis, borderRadius: '50%' }} aria-hidden="true" />
        Tried, not kept
      </li>
      <li>
        <span className="swatch swatch-line" style={{ borderColor: COLORS.worst, borderTopStyle: 'dashed' }} aria-hidden="true" />
        Target
      </li>
      <li>
        <span className="swatch swatch-outline" style={{ borderRadius: '50%' }} aria-hidden="true" />
        Applied (click a point)
      </li>
    </ul>
  );
}
