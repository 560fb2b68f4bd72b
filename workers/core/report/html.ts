/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no request: its own CSP
 * meta says `default-src 'none'`) that opens from disk and can be shared. The same function serves
 * the workbench (graph worker) and the CLI (`quantize --report out.html`); numbers are printed with
 * the workbench's formats (format.ts), so both show the same text.
 */
import { formatBytes, formatDb, formatMs, formatNumber, formatPercent } from './format';
import { barList, columnChart, escapeHtml as h, graphSvg, legendHtml, sqnrBar } from './svg';
import { buildOverlays, OVERLAYS, type NodeOverlay } from './overlays';
import type { ReportInput } from './types';

/** Blocks every request: the report is read from disk and needs nothing else. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function reportFileName(modelName: string): string {
  return `${modelName.replace(/\.onnx$/i, '')}.int8.report.html`;
}

const STYLE = `
:root{font:13px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b2230;background:#f3f5f8}
body{margin:0;padding:16px 24px 48px;max-width:1800px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:0 0 8px}
section{background:#fff;border:1px solid #dde2e8;border-radius:8px;padding:12px 16px;margin:12px 0}
table{border-collapse:collapse}th,td{padding:2px 8px;border-bottom:1px solid #edf0f3;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre,.mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:11.5px}
pre{background:#f9fafb;border:1px solid #edf0f3;padding:8px;overflow:auto;white-space:pre-wrap;word-break:break-all}
.muted{color:#5b6676}.bad{color:#b23c00}.good{color:#0b7a5a}
.graph-box{overflow:auto;max-height:85vh;border:1px solid #edf0f3;background:#fbfcfd}
.legend{display:flex;flex-wrap:wrap;gap:12px;list-style:none;padding:0;margin:6px 0}
.swatch{display:inline-block;width:14px;height:14px;border:1px solid #4a5565;border-radius:3px;margin-right:4px;vertical-align:-2px}
.scroll{max-height:520px;overflow:auto}.worst{background:#fdeee6}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:12px}
`;

function table(head: readonly string[], rows: readonly string[][], options: { testId?: string; numeric?: readonly number[]; rowClass?: (i: number) => string } = {}): string {
  const num = new Set(options.numeric ?? []);
  const th = head.map((c, i) => `<th scope="col"${num.has(i) ? ' class="num"' : ''}>${h(c)}</th>`).join('');
  const body = rows
    .map((r, ri) => `<tr${options.rowClass?.(ri) ? ` class="${options.rowClass(ri)}"` : ''}>${r.map((c, i) => `<td${num.has(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`)
    .join('');
  return `<table${options.testId ? ` data-testid="${options.testId}"` : ''}><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

const kv = (rows: ReadonlyArray<readonly [string, string, string?]>) =>
  `<table><tbody>${rows.map(([k, v, id]) => `<tr><th scope="row">${h(k)}</th><td${id ? ` data-testid="${id}"` : ''}>${v}</td></tr>`).join('')}</tbody></table>`;

function summarySection(r: ReportInput): string {
  const s = r.model.summary;
  const io = (t: (typeof s.inputs)[number]) => `<code>${h(t.name)}</code> ${h(t.type)} [${h(t.shape.join(', '))}]`;
  const quantized = r.decisions.filter((d) => d.quantized).length;
  return `<section><h2>Model</h2>${kv([
    ['Model', `<code>${h(r.model.name)}</code>`, 'report-model'],
    ['Inputs', s.inputs.map(io).join('<br>')],
    ['Outputs', s.outputs.map(io).join('<br>')],
    ['Parameters', s.parameters.toLocaleString('en-US')],
    ['Nodes', String(s.nodes)],
    ['Opsets', h(s.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', '))],
    ['Quantized nodes', `${quantized} of ${r.decisions.length}`, 'report-quantized-nodes'],
    ['FP32 size', formatBytes(r.sizes.fp32), 'report-fp32-size'],
    ['INT8 size', `${formatBytes(r.sizes.int8)} (${formatPercent(r.sizes.int8 / r.sizes.fp32)} of FP32)`, 'report-int8-size'],
    ...(r.fidelity ? [['Fidelity check', `<span class="${r.fidelity.pass ? 'good' : 'bad'}">${h(r.fidelity.text)}</span>`, 'report-fidelity'] as const] : []),
  ])}</section>`;
}

function optionsSection(r: ReportInput): string {
  const o = r.options;
  const p = r.preprocess;
  return `<section><h2>Options</h2><div class="grid">${kv([
    ['Range method', `${h(o.method)}${o.method === 'percentile' ? ` (${o.percentile ?? 99.999})` : ''}`, 'report-method'],
    ['Activations', `${o.activationType}${o.activationSymmetric ? ' symmetric' : ' asymmetric'}`],
    ['Weights', `${o.weightType ?? 's8'} ${o.perChannel ? 'per channel' : 'per tensor'}`],
    ['Bias correction', o.biasCorrection ? 'on' : 'off'],
    ['Kept in FP32 by name', o.keepNodes.length ? o.keepNodes.map((n) => `<code>${h(n)}</code>`).join(', ') : '—'],
    ['Kept in FP32 by op', o.keepOpTypes.length ? h(o.keepOpTypes.join(', ')) : '—'],
    ['First and last layers kept', o.keepFirstAndLast ? 'yes' : 'no'],
  ])}${kv([
    ['Calibration', `${r.calibration.images} image(s) from ${h(r.calibration.source)}`],
    ['Colour, layout', `${p.color}, ${p.layout}`],
    ['Scale, mean, std', h(`${p.scale}, [${p.mean.join(', ')}], [${p.std.join(', ')}]`)],
    ['Resize', h(`${p.resize}${p.resize === 'letterbox' ? ` (pad ${p.pad}, ${p.align})` : ''}`)],
  ])}</div></section>`;
}

function graphSection(r: ReportInput, overlays: readonly NodeOverlay[]): string {
  if (!r.graph) return '';
  const overlay = overlays.find((o) => o.id === r.graph!.overlay) ?? null;
  const thresholds = overlay && r.graph.thresholds && r.graph.thresholds.length === (overlay.scale.kind === 'numeric' ? overlay.scale.thresholds.length : -1) ? r.graph.thresholds : undefined;
  const others = overlays.filter((o) => o !== overlay).map((o) => h(o.label));
  return `<section><h2>Graph${overlay ? ` · <span data-testid="report-overlay">${h(overlay.label)}</span>` : ''}</h2>
<p class="muted">${overlay ? h(overlay.description) : 'No overlay chosen.'} ${r.graph.layout.nodes.length} boxes laid out by ${h(r.graph.layout.engine)}${r.graph.layout.collapsed.length ? `, ${r.graph.layout.collapsed.length} block(s) collapsed` : ''}. Hover a node for its name and value.${others.length ? ` Other overlays with data: ${others.join(', ')}.` : ''}</p>
${overlay ? legendHtml(overlay.scale, thresholds) : ''}<div class="graph-box" data-testid="report-graph">${graphSvg(r.graph.layout, overlay, thresholds)}</div></section>`;
}

function variantsSection(r: ReportInput): string {
  const c = r.comparison;
  const size = [
    { label: 'FP32', value: r.sizes.fp32, color: '#9aa4b1' },
    { label: 'INT8', value: r.sizes.int8, color: '#1f5fbf' },
  ];
  const latency = r.latency.map((l) => ({ label: `${l.model.toUpperCase()}, ${l.provider}`, value: l.medianMs, color: l.model === 'int8' ? '#1f5fbf' : '#9aa4b1' }));
  const latencyRows = r.latency.map((l) => [h(l.provider), l.model.toUpperCase(), formatMs(l.medianMs), formatMs(l.p90Ms), String(l.runs)]);
  const a = c?.agreement;
  const outputs = c
    ? table(
        ['Output', 'Cosine', 'SQNR', 'Max |error|'],
        c.outputs.map((o) => [`<code>${h(o.name)}</code>`, formatNumber(o.cosine, 5), formatDb(o.sqnrDb), formatNumber(o.maxAbs)]),
        { testId: 'report-outputs', numeric: [1, 2, 3] },
      )
    : '<p class="muted">No FP32/INT8 comparison was run.</p>';
  const accuracy = a
    ? kv([
        ['Top-1 agreement', formatPercent(a.top1Agreement), 'report-top1-agreement'],
        ['INT8 top-5 holds FP32 top-1', formatPercent(a.top5Agreement)],
        ...(a.labeled > 0
          ? ([
              ['FP32 top-1 (labelled)', formatPercent(a.reference.top1)],
              ['INT8 top-1 (labelled)', formatPercent(a.test.top1), 'report-int8-top1'],
            ] as const)
          : []),
      ])
    : '';
  return `<section><h2>Variants: size, latency, accuracy</h2><div class="grid"><div><h3>Size</h3>${barList(size, 'bytes')}</div><div><h3>Latency (median)</h3>${
    latency.length ? barList(latency, 'ms') + table(['Provider', 'Model', 'Median', 'p90', 'Runs'], latencyRows, { testId: 'report-latency', numeric: [2, 3, 4] }) : '<p class="muted">Latency was not measured.</p>'
  }</div><div><h3>Agreement with FP32${c ? ` (${c.images} image(s), ${h(c.provider)})` : ''}</h3>${outputs}${accuracy}</div></div></section>`;
}

function layersSection(r: ReportInput, overlays: readonly NodeOverlay[]): string {
  const c = r.comparison;
  if (!c || c.layers.length === 0) return '';
  const scale = (overlays.find((o) => o.id === 'sqnr') ?? OVERLAYS[0].build({ layers: c.layers })[0]).scale;
  const thresholds = r.graph?.overlay === 'sqnr' ? r.graph.thresholds : undefined;
  // The worst among the quantized layers (a layer kept in FP32 is not what quantization broke), as the workbench says it.
  let worst = -1;
  c.layers.forEach((l, i) => {
    if (l.quantized && Number.isFinite(l.sqnrDb) && (worst < 0 || l.sqnrDb < c.layers[worst].sqnrDb)) worst = i;
  });
  const rows = c.layers.map((l) => [
    String(l.order),
    h(l.node || l.fp32),
    `<code>${h(l.fp32)}</code>`,
    h(l.opType),
    formatDb(l.sqnrDb),
    l.local ? formatDb(l.local.sqnrDb) : '–',
    formatNumber(l.cosine, 5),
    formatNumber(l.mse),
    Number.isFinite(l.biasShare) ? formatPercent(l.biasShare) : '–',
    l.quantized ? 'yes' : 'no',
  ]);
  const w = worst >= 0 ? c.layers[worst] : null;
  const summary = w
    ? `${c.layers.length} layers; the worst quantized layer is <code data-testid="report-worst-layer">${h(w.node || w.fp32)}</code> (tensor ${h(w.fp32)}) at <span data-testid="report-worst-sqnr">${formatDb(w.sqnrDb)}</span>.`
    : `${c.layers.length} layers, none quantized.`;
  return `<section><h2>Error per layer</h2><p>${summary}</p>
${columnChart(c.layers.map((l) => sqnrBar(l, scale, thresholds)), { height: 220, unit: 'SQNR dB', title: 'SQNR per layer, in graph order' })}
<div class="scroll">${table(['#', 'Node', 'Tensor', 'Op', 'SQNR', 'Local', 'Cosine', 'MSE', 'Offset', 'INT8'], rows, { testId: 'report-layers', numeric: [0, 4, 5, 6, 7, 8], rowClass: (i) => (i === worst ? 'worst' : '') })}</div></section>`;
}

function rangesSection(r: ReportInput): string {
  if (r.ranges.length === 0) return '';
  const rows = r.ranges.map((x) => [
    `<code>${h(x.tensor)}</code>`,
    h(x.opType),
    `${formatNumber(x.observed.min)} … ${formatNumber(x.observed.max)}`,
    `${formatNumber(x.range.min)} … ${formatNumber(x.range.max)}`,
    formatNumber(x.scale, 6),
    `${x.zeroPoint} (${x.type})`,
    x.clippedFraction === null ? '—' : formatPercent(x.clippedFraction, 3),
  ]);
  return `<section><h2>Ranges (${r.ranges.length} activations, ${h(r.options.method)})</h2><div class="scroll">${table(['Tensor', 'Producer', 'Observed', 'Range', 'Scale', 'Zero point', 'Clipped'], rows, { testId: 'report-ranges', numeric: [4, 6] })}</div></section>`;
}

function decisionsSection(r: ReportInput): string {
  const kept = r.decisions.filter((d) => !d.quantized);
  const rows = kept.map((d) => [`<code>${h(d.name)}</code>`, h(d.opType), h(d.reason ?? '')]);
  return `<section><h2>Nodes left in FP32 (${kept.length})</h2>${kept.length ? `<div class="scroll">${table(['Node', 'Op', 'Why'], rows, { testId: 'report-kept' })}</div>` : '<p>None.</p>'}</section>`;
}

function reproduceSection(r: ReportInput): string {
  return `<section><h2>Reproduce</h2><p>The CLI command (same engine, same options):</p><pre data-testid="report-command">${h(r.reproduce.command)}</pre><p>The plan as JSON:</p><pre data-testid="report-plan">${h(JSON.stringify(r.reproduce.plan, jsonNumbers, 2))}</pre></section>`;
}

function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? null : value > 0 ? 'inf' : '-inf';
  return value;
}

export function renderReport(r: ReportInput): string {
  const overlays = r.graph ? buildOverlays(r.graph.data) : [];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(r.model.name)}: INT8 quantization report</title><style>${STYLE}</style></head>
<body><header><h1>${h(r.model.name)}: INT8 quantization report</h1><p class="muted">Written by ${h(r.tool)} on ${h(r.createdAt)}. Self-contained: this file loads nothing.</p></header>
${summarySection(r)}${optionsSection(r)}${graphSection(r, overlays)}${variantsSection(r)}${layersSection(r, overlays)}${rangesSection(r)}${decisionsSection(r)}${reproduceSection(r)}
</body></html>
`;
}
