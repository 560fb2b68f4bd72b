/**
 * Conversion machinery shared by every opset adapter: the `Work` record of the node being converted,
 * the `Adapter` signature, `NodeContext` (facts, fresh names, new initializers, renames, failure as
 * ZeropointError('opset-upgrade')), the int64/scalar tensor and node builders, and the two adapters
 * that several op families reuse (`removeConsumedInputs`, `axesToInput`). The driver in ../opset.ts
 * implements the `UpgradeState` / `GraphState` views declared here, so nothing in this folder imports
 * the driver.
 */
import { ZeropointError } from '../../errors';
import { attr, attrInts, intsAttr, withoutAttrs } from '../attributes';
import { dataTypeName, floatToHalf, makeTensor } from '../tensor';
import { DataType, type Attribute, type Node, type TensorProto } from '../types';
import { floatToBf16, type Scope } from './infer';

// =============================================================================================
// Conversion machinery
// =============================================================================================

/** One node being converted: adapters rewrite `node` and add helper nodes before/after it. */
export interface Work {
  node: Node;
  readonly before: Node[];
  readonly after: Node[];
  readonly changes: string[];
  /** The node was removed (Dropout): its output is renamed to its input. */
  dropped: boolean;
  /** The node started as an Upsample, whose scales are >= 1 by definition. */
  upsampleOrigin: boolean;
  /** The last version crossed: the next adapter applied is the lowest registered above it. */
  version: number;
}

export type Adapter = (w: Work, c: NodeContext) => void;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function int64Tensor(name: string, values: readonly number[], dims: readonly number[] = [values.length]): TensorProto {
  const a = new BigInt64Array(values.length);
  values.forEach((v, i) => {
    a[i] = v >= 2 ** 63 ? INT64_MAX : v <= -(2 ** 63) ? INT64_MIN : BigInt(Math.trunc(v));
  });
  return makeTensor(name, DataType.INT64, dims, a);
}

function scalarTensorOf(name: string, elemType: number, value: number): TensorProto | undefined {
  switch (elemType) {
    case DataType.FLOAT:
      return makeTensor(name, elemType, [], new Float32Array([value]));
    case DataType.DOUBLE:
      return makeTensor(name, elemType, [], new Float64Array([value]));
    case DataType.FLOAT16:
      return makeTensor(name, elemType, [], new Uint16Array([floatToHalf(value)]));
    case DataType.BFLOAT16:
      return makeTensor(name, elemType, [], new Uint16Array([floatToBf16(value)]));
    case DataType.INT8:
      return makeTensor(name, elemType, [], new Int8Array([value]));
    case DataType.UINT8:
      return makeTensor(name, elemType, [], new Uint8Array([value]));
    case DataType.INT16:
      return makeTensor(name, elemType, [], new Int16Array([value]));
    case DataType.UINT16:
      return makeTensor(name, elemType, [], new Uint16Array([value]));
    case DataType.INT32:
      return makeTensor(name, elemType, [], new Int32Array([value]));
    case DataType.INT64:
      return int64Tensor(name, [value], []);
    default:
      return undefined;
  }
}

export function nodeLabel(n: Node): string {
  return n.name || n.output.find((o) => o) || '(unnamed)';
}

export function newNode(opType: string, name: string, input: string[], output: string[], attribute: Attribute[] = []): Node {
  return { opType, name, input, output, attribute };
}

/**
 * What an adapter sees of the whole-model upgrade: the driver's Upgrader (../opset.ts) implements it.
 * Declared here so that the adapters never import the driver.
 */
export interface UpgradeState {
  readonly from: number;
  readonly target: number;
  /** Every name read by a node or returned by a graph, in any graph of the model. */
  readonly used: Set<string>;
  readonly graphOutputs: Set<string>;
  readonly renames: Map<string, string>;
  readonly removed: Set<string>;
  /** A name not yet used anywhere in the model (and now reserved). */
  fresh(base: string): string;
}

/** What an adapter sees of the graph being converted: the driver's GraphConverter implements it. */
export interface GraphState {
  readonly scope: Scope;
  readonly newInits: TensorProto[];
  /** Initializers a conversion replaced by a new one: removed when nothing reads them any more. */
  readonly replacedInits: Set<string>;
  /** An initializer of this graph that no caller overrides (IR < 4 lists every weight as an input too). */
  constantInit(name: string): TensorProto | undefined;
}

/** Everything an adapter may use: facts, fresh names, new initializers, failure. */
export class NodeContext {
  constructor(
    readonly up: UpgradeState,
    readonly g: GraphState,
    readonly original: Node,
    /** The version being crossed. */
    public v: number,
  ) {}

  get from(): number {
    return this.up.from;
  }
  get target(): number {
    return this.up.target;
  }
  get scope(): Scope {
    return this.g.scope;
  }
  get label(): string {
    return nodeLabel(this.original);
  }

  fail(reason: string, detail?: string): never {
    const op = this.original.opType ?? '';
    const what = detail ? `${op}, ${detail}` : op;
    throw new ZeropointError(
      'opset-upgrade',
      `Cannot upgrade node '${this.label}' (${what}) from opset ${this.from} to ${this.target}: ${reason}. Re-export the model with opset >= ${this.target}.`,
      { subject: this.label },
    );
  }

  fresh(suffix: string): string {
    return this.up.fresh(`${this.label}_${suffix}`);
  }

  addInit(t: TensorProto): string {
    this.g.newInits.push(t);
    this.scope.inits.set(t.name!, t);
    this.scope.facts.set(t.name!, { elemType: t.dataType, dims: [...t.dims] });
    return t.name!;
  }

  int64Input(suffix: string, values: readonly number[], dims?: readonly number[]): string {
    return this.addInit(int64Tensor(this.fresh(suffix), values, dims));
  }

  /** A scalar initializer of X's element type (float32 when it is unknown). */
  scalarInput(suffix: string, value: number, elemType: number | undefined): string {
    const t = scalarTensorOf(this.fresh(suffix), elemType ?? DataType.FLOAT, value);
    if (!t) return this.fail(`its ${suffix} would need a scalar of element type ${dataTypeName(elemType)}, which is not handled`);
    return this.addInit(t);
  }

  isUsed(name: string | undefined): boolean {
    return !!name && this.up.used.has(name);
  }

  /** An output of this graph or of any graph in the model (a body may return an outer name as is). */
  isGraphOutput(name: string): boolean {
    return this.up.graphOutputs.has(name);
  }

  /** Makes later readers of `from` read `to` instead. */
  rename(from: string, to: string): void {
    this.up.renames.set(from, to);
    this.up.removed.add(from);
  }

  /** An Unsqueeze node in the target opset's form. */
  unsqueeze(input: string, axes: number[], suffix: string): { node: Node; output: string } {
    const output = this.fresh(suffix);
    const name = this.fresh(`${suffix}_node`);
    const node =
      this.target >= 13
        ? newNode('Unsqueeze', name, [input, this.int64Input(`${suffix}_axes`, axes)], [output])
        : newNode('Unsqueeze', name, [input], [output], [intsAttr('axes', axes)]);
    return { node, output };
  }
}

export function dropAttrs(w: Work, ...names: string[]): boolean {
  const had = names.filter((n) => attr(w.node, n) !== undefined);
  if (had.length) w.node.attribute = withoutAttrs(w.node, ...names);
  return had.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Adapters shared by several op families
// ---------------------------------------------------------------------------------------------

/** 6: the legacy `consumed_inputs` attribute is removed (many ops; broadcast7, prelu7 and reshape5 call it first too). */
export const removeConsumedInputs: Adapter = (w) => {
  if (dropAttrs(w, 'consumed_inputs')) w.changes.push('removed legacy consumed_inputs attribute (opset 6)');
};

/** 13 / 18: the `axes` attribute becomes an int64 input (Squeeze, Unsqueeze, Reduce*); `required`: fail without it. */
export const axesToInput =
  (required: boolean): Adapter =>
  (w, c) => {
    const axes = attrInts(w.node, 'axes');
    if (!axes) {
      if (required) return c.fail('it has no axes attribute');
      return;
    }
    w.node.input = [w.node.input[0], c.int64Input('axes', axes)];
    dropAttrs(w, 'axes');
    w.changes.push(`axes attribute -> input (opset ${c.v})`);
  };
