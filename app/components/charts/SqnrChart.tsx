import { memo } from 'react';
import { ComposedChart, Line, Tooltip, XAxis, YAxis, usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import { niceTicks, worstIndex } from '../../lib/chart-data';
import { formatDb } from '../../lib/format';
import { AxisTitles } from './AxisTitles';
import { GridLines, NUMBER_TICK, plainTick } from './ticks';
import { COLORS } from './theme';

export interface SqnrLayer {
  /** The FP32 tensor (key). */
  readonly name: string;
  readonly opType: string;
  /** Position in graph order. */
  readonly order: number;
  readonly sqnrDb: number;
  /** False for a layer kept in FP32. */
  readonly quantized: boolean;
}

interface Row extends SqnrLayer {
  /** Bar centre on the x axis (layer i spans [i, i + 1]). */
  readonly x: number;
  /** Bar height (dB), ∞ drawn at the top. */
  readonly value: number;
}

interface TooltipProps {
  readonly active?: boolean;
  readonly payload?: ReadonlyArray<{ readonly payload?: Row }>;
}

function LayerTooltip(props: TooltipProps) {
  const p = props.payload?.[0]?.payload;
  if (!props.active || !p) return null;
  return (
    <div className="chart-tooltip">
      <div>
        #{p.order} {p.name} ({p.opType}
        {p.quantized ? '' : ', FP32'})
      </div>
      <strong>{formatDb(p.sqnrDb)}</strong> <span className="muted">(click to inspect)</span>
    </div>
  );
}

/** The bars as a few SVG paths, one per colour, plus the selected bar's outline and the worst line. */
function Bars(props: { rows: readonly Row[]; worst: number; selected: string | null }) {
  const x = useXAxisScale();
  const y = useYAxisScale();
  const plot = usePlotArea();
  if (!x || !y || !plot) return null;
  const y0 = y(0);
  if (y0 === undefined) return null;
  const paths = { int8: '', fp32: '', worst: '', exact: '' };
  let outline = '';
  for (let i = 0; i < props.rows.length; i++) {
    const r = props.rows[i];
    const a = x(i);
    const b = x(i + 1);
    const top = y(r.value);
    if (a === undefined || b === undefined || top === undefined) continue;
    const gap = b - a > 4 ? Math.min(3, (b - a) * 0.2) : 0;
    const d = `M${a + gap / 2} ${y0}V${Math.min(top, y0 - 1)}H${b - gap / 2}V${y0}Z`;
    const kind = i === props.worst ? 'worst' : !Number.isFinite(r.sqnrDb) ? 'exact' : r.quantized ? 'int8' : 'fp32';
    paths[kind] += d;
    if (r.name === props.selected) outline = d;
  }
  const worst = props.rows[props.worst];
  const wy = worst && Number.isFinite(worst.value) ? y(worst.value) : undefined;
  return (
    <g aria-hidden="true" pointerEvents="none">
      <path d={paths.int8} fill={COLORS.fp32} fillOpacity={0.9} />
      <path d={paths.fp32} fill={COLORS.model} fillOpacity={0.9} />
      <path d={paths.exact} fill={COLORS.fp32} fillOpacity={0.3} />
      <path d={paths.worst} fill={COLORS.worst} />
      {wy !== undefined ? <path d={`M${plot.x} ${wy}H${plot.x + plot.width}`} stroke={COLORS.worst} strokeDasharray="4 3" /> : null}
      {outline ? <path d={outline} fill="none" stroke={COLORS.selected} strokeWidth={2} /> : null}
    </g>
  );
}

/**
 * SQNR per layer in graph order (higher is better): the worst layer is highlighted, the selected one
 * outlined, layers kept in FP32 grey. A layer with no error at all (∞ dB) is drawn pale at the top.
 * Clicking a bar selects its layer.
 */
function SqnrChartView(props: { layers: readonly SqnrLayer[]; selected: string | null; onSelect: (name: string) => void; height?: number }) {
  const finite = props.layers.map((l) => l.sqnrDb).filter(Number.isFinite);
  const top = finite.length ? Math.max(...finite) : 60;
  const cap = Math.ceil((top + 5) / 5) * 5;
  const yTicks = niceTicks(0, cap, 5);
  const rows: Row[] = props.layers.map((l, i) => ({ ...l, x: i + 0.5, value: Number.isFinite(l.sqnrDb) ? Math.max(0, l.sqnrDb) : l.sqnrDb > 0 ? cap : 0 }));
  const worst = worstIndex(props.layers.map((l) => l.sqnrDb));
  const n = rows.length;
  const few = n <= 48;
  const xTicks = few ? rows.map((r) => r.x) : niceTicks(0, n, 10).map((t) => t + 0.5).filter((t) => t < n);
  return (
    <div className="sqnr-chart">
      <AxisTitles x={few ? undefined : 'Layers in graph order (#: position)'} y="SQNR (dB)">
        <ComposedChart
          data={rows}
          responsive
          style={{ width: '100%', height: props.height ?? (few ? 300 : 240) }}
          margin={{ top: 10, right: 16, bottom: 0, left: 0 }}
          accessibilityLayer
          onClick={(state) => {
            const i = Number(state?.activeTooltipIndex);
            if (Number.isInteger(i) && rows[i]) props.onSelect(rows[i].name);
          }}
          cursor="pointer"
        >
          <GridLines axis="y" values={yTicks} />
          <XAxis
            interval={0}
            type="number"
            dataKey="x"
            domain={[0, Math.max(1, n)]}
            ticks={xTicks}
            allowDataOverflow
            tick={plainTick((v) => {
              const r = rows[Math.floor(Number(v))];
              if (!r) return '';
              return few ? (r.name.length > 18 ? `…${r.name.slice(-17)}` : r.name) : `#${r.order}`;
            }, few ? 10 : 11)}
            angle={few ? -50 : 0}
            textAnchor={few ? 'end' : 'middle'}
            height={few ? 96 : 20}
          />
          <YAxis
            interval={0}
            type="number"
            domain={[0, cap]}
            ticks={yTicks}
            tick={NUMBER_TICK}
            width={48}
          />
          <Bars rows={rows} worst={worst} selected={props.selected} />
          {/* Invisible: gives the tooltip and clicks their data points. */}
          <Line dataKey="value" stroke="none" dot={false} activeDot={false} isAnimationActive={false} name="SQNR" />
          <Tooltip content={<LayerTooltip />} isAnimationActive={false} cursor={{ stroke: COLORS.axis, strokeOpacity: 0.4 }} />
        </ComposedChart>
      </AxisTitles>
      <ul className="chart-legend" aria-label="Legend">
        <li>
          <span className="swatch swatch-area" style={{ background: COLORS.fp32 }} aria-hidden="true" />
          INT8 layer
        </li>
        <li>
          <span className="swatch swatch-area" style={{ background: COLORS.worst }} aria-hidden="true" />
          Worst{worst >= 0 ? `: ${props.layers[worst].name} (${formatDb(props.layers[worst].sqnrDb)})` : ''}
        </li>
        <li>
          <span className="swatch swatch-area" style={{ background: COLORS.model }} aria-hidden="true" />
          Kept in FP32
        </li>
        <li>
          <span className="swatch swatch-outline" aria-hidden="true" />
          Selected (click a bar)
        </li>
      </ul>
    </div>
  );
}

export const SqnrChart = memo(SqnrChartView);
