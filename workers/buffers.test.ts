import { describe, expect, it } from 'vitest';
import { referenceBuffers } from './buffers';
import type { ReferenceSet } from './core/analysis/fidelity';

describe('transferable buffers', () => {
  it('lists each ArrayBuffer of a reference set once (a duplicate would fail the transfer), never a SharedArrayBuffer', () => {
    const shared = new Float32Array(8);
    const view = new Float32Array(shared.buffer, 16, 2);
    const sab = new Float32Array(new SharedArrayBuffer(16));
    const own = new Float32Array(4);
    const reference: ReferenceSet = {
      names: ['y'],
      labels: ['a', 'b'],
      feeds: [{ x: { type: 'float32', dims: [8], data: shared }, k: { type: 'float32', dims: [4], data: sab } }, { x: { type: 'float32', dims: [2], data: view } }],
      outputs: [{ y: { type: 'float32', dims: [4], data: own } }, { y: { type: 'float32', dims: [8], data: shared } }],
    };
    const buffers = referenceBuffers(reference);
    expect(buffers).toHaveLength(2);
    expect(buffers).toContain(shared.buffer);
    expect(buffers).toContain(own.buffer);
    // structuredClone with this list succeeds (it throws on duplicates and on SharedArrayBuffers).
    expect(() => structuredClone(reference, { transfer: buffers })).not.toThrow();
  });
});
