import type { LatLon, ShortDate, TimeOfDay } from './sentence-types.js';

/**
 * `[+-]?(digits[.digits?] | .digits)`, checked by char codes: a regex test per field was a
 * measurable share of decoding a log (several numeric fields per sentence).
 */
function isDecimal(s: string): boolean {
  const n = s.length;
  let i = 0;
  let c = n > 0 ? s.charCodeAt(0) : 0;
  if (c === 43 /* + */ || c === 45 /* - */) i++;
  let digits = 0;
  for (; i < n; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    digits++;
  }
  if (i < n && s.charCodeAt(i) === 46 /* . */) {
    for (i++; i < n; i++) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) return false;
      digits++;
    }
  }
  return i === n && digits > 0;
}

/** `[+-]?digits`, at most 9 characters, or NaN: exact in a double, and -0 for "-0" like Number(). */
function parseInteger(s: string): number {
  const n = s.length;
  if (n > 9) return NaN;
  let i = 0;
  const sign = n > 0 ? s.charCodeAt(0) : 0;
  if (sign === 43 /* + */ || sign === 45 /* - */) i++;
  if (i === n) return NaN;
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return sign === 45 ? -v : v;
}

const NONE: readonly number[] = Object.freeze([]);

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

function twoDigits(s: string, i: number): number {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * Typed access to a sentence's comma-separated fields. Index 0 is the address (`GPRMC`), so
 * indexes match the field numbers in the decoders' layout comments. A field that is empty
 * reads as `null`; a field that holds text we cannot parse also reads as `null` but is
 * remembered, so a decoder can reject the sentence when an essential field is bad and the
 * pipeline can count the ones it tolerated.
 */
export class FieldReader {
  readonly #f: readonly string[];
  /** Allocated on the first bad field only: most sentences have none. */
  #invalid: number[] | null = null;

  constructor(fields: readonly string[]) {
    this.#f = fields;
  }

  /** Number of fields including the address. */
  get count(): number {
    return this.#f.length;
  }

  /** Field indexes that held unparseable text. */
  get invalid(): readonly number[] {
    return this.#invalid ?? NONE;
  }

  isInvalid(i: number): boolean {
    return this.#invalid !== null && this.#invalid.includes(i);
  }

  str(i: number): string {
    return this.#f[i] ?? '';
  }

  #mark(i: number): void {
    if (this.#invalid === null) this.#invalid = [i];
    else if (!this.#invalid.includes(i)) this.#invalid.push(i);
  }

  #bad(i: number): null {
    this.#mark(i);
    return null;
  }

  num(i: number): number | null {
    const s = this.str(i);
    if (s === '') return null;
    if (!isDecimal(s)) return this.#bad(i);
    return Number(s);
  }

  int(i: number): number | null {
    const s = this.str(i);
    if (s === '') return null;
    const v = parseInteger(s);
    return Number.isNaN(v) ? this.#bad(i) : v;
  }

  /** One character out of `allowed`; anything else is invalid. */
  char<C extends string>(i: number, allowed: string): C | null {
    const s = this.str(i);
    if (s === '') return null;
    if (s.length !== 1 || !allowed.includes(s)) return this.#bad(i);
    return s as C;
  }

  /** Any single printable character (FAA mode letters vary by vendor: see faa-mode.ts). */
  letter(i: number): string | null {
    const s = this.str(i);
    if (s === '') return null;
    if (s.length !== 1) return this.#bad(i);
    return s;
  }

  /** One hex digit: NMEA 4.10+ system and signal ids (NMEA 4.11 tables 19 and 20). */
  hexDigit(i: number): number | null {
    const s = this.str(i);
    if (s === '') return null;
    const v = s.length === 1 ? parseInt(s, 16) : NaN;
    return Number.isNaN(v) ? this.#bad(i) : v;
  }

  /** RMC's `ddmmyy`; the century is resolved later (epoch/date-resolver.ts). */
  ddmmyy(i: number): ShortDate | null {
    const s = this.str(i);
    if (s === '') return null;
    const day = twoDigits(s, 0);
    const month = twoDigits(s, 2);
    const yy = twoDigits(s, 4);
    if (s.length !== 6 || day < 1 || day > 31 || month < 1 || month > 12 || yy < 0) return this.#bad(i);
    return { day, month, yy };
  }

  /**
   * `hhmmss` with an optional fraction. Fraction digits past the millisecond are dropped,
   * never rounded, so a label can never move into the next second. Second 60 is accepted
   * only at 23:59, where UTC inserts leap seconds (ITU-R TF.460-6 §2.2).
   */
  time(i: number): TimeOfDay | null {
    const s = this.str(i);
    if (s === '') return null;
    if (s.length < 6 || (s.length > 6 && s.charCodeAt(6) !== 46 /* . */)) return this.#bad(i);
    const hour = twoDigits(s, 0);
    const minute = twoDigits(s, 2);
    const second = twoDigits(s, 4);
    if (hour < 0 || minute < 0 || second < 0) return this.#bad(i);
    let millis = 0;
    for (let k = 7, scale = 100; k < s.length; k++, scale /= 10) {
      const x = digit(s, k);
      if (x < 0) return this.#bad(i);
      if (scale >= 1) millis += x * scale;
    }
    if (hour > 23 || minute > 59 || second > 60) return this.#bad(i);
    if (second === 60 && (hour !== 23 || minute !== 59)) return this.#bad(i);
    return { hour, minute, second, millis };
  }

  /**
   * A `(d)ddmm.mmmm,H,(d)ddmm.mmmm,H` group starting at field `i`. All four empty means no
   * position; a partly filled group, minutes >= 60 or degrees out of range are invalid.
   */
  latLon(i: number): LatLon | null {
    const latS = this.str(i);
    const ns = this.str(i + 1);
    const lonS = this.str(i + 2);
    const ew = this.str(i + 3);
    if (latS === '' && ns === '' && lonS === '' && ew === '') return null;
    const lat = parseDegMin(latS, 90);
    const lon = parseDegMin(lonS, 180);
    const badNs = ns !== 'N' && ns !== 'S';
    const badEw = ew !== 'E' && ew !== 'W';
    if (lat === null) this.#mark(i);
    if (badNs) this.#mark(i + 1);
    if (lon === null) this.#mark(i + 2);
    if (badEw) this.#mark(i + 3);
    if (lat === null || lon === null || badNs || badEw) return null;
    return {
      lat: ns === 'S' ? -lat.deg : lat.deg,
      lon: ew === 'W' ? -lon.deg : lon.deg,
      digits: Math.min(lat.digits, lon.digits),
    };
  }
}

function parseDegMin(s: string, maxDeg: number): { deg: number; digits: number } | null {
  if (!isDecimal(s) || s.charCodeAt(0) === 43 || s.charCodeAt(0) === 45) return null;
  const dot = s.indexOf('.');
  const intPart = dot < 0 ? s : s.slice(0, dot);
  // Receivers may drop leading zeros (812.5 = 8°12.5'), but minutes always take two digits.
  if (intPart.length < 3 || intPart.length > 5) return null;
  const degrees = Number(intPart.slice(0, -2));
  const minutes = Number(s.slice(intPart.length - 2));
  if (minutes >= 60) return null;
  const deg = degrees + minutes / 60;
  if (deg > maxDeg) return null;
  return { deg, digits: dot < 0 ? 0 : s.length - dot - 1 };
}
