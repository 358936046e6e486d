import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalTimeType } from './posix-tz.js';
import { parseTzif, type Tzif, typeAt, TzifError } from './tzif.js';

/**
 * The system's tz database: the same TZif files under /usr/share/zoneinfo (or $TZDIR) that
 * glibc, `date`, `zdump`, chrony's `leapsectz` and Python's `zoneinfo` read, so a zone's
 * offsets, abbreviations and DST flags are what the operating system says, and a tzdata
 * upgrade reaches us without a Node upgrade.
 *
 * Names: `tzdata.zi` (the compact zic input Debian and most distributions install) lists
 * every zone (`Z name …`) and every alias (`L target alias`); without it, `zone1970.tab` /
 * `zone.tab` give the zone names and any file under the root that is TZif is accepted as
 * given. Lookup is case-insensitive ("utc", "europe/kyiv"); an alias resolves to its zone
 * and the answer says so.
 *
 * One exception to "the canonical name is the Z line": tzdata makes `UTC` a link to
 * `Etc/UTC`, but "UTC" is what people type and what RFC 3339 says, so the zone is shown and
 * listed as `UTC` (Etc/UTC and the other UTC aliases resolve to it).
 */

export class UnknownTimeZone extends Error {
  constructor(
    readonly zone: string,
    detail = '',
  ) {
    super(`unknown time zone "${zone}"${detail}: use an IANA name such as "Europe/Berlin" or "America/New_York" (list_timezones shows them)`);
    this.name = 'UnknownTimeZone';
  }
}

/** The zone data on disk cannot be read or is corrupt: the operator's problem, reported plainly. */
export class TimeZoneDataError extends Error {
  override name = 'TimeZoneDataError';
}

export interface ZoneName {
  /** The zone's name as we show it (canonical). */
  name: string;
  /** What the caller asked for, exactly as given. */
  requested: string;
  /** The alias the caller used (its canonical spelling), when it was not the zone's own name; else null. */
  alias: string | null;
}

export interface ResolvedZone extends ZoneName {
  typeAt(unixSeconds: number): LocalTimeType;
}

export interface TzDatabaseOptions {
  /** Directory of TZif files; default $TZDIR or /usr/share/zoneinfo. */
  root?: string;
  /** Parsed zones kept in memory (least recently used go first). */
  maxCached?: number;
  /** After this long a cached file or name index is checked against the disk again (a tzdata upgrade). */
  recheckMs?: number;
  nowMs?: () => number;
}

const DISPLAY: Record<string, string> = { 'Etc/UTC': 'UTC' };
const FILE_OF: Record<string, string> = { UTC: 'Etc/UTC' };
/** Not places: "Factory" is zic's placeholder zone (abbreviation -00); accepted, not listed. */
const UNLISTED = new Set(['Factory']);
/** Trees of the same zones in other time scales or formats; never valid zone names here. */
const FOREIGN_TREES = /^(right|posix)\//i;
const NAME_SHAPE = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;
/** A UTC that needs no file, so that get_time works on a system without tzdata. */
const BUILTIN_UTC: LocalTimeType = { utoff: 0, isdst: false, abbr: 'UTC' };

interface NameIndex {
  /** lower-case name → canonical display name, for zones and aliases alike */
  lookup: Map<string, string>;
  /** lower-case alias → its own spelling */
  aliasSpelling: Map<string, string>;
  zones: string[];
  aliases: { alias: string; zone: string }[];
  /** true when the names came from tzdata.zi: then a name it does not list is unknown */
  authoritative: boolean;
  stamp: string;
  checkedAt: number;
}

interface CachedZone {
  tzif: Tzif;
  stamp: string;
  checkedAt: number;
}

export class TzDatabase {
  readonly root: string;
  readonly #maxCached: number;
  readonly #recheckMs: number;
  readonly #now: () => number;
  #index: NameIndex | null = null;
  readonly #zones = new Map<string, CachedZone>();

  constructor(opts: TzDatabaseOptions = {}) {
    this.root = opts.root ?? (process.env.TZDIR || '/usr/share/zoneinfo');
    this.#maxCached = opts.maxCached ?? 64;
    this.#recheckMs = opts.recheckMs ?? 600_000;
    this.#now = opts.nowMs ?? Date.now;
  }

  /** The zone's canonical name for what the caller typed; throws UnknownTimeZone. */
  resolveName(requested: string): ZoneName {
    const given = requested.trim();
    if (!NAME_SHAPE.test(given) || given.split('/').some((p) => p === '.' || p === '..') || FOREIGN_TREES.test(given)) {
      throw new UnknownTimeZone(requested);
    }
    const idx = this.#names();
    const lower = given.toLowerCase();
    const hit = idx.lookup.get(lower);
    if (hit) {
      const alias = idx.aliasSpelling.get(lower);
      return { name: hit, requested, alias: alias ?? null };
    }
    if (lower === 'utc') return { name: 'UTC', requested, alias: null };
    // Without a name list, a file that is TZif is a zone under the name given.
    if (!idx.authoritative && this.#fileStamp(given) !== null) return { name: given, requested, alias: null };
    throw new UnknownTimeZone(requested);
  }

  /** The zone behind a name or alias, ready to answer for any instant. */
  zone(requested: string): ResolvedZone {
    const n = this.resolveName(requested);
    let tzif: Tzif | null;
    try {
      tzif = this.#load(n.name);
    } catch (err) {
      // Without a name list, "a file that is not TZif" just means "not a zone".
      if (err instanceof TimeZoneDataError && !this.#names().authoritative) throw new UnknownTimeZone(requested);
      throw err;
    }
    return { ...n, typeAt: tzif ? (t: number) => typeAt(tzif, t) : () => BUILTIN_UTC };
  }

  /** Current zone names (sorted) and the aliases, both filtered by a case-insensitive substring. */
  list(filter?: string): { zones: string[]; aliases: { alias: string; zone: string }[] } {
    const idx = this.#names();
    const needle = filter?.trim().toLowerCase() ?? '';
    return {
      zones: idx.zones.filter((z) => z.toLowerCase().includes(needle)),
      aliases: idx.aliases.filter((a) => a.alias.toLowerCase().includes(needle)),
    };
  }

  #fileStamp(name: string): string | null {
    try {
      const st = statSync(join(this.root, FILE_OF[name] ?? name));
      return st.isFile() ? `${st.size}:${st.mtimeMs}:${st.ino}` : null;
    } catch {
      return null;
    }
  }

  /** Parsed TZif for a canonical name; null only for UTC when the system has no file for it. */
  #load(name: string): Tzif | null {
    const now = this.#now();
    const cached = this.#zones.get(name);
    if (cached && now - cached.checkedAt < this.#recheckMs) {
      this.#zones.delete(name); // re-insert: Map order is our LRU order
      this.#zones.set(name, cached);
      return cached.tzif;
    }
    const stamp = this.#fileStamp(name);
    if (stamp === null) {
      if (name === 'UTC') return null;
      throw new TimeZoneDataError(`time zone "${name}" is listed but ${join(this.root, FILE_OF[name] ?? name)} cannot be read`);
    }
    let tzif = cached && cached.stamp === stamp ? cached.tzif : null;
    if (!tzif) {
      const path = join(this.root, FILE_OF[name] ?? name);
      try {
        tzif = parseTzif(readFileSync(path));
      } catch (err) {
        if (err instanceof TzifError) throw new TimeZoneDataError(`${path}: ${err.message}`);
        throw new TimeZoneDataError(`${path}: ${(err as Error).message}`);
      }
    }
    this.#zones.delete(name);
    this.#zones.set(name, { tzif, stamp, checkedAt: now });
    while (this.#zones.size > this.#maxCached) this.#zones.delete(this.#zones.keys().next().value as string);
    return tzif;
  }

  #names(): NameIndex {
    const now = this.#now();
    const cur = this.#index;
    if (cur && now - cur.checkedAt < this.#recheckMs) return cur;
    const stamp = ['tzdata.zi', 'zone1970.tab', 'zone.tab'].map((f) => this.#fileStamp(f) ?? '-').join('|');
    if (cur && cur.stamp === stamp) {
      cur.checkedAt = now;
      return cur;
    }
    this.#index = this.#readNames(stamp, now);
    return this.#index;
  }

  #read(file: string): string | null {
    try {
      return readFileSync(join(this.root, file), 'utf8');
    } catch {
      return null;
    }
  }

  #readNames(stamp: string, now: number): NameIndex {
    const zoneSet = new Set<string>();
    const links: [string, string][] = []; // [alias, target]
    const zi = this.#read('tzdata.zi');
    if (zi !== null) {
      for (const line of zi.split('\n')) {
        const f = line.trim().split(/\s+/);
        if (f[0] === 'Z' && f[1]) zoneSet.add(f[1]);
        else if (f[0] === 'L' && f[1] && f[2]) links.push([f[2], f[1]]);
      }
    } else {
      for (const tab of ['zone1970.tab', 'zone.tab']) {
        for (const line of (this.#read(tab) ?? '').split('\n')) {
          if (line.startsWith('#')) continue;
          const name = line.split('\t')[2];
          if (name) zoneSet.add(name);
        }
      }
    }
    const display = (z: string): string => DISPLAY[z] ?? z;
    const lookup = new Map<string, string>();
    const aliasSpelling = new Map<string, string>();
    for (const z of zoneSet) lookup.set(z.toLowerCase(), display(z));
    for (const z of Object.keys(DISPLAY)) {
      if (zoneSet.has(z)) aliasSpelling.set(z.toLowerCase(), z);
    }
    const aliases: { alias: string; zone: string }[] = [];
    for (const [alias, target0] of links) {
      // Links may chain in principle (zic allows a link to a link); follow them to a zone.
      let target = target0;
      for (let hops = 0; !zoneSet.has(target) && hops < 8; hops++) target = links.find(([a]) => a === target)?.[1] ?? target;
      if (!zoneSet.has(target)) continue;
      const shown = display(target);
      if (alias === shown) continue; // "UTC" is itself the shown name of Etc/UTC
      lookup.set(alias.toLowerCase(), shown);
      aliasSpelling.set(alias.toLowerCase(), alias);
      aliases.push({ alias, zone: shown });
    }
    const zones = [...zoneSet].filter((z) => !UNLISTED.has(z)).map(display);
    if (!zones.includes('UTC')) {
      zones.push('UTC');
      lookup.set('utc', 'UTC');
    }
    zones.sort();
    aliases.sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0));
    // Only tzdata.zi names every zone and alias; the zone tables leave out Etc/*, aliases and
    // legacy names, so with them alone any TZif file under the root is still accepted.
    return { lookup, aliasSpelling, zones, aliases, authoritative: zi !== null && zoneSet.size > 0, stamp, checkedAt: now };
  }
}

let shared: TzDatabase | null = null;

/** The process-wide database over $TZDIR or /usr/share/zoneinfo. */
export function systemTzDatabase(): TzDatabase {
  shared ??= new TzDatabase();
  return shared;
}
