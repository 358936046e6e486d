import { z } from 'zod';
import { describeInstant, type InstantView } from '../time/calendar.js';
import { describeFormats, strftime, UnknownSpecifier } from '../time/strftime.js';
import { listAliases, listZones, TimeZoneDataError, UnknownTimeZone } from '../time/zones.js';
import { convertTime } from './convert-time.js';
import { qualityDown, qualityFrom, stateOrDown, type TimeQuality } from './quality.js';
import { candidateSchema, instantSchema, qualitySchema, TIMEZONE_ARG } from './time-schemas.js';
import { defineTool, type ToolContext, ToolFailure } from './tool-def.js';

/**
 * Time tools. They answer from the local clock even when the daemon is down (so an SSH
 * session is never dead on arrival); only the quality block depends on the daemon.
 */

async function quality(ctx: ToolContext): Promise<TimeQuality> {
  // The bridge serves it from its subscription, the daemon from its current snapshot.
  if (ctx.api.quality) return ctx.api.quality();
  const r = await stateOrDown(ctx.api);
  return 'state' in r ? qualityFrom(r.state) : qualityDown(r.down);
}

/** Caller mistakes become ToolFailure (isError with the message), not protocol errors. */
function instant(ns: bigint, zone: string): InstantView {
  try {
    return describeInstant(ns, zone);
  } catch (err) {
    if (err instanceof UnknownTimeZone || err instanceof TimeZoneDataError || err instanceof RangeError) throw new ToolFailure(err.message);
    throw err;
  }
}

const getTime = defineTool({
  name: 'get_time',
  hot: true,
  title: 'Current time',
  description:
    'The current time from this time server: Unix seconds and nanoseconds, ISO 8601 with nanoseconds, RFC 3339, RFC 2822, calendar fields (weekday, ISO week, day of year), and its quality: synchronised or not, the source, and the estimated error from the timekeeper.',
  input: z.strictObject({}),
  output: instantSchema.extend({ quality: qualitySchema }),
  async run(_args, ctx) {
    const v = instant(ctx.nowNs(), 'UTC');
    const q = await quality(ctx);
    return { structured: { ...v, quality: q }, text: `${v.iso8601} (Unix ${v.unixSeconds}.${String(v.nanos).padStart(9, '0')}); ${q.note}` };
  },
});

const getUnixTime = defineTool({
  name: 'get_unix_time',
  hot: true,
  title: 'Unix time',
  description: 'Seconds since 1970-01-01T00:00:00Z (POSIX, no leap seconds) and the nanoseconds within the second.',
  input: z.strictObject({}),
  output: z.object({ seconds: z.number().int(), nanos: z.number().int() }),
  async run(_args, ctx) {
    const v = instant(ctx.nowNs(), 'UTC');
    return { structured: { seconds: v.unixSeconds, nanos: v.nanos }, text: `${v.unixSeconds}.${String(v.nanos).padStart(9, '0')}` };
  },
});

const getNanos = defineTool({
  name: 'get_nanos',
  hot: true,
  title: 'Unix time in nanoseconds',
  description: 'Nanoseconds since the Unix epoch as a decimal string (the value exceeds 2^53, so a JSON number would round it). Digits below the millisecond come from the monotonic clock anchored to the system clock.',
  input: z.strictObject({}),
  output: z.object({ nanos: z.string().regex(/^-?\d+$/) }),
  async run(_args, ctx) {
    const ns = ctx.nowNs().toString();
    return { structured: { nanos: ns }, text: ns };
  },
});

const getTimeFormatted = defineTool({
  name: 'get_time_formatted',
  title: 'Current time, formatted',
  description: `The current time formatted with C strftime conversions (C/POSIX locale, zone data from the system tz database). Supported: ${describeFormats()}. Any other conversion is an error naming it.`,
  input: z.strictObject({
    format: z.string().min(1).max(256).describe('strftime format, e.g. "%Y-%m-%d %H:%M:%S.%N %Z"'),
    timezone: TIMEZONE_ARG.optional().describe('IANA zone to format in; default UTC'),
  }),
  output: z.object({ formatted: z.string(), format: z.string(), zone: z.string() }),
  async run(args, ctx) {
    const v = instant(ctx.nowNs(), args.timezone ?? 'UTC');
    try {
      const formatted = strftime(args.format, v);
      return { structured: { formatted, format: args.format, zone: v.zone }, text: formatted };
    } catch (err) {
      if (err instanceof UnknownSpecifier) throw new ToolFailure(err.message);
      throw err;
    }
  },
});

const getTimeWithTimezone = defineTool({
  name: 'get_time_with_timezone',
  title: 'Current time in a time zone',
  description:
    'The current time in an IANA time zone, from the system tz database (/usr/share/zoneinfo, as date, zdump and Python read it): local date and time, UTC offset, the abbreviation and the DST flag exactly as the database has them. Old names (aliases such as Europe/Kiev) are accepted and the answer names the zone they resolve to. RFC 3339 / RFC 2822 offsets are whole minutes: for a local-mean-time offset with seconds those fields show the same instant at the rounded offset, and offsetNote says so.',
  input: z.strictObject({ timezone: TIMEZONE_ARG }),
  output: instantSchema,
  async run(args, ctx) {
    const v = instant(ctx.nowNs(), args.timezone);
    const alias = v.alias ? ` [${v.alias} is an alias of ${v.zone}]` : '';
    return { structured: v, text: `${v.iso8601} ${v.zone} (${v.abbreviation}, UTC${v.utcOffset}${v.dst ? ', daylight saving time' : ''})${alias}` };
  },
});

const listTimezones = defineTool({
  name: 'list_timezones',
  title: 'List time zones',
  description:
    'Current IANA time zone names in the system tz database (tzdata.zi), optionally filtered by a case-insensitive substring (e.g. "america", "kyiv"). Old names are not listed as zones but as aliases, each with the zone it resolves to (e.g. Europe/Kiev → Europe/Kyiv); every tool accepts them.',
  input: z.strictObject({ filter: z.string().max(64).optional().describe('case-insensitive substring') }),
  output: z.object({
    count: z.number().int(),
    timezones: z.array(z.string()),
    aliases: z.array(z.object({ alias: z.string(), zone: z.string() })).describe('alias names matching the filter and the zone each resolves to'),
  }),
  async run(args) {
    let zones: string[];
    let aliases: { alias: string; zone: string }[];
    try {
      zones = listZones(args.filter);
      aliases = listAliases(args.filter);
    } catch (err) {
      if (err instanceof TimeZoneDataError) throw new ToolFailure(err.message);
      throw err;
    }
    const aliasText = aliases.length === 0 ? '' : `; aliases: ${aliases.slice(0, 20).map((a) => `${a.alias} → ${a.zone}`).join(', ')}${aliases.length > 20 ? ', …' : ''}`;
    const text =
      zones.length === 0 && aliases.length === 0
        ? `no time zone matches "${args.filter}"`
        : `${zones.length} zones: ${zones.slice(0, 50).join(', ')}${zones.length > 50 ? ', …' : ''}${aliasText}`;
    return { structured: { count: zones.length, timezones: zones, aliases }, text };
  },
});

const convert = defineTool({
  name: 'convert_time',
  title: 'Convert a time between zones',
  description:
    'Converts a timestamp to another IANA zone (zone data from the system tz database; old names such as Europe/Kiev are accepted and resolved). Accepts Unix seconds (a fraction allowed), milliseconds, microseconds or nanoseconds (told apart by magnitude; send nanoseconds as a string), or ISO 8601. An ISO time without an offset is a wall time in from_timezone (default UTC); if that wall time is ambiguous (clocks went back) or nonexistent (clocks went forward) the answer says so and lists both candidates instead of guessing.',
  input: z.strictObject({
    timestamp: z.union([z.string().min(1).max(64), z.number()]).describe('Unix s/ms/µs/ns, or ISO 8601 such as "2026-11-01T01:30:00"'),
    to_timezone: TIMEZONE_ARG,
    from_timezone: TIMEZONE_ARG.optional().describe('zone of an ISO wall time without an offset; default UTC'),
  }),
  output: z.object({
    status: z.enum(['ok', 'ambiguous', 'nonexistent']),
    interpretedAs: z.string(),
    result: z.object({ source: instantSchema, target: instantSchema }).nullable(),
    candidates: z.array(candidateSchema),
    gapSeconds: z.number().int().nullable(),
  }),
  async run(args) {
    return convertTime(args.timestamp, args.to_timezone, args.from_timezone);
  },
});

export const timeTools = [getTime, getUnixTime, getNanos, getTimeFormatted, getTimeWithTimezone, listTimezones, convert];
