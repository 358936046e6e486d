import type { GnssStepKind } from '../../core/gnss-time-check.js';
import type { UtcTime } from '../../core/utc-time.js';
import { elapsedMs } from './time-continuity.js';

/**
 * Whether one valid label follows another, or the receiver's time moved.
 *
 * With an arrival clock (live), the label must advance as much as the arrival stamps did:
 * a receiver that corrects its GPS-UTC leap count after a cold start (it used a default
 * until it decoded the UTC parameters, up to 12.5 min) steps its labels by whole seconds
 * while they keep arriving once a second. The arrival stamps move by up to a few hundred
 * ms from cycle to cycle (output jitter, untimed sentences leading an epoch), never by half
 * a second; a larger mismatch is a jump. Logs carry no arrival times: there the label alone
 * must move forward by at most MAX_STEP_MS.
 *
 * Leap seconds are handled explicitly. A receiver that sends 23:59:60 needs nothing
 * (elapsedMs counts it). One that does not repeats 23:59:59, or skips from 23:59:59 to
 * 00:00:00 over two seconds: its label falls one second behind the arrival stamps, at a UTC
 * day boundary, on the day a leap second is inserted: that is not a jump. A change of the
 * receiver's own GPS-UTC count (Garmin $PGRMF) at such a boundary is the leap second too;
 * anywhere else it is the cold-start correction, and a jump.
 */
export const MAX_STEP_MS = 60_000;
export const JUMP_TOLERANCE_MS = 500;
/** How close to midnight a label must be for a one-second step to be the leap second. */
const BOUNDARY_MS = 2_000;
const DAY_MS = 86_400_000;

export type LeapPending = 'insert' | 'delete' | null;

export interface LabelStamp {
  time: UtcTime;
  /** Wall-clock ms of the epoch's first byte; null when there is no arrival clock (logs). */
  arrivalMs: number | null;
  /** GPS-UTC as the receiver says (Garmin $PGRMF); null when it does not. */
  leapSeconds: number | null;
}

export interface StepVerdict {
  kind: 'continuous' | GnssStepKind;
  /** Label step minus arrival step, ms; null without arrival clock. */
  excessMs: number | null;
}

function tod(t: UtcTime): number {
  return ((t.hour * 60 + t.minute) * 60 + t.second) * 1000 + t.millis;
}

/** Both labels within two seconds of the same midnight (23:59:58 … 00:00:01). */
export function atDayBoundary(prev: UtcTime, next: UtcTime): boolean {
  const late = (t: UtcTime): boolean => tod(t) >= DAY_MS - BOUNDARY_MS;
  const early = (t: UtcTime): boolean => tod(t) < BOUNDARY_MS;
  return (late(prev) || early(prev)) && (late(next) || early(next)) && (late(prev) || early(next));
}

export function classifyStep(prev: LabelStamp, next: LabelStamp, leap: LeapPending): StepVerdict {
  const labelStep = elapsedMs(prev.time, next.time);
  const boundary = leap !== null && atDayBoundary(prev.time, next.time);
  // The second a leap second adds (insert) or takes away (delete), as seen in the label.
  const leapShift = leap === 'insert' ? -1000 : leap === 'delete' ? 1000 : 0;

  if (prev.leapSeconds !== null && next.leapSeconds !== null && prev.leapSeconds !== next.leapSeconds) {
    const expected = leap === 'insert' ? 1 : leap === 'delete' ? -1 : 0;
    const isLeap = boundary && next.leapSeconds - prev.leapSeconds === expected;
    return { kind: isLeap ? 'leap-second' : 'leap-count', excessMs: null };
  }

  if (prev.arrivalMs === null || next.arrivalMs === null) {
    if (labelStep > 0 && labelStep <= MAX_STEP_MS) return { kind: 'continuous', excessMs: null };
    // Without arrival times only the repeated 23:59:59 of an insertion can be recognised.
    if (boundary && leap === 'insert' && labelStep === 0) return { kind: 'leap-second', excessMs: null };
    return { kind: 'jump', excessMs: null };
  }

  const excess = labelStep - (next.arrivalMs - prev.arrivalMs);
  if (Math.abs(excess) <= JUMP_TOLERANCE_MS && labelStep > 0 && labelStep <= MAX_STEP_MS) return { kind: 'continuous', excessMs: excess };
  if (boundary && Math.abs(excess - leapShift) <= JUMP_TOLERANCE_MS) return { kind: 'leap-second', excessMs: excess };
  return { kind: 'jump', excessMs: excess };
}
