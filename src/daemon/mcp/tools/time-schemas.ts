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
  zone: z.string().describe('IANA time zone'),
  unixSeconds: z.number().int(),
  nanos: z.number().int().describe('nanoseconds within the second'),
  unixNs: z.string().describe('nanoseconds since the Unix epoch, exact (a string: it exceeds 2^53)'),
  utcOffset: z.string(),
  utcOffsetSeconds: z.number().int(),
  dst: z.boolean(),
  abbreviation: z.string(),
  iso8601: z.string(),
  rfc3339: z.string(),
  rfc2822: z.string(),
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
