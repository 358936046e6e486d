/**
 * Time zones through the platform's IANA database (Intl, ECMA-402): no tz data of our own,
 * so the answers follow the tzdata that Node ships. Offsets are found by asking Intl for the
 * wall-clock fields of an instant and comparing them with UTC, which works for every zone
 * Intl knows, including historical offsets that are not whole minutes.
 */

export class UnknownTimeZone extends Error {
  constructor(readonly zone: string) {
    super(`unknown time zone "${zone}": use an IANA name such as "Europe/Berlin" or "America/New_York" (list_timezones shows them)`);
    this.name = 'UnknownTimeZone';
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function fieldsFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      throw new UnknownTimeZone(zone);
    }
    // Bounded: zone names come from callers; a few hundred real ones exist.
    if (formatters.size > 1000) formatters.clear();
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's canonical IANA name ("utc" → "UTC"); throws UnknownTimeZone. */
export function canonicalZone(zone: string): string {
  return fieldsFormatter(zone).resolvedOptions().timeZone;
}

/** UTC offset in seconds (east positive) in `zone` at the instant `epochMs`. */
export function offsetSecondsAt(zone: string, epochMs: number): number {
  const wholeS = Math.floor(epochMs / 1000);
  const parts = fieldsFormatter(zone).formatToParts(new Date(wholeS * 1000));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const era = parts.find((p) => p.type === 'era')?.value;
  const year = era === 'BC' || era === 'B' ? 1 - get('year') : get('year');
  const asUtc = Date.UTC(year, get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  // Date.UTC maps years 0-99 to 1900-1999; repair that for the (rare) ancient instant.
  const fixed = year >= 0 && year < 100 ? new Date(asUtc).setUTCFullYear(year) : asUtc;
  return Math.round((fixed - wholeS * 1000) / 1000);
}

/**
 * Daylight saving in effect: the offset is above the year's standard (smallest) offset,
 * taken from mid-January and mid-July so that both hemispheres are covered. tzdata's
 * negative DST (Europe/Dublin's winter) reaches Intl as summer +1, so it reads as usual.
 */
export function isDstAt(zone: string, epochMs: number): boolean {
  const year = new Date(epochMs).getUTCFullYear();
  const jan = offsetSecondsAt(zone, Date.UTC(year, 0, 15));
  const jul = offsetSecondsAt(zone, Date.UTC(year, 6, 15));
  return jan !== jul && offsetSecondsAt(zone, epochMs) > Math.min(jan, jul);
}

/**
 * The zone's short name at that instant ("EST", "CEST", "IST"), or "GMT+9" where none is in
 * common use. CLDR gives a metazone abbreviation only in locales where it is customary
 * (CEST in en-GB, AEST in en-AU, IST in en-IN), so we ask those English locales in turn.
 */
const ABBREVIATION_LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-IN', 'en-NZ'];
const abbreviationFormatters = new Map<string, Intl.DateTimeFormat>();

export function zoneAbbreviation(zone: string, epochMs: number): string {
  const name = canonicalZone(zone);
  let fallback = zone;
  for (const locale of ABBREVIATION_LOCALES) {
    const key = `${locale}|${name}`;
    let f = abbreviationFormatters.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat(locale, { timeZone: name, timeZoneName: 'short' });
      if (abbreviationFormatters.size > 5000) abbreviationFormatters.clear();
      abbreviationFormatters.set(key, f);
    }
    const v = f.formatToParts(new Date(epochMs)).find((p) => p.type === 'timeZoneName')?.value;
    if (!v) continue;
    if (!/^(GMT|UTC)[+-−]/.test(v)) return v;
    if (fallback === zone) fallback = v;
  }
  return fallback;
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

/** Every IANA zone Intl supports (plus UTC), optionally filtered by a case-insensitive substring. */
export function listZones(filter?: string): string[] {
  const all = new Set<string>(Intl.supportedValuesOf('timeZone'));
  all.add('UTC');
  const needle = filter?.trim().toLowerCase();
  return [...all].filter((z) => !needle || z.toLowerCase().includes(needle)).sort();
}
