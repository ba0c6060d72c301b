// Order statistics for the bench: medians and nearest-rank percentiles over raw samples.

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);

/** Nearest-rank percentile (p in 0–100) of the samples; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const ordered = sorted(values);
  const rank = Math.min(ordered.length, Math.max(1, Math.ceil((p / 100) * ordered.length)));
  return ordered[rank - 1] as number;
}

/** The middle value (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const ordered = sorted(values);
  const middle = Math.floor(ordered.length / 2);
  return ordered.length % 2 === 1 ? (ordered[middle] as number) : ((ordered[middle - 1] as number) + (ordered[middle] as number)) / 2;
}

export function summarize(values: readonly number[], digits = 3): Summary {
  const ordered = sorted(values);
  const mean = ordered.reduce((sum, value) => sum + value, 0) / Math.max(1, ordered.length);
  return {
    n: ordered.length,
    p50: round(median(ordered), digits),
    p99: round(percentile(ordered, 99), digits),
    min: round(ordered[0] ?? Number.NaN, digits),
    max: round(ordered.at(-1) ?? Number.NaN, digits),
    mean: round(mean, digits),
  };
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Milliseconds since `start` (a `performance.now()` reading). */
export const since = (start: number) => performance.now() - start;
