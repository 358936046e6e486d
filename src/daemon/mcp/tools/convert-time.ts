import { describeInstant, type InstantView } from '../time/calendar.js';
import { InvalidLocalTime, resolveLocal } from '../time/local-time.js';
import { BadTimestamp, parseTimestamp } from '../time/parse-timestamp.js';
import { canonicalZone, formatOffset, TimeZoneDataError, UnknownTimeZone } from '../time/zones.js';
import { ToolFailure } from './tool-def.js';

interface Converted {
  structured: {
    status: 'ok' | 'ambiguous' | 'nonexistent';
    interpretedAs: string;
    result: { source: InstantView; target: InstantView } | null;
    candidates: { meaning: string; utcOffsetSeconds: number; source: InstantView; target: InstantView }[];
    gapSeconds: number | null;
  };
  text: string;
}

/** convert_time's body: parse, resolve a wall time in the source zone, describe in the target zone. */
export async function convertTime(timestamp: string | number, toZone: string, fromZone?: string): Promise<Converted> {
  try {
    const to = canonicalZone(toZone);
    const from = canonicalZone(fromZone ?? 'UTC');
    const parsed = parseTimestamp(timestamp);
    const pair = (ns: bigint): { source: InstantView; target: InstantView } => ({ source: describeInstant(ns, from), target: describeInstant(ns, to) });
    if (parsed.kind === 'instant') {
      const p = pair(parsed.unixNs);
      return {
        structured: { status: 'ok', interpretedAs: parsed.interpretedAs, result: p, candidates: [], gapSeconds: null },
        text: `${p.target.iso8601} ${to} (${p.target.abbreviation}) = ${p.source.iso8601} ${from} [${parsed.interpretedAs}]`,
      };
    }
    const r = resolveLocal(parsed.local, from);
    const interpretedAs = `${parsed.interpretedAs} in ${from}`;
    if (r.kind === 'unique') {
      const p = pair(r.unixNs);
      return {
        structured: { status: 'ok', interpretedAs, result: p, candidates: [], gapSeconds: null },
        text: `${p.target.iso8601} ${to} (${p.target.abbreviation}) = ${p.source.iso8601} ${from}`,
      };
    }
    const candidates = r.candidates.map((c) => ({ meaning: c.meaning, utcOffsetSeconds: c.utcOffsetSeconds, ...pair(c.unixNs) }));
    const list = candidates.map((c) => `${c.target.iso8601} ${to} if read as UTC${formatOffset(c.utcOffsetSeconds)} (${c.meaning})`).join('; or ');
    const wall = typeof timestamp === 'string' ? timestamp.trim() : String(timestamp);
    const text =
      r.kind === 'ambiguous'
        ? `AMBIGUOUS: ${wall} happens twice in ${from} (the clocks went back); it is ${list}. Give an offset (e.g. ${candidates[0]?.source.rfc3339}) to choose.`
        : `NONEXISTENT: ${wall} never happens in ${from} (the clocks skipped ${r.gapSeconds / 60} minutes forward); nearby readings: ${list}.`;
    return { structured: { status: r.kind, interpretedAs, result: null, candidates, gapSeconds: r.kind === 'nonexistent' ? r.gapSeconds : null }, text };
  } catch (err) {
    if (err instanceof UnknownTimeZone || err instanceof TimeZoneDataError || err instanceof BadTimestamp || err instanceof InvalidLocalTime || err instanceof RangeError) throw new ToolFailure(err.message);
    throw err;
  }
}
