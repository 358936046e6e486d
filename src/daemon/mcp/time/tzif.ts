import { type LocalTimeType, parsePosixTz, type PosixTz, posixTypeAt } from './posix-tz.js';

/**
 * TZif files (RFC 8536, "The Time Zone Information Format"), as zic writes them into
 * /usr/share/zoneinfo. Layout:
 *
 *   header  "TZif", version ('\0' = 1, '2', '3', '4'), 15 reserved bytes, then six
 *           big-endian uint32 counts: isutcnt isstdcnt leapcnt timecnt typecnt charcnt
 *   v1 data block, 32-bit times:
 *           timecnt × int32 transition times, timecnt × uint8 type indices,
 *           typecnt × (int32 utoff, uint8 isdst, uint8 desigidx), charcnt bytes of
 *           NUL-terminated designations, leapcnt × (int32 occurrence, int32 correction),
 *           isstdcnt × uint8, isutcnt × uint8
 *   version 2+ only: a second header and data block with 64-bit times (and 64-bit leap
 *           occurrences), then the footer "\n" TZ-string "\n".
 *
 * For a v2+ file only the second block is read (the v1 block cannot reach before 1901 or
 * past 2038). The standard/UT indicators only matter to zic's POSIX-rules emulation, so
 * they are skipped. Files with leap-second records (the "right/" tree) count TAI-like
 * seconds, not POSIX seconds, and are refused rather than misread.
 */

export class TzifError extends Error {
  override name = 'TzifError';
}

export interface Tzif {
  version: number;
  /** Transition instants, Unix seconds, ascending. */
  transitions: number[];
  /** For each transition, the index into `types` in force from it on. */
  transitionTypes: number[];
  types: LocalTimeType[];
  /** The footer's TZ string, parsed; null for v1 files or an empty footer (no rule after the last transition). */
  footer: PosixTz | null;
}

const HEADER = 44;

interface Counts {
  isutcnt: number;
  isstdcnt: number;
  leapcnt: number;
  timecnt: number;
  typecnt: number;
  charcnt: number;
}

function readHeader(b: Buffer, at: number): { version: number; counts: Counts } {
  // A file that does not start with the magic is "not TZif"; a TZif file cut short is "truncated".
  if (at === 0 && b.toString('latin1', 0, 4) !== 'TZif') throw new TzifError('not a TZif file (no "TZif" magic)');
  if (b.length < at + HEADER) throw new TzifError(`truncated file: header at byte ${at}`);
  if (b.toString('latin1', at, at + 4) !== 'TZif') throw new TzifError(`no second "TZif" header at byte ${at}`);
  const v = b[at + 4] as number;
  const version = v === 0 ? 1 : v >= 0x32 && v <= 0x39 ? v - 0x30 : -1;
  if (version < 0) throw new TzifError(`unknown TZif version byte 0x${v.toString(16)}`);
  const n = (k: number): number => b.readUInt32BE(at + 20 + 4 * k);
  return { version, counts: { isutcnt: n(0), isstdcnt: n(1), leapcnt: n(2), timecnt: n(3), typecnt: n(4), charcnt: n(5) } };
}

function blockLength(c: Counts, timeSize: number): number {
  return c.timecnt * timeSize + c.timecnt + c.typecnt * 6 + c.charcnt + c.leapcnt * (timeSize + 4) + c.isstdcnt + c.isutcnt;
}

function readBlock(b: Buffer, at: number, c: Counts, timeSize: 4 | 8): Omit<Tzif, 'version' | 'footer'> {
  if (c.typecnt === 0) throw new TzifError('no local time types (typecnt 0)');
  if (c.charcnt === 0) throw new TzifError('no designation characters (charcnt 0)');
  if ((c.isutcnt !== 0 && c.isutcnt !== c.typecnt) || (c.isstdcnt !== 0 && c.isstdcnt !== c.typecnt)) throw new TzifError('isutcnt/isstdcnt must be 0 or typecnt');
  if (b.length < at + blockLength(c, timeSize)) throw new TzifError('truncated data block');
  if (c.leapcnt !== 0) throw new TzifError('file carries leap-second records ("right/" zones count leap seconds; POSIX time does not)');
  let p = at;
  const transitions: number[] = [];
  for (let k = 0; k < c.timecnt; k++, p += timeSize) {
    // 64-bit times beyond ±2^53 are only zic's "big bang" sentinel (-2^59), exact as a double.
    const t = timeSize === 4 ? b.readInt32BE(p) : Number(b.readBigInt64BE(p));
    if (k > 0 && t <= (transitions[k - 1] as number)) throw new TzifError(`transition times not ascending at index ${k}`);
    transitions.push(t);
  }
  const transitionTypes: number[] = [];
  for (let k = 0; k < c.timecnt; k++, p++) {
    const idx = b[p] as number;
    if (idx >= c.typecnt) throw new TzifError(`transition ${k} names type ${idx} of ${c.typecnt}`);
    transitionTypes.push(idx);
  }
  const raw: { utoff: number; isdst: number; desig: number }[] = [];
  for (let k = 0; k < c.typecnt; k++, p += 6) {
    raw.push({ utoff: b.readInt32BE(p), isdst: b[p + 4] as number, desig: b[p + 5] as number });
  }
  const chars = b.subarray(p, p + c.charcnt);
  const types = raw.map((r, k): LocalTimeType => {
    // RFC 8536 §3.2: utoff in [-89999, 93599] (−24:59:59 … +25:59:59), isdst 0 or 1.
    if (r.utoff < -89_999 || r.utoff > 93_599) throw new TzifError(`type ${k}: utoff ${r.utoff} out of range`);
    if (r.isdst > 1) throw new TzifError(`type ${k}: isdst ${r.isdst} is not 0 or 1`);
    if (r.desig >= c.charcnt) throw new TzifError(`type ${k}: designation index ${r.desig} past charcnt ${c.charcnt}`);
    const end = chars.indexOf(0, r.desig);
    if (end < 0) throw new TzifError(`type ${k}: designation not NUL-terminated`);
    return { utoff: r.utoff, isdst: r.isdst === 1, abbr: chars.toString('latin1', r.desig, end) };
  });
  return { transitions, transitionTypes, types };
}

/** Parses a whole TZif file; throws TzifError saying what is wrong with it. */
export function parseTzif(bytes: Uint8Array): Tzif {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h1 = readHeader(b, 0);
  if (h1.version === 1) return { version: 1, ...readBlock(b, HEADER, h1.counts, 4), footer: null };
  const at2 = HEADER + blockLength(h1.counts, 4);
  const h2 = readHeader(b, at2);
  const data = readBlock(b, at2 + HEADER, h2.counts, 8);
  const fAt = at2 + HEADER + blockLength(h2.counts, 8);
  if (b[fAt] !== 0x0a) throw new TzifError('footer does not start with a newline');
  const fEnd = b.indexOf(0x0a, fAt + 1);
  if (fEnd < 0) throw new TzifError('footer does not end with a newline');
  const tz = b.toString('latin1', fAt + 1, fEnd);
  let footer: PosixTz | null = null;
  if (tz !== '') {
    try {
      footer = parsePosixTz(tz);
    } catch (err) {
      throw new TzifError(`footer: ${(err as Error).message}`);
    }
  }
  return { version: h2.version, ...data, footer };
}

/**
 * The local time type in force at Unix second `t` (RFC 8536 §3.2): before the first
 * transition, type 0; from a transition on, its type; after the last transition, the
 * footer's rule when there is one (or for every instant when there are no transitions).
 */
export function typeAt(z: Tzif, t: number): LocalTimeType {
  const tr = z.transitions;
  const n = tr.length;
  if (n === 0 || t > (tr[n - 1] as number)) {
    if (z.footer) return posixTypeAt(z.footer, t);
    if (n === 0) return z.types[0] as LocalTimeType;
  }
  if (t < (tr[0] as number)) return z.types[0] as LocalTimeType;
  // Binary search for the last transition at or before t.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((tr[mid] as number) <= t) lo = mid;
    else hi = mid - 1;
  }
  return z.types[z.transitionTypes[lo] as number] as LocalTimeType;
}
