/**
 * ONNX protobuf messages as plain objects (onnx.proto of ONNX 1.18, IR version 11).
 *
 * Only what the engine reads is modelled. Every message keeps the fields it does not model in
 * `unknown` as their exact wire bytes, so decode -> encode loses nothing (training_info, functions,
 * sparse tensors, map/sequence types, ...). Optional proto2 scalars are `undefined` when absent, so a
 * field explicitly set to its default survives a round trip too.
 *
 * int64 fields are plain numbers. INT64_MAX/INT64_MIN (used as "to the end" in Slice attributes) read
 * as +/-2^63 and are written back as the exact sentinels.
 */

/** A field the codec does not model: its tag and payload bytes exactly as read (a view into the input). */
export interface UnknownField {
  readonly field: number;
  readonly bytes: Uint8Array;
}

export interface Unknown {
  unknown?: UnknownField[];
}

export interface OperatorSetId extends Unknown {
  domain?: string;
  version?: number;
}

export interface StringStringEntry extends Unknown {
  key?: string;
  value?: string;
}

/** TensorProto.DataType */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
} as const;
export type DataTypeName = keyof typeof DataType;

export interface TensorProto extends Unknown {
  dims: number[];
  dataType?: number;
  name?: string;
  docString?: string;
  /** A zero-copy view into the model bytes (or into an external data buffer once resolved). */
  rawData?: Uint8Array;
  floatData?: Float32Array;
  int32Data?: Int32Array;
  /** bytes of each string element */
  stringData?: Uint8Array[];
  int64Data?: number[];
  doubleData?: Float64Array;
  uint64Data?: number[];
  externalData?: StringStringEntry[];
  /** 0 DEFAULT, 1 EXTERNAL */
  dataLocation?: number;
  metadataProps?: StringStringEntry[];
}

export interface Dimension extends Unknown {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}

export interface TensorShape extends Unknown {
  dim: Dimension[];
}

/** TypeProto.Tensor. Sequence/map/optional/sparse types stay in TypeProto.unknown. */
export interface TensorTypeProto extends Unknown {
  elemType?: number;
  shape?: TensorShape;
}

export interface TypeProto extends Unknown {
  tensorType?: TensorTypeProto;
  denotation?: string;
}

export interface ValueInfo extends Unknown {
  name?: string;
  type?: TypeProto;
  docString?: string;
  metadataProps?: StringStringEntry[];
}

/** AttributeProto.AttributeType */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

export interface Attribute extends Unknown {
  name?: string;
  refAttrName?: string;
  docString?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: Graph;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: Graph[];
}

export interface Node extends Unknown {
  input: string[];
  output: string[];
  name?: string;
  opType?: string;
  domain?: string;
  overload?: string;
  attribute: Attribute[];
  docString?: string;
  metadataProps?: StringStringEntry[];
}

export interface Graph extends Unknown {
  node: Node[];
  name?: string;
  initializer: TensorProto[];
  docString?: string;
  input: ValueInfo[];
  output: ValueInfo[];
  valueInfo: ValueInfo[];
  metadataProps?: StringStringEntry[];
}

export interface Model extends Unknown {
  irVersion?: number;
  opsetImport: OperatorSetId[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: Graph;
  metadataProps?: StringStringEntry[];
}
