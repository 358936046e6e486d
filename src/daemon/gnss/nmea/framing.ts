/**
 * Turns one received line into a checked sentence, or says why not. Lines arrive already
 * split (serialport's ReadlineParser, or a log file), so this only has to cope with what a
 * noisy serial link does to a line: binary noise, a line that starts mid-sentence, two
 * sentences run together after a lost terminator, and corrupted characters.
 */

/**
 * IEC 61162-1 caps a sentence at 82 characters, but real receivers exceed it (Skytraq
 * $PSTI reaches 105+, u-blox with 4.10 fields ~100), so allow some margin and drop only lines
 * that are clearly two sentences glued together or garbage.
 */
export const MAX_LINE_LENGTH = 256;

export type FrameRejection = 'empty' | 'overlong' | 'noise' | 'partial' | 'badChecksum' | 'missingChecksum' | 'badAddress';

export interface FramedSentence {
  /** `GPRMC`, `PGRME`, `AIVDM`. */
  address: string;
  /** Two-letter talker (`GP`, `GN`, `BD`, ...); `P` for proprietary sentences. */
  talker: string;
  /** Sentence formatter: `RMC`, `GSV`; for proprietary sentences the rest of the address. */
  type: string;
  proprietary: boolean;
  /** `!` sentences are AIS/encapsulated, never GNSS fixes. */
  encapsulated: boolean;
  /** The comma-separated fields, index 0 being the address. */
  fields: string[];
  /** False when the sentence had no checksum and the caller allowed that. */
  checksummed: boolean;
}

export interface FrameResult {
  sentence: FramedSentence | null;
  rejected: FrameRejection | null;
  /** Something was thrown away before the sentence start: a fragment, or binary noise. */
  head: 'partial' | 'noise' | null;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87; // lower-case hex is out of spec but seen in the wild
  return -1;
}

function printable(s: string, from = 0, to = s.length): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** `[A-Z][A-Z0-9]{2,9}`: talker (two characters) and formatter, checked by char codes. */
function standardAddress(a: string): boolean {
  const n = a.length;
  if (n < 3 || n > 10) return false;
  let c = a.charCodeAt(0);
  if (c < 65 || c > 90) return false;
  for (let i = 1; i < n; i++) {
    c = a.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57))) return false;
  }
  return true;
}

/** Quectel EC2x sends $PQGSV / $PQGSA for BeiDou and QZSS: standard layouts under a P address. */
const QUECTEL_STANDARD = new Set(['PQGSV', 'PQGSA']);

/**
 * The fields are split on first use: a sentence we do not decode (HDG, MWV, most
 * proprietary ones) is only counted by its address, and splitting it would be wasted work.
 */
class Framed implements FramedSentence {
  readonly #line: string;
  readonly #from: number;
  readonly #to: number;
  #fields: string[] | null = null;

  constructor(
    readonly address: string,
    readonly talker: string,
    readonly type: string,
    readonly proprietary: boolean,
    readonly encapsulated: boolean,
    readonly checksummed: boolean,
    line: string,
    from: number,
    to: number,
  ) {
    this.#line = line;
    this.#from = from;
    this.#to = to;
  }

  get fields(): string[] {
    return (this.#fields ??= this.#line.slice(this.#from, this.#to).split(','));
  }
}

function reject(rejected: FrameRejection, head: FrameResult['head'] = null): FrameResult {
  return { sentence: null, rejected, head };
}

export function frameLine(raw: string, acceptMissingChecksum: boolean): FrameResult {
  let end = raw.length;
  while (end > 0) {
    const c = raw.charCodeAt(end - 1);
    if (c !== 13 && c !== 10 && c !== 32 && c !== 9) break;
    end--;
  }
  if (end === 0) return reject('empty');
  if (end > MAX_LINE_LENGTH) return reject('overlong');
  const line = end === raw.length ? raw : raw.slice(0, end);

  // A `$` past the first byte means the line began mid-sentence or a terminator was lost:
  // the last `$` starts the only sentence that can be complete.
  let start = line.lastIndexOf('$');
  if (start < 0) start = line.indexOf('!');
  if (start < 0) return reject(printable(line) ? 'partial' : 'noise');
  const head: FrameResult['head'] = start === 0 ? null : printable(line, 0, start) ? 'partial' : 'noise';

  // One pass over the sentence: every character must be printable, and the XOR of those
  // between the start character and the `*` is the checksum.
  const star = line.lastIndexOf('*');
  const sumEnd = star > start ? star : end;
  let sum = 0;
  for (let i = start + 1; i < sumEnd; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return reject('noise', head);
    sum ^= c;
  }
  if (!printable(line, sumEnd)) return reject('noise', head);

  let bodyEnd = line.length;
  let checksummed = false;
  if (star > start) {
    // IEC 61162-1 §7.2.3: `*` then exactly two hex digits of the XOR of everything between
    // the start character and the `*`.
    if (line.length - star !== 3) return reject('badChecksum', head);
    const hi = hexValue(line.charCodeAt(star + 1));
    const lo = hexValue(line.charCodeAt(star + 2));
    if (hi < 0 || lo < 0) return reject('badChecksum', head);
    if (sum !== hi * 16 + lo) return reject('badChecksum', head);
    bodyEnd = star;
    checksummed = true;
  } else if (!acceptMissingChecksum) {
    return reject('missingChecksum', head);
  }

  const comma = line.indexOf(',', start + 1);
  const address = line.slice(start + 1, comma < 0 || comma > bodyEnd ? bodyEnd : comma);
  const encapsulated = line.charCodeAt(start) === 33; /* ! */
  if (address.startsWith('P') && !QUECTEL_STANDARD.has(address)) {
    // Proprietary (IEC 61162-1 §7.3.2): `P` + maker code; layouts are the maker's business.
    if (address.length < 2) return reject('badAddress', head);
    return {
      sentence: new Framed(address, 'P', address.slice(1), true, encapsulated, checksummed, line, start + 1, bodyEnd),
      rejected: null,
      head,
    };
  }
  if (!standardAddress(address)) return reject('badAddress', head);
  return {
    sentence: new Framed(address, address.slice(0, 2), address.slice(2), false, encapsulated, checksummed, line, start + 1, bodyEnd),
    rejected: null,
    head,
  };
}
