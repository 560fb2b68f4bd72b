/**
 * The buffers of plain data that can be transferred instead of copied (both sides of a door use it):
 * each distinct ArrayBuffer once (a duplicate in a transfer list is a DataCloneError), never a
 * SharedArrayBuffer (it cannot be transferred).
 */
import type { ReferenceSet } from './core/analysis/fidelity';
import type { RunnerTensor } from './core/runner';

function distinct(views: Iterable<ArrayBufferView>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of views) if (v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0) out.add(v.buffer);
  return [...out];
}

/** The feeds' and outputs' buffers of a reference set. */
export function referenceBuffers(reference: ReferenceSet): ArrayBuffer[] {
  const tensors: RunnerTensor[] = [...reference.feeds.flatMap((f) => Object.values(f)), ...reference.outputs.flatMap((o) => Object.values(o))];
  return distinct(tensors.map((t) => t.data));
}
