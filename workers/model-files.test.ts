/**
 * The browser's model intake (loadModelFromBlobs over dropped Blobs, what the model worker's open()
 * runs): every broken model of issue 8 item 11 is refused with its code and a one-line message that
 * names the file and the tensor or node; a sound model and the slow-Loop model (which only a run
 * budget can stop) open.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ZeropointError } from './core/errors';
import { BROKEN_MODELS, MNIST_PATH, slowLoopModel } from '../test/hostile-models';
import { loadModelFromBlobs } from './model-files';

const drop = (name: string, bytes: Uint8Array) => [{ name, blob: new Blob([bytes as Uint8Array<ArrayBuffer>]) }];

describe('loadModelFromBlobs refuses broken models', () => {
  for (const c of BROKEN_MODELS) {
    it(`${c.what}: '${c.code}', naming the file and what is wrong`, async () => {
      const bytes = c.bytes();
      const error = await loadModelFromBlobs(drop(c.file, bytes)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `${c.file} is refused`).toBeInstanceOf(ZeropointError);
      const e = error as ZeropointError;
      expect(e.code).toBe(c.code);
      expect(e.message).not.toContain('\n');
      for (const part of c.says) {
        if (typeof part === 'string') expect(e.message).toContain(part);
        else expect(e.message).toMatch(part);
      }
    });
  }
});

describe('loadModelFromBlobs opens sound models', () => {
  it('mnist.onnx', async () => {
    const loaded = await loadModelFromBlobs(drop('mnist.onnx', readFileSync(MNIST_PATH)));
    expect(loaded.name).toBe('mnist.onnx');
    expect(loaded.model.graph?.node.length).toBe(12);
  });

  it('the slow-Loop model: its condition is computed, so the check cannot prove it endless', async () => {
    const loaded = await loadModelFromBlobs(drop('slow-loop.onnx', slowLoopModel()));
    expect(loaded.model.graph?.node[0].opType).toBe('Loop');
  });
});
