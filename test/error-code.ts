/** Tests only: the ZeropointError code a call throws (undefined when it does not throw). */
import { expect } from 'vitest';
import { ZeropointError } from '../workers/core/errors';

export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ZeropointError);
    return (e as ZeropointError).code;
  }
  return undefined;
}
