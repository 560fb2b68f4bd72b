/**
 * Graph overlays as data (Model Explorer's node-data idea): each overlay is a per-node value map and
 * a scale (thresholds, colours, legend). The table OVERLAYS lists them; an entry builds its values
 * from OverlayData and returns nothing when its data is absent, so a new overlay is one entry here
 * and appears in the workbench and the HTML report as soon as its data exists.
 */
import { RANGE_METHODS } from '../calibration/ranges';
import type { NodeProfile, OverlayData } from './overlay-data';

export interface NumericScale {
  readonly kind: 'numeric';
  /** Shown after values ('dB', '×'); '%' values are fractions shown as percent. */
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  /** Ascending band edges: band k is [thresholds[k-1], thresholds[k]). */
  readonly thresholds: readonly number[];
  /** One colour per band, lowest band first (thresholds.length + 1). */
  readonly colors: readonly string[];
  /** Where the person can move the thresholds, and the step. */
  readonly domain: readonly [number, number];
  readonly step: number;
}

export interface CategoricalScale {
  readonly kind: 'categorical';
  readonly categories: ReadonlyArray<{ readonly value: string; readonly label: string; readonly color: string }>;
}

export type OverlayScale = NumericScale | CategoricalScale;

export interface NodeOverlay {
  /** Stable id ('sqnr', 'latency-share:webgpu'). */
  readonly id: string;
  readonly label: string;
  /** One sentence: what the colour means. */
  readonly description: string;
  readonly scale: OverlayScale;
  /** Node id -> value (a number, or a category's value). Nodes without a value are drawn grey. */
  readonly values: Readonly<Record<string, number | string>>;
  /** Tensor -> value, for colouring edges (numeric overlays over tensors). */
  readonly edges?: Readonly<Record<string, number>>;
  /** Node id -> why (a kept node's reason, the method's reason). */
  readonly notes?: Readonly<Record<string, string>>;
}

/** One entry of the table: how an overlay is made from the data, or null when the data is absent. */
export interface OverlaySource {
  readonly id: string;
  build(data: OverlayData): NodeOverlay[];
}

export const NO_VALUE_COLOR = '#eef0f3';
/** Bad to good (Okabe-Ito vermillion, orange, yellow, bluish green, lightened for dark text on top). */
export const BAD_TO_GOOD = ['#e8743b', '#f2b134', '#f5e27a', '#55b68f'] as const;
const GOOD_TO_BAD = [...BAD_TO_GOOD].reverse();

const higher = (thresholds: number[], domain: [number, number], step: number, unit: string): NumericScale => ({
  kind: 'numeric',
  unit,
  better: 'higher',
  thresholds,
  colors: BAD_TO_GOOD,
  domain,
  step,
});
const lower = (thresholds: number[], domain: [number, number], step: number, unit: string): NumericScale => ({
  kind: 'numeric',
  unit,
  better: 'lower',
  thresholds,
  colors: GOOD_TO_BAD,
  domain,
  step,
});

const SQNR_SCALE = higher([10, 20, 30], [0, 60], 1, 'dB');

/** The lowest value per key (a node with several outputs shows its worst). */
function lowest(entries: Iterable<readonly [string, number]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of entries) if (!(k in out) || v < out[k]) out[k] = v;
  return out;
}
function highest(entries: Iterable<readonly [string, number]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of entries) if (!(k in out) || v > out[k]) out[k] = v;
  return out;
}
const one = (o: NodeOverlay | null): NodeOverlay[] => (o && Object.keys(o.values).length > 0 ? [o] : []);

const METHOD_COLORS: Record<string, string> = { minmax: '#7fb3e6', 'moving-average': '#a6cfee', percentile: '#f2b134', entropy: '#b79fe0', mse: '#55b68f', shared: '#d9dde3' };

function profileOverlays(profiles: readonly NodeProfile[]): NodeOverlay[] {
  const byProvider = new Map<string, { label: string; fp32?: NodeProfile; int8?: NodeProfile }>();
  for (const p of profiles) {
    const entry = byProvider.get(p.provider) ?? { label: p.label };
    entry[p.variant] = p;
    byProvider.set(p.provider, entry);
  }
  const out: NodeOverlay[] = [];
  for (const [provider, { label, fp32, int8 }] of byProvider) {
    const shown = int8 ?? fp32!;
    out.push(
      ...one({
        id: `latency-share:${provider}`,
        label: `Latency share, ${label}`,
        description: `Each node's share of the ${shown.variant.toUpperCase()} model's time on ${label} (onnxruntime's profile).`,
        scale: lower([0.01, 0.03, 0.08], [0, 0.5], 0.005, '%'),
        values: highest(shown.nodes.map((n) => [n.node, shown.totalMs > 0 ? n.ms / shown.totalMs : 0] as const)),
      }),
    );
    if (fp32 && int8) {
      const base = new Map(fp32.nodes.map((n) => [n.node, n.ms]));
      out.push(
        ...one({
          id: `latency-ratio:${provider}`,
          label: `INT8/FP32 time, ${label}`,
          description: `Each node's INT8 time over its FP32 time on ${label}: below 1 INT8 is faster.`,
          scale: lower([0.8, 1, 1.5], [0, 4], 0.05, '×'),
          values: Object.fromEntries(int8.nodes.filter((n) => (base.get(n.node) ?? 0) > 0).map((n) => [n.node, n.ms / base.get(n.node)!])),
        }),
      );
    }
  }
  return out;
}

export const OVERLAYS: readonly OverlaySource[] = [
  {
    id: 'sqnr',
    build: ({ layers }) =>
      one(
        layers
          ? {
              id: 'sqnr',
              label: 'SQNR (accumulated)',
              description: 'Signal-to-quantization-noise ratio of each node\u2019s output, FP32 against the INT8 model run whole (Compare); higher is better. A Conv whose Relu was folded into it has no output of its own in the INT8 model: its Relu carries the value.',
              scale: SQNR_SCALE,
              values: lowest(layers.filter((l) => l.node).map((l) => [l.node, l.sqnrDb] as const)),
              edges: Object.fromEntries(layers.map((l) => [l.fp32, l.sqnrDb])),
            }
          : null,
      ),
  },
  {
    id: 'cosine',
    build: ({ layers }) =>
      one(
        layers
          ? {
              id: 'cosine',
              label: 'Cosine',
              description: 'Cosine similarity of each node\u2019s output, FP32 against INT8 (Compare); 1 is identical.',
              scale: higher([0.99, 0.999, 0.9999], [0.9, 1], 0.0001, ''),
              values: lowest(layers.filter((l) => l.node).map((l) => [l.node, l.cosine] as const)),
              edges: Object.fromEntries(layers.map((l) => [l.fp32, l.cosine])),
            }
          : null,
      ),
  },
  {
    id: 'sqnr-local',
    build: ({ layerErrors }) =>
      one(
        layerErrors
          ? {
              id: 'sqnr-local',
              label: 'SQNR (local)',
              description: 'The error each node adds by itself: only it in INT8, its inputs fed FP32 values; higher is better.',
              scale: SQNR_SCALE,
              values: lowest(layerErrors.nodes.map((n) => [n.node, n.localSqnrDb] as const)),
              edges: Object.fromEntries(layerErrors.nodes.map((n) => [n.tensor, n.localSqnrDb])),
            }
          : null,
      ),
  },
  {
    id: 'sqnr-accumulated',
    build: ({ layerErrors }) =>
      one(
        layerErrors
          ? {
              id: 'sqnr-accumulated',
              label: 'SQNR (accumulated, analysis)',
              description: 'The error built up at each node\u2019s output with the whole model in INT8; higher is better.',
              scale: SQNR_SCALE,
              values: lowest(layerErrors.nodes.map((n) => [n.node, n.accumulatedSqnrDb] as const)),
              edges: Object.fromEntries(layerErrors.nodes.map((n) => [n.tensor, n.accumulatedSqnrDb])),
            }
          : null,
      ),
  },
  {
    id: 'sensitivity',
    build: ({ sensitivity }) =>
      one(
        sensitivity
          ? {
              id: 'sensitivity',
              label: `Sensitivity (${sensitivity.metric})`,
              description: `How far ${sensitivity.metric} falls when only this node is INT8 (${sensitivity.unit}); lower is better.`,
              scale: lower([0.1, 0.5, 2], [0, 10], 0.05, sensitivity.unit),
              values: highest(sensitivity.nodes.map((n) => [n.node, n.drop] as const)),
            }
          : null,
      ),
  },
  {
    id: 'precision',
    build: ({ decisions, precision }) => {
      if (!decisions && !precision) return [];
      const values: Record<string, string> = {};
      const notes: Record<string, string> = {};
      for (const d of decisions ?? []) {
        values[d.name] = d.quantized ? 'int8' : 'fp32';
        notes[d.name] = d.quantized ? 'quantized' : (d.reason ?? 'kept in FP32');
      }
      for (const p of precision ?? []) {
        values[p.node] = p.precision;
        notes[p.node] = p.reason;
      }
      return one({
        id: 'precision',
        label: 'Precision',
        description: 'The precision each node runs in, and why (hover or open a node for the reason).',
        scale: {
          kind: 'categorical',
          categories: [
            { value: 'int8', label: 'INT8', color: '#7fb3e6' },
            { value: 'fp16', label: 'FP16', color: '#b79fe0' },
            { value: 'fp32', label: 'FP32', color: '#f2b134' },
          ],
        },
        values,
        notes,
      });
    },
  },
  {
    id: 'profiles',
    build: ({ profiles }) => (profiles && profiles.length ? profileOverlays(profiles) : []),
  },
  {
    id: 'placement',
    build: ({ placement, decisions }) => {
      if (!placement || !decisions) return [];
      const cpu = new Set(placement.cpuNodes.map((n) => n.name));
      return one({
        id: 'placement',
        label: 'Placement (WebGPU)',
        description: `Where onnxruntime ran each node of the ${placement.model.toUpperCase()} model on WebGPU: on the GPU or falling back to the CPU.`,
        scale: {
          kind: 'categorical',
          categories: [
            { value: 'gpu', label: 'WebGPU', color: '#55b68f' },
            { value: 'cpu', label: 'CPU fallback', color: '#e8743b' },
          ],
        },
        values: Object.fromEntries(decisions.map((d) => [d.name, cpu.has(d.name) ? 'cpu' : 'gpu'])),
      });
    },
  },
  {
    id: 'clipped',
    build: ({ ranges }) =>
      one(
        ranges
          ? {
              id: 'clipped',
              label: '% clipped',
              description: 'Share of each node\u2019s output values outside its clip range (calibration histogram); lower is better.',
              scale: lower([0.0001, 0.001, 0.01], [0, 0.05], 0.0001, '%'),
              values: highest(ranges.rows.flatMap((r) => (r.node && r.clippedFraction !== null ? [[r.node, r.clippedFraction] as const] : []))),
              edges: Object.fromEntries(ranges.rows.flatMap((r) => (r.clippedFraction !== null ? [[r.tensor, r.clippedFraction]] : []))),
            }
          : null,
      ),
  },
  {
    id: 'range-method',
    build: ({ ranges }) => {
      if (!ranges) return [];
      const values: Record<string, string> = {};
      const notes: Record<string, string> = {};
      for (const r of ranges.rows) {
        if (!r.node) continue;
        const shared = r.rangeSource !== r.tensor;
        values[r.node] = shared ? 'shared' : (r.method ?? ranges.method);
        notes[r.node] = shared ? `parameters shared with ${r.rangeSource}` : (r.methodReason ?? `${r.method ?? ranges.method} (the method chosen for every tensor)`);
      }
      return one({
        id: 'range-method',
        label: 'Range method',
        description: 'The calibration method that chose each output\u2019s clip range (shared: a pass-through op takes its input\u2019s).',
        scale: { kind: 'categorical', categories: [...RANGE_METHODS, 'shared'].map((m) => ({ value: m, label: m, color: METHOD_COLORS[m] ?? NO_VALUE_COLOR })) },
        values,
        notes,
      });
    },
  },
];

/** Every overlay whose data is present, in the table's order. */
export function buildOverlays(data: OverlayData): NodeOverlay[] {
  return OVERLAYS.flatMap((o) => o.build(data));
}

/** The fill for a value under a scale (thresholds: the person's, else the scale's). */
export function overlayColor(value: number | string | undefined, scale: OverlayScale, thresholds?: readonly number[]): string {
  if (value === undefined) return NO_VALUE_COLOR;
  if (scale.kind === 'categorical') return scale.categories.find((c) => c.value === value)?.color ?? NO_VALUE_COLOR;
  if (typeof value !== 'number' || Number.isNaN(value)) return NO_VALUE_COLOR;
  const edges = thresholds ?? scale.thresholds;
  let band = 0;
  while (band < edges.length && value >= edges[band]) band++;
  return scale.colors[Math.min(band, scale.colors.length - 1)];
}

/** A value as the legend and the panel print it. */
export function formatOverlayValue(value: number | string | undefined, scale: OverlayScale): string {
  if (value === undefined) return 'no value';
  if (scale.kind === 'categorical') return scale.categories.find((c) => c.value === value)?.label ?? String(value);
  if (typeof value !== 'number') return String(value);
  if (Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? `∞${scale.unit && scale.unit !== '%' ? ` ${scale.unit}` : ''}` : '−∞';
  if (scale.unit === '%') return `${(100 * value).toFixed(Math.abs(value) < 0.001 ? 3 : 2)}%`;
  if (scale.unit === 'dB') return `${value.toFixed(1)} dB`;
  if (scale.unit === '×') return `${value.toFixed(2)}×`;
  return `${Number(value.toFixed(5))}${scale.unit ? ` ${scale.unit}` : ''}`;
}

/** The legend's bands: each colour with the range of values it stands for. */
export function legendBands(scale: OverlayScale, thresholds?: readonly number[]): Array<{ color: string; label: string }> {
  if (scale.kind === 'categorical') return scale.categories.map((c) => ({ color: c.color, label: c.label }));
  const t = thresholds ?? scale.thresholds;
  const f = (v: number) => formatOverlayValue(v, scale);
  return scale.colors.map((color, k) => ({ color, label: k === 0 ? `< ${f(t[0])}` : k === t.length ? `≥ ${f(t[k - 1])}` : `${f(t[k - 1])} – ${f(t[k])}` }));
}

/** The node with the worst value under a numeric overlay (null when none or categorical). */
export function worstNode(overlay: NodeOverlay): string | null {
  if (overlay.scale.kind !== 'numeric') return null;
  const sign = overlay.scale.better === 'higher' ? 1 : -1;
  let worst: string | null = null;
  let worstValue = Infinity;
  for (const [node, v] of Object.entries(overlay.values)) {
    if (typeof v !== 'number' || Number.isNaN(v)) continue;
    if (sign * v < worstValue) {
      worstValue = sign * v;
      worst = node;
    }
  }
  return worst;
}
