import { mergeAggregates, type Aggregate } from '../../fleet-wire/aggregate.js';

/**
 * The ntpviz-style summary of one quantity over a window: percentiles, the 1–99 % and 5–95 %
 * ranges, mean, RMS and standard deviation. Pure.
 *
 * The collector keeps per-interval aggregates, not raw samples, so the percentiles are those of
 * the interval means (one value per interval: what the charts plot), while min, max, mean, RMS
 * and the standard deviation are exact over every sample (merged through count·mean and
 * count·rms², see fleet-wire/aggregate.ts).
 */
export const PERCENTILES = [1, 5, 50, 95, 99] as const;

export interface Summary {
  /** Intervals with a value. */
  intervals: number;
  /** Samples behind them. */
  samples: number;
  p: Record<(typeof PERCENTILES)[number], number>;
  /** p99 − p1 and p95 − p5. */
  range1to99: number;
  range5to95: number;
  min: number;
  max: number;
  mean: number;
  rms: number;
  stdDev: number;
}

/**
 * Percentile of sorted values with linear interpolation between the closest ranks
 * (position (n − 1)·q, the "type 7" definition of R and NumPy's default).
 */
export function percentileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no values');
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile ${q} outside 0..100`);
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

/** null when no interval has a value (an empty window is "no data", never zeros). */
export function summarize(parts: ReadonlyArray<Aggregate | null | undefined>): Summary | null {
  const present = parts.filter((p): p is Aggregate => !!p && p.count > 0 && Number.isFinite(p.mean));
  const merged = mergeAggregates(present);
  if (!merged) return null;
  const means = present.map((p) => p.mean).sort((a, b) => a - b);
  const p = Object.fromEntries(PERCENTILES.map((q) => [q, percentileOfSorted(means, q)])) as Summary['p'];
  // rms² − mean² is the population variance; rounding can make it a hair negative.
  const variance = Math.max(0, merged.rms * merged.rms - merged.mean * merged.mean);
  return {
    intervals: present.length,
    samples: merged.count,
    p,
    range1to99: p[99] - p[1],
    range5to95: p[95] - p[5],
    min: merged.min,
    max: merged.max,
    mean: merged.mean,
    rms: merged.rms,
    stdDev: Math.sqrt(variance),
  };
}
