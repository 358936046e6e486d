import type { InstantView } from './calendar.js';

/**
 * A documented subset of C strftime (C11 §7.27.3.5, POSIX), plus GNU date's %N for
 * nanoseconds and %:z for an offset with a colon. Always the C/POSIX locale (English names),
 * so the output does not depend on the machine. An unsupported specifier is an error that
 * names it, never passed through or silently dropped.
 */

export class UnknownSpecifier extends Error {
  constructor(
    readonly specifier: string,
    readonly position: number,
  ) {
    super(
      specifier === '%'
        ? `format ends with a lone "%" at position ${position}: write "%%" for a literal percent sign`
        : `unsupported format specifier "${specifier}" at position ${position}; supported: ${Object.keys(SPECIFIERS)
            .map((k) => `%${k}`)
            .join(' ')}`,
    );
    this.name = 'UnknownSpecifier';
  }
}

const pad = (n: number, w = 2, c = '0'): string => String(n).padStart(w, c);
const hour12 = (h: number): number => (h % 12 === 0 ? 12 : h % 12);

type Render = (v: InstantView) => string;

/** Specifier → [meaning, renderer]; the meanings are what describeFormats() documents. */
const SPECIFIERS: Record<string, [string, Render]> = {
  Y: ['year, 4 digits', (v) => pad(v.calendar.year, 4)],
  C: ['century (year / 100), 2 digits', (v) => pad(Math.floor(v.calendar.year / 100))],
  y: ['year within the century, 2 digits', (v) => pad(((v.calendar.year % 100) + 100) % 100)],
  G: ['ISO 8601 week-based year', (v) => pad(v.calendar.isoWeekYear, 4)],
  g: ['ISO 8601 week-based year within the century, 2 digits', (v) => pad(((v.calendar.isoWeekYear % 100) + 100) % 100)],
  m: ['month 01-12', (v) => pad(v.calendar.month)],
  B: ['full month name', (v) => v.calendar.monthName],
  b: ['abbreviated month name', (v) => v.calendar.monthName.slice(0, 3)],
  h: ['same as %b', (v) => v.calendar.monthName.slice(0, 3)],
  d: ['day of the month 01-31', (v) => pad(v.calendar.day)],
  e: ['day of the month, space-padded " 1"-"31"', (v) => pad(v.calendar.day, 2, ' ')],
  j: ['day of the year 001-366', (v) => pad(v.calendar.dayOfYear, 3)],
  A: ['full weekday name', (v) => v.calendar.weekday],
  a: ['abbreviated weekday name', (v) => v.calendar.weekday.slice(0, 3)],
  u: ['weekday 1-7, Monday 1', (v) => String(v.calendar.weekdayNumber)],
  w: ['weekday 0-6, Sunday 0', (v) => String(v.calendar.weekdayNumber % 7)],
  V: ['ISO 8601 week number 01-53', (v) => pad(v.calendar.isoWeek)],
  H: ['hour 00-23', (v) => pad(v.calendar.hour)],
  I: ['hour 01-12', (v) => pad(hour12(v.calendar.hour))],
  l: ['hour 1-12, space-padded', (v) => pad(hour12(v.calendar.hour), 2, ' ')],
  k: ['hour 0-23, space-padded', (v) => pad(v.calendar.hour, 2, ' ')],
  p: ['AM or PM', (v) => (v.calendar.hour < 12 ? 'AM' : 'PM')],
  M: ['minute 00-59', (v) => pad(v.calendar.minute)],
  S: ['second 00-59', (v) => pad(v.calendar.second)],
  N: ['nanoseconds 000000000-999999999 (GNU date)', (v) => pad(v.nanos, 9)],
  L: ['milliseconds 000-999', (v) => pad(Math.floor(v.nanos / 1e6), 3)],
  f: ['microseconds 000000-999999 (Python)', (v) => pad(Math.floor(v.nanos / 1e3), 6)],
  s: ['Unix seconds', (v) => String(v.unixSeconds)],
  z: ['UTC offset +hhmm', (v) => v.utcOffset.replace(/:/g, '').slice(0, 5)],
  Z: ['zone abbreviation (e.g. CET, EST, UTC)', (v) => v.abbreviation],
  F: ['%Y-%m-%d', (v) => `${pad(v.calendar.year, 4)}-${pad(v.calendar.month)}-${pad(v.calendar.day)}`],
  T: ['%H:%M:%S', (v) => `${pad(v.calendar.hour)}:${pad(v.calendar.minute)}:${pad(v.calendar.second)}`],
  R: ['%H:%M', (v) => `${pad(v.calendar.hour)}:${pad(v.calendar.minute)}`],
  D: ['%m/%d/%y', (v) => `${pad(v.calendar.month)}/${pad(v.calendar.day)}/${pad(((v.calendar.year % 100) + 100) % 100)}`],
  r: ['%I:%M:%S %p', (v) => `${pad(hour12(v.calendar.hour))}:${pad(v.calendar.minute)}:${pad(v.calendar.second)} ${v.calendar.hour < 12 ? 'AM' : 'PM'}`],
  c: ['%a %b %e %H:%M:%S %Y (C locale)', (v) => strftime('%a %b %e %H:%M:%S %Y', v)],
  n: ['newline', () => '\n'],
  t: ['tab', () => '\t'],
  '%': ['a literal %', () => '%'],
};

/** Renders `format` for the instant; throws UnknownSpecifier for anything outside the subset. */
export function strftime(format: string, v: InstantView): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i];
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const next = format[i + 1];
    if (next === undefined) throw new UnknownSpecifier('%', i);
    if (next === ':' && format[i + 2] === 'z') {
      out += v.utcOffset.slice(0, 6);
      i += 2;
      continue;
    }
    const spec = SPECIFIERS[next];
    if (!spec) throw new UnknownSpecifier(`%${next}`, i);
    out += spec[1](v);
    i += 1;
  }
  return out;
}

/** The documented subset, for the tool description and error messages. */
export function describeFormats(): string {
  return [...Object.entries(SPECIFIERS).map(([k, [meaning]]) => `%${k} ${meaning}`), '%:z UTC offset +hh:mm'].join('; ');
}
