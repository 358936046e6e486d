import { z } from 'zod';

/** Output schemas shared by the time tools: what describeInstant and qualityFrom return. */

export const calendarSchema = z.object({
  year: z.number().int(),
  month: z.number().int(),
  day: z.number().int(),
  hour: z.number().int(),
  minute: z.number().int(),
  second: z.number().int(),
  nanosecond: z.number().int(),
  weekday: z.string(),
  weekdayNumber: z.number().int().describe('ISO 8601: Monday 1 … Sunday 7'),
  dayOfYear: z.number().int(),
  isoWeek: z.number().int(),
  isoWeekYear: z.number().int(),
  monthName: z.string(),
});

export const instantSchema = z.object({
  zone: z.string().describe('IANA time zone (canonical name from the system tz database; "UTC" for UTC)'),
  alias: z.string().nullable().describe('the alias the caller gave when it is not the zone\'s own name (e.g. "Europe/Kiev" for Europe/Kyiv), else null'),
  unixSeconds: z.number().int(),
  nanos: z.number().int().describe('nanoseconds within the second'),
  unixNs: z.string().describe('nanoseconds since the Unix epoch, exact (a string: it exceeds 2^53)'),
  utcOffset: z.string().describe('±hh:mm, or ±hh:mm:ss for a local-mean-time offset with seconds'),
  utcOffsetSeconds: z.number().int(),
  dst: z.boolean().describe('the tz database\'s isdst flag (Ireland\'s winter GMT is isdst; Morocco\'s Ramadan +00 is standard time)'),
  abbreviation: z.string().describe('the tz database abbreviation: CET, EDT, IST, -03, LMT'),
  iso8601: z.string().describe('local time with nanoseconds and the exact offset'),
  rfc3339: z.string().describe('whole seconds; when the offset has seconds (LMT) the same instant is written at the offset rounded to the minute'),
  rfc2822: z.string().describe('e.g. "Sun, 01 Nov 2026 01:30:00 -0400"; rounded offset as for rfc3339'),
  offsetNote: z.string().nullable().describe('set when rfc3339/rfc2822 use a rounded offset, saying so'),
  calendar: calendarSchema,
});

export const qualitySchema = z.object({
  daemon: z.enum(['up', 'down']),
  synced: z.boolean().nullable(),
  timekeeper: z.enum(['chrony', 'ntpsec', 'none', 'unknown']),
  source: z.string().nullable(),
  stratum: z.number().nullable(),
  estimatedErrorS: z.number().nullable().describe('bound on the clock error, seconds (chronyc tracking)'),
  leap: z.string().nullable(),
  note: z.string(),
});

export const candidateSchema = z.object({
  meaning: z.string(),
  utcOffsetSeconds: z.number().int(),
  source: instantSchema,
  target: instantSchema,
});

export const TIMEZONE_ARG = z.string().min(1).max(64).describe('IANA time zone name, e.g. "Europe/Berlin" (list_timezones shows them)');
