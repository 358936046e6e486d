import { civilFromDays, daysFromCivil, isLeap, weekdayOf } from './civil.js';

/**
 * POSIX TZ strings as TZif footers use them (POSIX.1-2017 §8.3, with RFC 8536 §3.3.1's
 * extensions): `std offset [dst [offset] [,start[/time],end[/time]]]`. A TZif file lists
 * transitions up to some year; the footer says what happens after the last one, e.g.
 *   `CET-1CEST,M3.5.0,M10.5.0/3`  central Europe,
 *   `<+0330>-3:30`                 Iran since 2022 (quoted numeric name, no DST),
 *   `IST-1GMT0,M10.5.0,M3.5.0/1`   Ireland: "standard" is summer, winter is a negative DST,
 *   `<+01>-1`                      Morocco after the last listed Ramadan change.
 * POSIX offsets count hours WEST of Greenwich; we store utoff = seconds EAST (as TZif does).
 */

export interface LocalTimeType {
  /** Seconds east of UTC. */
  utoff: number;
  isdst: boolean;
  abbr: string;
}

/** When a rule's change happens in a year: Jn (1-365, Feb 29 never counted), n (0-365), Mm.w.d. */
export type RuleDay = { kind: 'julian1'; day: number } | { kind: 'julian0'; day: number } | { kind: 'month'; month: number; week: number; weekday: number };

export interface PosixTz {
  source: string;
  std: LocalTimeType;
  /** null: the standard time all year. */
  dst: null | {
    type: LocalTimeType;
    start: RuleDay;
    /** Seconds after local midnight (standard time) of the start day; may be negative or past 24 h (RFC 8536). */
    startTime: number;
    end: RuleDay;
    /** Seconds after local midnight (daylight time) of the end day. */
    endTime: number;
  };
}

export class PosixTzError extends Error {
  override name = 'PosixTzError';
}

/** Reads one TZ string; throws PosixTzError naming the position of what it cannot read. */
export function parsePosixTz(source: string): PosixTz {
  let i = 0;
  const fail = (what: string): never => {
    throw new PosixTzError(`TZ string "${source}": ${what} at position ${i}`);
  };
  const name = (): string => {
    if (source[i] === '<') {
      const close = source.indexOf('>', i);
      if (close < 0) fail('unclosed "<"');
      const n = source.slice(i + 1, close);
      if (!/^[A-Za-z0-9+-]{3,}$/.test(n)) fail(`bad quoted name "<${n}>"`);
      i = close + 1;
      return n;
    }
    const m = /^[A-Za-z]{3,}/.exec(source.slice(i));
    if (!m) return fail('expected a zone name of 3 or more letters');
    i += m[0].length;
    return m[0];
  };
  // hh[:mm[:ss]] with an optional sign; maxHours 24 for offsets, 167 for rule times (RFC 8536).
  const hms = (maxHours: number): number => {
    const m = /^([+-]?)(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?/.exec(source.slice(i));
    if (!m) return fail('expected hh[:mm[:ss]]');
    const [h, mi, s] = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
    if (h > maxHours || mi > 59 || s > 59) fail(`time "${m[0]}" out of range`);
    i += m[0].length;
    return (m[1] === '-' ? -1 : 1) * (h * 3600 + mi * 60 + s);
  };
  const ruleDay = (): RuleDay => {
    let m: RegExpExecArray | null;
    const rest = source.slice(i);
    if ((m = /^J(\d{1,3})/.exec(rest))) {
      const day = Number(m[1]);
      if (day < 1 || day > 365) fail(`Julian day J${day} out of range 1-365`);
      i += m[0].length;
      return { kind: 'julian1', day };
    }
    if ((m = /^M(\d{1,2})\.(\d)\.(\d)/.exec(rest))) {
      const [month, week, weekday] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (month < 1 || month > 12 || week < 1 || week > 5 || weekday > 6) fail(`rule "${m[0]}" out of range`);
      i += m[0].length;
      return { kind: 'month', month, week, weekday };
    }
    if ((m = /^(\d{1,3})/.exec(rest))) {
      const day = Number(m[1]);
      if (day > 365) fail(`day ${day} out of range 0-365`);
      i += m[0].length;
      return { kind: 'julian0', day };
    }
    return fail('expected Jn, n or Mm.w.d');
  };
  const ruleTime = (): number => {
    if (source[i] !== '/') return 7200; // POSIX default: 02:00:00
    i += 1;
    return hms(167);
  };

  const stdAbbr = name();
  const std: LocalTimeType = { abbr: stdAbbr, utoff: -hms(24), isdst: false };
  if (i === source.length) return { source, std, dst: null };
  const dstAbbr = name();
  let dstUtoff = std.utoff + 3600; // POSIX: one hour ahead of standard when no offset is given
  if (i < source.length && source[i] !== ',') dstUtoff = -hms(24);
  let start: RuleDay = { kind: 'month', month: 3, week: 2, weekday: 0 };
  let end: RuleDay = { kind: 'month', month: 11, week: 1, weekday: 0 };
  let startTime = 7200;
  let endTime = 7200;
  // Without a rule, POSIX leaves the dates to the implementation; glibc and tzcode fall back
  // to the US rules (their "posixrules" file), and so do we.
  if (i < source.length) {
    if (source[i] !== ',') fail('expected ","');
    i += 1;
    start = ruleDay();
    startTime = ruleTime();
    if (source[i] !== ',') fail('expected "," before the end rule');
    i += 1;
    end = ruleDay();
    endTime = ruleTime();
  }
  if (i !== source.length) fail('unexpected text');
  return { source, std, dst: { type: { abbr: dstAbbr, utoff: dstUtoff, isdst: true }, start, startTime, end, endTime } };
}

/** Day number (days since 1970-01-01) of a rule day in `year`. */
function ruleDayNumber(year: number, r: RuleDay): number {
  const jan1 = daysFromCivil(year, 1, 1);
  switch (r.kind) {
    case 'julian1':
      // J1-J365: February 29 is never counted, so J60 is always March 1.
      return jan1 + r.day - 1 + (isLeap(year) && r.day >= 60 ? 1 : 0);
    case 'julian0':
      return jan1 + r.day;
    case 'month': {
      const first = daysFromCivil(year, r.month, 1);
      let d = first + ((r.weekday - weekdayOf(first) + 7) % 7) + (r.week - 1) * 7;
      // Week 5 means "the last such weekday of the month", which may be the 4th.
      const next = r.month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, r.month + 1, 1);
      while (d >= next) d -= 7;
      return d;
    }
  }
}

/**
 * The local time type a TZ string gives for the instant `t` (Unix seconds). The changes of
 * the years around t are listed as UTC instants and the last one at or before t wins, which
 * handles southern-hemisphere rules and Ireland's negative DST (start after end in the year)
 * without special cases.
 */
export function posixTypeAt(tz: PosixTz, t: number): LocalTimeType {
  const dst = tz.dst;
  if (!dst) return tz.std;
  const year = civilFromDays(Math.floor((t + tz.std.utoff) / 86_400)).year;
  let best: { at: number; type: LocalTimeType } | null = null;
  for (let y = year - 2; y <= year + 1; y++) {
    // The start time is read on the standard clock, the end time on the daylight clock.
    const startAt = ruleDayNumber(y, dst.start) * 86_400 + dst.startTime - tz.std.utoff;
    const endAt = ruleDayNumber(y, dst.end) * 86_400 + dst.endTime - dst.type.utoff;
    for (const [at, type] of [
      [startAt, dst.type],
      [endAt, tz.std],
    ] as const) {
      if (at <= t && (!best || at >= best.at)) best = { at, type };
    }
  }
  return best ? best.type : tz.std;
}
