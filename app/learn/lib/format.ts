/** Learn mode's number formats (locale-independent, so tests can read them). */
export function sig(x: number, digits = 6): string {
  if (Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-4 || a >= 1e7) return x.toExponential(digits - 1).replace('e+', 'e');
  return String(Number(x.toPrecision(digits)));
}

export function db(x: number): string {
  if (Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞ dB (exact)' : '−∞ dB';
  return `${x.toFixed(1)} dB`;
}

export function percent(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '—';
}

export function megabytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  const mb = bytes / 1e6;
  if (mb >= 100) return `${mb.toFixed(0)} MB`;
  if (mb >= 1) return `${Number(mb.toFixed(2))} MB`;
  return `${Number((bytes / 1e3).toFixed(1))} kB`;
}

export function count(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—';
}
