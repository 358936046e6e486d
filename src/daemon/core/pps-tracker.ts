/**
 * What the PPS line is doing, from its edges alone: missed pulses (sequence gaps), the
 * interval between pulses, and — while the system clock is disciplined — where the edge
 * falls against the system clock's second (offset and jitter). Pure: edges, monotonic
 * times and context flags in, an assessment out; the caller owns clocks and timers.
 *
 * An edge's time is the kernel's CLOCK_REALTIME stamp (sysfs assert, or the GPIO line event
 * with GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME); when chrony is locked to this PPS the stamp
 * sits within microseconds of the top of the second, so the fold of `nsec` into ±0.5 s is
 * the residual of the system clock against PPS.
 */

export interface TrackedEdge {
  sec: number;
  nsec: number;
  seq: number;
}

export interface PpsTrackerOptions {
  /** Nominal pulse period, ns. Default 1e9 (1 PPS). */
  expectedIntervalNs?: number;
  /**
   * The median recent interval may differ from nominal by this much, ns, before the rate is
   * wrong. Default 2 ms: an undisciplined system clock (±500 ppm at worst on a Pi's crystal)
   * stretches a good second by 0.5 ms, a 2 Hz or 10 Hz receiver setting moves it by 500 ms+.
   */
  rateToleranceNs?: number;
  /** No edge seen for this long (monotonic) = PPS missing. Default 2500 ms: two pulses lost. */
  missingAfterMs?: number;
  /** Intervals and offsets kept for statistics. Default 64. */
  window?: number;
  /** Recent intervals whose median decides the rate. Default 5 (one spurious edge cannot flip it). */
  rateSamples?: number;
}

export interface PpsContext {
  gnssTimeValid: boolean;
  /** The system clock is being disciplined by the timekeeper (chrony synchronised). */
  clockDisciplined: boolean;
}

/** In priority order: a missing PPS matters more than its rate, and the rate more than GNSS. */
export type PpsCondition = 'waiting' | 'missing' | 'wrong-rate' | 'no-gnss-time' | 'ok';

export interface IntervalStats {
  samples: number;
  meanNs: number;
  stdDevNs: number;
  minNs: number;
  maxNs: number;
}

export interface OffsetStats {
  samples: number;
  lastNs: number;
  meanNs: number;
  /** Standard deviation of the offsets in the window. */
  jitterNs: number;
}

export interface PpsHealth {
  condition: PpsCondition;
  message: string;
  /** Pulses that arrived / were lost in sequence gaps / gap events / source restarts (seq back). */
  pulses: number;
  missed: number;
  gaps: number;
  resets: number;
  /** ms since the last edge was seen (monotonic); null before the first. */
  lastSeenAgoMs: number | null;
  /** From the median of recent intervals. */
  rateHz: number | null;
  interval: IntervalStats | null;
  /** Only while the clock is disciplined; null otherwise. */
  offset: OffsetStats | null;
}

const NS = 1_000_000_000;

function stats(values: readonly number[]): { mean: number; sd: number; min: number; max: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

function medianOf(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** `nsec` folded into (-0.5 s, +0.5 s]: an edge 2 µs early reads -2000, not 999 998 000. */
export function edgeOffsetNs(nsec: number): number {
  return nsec > NS / 2 ? nsec - NS : nsec;
}

export class PpsTracker {
  readonly #o: Required<PpsTrackerOptions>;
  readonly #startMonoMs: number;
  #last: TrackedEdge | null = null;
  #lastSeenMonoMs: number | null = null;
  #intervals: number[] = [];
  #offsets: number[] = [];
  #pulses = 0;
  #missed = 0;
  #gaps = 0;
  #resets = 0;

  constructor(startMonoMs: number, options: PpsTrackerOptions = {}) {
    this.#startMonoMs = startMonoMs;
    this.#o = {
      expectedIntervalNs: options.expectedIntervalNs ?? NS,
      rateToleranceNs: options.rateToleranceNs ?? 2_000_000,
      missingAfterMs: options.missingAfterMs ?? 2500,
      window: options.window ?? 64,
      rateSamples: options.rateSamples ?? 5,
    };
  }

  /** One edge, seen at `seenMonoMs` on the caller's monotonic clock. */
  onEdge(edge: TrackedEdge, seenMonoMs: number, ctx: PpsContext): void {
    this.#pulses++;
    this.#lastSeenMonoMs = seenMonoMs;
    const prev = this.#last;
    this.#last = edge;
    if (prev) {
      const dSeq = edge.seq - prev.seq;
      const dNs = (edge.sec - prev.sec) * NS + (edge.nsec - prev.nsec);
      if (dSeq <= 0 || dNs <= 0) {
        // The source restarted (driver reloaded, another ppsN): a new baseline, not an interval.
        this.#resets++;
        this.#intervals = [];
      } else {
        if (dSeq > 1) {
          this.#missed += dSeq - 1;
          this.#gaps++;
        }
        this.#push(this.#intervals, dNs / dSeq);
      }
    }
    if (ctx.clockDisciplined) this.#push(this.#offsets, edgeOffsetNs(edge.nsec));
    else this.#offsets = []; // offsets against a free-running clock say nothing about PPS
  }

  evaluate(nowMonoMs: number, ctx: PpsContext): PpsHealth {
    const agoMs = this.#lastSeenMonoMs === null ? null : nowMonoMs - this.#lastSeenMonoMs;
    const recent = this.#intervals.slice(-this.#o.rateSamples);
    const medianNs = recent.length > 0 ? medianOf(recent) : null;
    const interval = this.#intervals.length > 0 ? this.#intervalStats() : null;
    const offset = ctx.clockDisciplined && this.#offsets.length > 0 ? this.#offsetStats() : null;
    const base = {
      pulses: this.#pulses,
      missed: this.#missed,
      gaps: this.#gaps,
      resets: this.#resets,
      lastSeenAgoMs: agoMs,
      rateHz: medianNs === null ? null : NS / medianNs,
      interval,
      offset,
    };
    const missingS = (this.#o.missingAfterMs / 1000).toFixed(1);
    if (agoMs === null) {
      return nowMonoMs - this.#startMonoMs > this.#o.missingAfterMs
        ? { ...base, condition: 'missing', message: `no PPS edge since start (${missingS} s allowed)` }
        : { ...base, condition: 'waiting', message: 'waiting for the first PPS edge' };
    }
    if (agoMs > this.#o.missingAfterMs) {
      return { ...base, condition: 'missing', message: `no PPS edge for ${(agoMs / 1000).toFixed(1)} s` };
    }
    if (medianNs !== null && recent.length >= Math.min(3, this.#o.rateSamples)) {
      if (Math.abs(medianNs - this.#o.expectedIntervalNs) > this.#o.rateToleranceNs) {
        const hz = NS / medianNs;
        return { ...base, condition: 'wrong-rate', message: `PPS at ${hz.toPrecision(4)} Hz (interval ${(medianNs / 1e6).toFixed(3)} ms), expected ${(NS / this.#o.expectedIntervalNs).toPrecision(4)} Hz` };
      }
    }
    if (!ctx.gnssTimeValid) {
      return { ...base, condition: 'no-gnss-time', message: 'PPS present but GNSS time not valid: the pulse may be free-running' };
    }
    return { ...base, condition: 'ok', message: 'PPS ok' };
  }

  #push(list: number[], v: number): void {
    list.push(v);
    if (list.length > this.#o.window) list.shift();
  }

  #intervalStats(): IntervalStats {
    const s = stats(this.#intervals);
    return { samples: this.#intervals.length, meanNs: s.mean, stdDevNs: s.sd, minNs: s.min, maxNs: s.max };
  }

  #offsetStats(): OffsetStats {
    const s = stats(this.#offsets);
    return { samples: this.#offsets.length, lastNs: this.#offsets.at(-1)!, meanNs: s.mean, jitterNs: s.sd };
  }
}
