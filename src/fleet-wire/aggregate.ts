/**
 * Mergeable aggregates of one quantity over an interval: what the appliance sends and what the
 * collector rolls up (1 min, 1 h) without the raw samples. count/min/max merge directly; mean
 * and RMS merge through the sums they stand for (count·mean, count·rms²), so a rollup of
 * rollups equals a rollup of the samples, whatever the grouping.
 */
export interface Aggregate {
  count: number;
  min: number;
  max: number;
  mean: number;
  rms: number;
}

/** Accumulates samples; `result()` is null when nothing was added (never a 0 that means "no data"). */
export class Accumulator {
  #count = 0;
  #min = Infinity;
  #max = -Infinity;
  #sum = 0;
  #sumSq = 0;

  add(value: number | null | undefined): void {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    this.#count++;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
    this.#sum += value;
    this.#sumSq += value * value;
  }

  get count(): number {
    return this.#count;
  }

  result(): Aggregate | null {
    if (this.#count === 0) return null;
    return { count: this.#count, min: this.#min, max: this.#max, mean: this.#sum / this.#count, rms: Math.sqrt(this.#sumSq / this.#count) };
  }

  reset(): void {
    this.#count = 0;
    this.#min = Infinity;
    this.#max = -Infinity;
    this.#sum = 0;
    this.#sumSq = 0;
  }
}

export function mergeAggregates(parts: ReadonlyArray<Aggregate | null | undefined>): Aggregate | null {
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  for (const p of parts) {
    if (!p || p.count <= 0) continue;
    count += p.count;
    min = Math.min(min, p.min);
    max = Math.max(max, p.max);
    sum += p.count * p.mean;
    sumSq += p.count * p.rms * p.rms;
  }
  if (count === 0) return null;
  return { count, min, max, mean: sum / count, rms: Math.sqrt(sumSq / count) };
}
