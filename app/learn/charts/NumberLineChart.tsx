import { ComposedChart, ReferenceArea, ReferenceLine, ResponsiveContainer, Scatter, XAxis, YAxis } from 'recharts';
import { labelledCodes, niceTicks } from '../lib/series';
import { PALETTE, TICK, tick } from './theme';

export interface NumberLineProps {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly qmin: number;
  readonly qmax: number;
  /** The value quantized, its code and the value it comes back as. */
  readonly x: number;
  readonly q: number;
  readonly real: number;
  /** Draw only the codes q-window..q+window (a zoom on the rounding). */
  readonly window?: number;
  readonly label: string;
  readonly testId?: string;
}

interface CodePoint {
  readonly v: number;
  readonly y: number;
  readonly code: number;
}

/**
 * The integer grid on the real number line: one tick per code at (code − zero_point) · scale, labels
 * at qmin, the zero-point, qmax and the code x rounds to; x (orange) and its dequantized value (blue).
 * With `window`, a zoom on the neighbourhood of x: the rounding interval of its code is shaded.
 */
export function NumberLineChart(props: NumberLineProps) {
  const { scale, zeroPoint, qmin, qmax, x, q, real } = props;
  const from = props.window === undefined ? qmin : Math.max(qmin, q - props.window);
  const to = props.window === undefined ? qmax : Math.min(qmax, q + props.window);
  const value = (c: number) => (c - zeroPoint) * scale;
  const codes: CodePoint[] = [];
  for (let c = from; c <= to; c++) codes.push({ v: value(c), y: 0.5, code: c });
  const labelled = props.window === undefined ? labelledCodes({ qmin, qmax, zeroPoint }, q, (qmax - qmin) / 20) : codes.map((c) => c.code);
  // The whole grid shows x wherever it is; the zoom stays on q's neighbourhood (x may be far off the grid).
  const zoom = props.window !== undefined;
  const lo = (zoom ? value(from) : Math.min(value(from), x)) - scale;
  const hi = (zoom ? value(to) : Math.max(value(to), x)) + scale;
  const pad = (hi - lo) * 0.02;
  return (
    <div className="learn-chart short" data-testid={props.testId} role="img" aria-label={props.label}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart margin={{ top: 24, right: 24, bottom: 8, left: 24 }}>
          <XAxis type="number" dataKey="v" domain={[lo - pad, hi + pad]} allowDataOverflow tick={TICK} tickFormatter={tick} ticks={niceTicks(lo, hi, props.window === undefined ? 8 : 5)} />
          <YAxis type="number" dataKey="y" domain={[0, 1]} hide />
          {props.window !== undefined ? <ReferenceArea x1={real - scale / 2} x2={real + scale / 2} y1={0} y2={1} fill={PALETTE.skyBlue} fillOpacity={0.18} /> : null}
          <Scatter
            data={codes}
            isAnimationActive={false}
            shape={(p: { cx?: number; cy?: number }) => <line x1={p.cx} x2={p.cx} y1={(p.cy ?? 0) - 10} y2={(p.cy ?? 0) + 10} stroke={PALETTE.grey} strokeWidth={1} />}
          />
          {labelled.map((c) => (
            <ReferenceLine
              key={c}
              x={value(c)}
              stroke={c === zeroPoint ? PALETTE.black : PALETTE.grey}
              strokeDasharray={c === zeroPoint ? undefined : '2 2'}
              label={{ value: c === zeroPoint ? `zp ${c}` : String(c), position: 'top', fill: PALETTE.axis, fontSize: '0.8em' }}
            />
          ))}
          <ReferenceLine x={x} ifOverflow={zoom ? 'discard' : 'extendDomain'} stroke={PALETTE.orange} strokeWidth={2.5} label={{ value: 'x', position: 'insideBottomLeft', fill: PALETTE.orange, fontSize: '0.9em' }} />
          <ReferenceLine x={real} stroke={PALETTE.blue} strokeWidth={2} strokeDasharray="5 3" label={{ value: 'x̂', position: 'insideBottomRight', fill: PALETTE.blue, fontSize: '0.9em' }} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
