/**
 * The check every opened model passes before anything else looks at it (ONNX's checker, in the
 * spirit of onnx.checker.check_model with the bounds of limits.ts): the CLI runs it after reading a
 * file, the model worker after a drop, so a broken model is named the same way in both and nothing
 * downstream (the summary, the upgrader, onnxruntime) meets a field no valid model has.
 *
 * What it refuses, each with one sentence that names the file and the tensor or node:
 * - IR versions and default-domain opsets outside what ONNX and onnxruntime define;
 * - tensors with negative or astronomically large dims, an unknown data type, or data that does not
 *   match their shape (short raw_data, a wrong count of typed values);
 * - graph inputs too large to allocate, text fields (doc strings, metadata) of megabytes;
 * - graphs with a dangling input or a cycle, subgraphs nested past the limit;
 * - Loops that must run more iterations than any real model (a constant trip count and no exit).
 */
import { ZeropointError } from '../errors';
import { nodeLabel, topologicalOrder } from '../graph/graph';
import { dataTypeName, elementSize } from '../onnx/tensor';
import { DataType, type Graph, type Model, type Node, type TensorProto, type ValueInfo } from '../onnx/types';
import { withLimits, type IntakeLimits } from './limits';
import { quote } from './names';

/** IR versions ONNX has defined (3 = the first with opset imports; 11 = ONNX 1.18; two more allowed for newer exporters). */
export const IR_VERSION_RANGE = { min: 3, max: 13 } as const;
/** Default-domain opsets Zeropoint prepares: onnxruntime only guarantees 7 and later; 23 is ONNX 1.18's, one more allowed. */
export const OPSET_RANGE = { min: 7, max: 24 } as const;

export interface CheckModelOptions {
  /** The file, as the user knows it. */
  readonly source: string;
  readonly limits?: Partial<IntakeLimits>;
}

const KNOWN_TYPES = new Set<number>(Object.values(DataType).filter((v) => v !== DataType.UNDEFINED));

/** Which typed field holds a tensor's values, and how many values one element takes there. */
function typedField(t: TensorProto): { field: string; count: number } | undefined {
  const dt = t.dataType ?? 0;
  if (t.floatData?.length) return { field: 'float_data', count: t.floatData.length / (dt === DataType.COMPLEX64 ? 2 : 1) };
  if (t.int32Data?.length) return { field: 'int32_data', count: t.int32Data.length * (dt === DataType.INT4 || dt === DataType.UINT4 ? 2 : 1) };
  if (t.int64Data?.length) return { field: 'int64_data', count: t.int64Data.length };
  if (t.doubleData?.length) return { field: 'double_data', count: t.doubleData.length / (dt === DataType.COMPLEX128 ? 2 : 1) };
  if (t.uint64Data?.length) return { field: 'uint64_data', count: t.uint64Data.length };
  if (t.stringData?.length) return { field: 'string_data', count: t.stringData.length };
  return undefined;
}

function rawBytesFor(dataType: number, count: number): number | undefined {
  if (dataType === DataType.INT4 || dataType === DataType.UINT4 || dataType === DataType.FLOAT4E2M1) return Math.ceil(count / 2);
  if (dataType >= DataType.FLOAT8E4M3FN && dataType <= DataType.FLOAT8E5M2FNUZ) return count;
  if (dataType === DataType.COMPLEX64) return count * 8;
  if (dataType === DataType.COMPLEX128) return count * 16;
  const size = elementSize(dataType);
  return size === undefined ? undefined : count * size;
}

class Checker {
  readonly limits: IntakeLimits;
  constructor(
    readonly source: string,
    limits: Partial<IntakeLimits> | undefined,
  ) {
    this.limits = withLimits(limits);
  }

  fail(message: string, subject?: string): never {
    throw new ZeropointError('bad-model', `${quote(this.source)} ${message}`, { subject: subject ?? this.source });
  }

  text(value: string | undefined, what: string): void {
    if (value !== undefined && value.length > this.limits.maxTextFieldLength) {
      this.fail(`holds a ${(value.length / 1e6).toFixed(1)}-million-character ${what}, more than the ${(this.limits.maxTextFieldLength / 1e6).toFixed(1)} million a model's text fields are allowed; strip it (onnx.helper: model.doc_string = '') and save the model again.`);
    }
  }

  header(model: Model): void {
    const ir = model.irVersion;
    if (ir === undefined || !Number.isSafeInteger(ir) || ir < IR_VERSION_RANGE.min || ir > IR_VERSION_RANGE.max) {
      this.fail(`declares IR version ${ir}, which is not an ONNX IR version Zeropoint reads (${IR_VERSION_RANGE.min} to ${IR_VERSION_RANGE.max}); the file is damaged or was not written by an ONNX exporter: export the model again.`);
    }
    const defaults = model.opsetImport.filter((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
    if (defaults.length === 0) this.fail('imports no opset of the default ONNX domain; export the model again with an opset between 7 and 24.');
    if (defaults.length > 1) this.fail(`imports the default ONNX domain ${defaults.length} times (opsets ${defaults.map((o) => o.version).join(', ')}); export the model again.`);
    for (const o of model.opsetImport) {
      const v = o.version;
      const isDefault = defaults.includes(o);
      if (v === undefined || !Number.isSafeInteger(v) || v < 1 || (isDefault && (v < OPSET_RANGE.min || v > OPSET_RANGE.max))) {
        const range = isDefault ? `the opsets ${OPSET_RANGE.min} to ${OPSET_RANGE.max} that onnxruntime guarantees and Zeropoint prepares` : 'a positive version';
        this.fail(`declares opset ${v} for domain ${quote(o.domain || 'ai.onnx')}, outside ${range}; export the model again with opset 13 or later.`);
      }
      this.text(o.domain, 'opset domain');
    }
    this.text(model.docString, 'doc_string');
    this.text(model.producerName, 'producer name');
    for (const p of model.metadataProps ?? []) {
      this.text(p.key, 'metadata key');
      this.text(p.value, `metadata value ${quote(p.key ?? '')}`);
    }
  }

  tensor(t: TensorProto, what: string): void {
    const name = t.name ?? '';
    this.text(t.name, `${what} name`);
    this.text(t.docString, `doc_string of ${what} ${quote(name)}`);
    const dt = t.dataType ?? 0;
    if (!KNOWN_TYPES.has(dt)) this.fail(`has ${what} ${quote(name)} of data type ${dt}, which ONNX does not define (1 to 23); the file is damaged: export it again.`, name);
    let count = 1;
    for (const d of t.dims) {
      if (!Number.isSafeInteger(d) || d < 0) this.fail(`has ${what} ${quote(name)} with dims [${t.dims.join(', ')}]: a dimension of ${d} is not a size; the file is damaged: export it again.`, name);
      count *= d;
    }
    if (count > this.limits.maxTensorElements) {
      this.fail(`has ${what} ${quote(name)} with dims [${t.dims.join(', ')}], ${count.toExponential(2)} elements, more than the ${this.limits.maxTensorElements.toLocaleString('en-US')} Zeropoint holds in one tensor; this is no vision model's weight: export the model again.`, name);
    }
    if (t.dataLocation === 1) return; // external: sized when attached (external.ts)
    const typed = typedField(t);
    if (t.rawData !== undefined && t.rawData.length > 0) {
      const expected = rawBytesFor(dt, count);
      if (expected !== undefined && t.rawData.length !== expected) {
        this.fail(`has ${what} ${quote(name)} of shape [${t.dims.join(', ')}] ${dataTypeName(dt)}, which needs ${expected} bytes, but its raw_data holds ${t.rawData.length}; the file is damaged or truncated: export it again.`, name);
      }
    } else if (typed) {
      if (typed.count !== count) this.fail(`has ${what} ${quote(name)} of shape [${t.dims.join(', ')}] (${count} values), but its ${typed.field} holds ${typed.count}; the file is damaged: export it again.`, name);
    } else if (count > 0 && dt !== DataType.STRING) {
      this.fail(`has ${what} ${quote(name)} of shape [${t.dims.join(', ')}] with no data at all; the file is damaged or truncated: export it again.`, name);
    }
  }

  valueInfo(v: ValueInfo, what: string, sizeLimited: boolean): void {
    const name = v.name ?? '';
    this.text(v.name, `${what} name`);
    const tt = v.type?.tensorType;
    if (!tt) return;
    if (tt.elemType !== undefined && tt.elemType !== 0 && !KNOWN_TYPES.has(tt.elemType)) {
      this.fail(`has ${what} ${quote(name)} of data type ${tt.elemType}, which ONNX does not define (1 to 23); export the model again.`, name);
    }
    let count = 1;
    for (const d of tt.shape?.dim ?? []) {
      const value = d.dimValue;
      this.text(d.dimParam, `dimension name of ${what} ${quote(name)}`);
      if (value === undefined) continue;
      // -1 is what some exporters write for a dynamic dimension (PaddlePaddle, tf2onnx).
      if (!Number.isSafeInteger(value) || value < -1) this.fail(`has ${what} ${quote(name)} with a dimension of ${value}, which is not a size; export the model again.`, name);
      if (value > 0) count *= value;
    }
    if (sizeLimited && count > this.limits.maxTensorElements) {
      const dims = (tt.shape?.dim ?? []).map((d) => d.dimValue ?? d.dimParam ?? '?').join(',');
      this.fail(`has ${what} ${quote(name)} of shape [${dims}], ${count.toExponential(2)} values (${((count * 4) / 2 ** 30).toFixed(0)} GiB as float32), more than the ${this.limits.maxTensorElements.toLocaleString('en-US')} Zeropoint feeds; export the model with a smaller input size.`, name);
    }
  }

  /** A Loop that must run its constant trip count: no condition, and a body that passes it through. */
  loop(node: Node, graph: Graph, label: string): void {
    const tripName = node.input[0];
    if (!tripName) return;
    const trip = constantScalar(graph, tripName);
    if (trip === undefined || trip <= this.limits.maxLoopTrips) return;
    const condName = node.input[1] ?? '';
    const condStart = condName === '' ? 1 : constantScalar(graph, condName);
    const body = node.attribute.find((a) => a.name === 'body')?.g;
    if (condStart === 0 || !body) return;
    const condIn = body.input[1]?.name;
    const condOut = body.output[0]?.name;
    const producer = body.node.find((n) => n.output.includes(condOut ?? ''));
    const passesThrough = condOut === condIn || (producer?.opType === 'Identity' && producer.input[0] === condIn) || constantScalar(body, condOut ?? '') === 1;
    if (condStart === 1 && passesThrough) {
      this.fail(`has Loop node ${quote(label)} that runs ${trip.toExponential(0)} iterations (a constant trip count, and its condition never changes), more than the ${this.limits.maxLoopTrips.toExponential(0)} Zeropoint runs; the model cannot finish: export it again with a bounded loop.`, label);
    }
  }

  graph(root: Graph): void {
    // An explicit stack, not recursion: the depth is bounded (decode.ts) but a model built in memory may not be.
    const stack: Array<{ graph: Graph; depth: number; main: boolean }> = [{ graph: root, depth: 1, main: true }];
    while (stack.length > 0) {
      const { graph, depth, main } = stack.pop()!;
      if (depth > this.limits.maxGraphDepth + 1) this.fail(`nests subgraphs (If/Loop/Scan bodies) more than ${this.limits.maxGraphDepth} deep, where real models nest a few levels; it is refused.`);
      this.text(graph.name, 'graph name');
      this.text(graph.docString, 'graph doc_string');
      for (const t of graph.initializer) this.tensor(t, 'initializer');
      for (const v of graph.input) this.valueInfo(v, main ? 'input' : 'subgraph input', main);
      for (const v of graph.output) this.valueInfo(v, main ? 'output' : 'subgraph output', false);
      for (const v of graph.valueInfo) this.valueInfo(v, 'value_info', false);
      graph.node.forEach((node, i) => {
        const label = nodeLabel(node, i);
        this.text(node.name, 'node name');
        this.text(node.opType, 'op type');
        this.text(node.docString, `doc_string of node ${quote(label)}`);
        for (const s of [...node.input, ...node.output]) this.text(s, `tensor name in node ${quote(label)}`);
        for (const a of node.attribute) {
          if (a.t) this.tensor(a.t, `tensor attribute of node ${quote(label)}`);
          for (const t of a.tensors) this.tensor(t, `tensor attribute of node ${quote(label)}`);
          for (const g of a.g ? [a.g, ...a.graphs] : a.graphs) stack.push({ graph: g, depth: depth + 1, main: false });
        }
        if (node.opType === 'Loop' && (node.domain ?? '') === '') this.loop(node, graph, label);
      });
    }
    // Dangling inputs and cycles in the main graph (subgraphs may read the enclosing scope).
    try {
      topologicalOrder(root);
    } catch (e) {
      if (e instanceof ZeropointError) this.fail(`cannot be read as a graph: ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}`, e.subject);
      throw e;
    }
  }
}

/** The value of a one-element integer or bool constant (initializer or Constant node) named `name`. */
function constantScalar(graph: Graph, name: string): number | undefined {
  const t = graph.initializer.find((x) => x.name === name) ?? graph.node.find((n) => n.opType === 'Constant' && n.output[0] === name)?.attribute.find((a) => a.name === 'value')?.t;
  if (!t || t.dims.reduce((a, b) => a * b, 1) !== 1) return undefined;
  if (t.int64Data?.length) return t.int64Data[0];
  if (t.int32Data?.length) return t.int32Data[0];
  const raw = t.rawData;
  if (!raw) return undefined;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (t.dataType === DataType.INT64 && raw.length === 8) return Number(view.getBigInt64(0, true));
  if (t.dataType === DataType.INT32 && raw.length === 4) return view.getInt32(0, true);
  if (t.dataType === DataType.BOOL && raw.length === 1) return raw[0];
  return undefined;
}

/** Throws 'bad-model' (or 'too-large') naming the file and the tensor or node; returns quietly for a sound model. */
export function checkModel(model: Model, options: CheckModelOptions): void {
  const checker: Checker = new Checker(options.source, options.limits);
  checker.header(model);
  if (!model.graph) checker.fail('has no graph; export the model again.');
  checker.graph(model.graph);
}
