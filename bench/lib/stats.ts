// Order statistics for benchmark figures. One definition of a percentile for
// every benchmark (nearest rank: the value below which p % of the samples
// lie, always one of the samples), so figures of two benches compare.

/** Nearest-rank percentile of `values` (need not be sorted); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = isSorted(values) ? values : [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** The middle value (the mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** (max − min) / median, e.g. 0.12 = the rounds lie within 12 % of the median */
  relative: number;
}

/** Median and min–max of per-round figures (NaN rounds are ignored). */
export function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x));
  if (!v.length) return { median: NaN, min: NaN, max: NaN, relative: NaN };
  const med = median(v);
  const min = Math.min(...v);
  const max = Math.max(...v);
  return { median: med, min, max, relative: med ? (max - min) / Math.abs(med) : 0 };
}

/** Latency samples of one round summarised the same way everywhere. */
export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function latencySummary(samples: readonly number[]): LatencySummary {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.length ? s[s.length - 1] : NaN };
}

function isSorted(v: readonly number[]): boolean {
  for (let i = 1; i < v.length; i++) if (v[i - 1] > v[i]) return false;
  return true;
}
