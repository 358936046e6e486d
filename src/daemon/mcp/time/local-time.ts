import { daysInMonth, NS_PER_S } from './calendar.js';
import { canonicalZone, offsetSecondsAt } from './zones.js';

/**
 * A wall-clock time in a zone names zero, one or two instants: at a spring-forward change
 * the skipped hour never happens (nonexistent); at a fall-back change the repeated hour
 * happens twice (ambiguous). We report which, with the candidates, and never pick one
 * silently the way Date's parser does.
 */

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanosecond: number;
}

export interface Candidate {
  unixNs: bigint;
  utcOffsetSeconds: number;
  /** How this candidate reads the wall time: "first occurrence (daylight time)" etc. */
  meaning: string;
}

export type Resolution =
  | { kind: 'unique'; unixNs: bigint; utcOffsetSeconds: number }
  | { kind: 'ambiguous'; candidates: [Candidate, Candidate] }
  | { kind: 'nonexistent'; gapSeconds: number; candidates: [Candidate, Candidate] };

export class InvalidLocalTime extends Error {
  override name = 'InvalidLocalTime';
}

export function checkFields(t: LocalDateTime): void {
  const bad = (what: string): never => {
    throw new InvalidLocalTime(what);
  };
  if (t.month < 1 || t.month > 12) bad(`month ${t.month} is out of range 1-12`);
  if (t.day < 1 || t.day > daysInMonth(t.year, t.month)) bad(`day ${t.day} does not exist in ${t.year}-${String(t.month).padStart(2, '0')}`);
  if (t.hour > 23) bad(`hour ${t.hour} is out of range 0-23`);
  if (t.minute > 59) bad(`minute ${t.minute} is out of range 0-59`);
  // A leap second (23:59:60) is real UTC but has no Unix timestamp of its own (POSIX repeats a second).
  if (t.second === 60) bad('second 60 (a leap second) has no Unix timestamp of its own');
  if (t.second > 59) bad(`second ${t.second} is out of range 0-59`);
}

/** Seconds since 1970 on the local time line (as if the wall time were UTC). */
function localLineSeconds(t: LocalDateTime): number {
  const d = new Date(Date.UTC(2000, t.month - 1, t.day, t.hour, t.minute, t.second));
  d.setUTCFullYear(t.year); // Date.UTC maps years 0-99 onto 1900-1999
  return d.getTime() / 1000;
}

export function resolveLocal(t: LocalDateTime, zone: string): Resolution {
  checkFields(t);
  const name = canonicalZone(zone);
  const local = localLineSeconds(t);
  // Any transition near this wall time has its two offsets among those in force a day
  // before and a day after (no zone changes offset twice within two days).
  const offsets = [...new Set([-86_400, 0, 86_400].map((d) => offsetSecondsAt(name, (local + d) * 1000)))];
  const valid = offsets
    .map((off) => ({ off, utc: local - off }))
    .filter(({ off, utc }) => offsetSecondsAt(name, utc * 1000) === off)
    .sort((a, b) => a.utc - b.utc);
  const ns = (utcS: number): bigint => BigInt(utcS) * NS_PER_S + BigInt(t.nanosecond);
  const first = valid[0];
  const second = valid[1];
  if (first && second) {
    return {
      kind: 'ambiguous',
      candidates: [
        { unixNs: ns(first.utc), utcOffsetSeconds: first.off, meaning: 'first occurrence (offset before the clocks went back)' },
        { unixNs: ns(second.utc), utcOffsetSeconds: second.off, meaning: 'second occurrence (offset after the clocks went back)' },
      ],
    };
  }
  if (first) return { kind: 'unique', unixNs: ns(first.utc), utcOffsetSeconds: first.off };
  const before = offsetSecondsAt(name, (local - 86_400) * 1000);
  const after = offsetSecondsAt(name, (local + 86_400) * 1000);
  // The skipped wall time, read with the offset in force before the change, lands after it,
  // and vice versa; both instants are offered so the caller chooses.
  const cands = [
    { unixNs: ns(local - before), utcOffsetSeconds: before, meaning: 'read with the offset before the clocks went forward' },
    { unixNs: ns(local - after), utcOffsetSeconds: after, meaning: 'read with the offset after the clocks went forward' },
  ].sort((a, b) => (a.unixNs < b.unixNs ? -1 : 1)) as [Candidate, Candidate];
  return { kind: 'nonexistent', gapSeconds: Math.abs(after - before), candidates: cands };
}
