/**
 * How late a receiver's NMEA time label arrives after the instant it names (the PPS edge,
 * or true time), estimated robustly: receivers send the label 50-500 ms after the pulse,
 * with a few ms of jitter from their own scheduling and the serial line, and now and then
 * far off (a busy receiver, a dropped sentence that makes the next sentence start an epoch).
 *
 * Estimate: median of the window; spread = 1.4826 * MAD (the standard deviation for
 * normal jitter, unmoved by outliers); samples further than `rejectSigmas` spreads (at least
 * `minRejectS`) from the median are outliers and the median of the rest is the value.
 * Pure: a window and arithmetic, no clock, no I/O.
 */
export interface NmeaOffsetEstimatorOptions {
  windowSize: number;
  minSamples: number;
  /** Outlier cut in robust standard deviations. Default 3.5. */
  rejectSigmas?: number;
  /** Never cut closer than this, seconds, so a near-zero spread does not reject honest jitter. Default 0.002. */
  minRejectS?: number;
  /** Samples outside [minS, maxS) are impossible delays and are counted, not kept. Default [-0.1, 1). */
  minS?: number;
  maxS?: number;
}

export interface OffsetEstimate {
  valueS: number;
  spreadS: number;
  /** Samples the value rests on (window minus outliers). */
  samples: number;
  outliers: number;
}

const MAD_TO_SIGMA = 1.4826;

export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Robust estimate of a set of samples; null for an empty set. */
export function robustEstimate(values: readonly number[], rejectSigmas = 3.5, minRejectS = 0.002): OffsetEstimate | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const m = median(sorted);
  const spread = MAD_TO_SIGMA * median(sorted.map((x) => Math.abs(x - m)).sort((a, b) => a - b));
  const cut = Math.max(rejectSigmas * spread, minRejectS);
  const inliers = sorted.filter((x) => Math.abs(x - m) <= cut);
  const value = median(inliers);
  const inSpread = MAD_TO_SIGMA * median(inliers.map((x) => Math.abs(x - value)).sort((a, b) => a - b));
  return { valueS: value, spreadS: inSpread, samples: inliers.length, outliers: sorted.length - inliers.length };
}

export class NmeaOffsetEstimator {
  readonly #o: Required<NmeaOffsetEstimatorOptions>;
  #window: number[] = [];
  #rejected = 0;
  #accepted = 0;

  constructor(o: NmeaOffsetEstimatorOptions) {
    if (!(o.windowSize >= 1) || !(o.minSamples >= 1)) throw new RangeError('windowSize and minSamples must be >= 1');
    this.#o = {
      rejectSigmas: 3.5,
      minRejectS: 0.002,
      minS: -0.1,
      maxS: 1,
      ...o,
      minSamples: Math.min(o.minSamples, o.windowSize),
    };
  }

  /** Adds one measured delay, seconds; returns false (and counts it) when it cannot be a delay. */
  add(delayS: number): boolean {
    if (!Number.isFinite(delayS) || delayS < this.#o.minS || delayS >= this.#o.maxS) {
      this.#rejected++;
      return false;
    }
    this.#window.push(delayS);
    if (this.#window.length > this.#o.windowSize) this.#window.shift();
    this.#accepted++;
    return true;
  }

  /** Samples in the window. */
  get size(): number {
    return this.#window.length;
  }

  /** Impossible samples refused by add(). */
  get rejected(): number {
    return this.#rejected;
  }

  get accepted(): number {
    return this.#accepted;
  }

  /** Enough samples for the estimate to be used. */
  get ready(): boolean {
    return this.#window.length >= this.#o.minSamples;
  }

  /** The estimate of the current window, or null before `minSamples` samples. */
  estimate(): OffsetEstimate | null {
    return this.ready ? robustEstimate(this.#window, this.#o.rejectSigmas, this.#o.minRejectS) : null;
  }

  reset(): void {
    this.#window = [];
  }
}
