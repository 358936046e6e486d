import { systemTzDatabase, type TzDatabase } from './tz-database.js';
import { formatOffset } from './zones.js';

/**
 * One instant, every way a person or a program may want it. The instant is BigInt
 * nanoseconds since the Unix epoch (UTC, POSIX: no leap seconds), because nanoseconds since
 * 1970 exceed 2^53 and a JS number would silently round them.
 */

export const NS_PER_S = 1_000_000_000n;
const MAX_S = 8_639_999_913_600n;

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

export interface CalendarFields {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanosecond: number;
  weekday: string; // English name
  weekdayNumber: number; // ISO 8601: Monday 1 … Sunday 7
  dayOfYear: number; // 1-366
  isoWeek: number; // 1-53
  isoWeekYear: number; // the year the ISO week belongs to (may differ near New Year)
  monthName: string;
}

export interface InstantView {
  zone: string;
  /** The alias the caller named when it is not the zone's own name ("Europe/Kiev" for Europe/Kyiv), else null. */
  alias: string | null;
  unixSeconds: number;
  nanos: number; // 0-999 999 999 within the second
  unixNs: string; // decimal string, exact
  utcOffset: string; // "+02:00"
  utcOffsetSeconds: number;
  dst: boolean;
  abbreviation: string;
  iso8601: string; // with nanoseconds and the zone's offset ("Z" in UTC)
  rfc3339: string; // whole seconds, the profile most parsers accept
  rfc2822: string; // e.g. "Sun, 01 Nov 2026 01:30:00 -0400"
  /** Set when the offset has seconds (local mean time) and rfc3339/rfc2822 had to use the minute-rounded offset. */
  offsetNote: string | null;
  calendar: CalendarFields;
}

/** Floor division for BigInt (BigInt `/` truncates toward zero; instants before 1970 need floor). */
export function splitNs(ns: bigint): { seconds: bigint; nanos: number } {
  let seconds = ns / NS_PER_S;
  let rem = ns % NS_PER_S;
  if (rem < 0n) {
    rem += NS_PER_S;
    seconds -= 1n;
  }
  return { seconds, nanos: Number(rem) };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function padYear(y: number): string {
  // ISO 8601 expanded years: a sign and at least four digits outside 0000-9999.
  if (y >= 0 && y <= 9999) return pad(y, 4);
  return `${y < 0 ? '-' : '+'}${pad(Math.abs(y), 6)}`;
}

/** Calendar fields of the wall-clock time `localSeconds` (seconds since 1970 on the local time line). */
export function fieldsOf(localSeconds: number, nanosecond: number): CalendarFields {
  const d = new Date(localSeconds * 1000);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  const dow = d.getUTCDay(); // 0 Sunday
  const weekdayNumber = dow === 0 ? 7 : dow;
  const dayOfYear = dayOfYearOf(year, month, day);
  // ISO 8601 week: the week (Monday-Sunday) that holds the year's first Thursday is week 1,
  // so the week's year is the year of its Thursday.
  const thursday = new Date((localSeconds + (4 - weekdayNumber) * 86_400) * 1000);
  const isoWeekYear = thursday.getUTCFullYear();
  const isoWeek = Math.floor((dayOfYearOf(isoWeekYear, thursday.getUTCMonth() + 1, thursday.getUTCDate()) - 1) / 7) + 1;
  return {
    year,
    month,
    day,
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    nanosecond,
    weekday: WEEKDAYS[dow] as string,
    weekdayNumber,
    dayOfYear,
    isoWeek,
    isoWeekYear,
    monthName: MONTHS[month - 1] as string,
  };
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function dayOfYearOf(year: number, month: number, day: number): number {
  let n = day;
  for (let m = 1; m < month; m++) n += daysInMonth(year, m);
  return n;
}

/**
 * RFC 3339 (§5.6 time-numoffset) and RFC 2822 (§3.3 zone) offsets are whole minutes, but
 * local mean time is not: Kathmandu was +05:41:16 until 1920. Writing the offset truncated
 * (or the local time with a "+05:41") would name an instant 16 s away. So those two formats
 * show the same instant at the offset rounded to the nearest minute (half a minute rounds
 * away from zero): 1900-01-01T05:41:16+05:41:16 becomes 1900-01-01T05:41:00+05:41, which is
 * exactly the same instant with a clock time shifted by the rounding. iso8601 and the
 * calendar fields keep the true local mean time and the exact offset (±hh:mm:ss).
 */
export function rfcOffsetSeconds(offsetS: number): number {
  return Math.sign(offsetS) * Math.round(Math.abs(offsetS) / 60) * 60;
}

/** The instant `ns` seen in `zone` (an IANA name or alias; throws UnknownTimeZone). */
export function describeInstant(ns: bigint, zone = 'UTC', db: TzDatabase = systemTzDatabase()): InstantView {
  const z = db.zone(zone);
  const { seconds, nanos } = splitNs(ns);
  // ECMAScript Dates span ±8.64e15 ms around 1970 (ECMA-262 §21.4.1.1); a zone offset may add a day.
  if (seconds > MAX_S || seconds < -MAX_S) throw new RangeError(`instant ${ns} ns is outside the representable range (±${MAX_S} s around 1970)`);
  const unixSeconds = Number(seconds);
  const type = z.typeAt(unixSeconds);
  const offsetS = type.utoff;
  const cal = fieldsOf(unixSeconds + offsetS, nanos);
  const isUtc = z.name === 'UTC';
  const date = (c: CalendarFields): string => `${padYear(c.year)}-${pad(c.month)}-${pad(c.day)}`;
  const time = (c: CalendarFields): string => `${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}`;
  const rfcOff = rfcOffsetSeconds(offsetS);
  const rc = rfcOff === offsetS ? cal : fieldsOf(unixSeconds + rfcOff, nanos);
  return {
    zone: z.name,
    alias: z.alias,
    unixSeconds,
    nanos,
    unixNs: ns.toString(),
    utcOffset: formatOffset(offsetS),
    utcOffsetSeconds: offsetS,
    dst: type.isdst,
    abbreviation: type.abbr,
    iso8601: `${date(cal)}T${time(cal)}.${pad(nanos, 9)}${isUtc ? 'Z' : formatOffset(offsetS)}`,
    rfc3339: `${date(rc)}T${time(rc)}${isUtc ? 'Z' : formatOffset(rfcOff)}`,
    // RFC 2822 §3.3: day-of-week, day month year, time, and a numeric zone (+hhmm).
    rfc2822: `${rc.weekday.slice(0, 3)}, ${pad(rc.day)} ${rc.monthName.slice(0, 3)} ${pad(rc.year, 4)} ${time(rc)} ${formatOffset(rfcOff, false)}`,
    offsetNote:
      rfcOff === offsetS
        ? null
        : `the offset ${formatOffset(offsetS)} (${type.abbr}) has seconds, which RFC 3339 and RFC 2822 cannot write: they show the same instant at ${formatOffset(rfcOff)}, so their clock time is ${time(rc)} instead of ${time(cal)}`,
    calendar: cal,
  };
}
