import type { UtcTime } from '../../core/utc-time.js';
import type { ShortDate, TimeOfDay } from '../nmea/sentence-types.js';
import { todMs } from './sentence-time.js';

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

const DAY_MS = 86_400_000;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function validDate(d: CalendarDate): boolean {
  return (
    Number.isInteger(d.year) && d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= daysInMonth(d.year, d.month)
  );
}

function dayNumber(d: CalendarDate): number {
  return Math.floor(Date.UTC(d.year, d.month - 1, d.day) / DAY_MS);
}

function fromDayNumber(n: number): CalendarDate {
  const d = new Date(n * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function toUtc(d: CalendarDate, t: TimeOfDay): UtcTime {
  return { year: d.year, month: d.month, day: d.day, hour: t.hour, minute: t.minute, second: t.second, millis: t.millis };
}

/**
 * Supplies the date that GGA, GNS and GLL leave out, and the century that RMC leaves out.
 *
 * The anchor is the last trustworthy (date, time of day) pair; a time without a date gets
 * whichever of the anchor's day and its neighbours puts it closest to the anchor, which
 * carries the date correctly over midnight in either direction.
 *
 * Century of a two-digit year: the one closest to the best year we know (a ZDA year, the
 * anchor, or the caller's initial date). With no reference at all the year is placed in
 * 1980-2079: GPS time starts on 1980-01-06 and no receiver can report an earlier date.
 */
export class DateResolver {
  #anchorDay: number | null = null;
  #anchorTod = 0;
  #referenceYear: number | null;

  constructor(initialDate: CalendarDate | null = null) {
    this.#referenceYear = initialDate?.year ?? null;
    if (initialDate && validDate(initialDate)) {
      this.#anchorDay = dayNumber(initialDate);
      // The time of day is unknown: noon keeps the first carried time on the given day.
      this.#anchorTod = DAY_MS / 2;
    }
  }

  /** Four-digit year for RMC's `yy`. */
  century(yy: number): number {
    const ref = this.#referenceYear;
    if (ref === null) return yy >= 80 ? 1900 + yy : 2000 + yy;
    let year = ref - (ref % 100) + yy;
    if (year - ref > 50) year -= 100;
    else if (ref - year >= 50) year += 100;
    return year;
  }

  fullDate(d: ShortDate): CalendarDate | null {
    const date = { year: this.century(d.yy), month: d.month, day: d.day };
    return validDate(date) ? date : null;
  }

  /** A sentence gave a complete date for this time of day: it becomes the anchor. */
  anchor(date: CalendarDate, t: TimeOfDay): void {
    if (!validDate(date)) return;
    this.#anchorDay = dayNumber(date);
    this.#anchorTod = todMs(t);
    this.#referenceYear = date.year;
  }

  /** A ZDA's four-digit year settles the century even when its time belongs elsewhere. */
  noteYear(year: number): void {
    this.#referenceYear = year;
  }

  /** The date for a time of day that came without one; null until some date is known. */
  carry(t: TimeOfDay): CalendarDate | null {
    if (this.#anchorDay === null) return null;
    const anchorMs = this.#anchorDay * DAY_MS + this.#anchorTod;
    const tod = todMs(t);
    let best = this.#anchorDay;
    let bestDist = Infinity;
    for (const day of [this.#anchorDay - 1, this.#anchorDay, this.#anchorDay + 1]) {
      const dist = Math.abs(day * DAY_MS + tod - anchorMs);
      if (dist < bestDist) {
        best = day;
        bestDist = dist;
      }
    }
    return fromDayNumber(best);
  }
}
