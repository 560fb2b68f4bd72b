/**
 * FP16 export: float32 weights and activations become float16, the ops of the FP16 plan
 * (fp16-plan.ts, rules in fp16-rules.ts) that stay FP32 do so behind Cast nodes, and the graph's
 * inputs and outputs keep float32 unless `io: 'float16'` asks otherwise.
 *
 *   FP32 island between float16 ops (one Cast per tensor and type, shared by its readers):
 *
 *     <Conv fp16> --T--> Cast(to FLOAT) --T_to_fp32--> <Exp fp32> --U--> Cast(to FLOAT16) --U_to_fp16--> <Mul fp16>
 *
 *   A graph output keeps its name and float32 type (the producer writes a float16 twin):
 *
 *     <Conv fp16> --Y_fp16--> Cast(to FLOAT) --Y--> (graph output)      and float16 readers read Y_fp16
 *
 *   A graph input stays float32 and is cast once where float16 ops read it:
 *
 *     X (float32) --> Cast(to FLOAT16) --X_to_fp16--> <Conv fp16>
 *
 *   An initializer read in float16 is converted (round to nearest even, exact for every float16
 *   value); one also read in float32 (Resize's scales, an FP32 op) keeps its float32 copy.
 *
 * The input is the prepared FP32 model (quant/quantize.ts prepareModel: FP16 originals are widened
 * exactly, Constant nodes are initializers). Subgraphs (If/Loop/Scan) are not entered: their node
 * stays FP32, and every outer tensor they read stays float32 under its own name.
 */
import { defaultOpset, nameAllocator, nodeReads } from '../graph/graph';
import { MAPPING_METADATA_KEY, mappingToMetadata } from '../metrics/compare';
import { attrInt, intAttr } from '../onnx/attributes';
import { float32ToFloat16, makeTensor, tensorToFloat32 } from '../onnx/tensor';
import { DataType, type Graph, type Model, type Node, type TensorProto, type ValueInfo } from '../onnx/types';
import type { TensorMapping } from '../quant/rewrite';
import { roundingGroups } from '../quant/sum-rounding';
import { preserveFloat16Sums } from './fp16-rounding';
import { FORMAT_METADATA_KEY, type ExportNodeDecision, type ExportResult } from './formats';
import { planFloat16, type Fp16PlanOptions } from './fp16-plan';

const F = DataType.FLOAT;
const H = DataType.FLOAT16;

export interface Fp16Options extends Omit<Fp16PlanOptions, 'float16Inputs'> {
  /** 'float32' (default): float graph inputs and outputs keep float32; 'float16': they become float16. */
  readonly io?: 'float32' | 'float16';
}

export interface Fp16InitializerReport {
  /** Initializers written as float16, and their values. */
  readonly converted: number;
  readonly values: number;
  /** Initializers only FP32 ops (or float32-only inputs such as Resize's scales) read: kept float32. */
  readonly keptFloat32: number;
  /** Of the converted values: nonzero ones that became 0, and those that became float16 subnormals. */
  readonly flushedToZero: number;
  readonly subnormal: number;
  /** Largest relative change of a converted value above float16's smallest normal (under 2^-10: one step). */
  readonly maxRelativeError: number;
  /** Weights moved to their other float16 neighbour so each kernel's sum of rounding errors shrinks (fp16-rounding.ts). */
  readonly sumPreserving: number;
}

export interface Fp16Report {
  readonly format: 'fp16';
  readonly io: 'float32' | 'float16';
  /** Every node in graph order: converted (computes in float16) or kept FP32 and why. */
  readonly nodes: readonly ExportNodeDecision[];
  readonly convertedNodes: number;
  /** Kept nodes per reason (the reasons of fp16-rules.ts), most frequent first. */
  readonly keptByReason: ReadonlyArray<{ readonly reason: string; readonly count: number; readonly opTypes: readonly string[] }>;
  /** Cast nodes added at the edges of FP32 islands and of the graph. */
  readonly casts: number;
  readonly initializers: Fp16InitializerReport;
  /** The FP16 model's graph inputs and outputs and their types. */
  readonly graphInputs: ReadonlyArray<{ readonly name: string; readonly type: 'float32' | 'float16' | 'other' }>;
  readonly graphOutputs: ReadonlyArray<{ readonly name: string; readonly type: 'float32' | 'float16' | 'other' }>;
}

const suffix = (t: number) => (t === H ? 'fp16' : 'fp32');

/** The weight input of a layer and its output-channel axis (for sum-preserving rounding). */
function weightAxis(n: Node): number | undefined {
  switch (n.opType) {
    case 'Conv':
      return 0;
    case 'ConvTranspose':
      return 1;
    case 'Gemm':
      return attrInt(n, 'transB', 0) === 1 ? 0 : 1;
    case 'MatMul':
      return 1;
    default:
      return undefined;
  }
}

function convertValues(t: TensorProto, name: string, stats: { values: number; flushed: number; subnormal: number; maxRel: number; moved: number }, axis: number | undefined): TensorProto {
  const v = tensorToFloat32(t);
  const h = float32ToFloat16(v);
  const groups = axis === undefined ? undefined : roundingGroups(t.dims, axis);
  if (groups) stats.moved += preserveFloat16Sums(v, h, groups);
  for (let i = 0; i < v.length; i++) {
    const bits = h[i] & 0x7fff;
    if (v[i] !== 0 && bits === 0) stats.flushed++;
    else if (bits !== 0 && bits < 0x0400) stats.subnormal++;
    else if (bits !== 0 && bits < 0x7c00) {
      const e = (bits >> 10) - 15;
      const back = (1 + (bits & 0x3ff) / 1024) * 2 ** e;
      stats.maxRel = Math.max(stats.maxRel, Math.abs(back - Math.abs(v[i])) / Math.abs(v[i]));
    }
  }
  stats.values += v.length;
  return makeTensor(name, H, t.dims, h);
}

export function convertToFloat16(model: Model, options: Fp16Options = {}): ExportResult<Fp16Report> {
  const source = model.graph!;
  const io = options.io ?? 'float32';
  const plan = planFloat16(source, defaultOpset(model), { ...options, float16Inputs: io === 'float16' });
  const { index, order, typeOf } = plan;
  const isFloat = (name: string) => name.length > 0 && typeOf(name) === F;
  const fresh = nameAllocator(source);
  const nodes: Node[] = source.node.map((n) => ({ ...n, input: [...n.input], output: [...n.output], attribute: [...n.attribute] }));
  const mode = (i: number) => plan.nodes.get(i)!.mode;
  const head: Node[] = [];
  const after = new Map<number, Node[]>();
  const place = (producer: number | undefined, n: Node) => {
    if (producer === undefined) head.push(n);
    else after.set(producer, [...(after.get(producer) ?? []), n]);
  };
  let casts = 0;
  const cast = (from: string, to: number, out: string): Node => {
    casts++;
    return { opType: 'Cast', input: [from], output: [out], name: fresh(`${out}_Cast`), attribute: [intAttr('to', to)], domain: '' };
  };

  // What type each node input needs: float16 in a float16 node (but the float32-only inputs), float32 in an FP32 one.
  const need = (i: number, position: number): number | undefined => {
    const p = plan.nodes.get(i)!;
    if (p.mode === 'any') return undefined;
    return p.mode === 'fp16' && !p.rule?.float32Inputs?.includes(position) ? H : F;
  };

  // Names that must hold a given type under their own name: graph outputs, and what subgraphs read from outside.
  const pinned = new Map<string, number>();
  for (const o of source.output) if (o.name && isFloat(o.name)) pinned.set(o.name, io === 'float16' ? H : F);
  for (const i of order) {
    const n = source.node[i];
    if (!n.attribute.some((a) => a.g || a.graphs.length)) continue;
    const explicit = new Set(n.input);
    for (const s of nodeReads(n)) if (!explicit.has(s) && isFloat(s)) pinned.set(s, F);
  }

  // 1. Where each float tensor lives: tensor -> type -> name holding it.
  const names = new Map<string, Map<number, string>>();
  const home = new Map<string, number>();
  const inputs = new Set(index.dataInputs.map((v) => v.name ?? ''));
  for (const name of inputs) {
    if (!isFloat(name)) continue;
    const t = io === 'float16' ? H : F;
    home.set(name, t);
    names.set(name, new Map([[t, name]]));
  }
  for (const i of order) {
    const n = nodes[i];
    const t = mode(i) === 'fp16' ? H : F;
    if (mode(i) === 'fp16' && n.opType === 'Cast') n.attribute = n.attribute.map((a) => (a.name === 'to' ? intAttr('to', H) : a));
    n.output.forEach((o, k) => {
      if (!isFloat(o)) return;
      home.set(o, t);
      const want = pinned.get(o);
      if (want !== undefined && want !== t) {
        const twin = fresh(`${o}_${suffix(t)}`);
        n.output[k] = twin;
        place(i, cast(twin, want, o));
        names.set(o, new Map([[t, twin], [want, o]]));
      } else names.set(o, new Map([[t, o]]));
    });
  }

  // 2. Initializers: which types their readers need.
  const initNeeds = new Map<string, Set<number>>();
  const needsOf = (s: string) => initNeeds.get(s) ?? initNeeds.set(s, new Set()).get(s)!;
  for (const i of order) {
    source.node[i].input.forEach((s, p) => {
      if (!index.initializers.has(s) || !isFloat(s)) return;
      needsOf(s).add(need(i, p) ?? F);
    });
    for (const s of nodeReads(source.node[i])) if (index.initializers.has(s) && !source.node[i].input.includes(s)) needsOf(s).add(F);
  }
  for (const o of source.output) if (o.name && index.initializers.has(o.name)) needsOf(o.name).add(F);
  const stats = { values: 0, flushed: 0, subnormal: 0, maxRel: 0, moved: 0 };
  // A layer's weight (its only reader) gets sum-preserving rounding per kernel (fp16-rounding.ts).
  const axes = new Map<string, number | undefined>();
  for (const i of order) {
    const n = source.node[i];
    const w = n.input[1];
    if (w && index.initializers.has(w)) axes.set(w, axes.has(w) ? undefined : weightAxis(n));
  }
  const axisOf = (name: string) => ((index.consumers.get(name)?.length ?? 0) === 1 && index.initializers.get(name)!.dims.length >= 2 ? axes.get(name) : undefined);
  const replaced = new Map<string, TensorProto>();
  const added: TensorProto[] = [];
  let keptFloat32 = 0;
  for (const [name, set] of initNeeds) {
    const t = index.initializers.get(name)!;
    if (!set.has(H)) {
      keptFloat32++;
      names.set(name, new Map([[F, name]]));
      continue;
    }
    if (set.has(F)) {
      const twin = fresh(`${name}_fp16`);
      added.push(convertValues(t, twin, stats, axisOf(name)));
      names.set(name, new Map([[F, name], [H, twin]]));
    } else {
      replaced.set(name, convertValues(t, name, stats, axisOf(name)));
      names.set(name, new Map([[H, name]]));
    }
  }

  // 3. Node inputs: read each float tensor in the type the node needs, through one shared Cast.
  const nameIn = (s: string, t: number): string => {
    const m = names.get(s);
    if (!m) return s; // not a tensor this graph types (left as it is)
    const have = m.get(t);
    if (have) return have;
    const [from] = m.values();
    const out = fresh(`${s}_to_${suffix(t)}`);
    place(index.producer.get(s)?.index, cast(from, t, out));
    m.set(t, out);
    return out;
  };
  for (const i of order) {
    const n = nodes[i];
    n.input = n.input.map((s, p) => {
      if (!isFloat(s)) return s;
      const t = need(i, p);
      return t === undefined ? (names.get(s)?.get(home.get(s) ?? F) ?? s) : nameIn(s, t);
    });
  }

  // 4. Assemble in order: head casts, then each node followed by the casts of its outputs.
  const ordered: Node[] = [...head];
  for (const i of order) ordered.push(nodes[i], ...(after.get(i) ?? []));
  const initializerNames = new Set(source.initializer.map((t) => t.name));
  const typed = (v: ValueInfo, t: number): ValueInfo => ({ ...v, type: { ...v.type, tensorType: { ...v.type?.tensorType, elemType: t } } });
  const graph: Graph = {
    ...source,
    node: ordered,
    initializer: [...source.initializer.map((t) => replaced.get(t.name ?? '') ?? t), ...added],
    // IR >= 4: initializers are not graph inputs (a float16 initializer listed as a float input would not load).
    input: source.input.filter((v) => !initializerNames.has(v.name)).map((v) => (io === 'float16' && isFloat(v.name ?? '') ? typed(v, H) : v)),
    output: source.output.map((v) => (pinned.has(v.name ?? '') ? typed(v, pinned.get(v.name ?? '')!) : v)),
    // value_info of float tensors would be stale (their type or name changed): onnxruntime infers them.
    valueInfo: source.valueInfo.filter((v) => !isFloat(v.name ?? '')),
  };

  const mapping: TensorMapping[] = [];
  for (const i of order)
    for (const o of source.node[i].output) {
      if (!o) continue;
      const twin = isFloat(o) ? names.get(o)?.get(home.get(o) ?? F) : o;
      mapping.push({ fp32: o, int8: twin ?? o });
    }

  const kept = new Map<string, { count: number; ops: Set<string> }>();
  for (const d of plan.decisions) {
    if (d.converted || !d.reason) continue;
    const k = kept.get(d.reason) ?? kept.set(d.reason, { count: 0, ops: new Set() }).get(d.reason)!;
    k.count++;
    k.ops.add(d.opType);
  }
  const typeName = (t: number | undefined) => (t === F ? 'float32' : t === H ? 'float16' : 'other');
  const report: Fp16Report = {
    format: 'fp16',
    io,
    nodes: plan.decisions,
    convertedNodes: plan.decisions.filter((d) => d.converted).length,
    keptByReason: [...kept].map(([reason, k]) => ({ reason, count: k.count, opTypes: [...k.ops].sort() })).sort((a, b) => b.count - a.count),
    casts,
    initializers: { converted: replaced.size + added.length, values: stats.values, keptFloat32, flushedToZero: stats.flushed, subnormal: stats.subnormal, maxRelativeError: stats.maxRel, sumPreserving: stats.moved },
    graphInputs: graph.input.map((v) => ({ name: v.name ?? '', type: typeName(v.type?.tensorType?.elemType) })),
    graphOutputs: graph.output.map((v) => ({ name: v.name ?? '', type: typeName(v.type?.tensorType?.elemType) })),
  };
  const metadata = (model.metadataProps ?? []).filter((p) => p.key !== MAPPING_METADATA_KEY && p.key !== FORMAT_METADATA_KEY);
  return {
    model: { ...model, irVersion: Math.max(model.irVersion ?? 7, 7), graph, metadataProps: [...metadata, mappingToMetadata(mapping), { key: FORMAT_METADATA_KEY, value: 'fp16' }] },
    mapping,
    report,
  };
}
