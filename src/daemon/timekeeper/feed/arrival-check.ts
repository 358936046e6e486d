import type { Fix } from '../../core/fix.js';
import { median } from '../../core/nmea-offset-estimator.js';
import { utcToUnixMs } from '../../core/utc-time.js';

/**
 * Catches arrival stamps that a stall made late (the event loop blocked by a flood on some
 * socket, a swapped-out process, a serial driver that held bytes back): the sentence is
 * stamped when we read it, not when it came, so its label + calibrated delay would tell the
 * timekeeper a time seconds off. Such an epoch must never be sent.
 *
 * The check: a label that arrives on time arrives `calibrated delay` after the instant it
 * names, so arrival minus label is the delay plus the system clock's error, and that sum is
 * steady from one epoch to the next (the clock error moves by microseconds a second, and a
 * new calibration does not change it at all). We keep the median of the recent accepted
 * values and drop an epoch that lies more than `maxErrorS` from it. This holds whatever the
 * system clock's absolute error (at boot it may be hours), so nothing is dropped for a clock
 * that is merely wrong; a stall of whole seconds is caught as surely as one of 300 ms.
 *
 * - Warm-up: nothing is sent until `warmup` consecutive epochs agree with each other (a
 *   stall at start-up cannot become the baseline).
 * - A step of the system clock (chronyd's makestep) shifts every later value alike: after
 *   `rebaseAfter` consecutive drops that agree with each other, that is the new baseline.
 *   The epochs of a stall do not agree (each was stamped at the same late moment, so they
 *   differ by a second each), so a stall never rebases.
 * Pure: arithmetic over the stamps it is given.
 */
export interface ArrivalCheckOptions {
  maxErrorS: number;
  window?: number; // default 16
  warmup?: number; // default 3
  rebaseAfter?: number; // default 5
}

export type ArrivalVerdict =
  | { ok: true; errorS: number | null }
  | { ok: false; reason: 'warming-up' | 'stalled'; errorS: number | null };

export interface ArrivalCheckStats {
  checked: number;
  stalled: number;
  warmingUp: number;
  rebased: number;
  /** Largest |error| of an epoch dropped as stalled, seconds. */
  worstS: number | null;
}

export class ArrivalCheck {
  readonly #o: Required<ArrivalCheckOptions>;
  #window: number[] = [];
  #candidates: number[] = [];
  readonly #verdicts = new WeakMap<Fix, ArrivalVerdict>();
  readonly #stats: ArrivalCheckStats = { checked: 0, stalled: 0, warmingUp: 0, rebased: 0, worstS: null };

  constructor(o: ArrivalCheckOptions) {
    if (!(o.maxErrorS > 0)) throw new RangeError('maxErrorS must be > 0');
    this.#o = { window: 16, warmup: 3, rebaseAfter: 5, ...o };
  }

  stats(): ArrivalCheckStats {
    return { ...this.#stats };
  }

  /** The verdict for this epoch, computed once however many consumers ask. Epochs without a label pass (they are not sent anyway). */
  verdict(fix: Fix): ArrivalVerdict {
    const known = this.#verdicts.get(fix);
    if (known) return known;
    const v = fix.time === null || fix.time.second === 60 || !Number.isFinite(fix.receivedAt)
      ? ({ ok: true, errorS: null } as const)
      : this.check((fix.receivedAt - utcToUnixMs(fix.time)) / 1000);
    this.#verdicts.set(fix, v);
    return v;
  }

  /** One epoch's arrival minus its label, seconds. */
  check(sinceLabelS: number): ArrivalVerdict {
    this.#stats.checked++;
    const max = this.#o.maxErrorS;
    if (this.#window.length === 0) {
      this.#candidates = this.#agreeing([...this.#candidates, sinceLabelS]);
      if (this.#candidates.length < this.#o.warmup) {
        this.#stats.warmingUp++;
        return { ok: false, reason: 'warming-up', errorS: null };
      }
      this.#window = this.#candidates;
      this.#candidates = [];
      return { ok: true, errorS: sinceLabelS - median([...this.#window].sort((a, b) => a - b)) };
    }
    const errorS = sinceLabelS - median([...this.#window].sort((a, b) => a - b));
    if (Math.abs(errorS) <= max) {
      this.#candidates = [];
      this.#push(sinceLabelS);
      return { ok: true, errorS };
    }
    this.#candidates = this.#agreeing([...this.#candidates, sinceLabelS]);
    if (this.#candidates.length >= this.#o.rebaseAfter) {
      this.#stats.rebased++;
      this.#window = this.#candidates;
      this.#candidates = [];
      return { ok: true, errorS: 0 };
    }
    this.#stats.stalled++;
    this.#stats.worstS = Math.max(this.#stats.worstS ?? 0, Math.abs(errorS));
    return { ok: false, reason: 'stalled', errorS };
  }

  reset(): void {
    this.#window = [];
    this.#candidates = [];
  }

  #push(x: number): void {
    this.#window.push(x);
    if (this.#window.length > this.#o.window) this.#window.shift();
  }

  /** The newest run of values that all lie within maxErrorS of each other (oldest dropped first). */
  #agreeing(xs: number[]): number[] {
    const out = [...xs];
    while (out.length > 1 && Math.max(...out) - Math.min(...out) > this.#o.maxErrorS) out.shift();
    return out;
  }
}
