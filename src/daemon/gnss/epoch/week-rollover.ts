import type { UtcTime } from '../../core/utc-time.js';
import type { CalendarDate } from './date-resolver.js';

/**
 * GPS broadcasts its week number in 10 bits, so it wraps every 1024 weeks (1999-08-22,
 * 2019-04-07, 2038-11-21). A receiver resolves the ambiguity from a pivot date in its
 * firmware; once the firmware is older than 1024 weeks it reports a date 19.6 years back,
 * with the right time of day. Like gpsd (which uses its build date), a date before the
 * release of this program cannot be current: add 1024 weeks until it is not.
 */

/** This release's date: no receiver date before it can be the present. Bump at each release. */
export const RELEASE_DATE: CalendarDate = { year: 2026, month: 11, day: 1 };

export const ROLLOVER_WEEKS = 1024;
export const ROLLOVER_DAYS = ROLLOVER_WEEKS * 7;
const DAY_MS = 86_400_000;
/** A date 3 × 19.6 years before the floor is garbage, not a rollover (GPS time starts in 1980). */
const MAX_ROLLOVERS = 2;

export interface FlooredTime {
  time: UtcTime;
  /** Weeks added: 0, 1024 or 2048. */
  weeks: number;
}

function dayNumber(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / DAY_MS);
}

/** Moves a label forward by whole rollover periods until its date is on or after `floor`. */
export function applyDateFloor(t: UtcTime, floor: CalendarDate | null): FlooredTime {
  if (floor === null) return { time: t, weeks: 0 };
  const floorDay = dayNumber(floor.year, floor.month, floor.day);
  const day = dayNumber(t.year, t.month, t.day);
  let n = 0;
  while (day + n * ROLLOVER_DAYS < floorDay && n < MAX_ROLLOVERS) n++;
  if (n === 0 || day + n * ROLLOVER_DAYS < floorDay) return { time: t, weeks: 0 };
  const d = new Date((day + n * ROLLOVER_DAYS) * DAY_MS);
  return {
    time: { ...t, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
    weeks: n * ROLLOVER_WEEKS,
  };
}

/**
 * How many whole rollover periods (±1 day) `diffMs` is, signed; 0 when it is not close to one.
 * Used to word an alarm: a label exactly 1024 weeks off is a week-number rollover.
 */
export function rolloverMultiple(diffMs: number): number {
  const periods = Math.round(diffMs / (ROLLOVER_DAYS * DAY_MS));
  if (periods === 0) return 0;
  return Math.abs(diffMs - periods * ROLLOVER_DAYS * DAY_MS) <= DAY_MS ? periods : 0;
}
