import { canonicalZone, formatOffset, isDstAt, offsetSecondsAt, zoneAbbreviation } from './zones.js';

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

/** The instant `ns` seen in `zone` (an IANA name; throws UnknownTimeZone). */
export function describeInstant(ns: bigint, zone = 'UTC'): InstantView {
  const name = canonicalZone(zone);
  const { seconds, nanos } = splitNs(ns);
  // ECMAScript Dates span ±8.64e15 ms around 1970 (ECMA-262 §21.4.1.1); a zone offset may add a day.
  if (seconds > MAX_S || seconds < -MAX_S) throw new RangeError(`instant ${ns} ns is outside the representable range (±${MAX_S} s around 1970)`);
  const unixSeconds = Number(seconds);
  const epochMs = unixSeconds * 1000;
  const offsetS = offsetSecondsAt(name, epochMs);
  const cal = fieldsOf(unixSeconds + offsetS, nanos);
  const isUtc = name === 'UTC' || name === 'Etc/UTC';
  const date = `${padYear(cal.year)}-${pad(cal.month)}-${pad(cal.day)}`;
  const time = `${pad(cal.hour)}:${pad(cal.minute)}:${pad(cal.second)}`;
  const off = isUtc ? 'Z' : formatOffset(offsetS);
  return {
    zone: name,
    unixSeconds,
    nanos,
    unixNs: ns.toString(),
    utcOffset: formatOffset(offsetS),
    utcOffsetSeconds: offsetS,
    dst: isDstAt(name, epochMs),
    abbreviation: isUtc ? 'UTC' : zoneAbbreviation(name, epochMs),
    iso8601: `${date}T${time}.${pad(nanos, 9)}${off}`,
    rfc3339: `${date}T${time}${off}`,
    // RFC 2822 §3.3: day-of-week, day month year, time, and a numeric zone (+hhmm).
    rfc2822: `${cal.weekday.slice(0, 3)}, ${pad(cal.day)} ${cal.monthName.slice(0, 3)} ${pad(cal.year, 4)} ${time} ${formatOffset(offsetS, false).slice(0, 5)}`,
    calendar: cal,
  };
}
