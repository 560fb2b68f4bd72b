import { describe, expect, it } from 'vitest';
import { count, db, megabytes, percent, sig } from './format';

describe('Learn mode formats', () => {
  it('writes numbers plainly', () => {
    expect(sig(0.023137254901960784)).toBe('0.0231373');
    expect(sig(-0.9)).toBe('-0.9');
    expect(sig(1e-6)).toBe('1.00000e-6');
    expect(sig(Infinity)).toBe('∞');
    expect(db(36.123)).toBe('36.1 dB');
    expect(db(Infinity)).toBe('∞ dB (exact)');
    expect(percent(0.5)).toBe('50.00%');
    expect(megabytes(180e6)).toBe('180 MB');
    expect(megabytes(45e6)).toBe('45 MB');
    expect(megabytes(4.94e6)).toBe('4.94 MB');
    expect(megabytes(22_500)).toBe('22.5 kB');
    expect(count(1235496)).toBe('1,235,496');
  });
});
