import { NS_PER_S } from './calendar.js';
import { checkFields, type LocalDateTime } from './local-time.js';

/**
 * What convert_time accepts: a Unix timestamp (seconds, milliseconds, microseconds or
 * nanoseconds, told apart by magnitude; a decimal fraction of seconds is kept exactly), or
 * an ISO 8601 / RFC 3339 date-time. A date-time with an offset ("Z", "+02:00") is an instant;
 * one without is a wall time in the source zone and may be ambiguous or nonexistent.
 */

export class BadTimestamp extends Error {
  override name = 'BadTimestamp';
}

export type ParsedTimestamp =
  | { kind: 'instant'; unixNs: bigint; interpretedAs: string }
  | { kind: 'local'; local: LocalDateTime; interpretedAs: string };

// Magnitude bounds: seconds up to year 5138, milliseconds and microseconds likewise; beyond, nanoseconds.
const S_LIMIT = 100_000_000_000n; // 1e11
const MS_LIMIT = 100_000_000_000_000n; // 1e14
const US_LIMIT = 100_000_000_000_000_000n; // 1e17

const ISO =
  /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

export function parseTimestamp(input: string | number): ParsedTimestamp {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new BadTimestamp(`timestamp ${input} is not a finite number`);
    if (!Number.isSafeInteger(input) && Number.isInteger(input)) {
      throw new BadTimestamp(`timestamp ${input} is above 2^53 and was already rounded in transit: send it as a string`);
    }
    return parseUnix(Number.isInteger(input) ? input.toString() : input.toFixed(9));
  }
  const s = input.trim();
  if (/^[+-]?\d+(\.\d+)?$/.test(s)) return parseUnix(s);
  const m = ISO.exec(s);
  if (!m) {
    throw new BadTimestamp(`cannot read "${input}": give Unix seconds/milliseconds/nanoseconds or ISO 8601 such as 2026-11-01T01:30:00 or 2026-11-01T05:30:00Z`);
  }
  const local: LocalDateTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    nanosecond: Number((m[7] ?? '').padEnd(9, '0')),
  };
  try {
    checkFields(local);
  } catch (err) {
    throw new BadTimestamp(`"${input}": ${(err as Error).message}`);
  }
  if (m[8] === undefined && m[9] === undefined) return { kind: 'local', local, interpretedAs: 'ISO 8601 local date-time (no offset)' };
  const offsetS = m[8] !== undefined ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  if (Number(m[11] ?? 0) > 59) throw new BadTimestamp(`"${input}": offset minutes out of range`);
  const d = new Date(Date.UTC(2000, local.month - 1, local.day, local.hour, local.minute, local.second));
  d.setUTCFullYear(local.year);
  const utcS = BigInt(d.getTime() / 1000 - offsetS);
  return { kind: 'instant', unixNs: utcS * NS_PER_S + BigInt(local.nanosecond), interpretedAs: 'ISO 8601 date-time with offset' };
}

function parseUnix(s: string): ParsedTimestamp {
  const neg = s.startsWith('-');
  const body = s.replace(/^[+-]/, '');
  const [whole = '0', frac] = body.split('.');
  const w = BigInt(whole);
  if (frac !== undefined) {
    // A fraction means seconds with a decimal part: keep up to nanoseconds exactly.
    if (w >= S_LIMIT) throw new BadTimestamp(`"${s}": a fraction is only accepted on Unix seconds`);
    if (frac.length > 9 && /[1-9]/.test(frac.slice(9))) throw new BadTimestamp(`"${s}": more than nanosecond precision`);
    const ns = w * NS_PER_S + BigInt(frac.slice(0, 9).padEnd(9, '0'));
    return { kind: 'instant', unixNs: neg ? -ns : ns, interpretedAs: 'Unix seconds' };
  }
  const [ns, unit] =
    w < S_LIMIT ? [w * NS_PER_S, 'Unix seconds'] : w < MS_LIMIT ? [w * 1_000_000n, 'Unix milliseconds'] : w < US_LIMIT ? [w * 1000n, 'Unix microseconds'] : [w, 'Unix nanoseconds'];
  return { kind: 'instant', unixNs: neg ? -ns : ns, interpretedAs: unit };
}
