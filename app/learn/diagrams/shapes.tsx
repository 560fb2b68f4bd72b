/** Boxes and arrows for Learn mode's inline SVG diagrams (drawn here, no external images). */
import type { ReactNode } from 'react';

export function Box(props: { x: number; y: number; w: number; h: number; fill?: string; stroke?: string; children: ReactNode; dashed?: boolean }) {
  return (
    <g>
      <rect x={props.x} y={props.y} width={props.w} height={props.h} rx={8} fill={props.fill ?? '#fff'} stroke={props.stroke ?? '#5f6b7a'} strokeWidth={1.5} strokeDasharray={props.dashed ? '5 4' : undefined} />
      <text x={props.x + props.w / 2} y={props.y + props.h / 2} textAnchor="middle" dominantBaseline="central" fontSize={13} fill="#1d2330">
        {props.children}
      </text>
    </g>
  );
}

export function Arrow(props: { x1: number; y1: number; x2: number; y2: number; label?: string; color?: string }) {
  const color = props.color ?? '#5f6b7a';
  const dx = props.x2 - props.x1;
  const dy = props.y2 - props.y1;
  const len = Math.hypot(dx, dy) || 1;
  const ux = dx / len;
  const uy = dy / len;
  const hx = props.x2 - ux * 9;
  const hy = props.y2 - uy * 9;
  return (
    <g>
      <line x1={props.x1} y1={props.y1} x2={hx} y2={hy} stroke={color} strokeWidth={1.8} />
      <polygon points={`${props.x2},${props.y2} ${hx - uy * 5},${hy + ux * 5} ${hx + uy * 5},${hy - ux * 5}`} fill={color} />
      {props.label ? (
        <text x={(props.x1 + props.x2) / 2} y={(props.y1 + props.y2) / 2 - 7} textAnchor="middle" fontSize={11} fill={color}>
          {props.label}
        </text>
      ) : null}
    </g>
  );
}

export function Caption(props: { x: number; y: number; children: ReactNode; anchor?: 'start' | 'middle' | 'end'; color?: string; size?: number; weight?: number }) {
  return (
    <text x={props.x} y={props.y} textAnchor={props.anchor ?? 'start'} fontSize={props.size ?? 12} fontWeight={props.weight} fill={props.color ?? '#5f6b7a'}>
      {props.children}
    </text>
  );
}
