/**
 * ONNX external data: tensors whose bytes live in a separate file next to the .onnx (data_location =
 * EXTERNAL, external_data = {location, offset, length[, checksum]}), as exporters write models over
 * 2 GB or when asked to.
 *
 * The engine never touches a file system: the host finds the files (`externalDataFiles`), reads them
 * (a dropped folder in the browser, fs in Node: cli/model-io.ts) and hands them to `attachExternalData`,
 * which turns the model into a self-contained one whose raw_data are views into those buffers.
 *
 * Covered: graph initializers and tensor attributes (Constant's value, ...) in the main graph and in
 * every subgraph (If/Loop/Scan bodies). Sparse tensors and functions stay as bytes the codec does not
 * model, so external data inside them is not seen.
 */
import { ZeropointError } from '../errors';
import { dataTypeName, elementSize, numel } from './tensor';
import type { Graph, Model, TensorProto } from './types';

/** TensorProto.DataLocation.EXTERNAL */
export const DATA_LOCATION_EXTERNAL = 1;

/** The data files by location (as `externalDataFiles` returns it), or a lookup function. */
export type ExternalFiles = ReadonlyMap<string, Uint8Array> | ((location: string) => Uint8Array | undefined);

export interface ExternalDataOptions {
  /** The model's file name, named in error messages. */
  readonly source?: string;
}

interface TensorSite {
  readonly tensor: TensorProto;
  /** "initializer 'w'" or "tensor attribute 'value' of node 'c'", for messages. */
  readonly what: string;
}

function* tensorsOf(graph: Graph): Generator<TensorSite> {
  for (const t of graph.initializer) yield { tensor: t, what: `initializer '${t.name ?? ''}'` };
  for (const node of graph.node) {
    const nodeName = node.name || node.opType || '';
    for (const a of node.attribute) {
      const what = `tensor attribute '${a.name ?? ''}' of node '${nodeName}'`;
      if (a.t) yield { tensor: a.t, what };
      for (const t of a.tensors) yield { tensor: t, what };
      if (a.g) yield* tensorsOf(a.g);
      for (const g of a.graphs) yield* tensorsOf(g);
    }
  }
}

function* externalTensors(model: Model): Generator<TensorSite> {
  if (!model.graph) return;
  for (const site of tensorsOf(model.graph)) {
    if (site.tensor.dataLocation === DATA_LOCATION_EXTERNAL) yield site;
  }
}

function modelName(source: string | undefined): string {
  return source === undefined ? 'The model' : `Model '${source}'`;
}

interface ExternalRef {
  /** Normalized: forward slashes, no '.' segments. */
  readonly location: string;
  /** As written in the model. */
  readonly written: string;
  readonly offset: number;
  readonly length: number | undefined;
}

/**
 * A location relative to the model's folder, normalized; undefined when it is absolute or climbs out
 * of the folder ('..'), so a model cannot make the host read an arbitrary file.
 */
export function safeLocation(location: string): string | undefined {
  const s = location.replace(/\\/g, '/');
  if (s.startsWith('/') || /^[A-Za-z]:/.test(s) || s.includes('\0')) return undefined;
  const parts: string[] = [];
  for (const part of s.split('/')) {
    if (part === '..') return undefined;
    if (part !== '' && part !== '.') parts.push(part);
  }
  return parts.length > 0 ? parts.join('/') : undefined;
}

function externalRef(site: TensorSite, source: string | undefined): ExternalRef {
  const fail = (why: string) => new ZeropointError('external-data', `${modelName(source)} keeps the data of ${site.what} in an external file, but ${why}. Re-export the model, or save it with its data inside the .onnx.`, { subject: site.tensor.name });
  let written: string | undefined;
  let offsetText: string | undefined;
  let lengthText: string | undefined;
  for (const e of site.tensor.externalData ?? []) {
    if (e.key === 'location') written = e.value;
    else if (e.key === 'offset') offsetText = e.value;
    else if (e.key === 'length') lengthText = e.value;
  }
  if (!written) throw fail('it names no file (no "location" entry)');
  const location = safeLocation(written);
  if (location === undefined) {
    throw new ZeropointError('external-data', `${modelName(source)} refers to external data file '${written}' for ${site.what}, which is outside the model's folder. External data files must sit next to the model (or in a folder below it); this reference is refused.`, { subject: written });
  }
  const parse = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const v = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(v)) throw fail(`its ${name} '${text}' is not a byte count`);
    return v;
  };
  return { location, written, offset: parse('offset', offsetText) ?? 0, length: parse('length', lengthText) };
}

/**
 * The distinct external data files the model needs, as paths relative to the model's folder
 * (normalized: forward slashes, no './'), in order of first use. Throws 'external-data' for a location
 * that is absolute or leaves the model's folder, so the host never reads such a path.
 */
export function externalDataFiles(model: Model, options: ExternalDataOptions = {}): string[] {
  const seen = new Set<string>();
  for (const site of externalTensors(model)) seen.add(externalRef(site, options.source).location);
  return [...seen];
}

/**
 * Per external data file (as `externalDataFiles` names it), how many bytes from its start the model
 * declares it needs: the largest offset + length over its tensors (length from the shape when not
 * written). A host reads only that much, so a data file that is a stream or far larger than its
 * tensors is never read without bound.
 */
export function externalDataExtents(model: Model, options: ExternalDataOptions = {}): Map<string, number> {
  const extents = new Map<string, number>();
  for (const site of externalTensors(model)) {
    const ref = externalRef(site, options.source);
    const size = elementSize(site.tensor.dataType ?? 0);
    const length = ref.length ?? (size === undefined ? 0 : numel(site.tensor.dims) * size);
    extents.set(ref.location, Math.max(extents.get(ref.location) ?? 0, ref.offset + length));
  }
  return extents;
}

/**
 * Points every external tensor's raw_data at its bytes in `files` (views, no copy) and removes its
 * external_data and data_location, so the model is self-contained (encodeModel writes the weights
 * inline). Either every external tensor is attached or, on an error, none is. Mutates and returns `model`.
 *
 * Throws 'external-data' when a file is missing, when offset/length fall outside the file or do not
 * match the tensor's shape, and for locations outside the model's folder.
 */
export function attachExternalData(model: Model, files: ExternalFiles, options: ExternalDataOptions = {}): Model {
  const { source } = options;
  const lookup = (ref: ExternalRef): Uint8Array | undefined => {
    if (typeof files === 'function') return files(ref.location);
    return files.get(ref.location) ?? files.get(ref.written);
  };
  const resolved: Array<[TensorProto, Uint8Array]> = [];
  for (const site of externalTensors(model)) {
    const t = site.tensor;
    const ref = externalRef(site, source);
    const data = lookup(ref);
    if (data === undefined) {
      throw new ZeropointError('external-data', `${modelName(source)} needs external data file '${ref.location}' for ${site.what}. Drop or select it together with the model.`, { subject: ref.location });
    }
    const size = elementSize(t.dataType ?? 0);
    const expected = size === undefined ? undefined : numel(t.dims) * size;
    const length = ref.length ?? expected ?? data.length - ref.offset;
    if (ref.offset > data.length || length < 0 || ref.offset + length > data.length) {
      throw new ZeropointError(
        'external-data',
        `${modelName(source)} reads bytes ${ref.offset}..${ref.offset + Math.max(length, 0)} of '${ref.location}' for ${site.what}, but that file has only ${data.length} bytes. The data file is truncated or belongs to another version of the model.`,
        { subject: ref.location },
      );
    }
    if (expected !== undefined && length !== expected) {
      throw new ZeropointError(
        'external-data',
        `${modelName(source)} stores ${length} bytes in '${ref.location}' for ${site.what}, but its shape [${t.dims.join(', ')}] of ${dataTypeName(t.dataType)} needs ${expected}. The model and its data file do not match.`,
        { subject: ref.location },
      );
    }
    resolved.push([t, data.subarray(ref.offset, ref.offset + length)]);
  }
  for (const [t, bytes] of resolved) {
    t.rawData = bytes;
    delete t.externalData;
    delete t.dataLocation;
  }
  return model;
}
