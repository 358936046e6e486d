import type { InstantView } from './calendar.js';

/**
 * C strftime (C11 §7.27.3.5, POSIX.1-2017) in the C/POSIX locale (English names, so the
 * output does not depend on the machine), with the GNU extensions people type: %k %l %P %s
 * %N (nanoseconds) %:z %::z, and the padding flags `-` (none: %-d → "1"), `_` (spaces),
 * `0` (zeros) and `^` (upper case). C's E and O modifiers (%Ec, %Oy …) are accepted and,
 * as the C locale defines, change nothing. Anything else is an error that names it, never
 * passed through or silently dropped.
 */

export class UnknownSpecifier extends Error {
  constructor(
    readonly specifier: string,
    readonly position: number,
    reason = '',
  ) {
    super(
      specifier === '%'
        ? `format ends with a lone "%" at position ${position}: write "%%" for a literal percent sign`
        : `unsupported format specifier "${specifier}" at position ${position}${reason}; supported: ${Object.keys(SPECIFIERS)
            .map((k) => `%${k}`)
            .join(' ')} %:z %::z, flags - _ 0 ^ (e.g. %-d), modifiers E and O`,
    );
    this.name = 'UnknownSpecifier';
  }
}

/** A number with its natural padding (width and character), which the flags may change. */
interface Num {
  n: number;
  width: number;
  fill: '0' | ' ';
}
type Out = string | Num;
type Render = (v: InstantView) => Out;

const num = (n: number, width = 2, fill: '0' | ' ' = '0'): Num => ({ n, width, fill });
const hour12 = (h: number): number => (h % 12 === 0 ? 12 : h % 12);
const yy = (y: number): number => ((y % 100) + 100) % 100;
const p2 = (n: number): string => String(n).padStart(2, '0');

/** Week of the year whose weeks start on `firstDay` (0 Sunday for %U, 1 Monday for %W); days before the first such day are week 0. */
function weekOfYear(v: InstantView, firstDay: number): number {
  const yday = v.calendar.dayOfYear - 1;
  const wday = v.calendar.weekdayNumber % 7; // 0 Sunday
  return Math.floor((yday + 7 - ((wday - firstDay + 7) % 7)) / 7);
}

/** The offset as C's %z: ±hhmm, seconds of a local-mean-time offset truncated as glibc does. */
function offsetZ(s: number, colons: 0 | 1 | 2): string {
  const sign = s < 0 ? '-' : '+';
  const a = Math.abs(s);
  const hh = p2(Math.floor(a / 3600));
  const mm = p2(Math.floor((a % 3600) / 60));
  if (colons === 0) return `${sign}${hh}${mm}`;
  if (colons === 1) return `${sign}${hh}:${mm}`;
  return `${sign}${hh}:${mm}:${p2(a % 60)}`;
}

/** Specifier → [meaning, renderer]; the meanings are what describeFormats() documents. */
const SPECIFIERS: Record<string, [string, Render]> = {
  a: ['abbreviated weekday name (Sun)', (v) => v.calendar.weekday.slice(0, 3)],
  A: ['full weekday name (Sunday)', (v) => v.calendar.weekday],
  b: ['abbreviated month name (Jan)', (v) => v.calendar.monthName.slice(0, 3)],
  h: ['same as %b', (v) => v.calendar.monthName.slice(0, 3)],
  B: ['full month name (January)', (v) => v.calendar.monthName],
  c: ['date and time, C locale: %a %b %e %H:%M:%S %Y', (v) => strftime('%a %b %e %H:%M:%S %Y', v)],
  C: ['century (year / 100), 2 digits', (v) => num(Math.floor(v.calendar.year / 100))],
  d: ['day of the month 01-31', (v) => num(v.calendar.day)],
  D: ['%m/%d/%y', (v) => strftime('%m/%d/%y', v)],
  e: ['day of the month, space-padded " 1"-"31"', (v) => num(v.calendar.day, 2, ' ')],
  F: ['%Y-%m-%d', (v) => strftime('%Y-%m-%d', v)],
  g: ['ISO 8601 week-based year within the century, 2 digits', (v) => num(yy(v.calendar.isoWeekYear))],
  G: ['ISO 8601 week-based year', (v) => num(v.calendar.isoWeekYear, 4)],
  H: ['hour 00-23', (v) => num(v.calendar.hour)],
  I: ['hour 01-12', (v) => num(hour12(v.calendar.hour))],
  j: ['day of the year 001-366', (v) => num(v.calendar.dayOfYear, 3)],
  k: ['hour 0-23, space-padded (GNU)', (v) => num(v.calendar.hour, 2, ' ')],
  l: ['hour 1-12, space-padded (GNU)', (v) => num(hour12(v.calendar.hour), 2, ' ')],
  m: ['month 01-12', (v) => num(v.calendar.month)],
  M: ['minute 00-59', (v) => num(v.calendar.minute)],
  n: ['newline', () => '\n'],
  N: ['nanoseconds 000000000-999999999 (GNU date)', (v) => num(v.nanos, 9)],
  L: ['milliseconds 000-999', (v) => num(Math.floor(v.nanos / 1e6), 3)],
  f: ['microseconds 000000-999999 (Python)', (v) => num(Math.floor(v.nanos / 1e3), 6)],
  p: ['AM or PM', (v) => (v.calendar.hour < 12 ? 'AM' : 'PM')],
  P: ['am or pm (GNU)', (v) => (v.calendar.hour < 12 ? 'am' : 'pm')],
  r: ['%I:%M:%S %p', (v) => strftime('%I:%M:%S %p', v)],
  R: ['%H:%M', (v) => strftime('%H:%M', v)],
  s: ['Unix seconds', (v) => num(v.unixSeconds, 1)],
  S: ['second 00-60', (v) => num(v.calendar.second)],
  t: ['tab', () => '\t'],
  T: ['%H:%M:%S', (v) => strftime('%H:%M:%S', v)],
  u: ['weekday 1-7, Monday 1', (v) => num(v.calendar.weekdayNumber, 1)],
  U: ['week of the year 00-53, weeks starting on Sunday (days before the first Sunday: week 00)', (v) => num(weekOfYear(v, 0))],
  V: ['ISO 8601 week number 01-53', (v) => num(v.calendar.isoWeek)],
  w: ['weekday 0-6, Sunday 0', (v) => num(v.calendar.weekdayNumber % 7, 1)],
  W: ['week of the year 00-53, weeks starting on Monday (days before the first Monday: week 00)', (v) => num(weekOfYear(v, 1))],
  x: ['date, C locale: %m/%d/%y', (v) => strftime('%m/%d/%y', v)],
  X: ['time, C locale: %H:%M:%S', (v) => strftime('%H:%M:%S', v)],
  y: ['year within the century 00-99', (v) => num(yy(v.calendar.year))],
  Y: ['year, at least 4 digits', (v) => num(v.calendar.year, 4)],
  z: ['UTC offset ±hhmm (a local-mean-time offset\'s seconds are dropped, as glibc does; %::z shows them)', (v) => offsetZ(v.utcOffsetSeconds, 0)],
  Z: ['the tz database abbreviation (CET, EDT, IST, -03, LMT)', (v) => v.abbreviation],
  '%': ['a literal %', () => '%'],
};

/** Conversions where C's E modifier is defined (C11 §7.27.3.5 ¶4); O is defined for the numeric ones in ¶5. */
const E_OK = new Set(['c', 'C', 'x', 'X', 'y', 'Y']);
const O_OK = new Set(['d', 'e', 'H', 'I', 'm', 'M', 'S', 'u', 'U', 'V', 'w', 'W', 'y']);

function applyFlag(out: Out, flag: string | undefined): string {
  if (typeof out === 'string') return flag === '^' ? out.toUpperCase() : out;
  const sign = out.n < 0 ? '-' : '';
  const digits = String(Math.abs(out.n));
  const width = out.width - sign.length;
  switch (flag) {
    case '-':
      return sign + digits;
    case '_':
      return (sign + digits).padStart(out.width, ' ');
    case '0':
      return sign + digits.padStart(width, '0');
    default:
      return out.fill === '0' ? sign + digits.padStart(width, '0') : (sign + digits).padStart(out.width, ' ');
  }
}

/** Renders `format` for the instant; throws UnknownSpecifier for anything it does not define. */
export function strftime(format: string, v: InstantView): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i];
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const start = i;
    let j = i + 1;
    if (j >= format.length) throw new UnknownSpecifier('%', start);
    let flag: string | undefined;
    if ('-_0^'.includes(format[j] as string)) flag = format[j++];
    if (format.startsWith('::z', j) || format.startsWith(':z', j)) {
      const colons = format.startsWith('::z', j) ? 2 : 1;
      out += offsetZ(v.utcOffsetSeconds, colons);
      i = j + colons;
      continue;
    }
    let mod: string | undefined;
    if (format[j] === 'E' || format[j] === 'O') mod = format[j++];
    const conv = format[j];
    const written = format.slice(start, j + 1);
    if (conv === undefined) throw new UnknownSpecifier(written, start, ': the format ends inside it');
    if (/[1-9]/.test(conv)) throw new UnknownSpecifier(written, start, ': field widths are not supported');
    const spec = SPECIFIERS[conv];
    if (!spec) throw new UnknownSpecifier(written, start);
    if (mod && !(mod === 'E' ? E_OK : O_OK).has(conv)) throw new UnknownSpecifier(written, start, `: C defines no %${mod}${conv}`);
    out += applyFlag(spec[1](v), flag);
    i = j;
  }
  return out;
}

/** The supported conversions, for the tool description and error messages. */
export function describeFormats(): string {
  return [
    ...Object.entries(SPECIFIERS).map(([k, [meaning]]) => `%${k} ${meaning}`),
    '%:z UTC offset ±hh:mm',
    '%::z UTC offset ±hh:mm:ss',
    'flags after the %: "-" no padding (%-d → 1, %-H → 7), "_" pad with spaces, "0" pad with zeros, "^" upper case (%^a → SUN)',
    'E and O modifiers (%Ec, %Oy) are accepted and, in the C locale, change nothing',
  ].join('; ');
}
