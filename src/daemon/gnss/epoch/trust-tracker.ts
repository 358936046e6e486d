import { type GnssTimeCheck, type GnssTimeStep, uncheckedTime } from '../../core/gnss-time-check.js';
import { type UtcTime, utcToIso } from '../../core/utc-time.js';
import { classifyStep, type LabelStamp, type LeapPending } from './jump-rule.js';

export { MAX_STEP_MS } from './jump-rule.js';

/**
 * "Verify 3 consecutive 3D fixes before believing it is UTC" (gpsd_json(5), TPV time):
 * receivers emit random or stale times until they have tracked satellites for a while
 * (Garmin says wait for three). A fix becomes time-valid after `needed` valid epochs in a
 * row; any invalid epoch starts the count again. Epochs that say nothing about validity
 * (a lone ZDA) neither count nor reset.
 *
 * "In a row" also means in time: a valid epoch whose label does not follow the previous one
 * (jump-rule.ts: a jump, a GPS-UTC leap-count correction, a log that goes back in time)
 * starts a new streak; a leap second does not. And a label that disagrees with the
 * appliance's other clocks (reference-check.ts) is never time-valid, whatever its streak.
 */
export interface FixTrust {
  timeValid: boolean;
  validStreak: number;
  needed: number;
  /** The latest label against the RTC / a synchronised system clock. */
  check: GnssTimeCheck;
  /** The latest discontinuity of the label (jump, leap-count correction, leap second). */
  lastStep: GnssTimeStep | null;
}

export type EpochVerdict = 'valid' | 'invalid' | 'neutral';

/** What the pipeline knows about an epoch beyond its verdict and time. */
export interface EpochContext {
  /** Wall-clock ms of the first byte (null: no arrival clock, a log). */
  arrivalMs: number | null;
  /** Where to say the step happened (arrival ms, or a log's line number). */
  at: number;
  leapSeconds: number | null;
  leap: LeapPending;
  check: GnssTimeCheck;
}

const STEP_WORDS = {
  jump: 'time jump',
  'leap-count': 'GPS-UTC leap-second count changed (cold-start correction)',
  'leap-second': 'leap second',
} as const;

export class TrustTracker {
  readonly #needed: number;
  #streak = 0;
  #lastVerdict: EpochVerdict = 'neutral';
  #last: LabelStamp | null = null;
  #check: GnssTimeCheck = uncheckedTime();
  #lastStep: GnssTimeStep | null = null;

  constructor(needed: number) {
    this.#needed = Math.max(1, Math.floor(needed));
  }

  /** `time` must be non-null for a valid epoch (a valid epoch has a full UTC time). */
  record(verdict: EpochVerdict, time: UtcTime | null, ctx: Partial<EpochContext> = {}): FixTrust {
    this.#lastVerdict = verdict;
    if (verdict === 'valid' && time) {
      const stamp: LabelStamp = { time, arrivalMs: ctx.arrivalMs ?? null, leapSeconds: ctx.leapSeconds ?? null };
      const prev = this.#last;
      let continuous = false;
      if (prev) {
        const step = classifyStep(prev, stamp, ctx.leap ?? null);
        continuous = step.kind === 'continuous' || step.kind === 'leap-second';
        if (step.kind !== 'continuous') this.#noteStep(step.kind, step.excessMs, time, ctx.at ?? ctx.arrivalMs ?? 0, prev.time);
      }
      this.#streak = continuous ? Math.min(this.#streak + 1, this.#needed) : 1;
      this.#last = stamp;
      this.#check = ctx.check ?? uncheckedTime();
    } else if (verdict !== 'neutral') {
      this.#streak = 0;
      this.#last = null;
    }
    return this.snapshot;
  }

  /** Resets after the receiver was lost (link closed): old streaks say nothing about new data. */
  reset(): void {
    this.#streak = 0;
    this.#lastVerdict = 'neutral';
    this.#last = null;
    this.#check = uncheckedTime();
  }

  get snapshot(): FixTrust {
    return {
      timeValid: this.#lastVerdict === 'valid' && this.#streak >= this.#needed && this.#check.verdict !== 'disagrees',
      validStreak: this.#streak,
      needed: this.#needed,
      check: this.#check,
      lastStep: this.#lastStep,
    };
  }

  #noteStep(kind: GnssTimeStep['kind'], excessMs: number | null, time: UtcTime, at: number, prev: UtcTime): void {
    const by = excessMs === null ? '' : ` by ${excessMs > 0 ? '+' : ''}${(excessMs / 1000).toFixed(3)} s`;
    const reset = kind === 'leap-second' ? '' : ': trust restarted';
    this.#lastStep = {
      kind,
      at,
      label: utcToIso(time),
      excessS: excessMs === null ? null : excessMs / 1000,
      message: `${STEP_WORDS[kind]}${by} (${utcToIso(prev)} → ${utcToIso(time)})${reset}`,
    };
  }
}
