import type { UtcTime } from '../../core/utc-time.js';
import { elapsedMs } from './time-continuity.js';

/**
 * "Verify 3 consecutive 3D fixes before believing it is UTC" (gpsd_json(5), TPV time):
 * receivers emit random or stale times until they have tracked satellites for a while
 * (Garmin says wait for three). A fix becomes time-valid after `needed` valid epochs in a
 * row; any invalid epoch starts the count again. Epochs that say nothing about validity
 * (a lone ZDA) neither count nor reset.
 *
 * "In a row" also means in time: a valid epoch that is not later than the previous one, or
 * more than MAX_STEP_MS after it, starts a new streak (a receiver that jumped its clock,
 * a log that goes back in time, a date that changed from the log header's to the
 * receiver's).
 */
export const MAX_STEP_MS = 60_000;
export interface FixTrust {
  timeValid: boolean;
  validStreak: number;
  needed: number;
}

export type EpochVerdict = 'valid' | 'invalid' | 'neutral';

export class TrustTracker {
  readonly #needed: number;
  #streak = 0;
  #lastVerdict: EpochVerdict = 'neutral';
  #lastValidTime: UtcTime | null = null;

  constructor(needed: number) {
    this.#needed = Math.max(1, Math.floor(needed));
  }

  /** `time` must be non-null for a valid epoch (a valid epoch has a full UTC time). */
  record(verdict: EpochVerdict, time: UtcTime | null): FixTrust {
    this.#lastVerdict = verdict;
    if (verdict === 'valid' && time) {
      const prev = this.#lastValidTime;
      const step = prev ? elapsedMs(prev, time) : 0;
      const continuous = prev !== null && step > 0 && step <= MAX_STEP_MS;
      this.#streak = continuous ? Math.min(this.#streak + 1, this.#needed) : 1;
      this.#lastValidTime = time;
    } else if (verdict !== 'neutral') {
      this.#streak = 0;
      this.#lastValidTime = null;
    }
    return this.snapshot;
  }

  /** Resets after the receiver was lost (link closed): old streaks say nothing about new data. */
  reset(): void {
    this.#streak = 0;
    this.#lastVerdict = 'neutral';
    this.#lastValidTime = null;
  }

  get snapshot(): FixTrust {
    return {
      timeValid: this.#lastVerdict === 'valid' && this.#streak >= this.#needed,
      validStreak: this.#streak,
      needed: this.#needed,
    };
  }
}
