import type { LocalTimeType } from './posix-tz.js';
import { systemTzDatabase, type TzDatabase } from './tz-database.js';

/**
 * Time zones as the operating system's tz database has them (see tz-database.ts): offsets,
 * abbreviations and the DST flag are read from the zone's TZif file, never computed from
 * Node's bundled ICU data or guessed. Functions take an optional database so that tests can
 * point them at fixtures; the default is the system's.
 */

export { TimeZoneDataError, UnknownTimeZone } from './tz-database.js';

/** The zone's canonical name ("utc" → "UTC", "Europe/Kiev" → "Europe/Kyiv"); throws UnknownTimeZone. */
export function canonicalZone(zone: string, db: TzDatabase = systemTzDatabase()): string {
  return db.resolveName(zone).name;
}

/** Offset, isdst flag and abbreviation in `zone` at Unix second `unixSeconds`, exactly as the TZif file says. */
export function localTypeAt(zone: string, unixSeconds: number, db: TzDatabase = systemTzDatabase()): LocalTimeType {
  return db.zone(zone).typeAt(unixSeconds);
}

/** UTC offset in seconds (east positive) in `zone` at the instant `epochMs`. */
export function offsetSecondsAt(zone: string, epochMs: number, db?: TzDatabase): number {
  return localTypeAt(zone, Math.floor(epochMs / 1000), db).utoff;
}

/**
 * Daylight saving in effect: the TZif isdst flag. It is the tz database's own statement, so
 * Ireland's winter (GMT, isdst=1: "negative DST", summer IST is the standard time), Morocco's
 * Ramadan months and historical double summer times read as the database means them.
 */
export function isDstAt(zone: string, epochMs: number, db?: TzDatabase): boolean {
  return localTypeAt(zone, Math.floor(epochMs / 1000), db).isdst;
}

/** The tz database's abbreviation ("EST", "IST", "-03", "LMT"). */
export function zoneAbbreviation(zone: string, epochMs: number, db?: TzDatabase): string {
  return localTypeAt(zone, Math.floor(epochMs / 1000), db).abbr;
}

/** "+05:30", "-04:00", "+00:00"; seconds appended only when a historical offset has them. */
export function formatOffset(offsetS: number, colon = true): string {
  const sign = offsetS < 0 ? '-' : '+';
  const a = Math.abs(offsetS);
  const hh = String(Math.floor(a / 3600)).padStart(2, '0');
  const mm = String(Math.floor((a % 3600) / 60)).padStart(2, '0');
  const ss = a % 60;
  const sep = colon ? ':' : '';
  return `${sign}${hh}${sep}${mm}${ss ? `${sep}${String(ss).padStart(2, '0')}` : ''}`;
}

/** Current zone names (plus UTC), optionally filtered by a case-insensitive substring. */
export function listZones(filter?: string, db: TzDatabase = systemTzDatabase()): string[] {
  return db.list(filter).zones;
}

/** Aliases (old or alternative names) matching the filter, with the zone each resolves to. */
export function listAliases(filter?: string, db: TzDatabase = systemTzDatabase()): { alias: string; zone: string }[] {
  return db.list(filter).aliases;
}
