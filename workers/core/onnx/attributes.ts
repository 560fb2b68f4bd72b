/**
 * Reading and writing node attributes. Getters take a default so callers state ONNX's default
 * where they use it.
 */
import { AttributeType, type Attribute, type Node, type TensorProto } from './types';

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

export function attr(node: Node, name: string): Attribute | undefined {
  return node.attribute.find((a) => a.name === name);
}

export function attrInt(node: Node, name: string, fallback: number): number;
export function attrInt(node: Node, name: string): number | undefined;
export function attrInt(node: Node, name: string, fallback?: number): number | undefined {
  return attr(node, name)?.i ?? fallback;
}

export function attrFloat(node: Node, name: string, fallback: number): number;
export function attrFloat(node: Node, name: string): number | undefined;
export function attrFloat(node: Node, name: string, fallback?: number): number | undefined {
  return attr(node, name)?.f ?? fallback;
}

export function attrInts(node: Node, name: string): number[] | undefined {
  const a = attr(node, name);
  return a ? a.ints : undefined;
}

export function attrFloats(node: Node, name: string): number[] | undefined {
  const a = attr(node, name);
  return a ? a.floats : undefined;
}

export function attrString(node: Node, name: string, fallback: string): string;
export function attrString(node: Node, name: string): string | undefined;
export function attrString(node: Node, name: string, fallback?: string): string | undefined {
  const s = attr(node, name)?.s;
  return s === undefined ? fallback : textDecoder.decode(s);
}

export function attrTensor(node: Node, name: string): TensorProto | undefined {
  return attr(node, name)?.t;
}

function empty(name: string, type: number): Attribute {
  return { name, type, floats: [], ints: [], strings: [], tensors: [], graphs: [] };
}

export function intAttr(name: string, value: number): Attribute {
  return { ...empty(name, AttributeType.INT), i: value };
}
export function floatAttr(name: string, value: number): Attribute {
  return { ...empty(name, AttributeType.FLOAT), f: value };
}
export function intsAttr(name: string, values: number[]): Attribute {
  return { ...empty(name, AttributeType.INTS), ints: values };
}
export function floatsAttr(name: string, values: number[]): Attribute {
  return { ...empty(name, AttributeType.FLOATS), floats: values };
}
export function stringAttr(name: string, value: string): Attribute {
  return { ...empty(name, AttributeType.STRING), s: textEncoder.encode(value) };
}
export function tensorAttr(name: string, value: TensorProto): Attribute {
  return { ...empty(name, AttributeType.TENSOR), t: value };
}

/** Returns the node's attributes without `names`. */
export function withoutAttrs(node: Node, ...names: string[]): Attribute[] {
  return node.attribute.filter((a) => !names.includes(a.name ?? ''));
}

/** Replaces or adds an attribute by name. */
export function setAttr(node: Node, a: Attribute): void {
  const i = node.attribute.findIndex((x) => x.name === a.name);
  if (i >= 0) node.attribute[i] = a;
  else node.attribute.push(a);
}
