/**
 * The report's pictures as inline SVG strings: the laid-out graph coloured by one overlay, and small
 * bar charts (per-layer SQNR in graph order, sizes, latency). No script, no external reference.
 */
import type { GraphLayout } from '../layout/layered';
import { formatBytes, formatDb, formatMs } from './format';
import { formatOverlayValue, legendBands, overlayColor, type NodeOverlay, type OverlayScale } from './overlays';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** The graph at scale 1 (layout units are CSS pixels), nodes filled by the overlay's colours. */
export function graphSvg(layout: GraphLayout, overlay: NodeOverlay | null, thresholds?: readonly number[]): string {
  const parts: string[] = [];
  parts.push(`<svg class="graph" width="${Math.ceil(layout.width)}" height="${Math.ceil(layout.height)}" viewBox="0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}" role="img" aria-label="Model graph${overlay ? `, coloured by ${escapeHtml(overlay.label)}` : ''}">`);
  parts.push('<g class="edges" fill="none" stroke="#9aa4b1" stroke-width="1.2">');
  for (const e of layout.edges) {
    if (e.points.length < 4) continue;
    let d = `M${r1(e.points[0])} ${r1(e.points[1])}`;
    for (let k = 2; k < e.points.length; k += 2) d += `L${r1(e.points[k])} ${r1(e.points[k + 1])}`;
    const value = overlay?.edges ? e.tensors.map((t) => overlay.edges![t]).find((v) => v !== undefined) : undefined;
    const stroke = value !== undefined && overlay ? ` stroke="${overlayColor(value, overlay.scale, thresholds)}" stroke-width="2.2"` : '';
    parts.push(`<path d="${d}"${stroke}><title>${escapeHtml(e.tensors.join(', '))}</title></path>`);
  }
  parts.push('</g><g class="nodes" font-family="system-ui, sans-serif" font-size="12" text-anchor="middle">');
  for (const n of layout.nodes) {
    const value = overlay?.values[n.id];
    const fill = n.kind === 'input' || n.kind === 'output' ? '#e6ebf2' : overlay ? overlayColor(value, overlay.scale, thresholds) : '#ffffff';
    const dash = n.kind === 'block' ? ' stroke-dasharray="4 3"' : '';
    const title = `${n.id}${n.kind === 'op' && n.label !== n.id ? ` (${n.label})` : ''}${overlay && value !== undefined ? `: ${formatOverlayValue(value, overlay.scale)}` : ''}${overlay?.notes?.[n.id] ? ` · ${overlay.notes[n.id]}` : ''}`;
    parts.push(
      `<g data-node="${escapeHtml(n.id)}"><title>${escapeHtml(title)}</title><rect x="${r1(n.x)}" y="${r1(n.y)}" width="${r1(n.width)}" height="${r1(n.height)}" rx="${n.kind === 'op' ? 4 : 12}" fill="${fill}" stroke="#4a5565"${dash}/><text x="${r1(n.x + n.width / 2)}" y="${r1(n.y + n.height / 2 + 4)}">${escapeHtml(n.label)}</text></g>`,
    );
  }
  parts.push('</g></svg>');
  return parts.join('');
}

export function legendHtml(scale: OverlayScale, thresholds?: readonly number[]): string {
  return `<ul class="legend">${legendBands(scale, thresholds)
    .map((b) => `<li><span class="swatch" style="background:${b.color}"></span>${escapeHtml(b.label)}</li>`)
    .join('')}<li><span class="swatch" style="background:#eef0f3"></span>no value</li></ul>`;
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly color: string;
  /** Hover text. */
  readonly title?: string;
}

/** Vertical bars in order (the per-layer SQNR chart), with a y axis from 0 to the largest finite value. */
export function columnChart(bars: readonly Bar[], options: { height: number; unit: string; title: string }): string {
  const finite = bars.map((b) => b.value).filter((v) => Number.isFinite(v));
  const top = Math.max(1, ...finite);
  const left = 44;
  const width = Math.max(360, Math.min(1600, bars.length * 8 + left + 10));
  const plotH = options.height - 30;
  const step = (width - left - 10) / Math.max(1, bars.length);
  const y = (v: number) => 8 + plotH - (Math.max(0, Math.min(top, Number.isFinite(v) ? v : top)) / top) * plotH;
  const ticks = [0, top / 4, top / 2, (3 * top) / 4, top];
  const parts = [`<svg class="chart" width="${width}" height="${options.height}" role="img" aria-label="${escapeHtml(options.title)}">`];
  for (const t of ticks) parts.push(`<line x1="${left}" x2="${width - 10}" y1="${r1(y(t))}" y2="${r1(y(t))}" stroke="#e3e7ec"/><text x="${left - 4}" y="${r1(y(t) + 4)}" text-anchor="end" font-size="10">${t.toFixed(0)}</text>`);
  parts.push(`<text x="4" y="12" font-size="10">${escapeHtml(options.unit)}</text>`);
  bars.forEach((b, i) => {
    const x = left + i * step;
    const top = y(b.value);
    parts.push(`<rect x="${r1(x)}" y="${r1(top)}" width="${r1(Math.max(1, step - 1))}" height="${r1(8 + plotH - top)}" fill="${b.color}"><title>${escapeHtml(b.title ?? `${b.label}: ${b.value}`)}</title></rect>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars with their value printed (sizes, latency). */
export function barList(bars: readonly Bar[], format: 'bytes' | 'ms'): string {
  const max = Math.max(1e-9, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const rowH = 22;
  const width = 560;
  const labelW = 200;
  const parts = [`<svg class="chart" width="${width}" height="${bars.length * rowH + 6}" role="img" aria-label="${format === 'bytes' ? 'Sizes' : 'Latency'}">`];
  bars.forEach((b, i) => {
    const w = ((width - labelW - 90) * (Number.isFinite(b.value) ? b.value : 0)) / max;
    const text = format === 'bytes' ? formatBytes(b.value) : formatMs(b.value);
    parts.push(
      `<text x="${labelW - 6}" y="${i * rowH + 15}" text-anchor="end" font-size="11">${escapeHtml(b.label)}</text><rect x="${labelW}" y="${i * rowH + 4}" width="${r1(Math.max(1, w))}" height="${rowH - 8}" fill="${b.color}"/><text x="${r1(labelW + w + 6)}" y="${i * rowH + 15}" font-size="11">${escapeHtml(text)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The SQNR chart's bar for one layer. */
export function sqnrBar(layer: { fp32: string; opType: string; sqnrDb: number; quantized: boolean }, scale: OverlayScale, thresholds?: readonly number[]): Bar {
  return { label: layer.fp32, value: layer.sqnrDb, color: overlayColor(layer.sqnrDb, scale, thresholds), title: `${layer.fp32} (${layer.opType}${layer.quantized ? '' : ', FP32'}): ${formatDb(layer.sqnrDb)}` };
}
