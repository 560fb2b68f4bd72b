import { Bar, BarChart, Cell, LabelList, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { megabytes } from '../lib/format';
import { PALETTE, TICK } from './theme';

export interface SizeBar {
  readonly format: string;
  readonly bytes: number;
}

const COLORS = [PALETTE.grey, PALETTE.skyBlue, PALETTE.blue, PALETTE.green];

/** Storage per number format, in MB (horizontal bars, labelled). */
export function SizeChart(props: { bars: readonly SizeBar[]; label: string; testId?: string }) {
  const data = props.bars.map((b) => ({ format: b.format, mb: b.bytes / 1e6 }));
  const fmt = (mb: number) => megabytes(mb * 1e6);
  return (
    <div className="learn-chart short" data-testid={props.testId} role="img" aria-label={props.label}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 72, bottom: 4, left: 4 }}>
          <XAxis type="number" hide domain={[0, 'dataMax']} />
          <YAxis type="category" dataKey="format" tick={TICK} width={56} />
          <Bar dataKey="mb" isAnimationActive={false}>
            {data.map((_, i) => (
              <Cell key={i} fill={COLORS[i % COLORS.length]} />
            ))}
            <LabelList dataKey="mb" position="right" formatter={(v: unknown) => fmt(Number(v))} style={{ fontSize: '0.85em', fill: PALETTE.axis }} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
