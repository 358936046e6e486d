import { withChecksum } from '../../lib/nmea-checksum.js';
import { fixed, nmeaDate, nmeaLat, nmeaLon, nmeaTime, nmeaZdaDate } from './nmea-fields.js';
import { DEFAULT_SKY, gsaBodies, gsvBodies } from './sim-sky.js';
import type { Dop, NmeaVersion, SimSatellite } from './sim-sky.js';

export type { Dop, GnssSystem, NmeaVersion, SimSatellite } from './sim-sky.js';

/** What a u-blox antenna supervisor reports in `$GPTXT,01,01,02,ANTSTATUS=...`. */
export type AntennaStatus = 'INIT' | 'OK' | 'OPEN' | 'SHORT';

export interface FixOutage {
  /** Seconds since the simulation started. */
  fromSec: number;
  forSec: number;
  /**
   * Whether the receiver still labels its output with the time while it has no fix (it
   * does once it has held a fix: it keeps time on its own oscillator). False models a
   * cold start: time and date fields empty too. Default true.
   */
  timeValid?: boolean;
}

export interface AntennaChange {
  atSec: number; // seconds since the simulation started
  status: AntennaStatus;
}

export type SentenceType = 'RMC' | 'GGA' | 'GSA' | 'GSV' | 'ZDA';

export interface NmeaGeneratorOptions {
  lat: number; // degrees, + north
  lon: number; // degrees, + east
  altMSL: number; // metres
  geoidSep: number; // metres
  /** Talker of RMC/GGA/GSA/ZDA/TXT: GP for a GPS-only receiver, GN for multi-GNSS. */
  talker: 'GP' | 'GN';
  nmeaVersion: NmeaVersion;
  satellites: readonly SimSatellite[];
  dop: Dop;
  /** In the order a u-blox sends them. */
  sentences: readonly SentenceType[];
  outages: readonly FixOutage[];
  antenna: AntennaStatus;
  antennaChanges: readonly AntennaChange[];
  /** ANTSTATUS TXT every N whole UTC seconds (and on every change); 0: only on changes. */
  txtEverySec: number;
}

export const DEFAULT_GENERATOR_OPTIONS: NmeaGeneratorOptions = {
  lat: 48.1173, // a rooftop in Munich
  lon: 11.5167,
  altMSL: 545.4,
  geoidSep: 46.9,
  talker: 'GN',
  nmeaVersion: '4.10',
  satellites: DEFAULT_SKY,
  dop: { pdop: 1.52, hdop: 0.87, vdop: 1.25 },
  sentences: ['RMC', 'GGA', 'GSA', 'GSV', 'ZDA'],
  outages: [],
  antenna: 'OK',
  antennaChanges: [],
  txtEverySec: 10,
};

/** What the receiver knows at one instant of the simulation. */
interface Condition {
  fix: boolean;
  timeValid: boolean;
  antenna: AntennaStatus;
}

/**
 * A GNSS receiver's NMEA output, one epoch at a time. Pure but for one piece of state:
 * the last antenna status reported, so that a change is announced once.
 */
export class NmeaGenerator {
  readonly options: NmeaGeneratorOptions;
  private lastAntenna: AntennaStatus | null = null;
  /**
   * Fault injection: every time and date label is printed this many ms off the instant it
   * describes (a week-number rollover, an hour jump, GPS time instead of UTC). May change
   * while the receiver runs; the schedule of the epochs does not move.
   */
  labelShiftMs = 0;

  constructor(options: Partial<NmeaGeneratorOptions> = {}) {
    this.options = { ...DEFAULT_GENERATOR_OPTIONS, ...options };
  }

  /** Whether the receiver has a fix `elapsedMs` after the start (false during an outage). */
  condition(elapsedMs: number): Condition {
    const outage = this.options.outages.find(
      (o) => elapsedMs >= o.fromSec * 1000 && elapsedMs < (o.fromSec + o.forSec) * 1000,
    );
    let antenna = this.options.antenna;
    for (const c of [...this.options.antennaChanges].sort((a, b) => a.atSec - b.atSec)) {
      if (c.atSec * 1000 <= elapsedMs) antenna = c.status;
    }
    return { fix: outage === undefined, timeValid: outage?.timeValid ?? true, antenna };
  }

  /**
   * The sentences (with `$` and checksum, without CR LF) for the epoch labelled `utcMs`,
   * `elapsedMs` after the simulation started.
   */
  epoch(utcMs: number, elapsedMs: number): string[] {
    const o = this.options;
    const c = this.condition(elapsedMs);
    utcMs += this.labelShiftMs;
    const bodies: string[] = [];
    for (const type of o.sentences) {
      switch (type) {
        case 'RMC':
          bodies.push(this.rmc(utcMs, c));
          break;
        case 'GGA':
          bodies.push(this.gga(utcMs, c));
          break;
        case 'GSA':
          bodies.push(...gsaBodies({ talker: o.talker, version: o.nmeaVersion, sats: o.satellites, dop: o.dop, fix: c.fix }));
          break;
        case 'GSV':
          bodies.push(...gsvBodies({ version: o.nmeaVersion, sats: o.satellites, fix: c.fix }));
          break;
        case 'ZDA':
          bodies.push(this.zda(utcMs, c));
          break;
      }
    }
    if (this.txtDue(utcMs, c.antenna)) bodies.push(`${o.talker}TXT,01,01,02,ANTSTATUS=${c.antenna}`);
    this.lastAntenna = c.antenna;
    return bodies.map(withChecksum);
  }

  private txtDue(utcMs: number, antenna: AntennaStatus): boolean {
    if (antenna !== this.lastAntenna) return true;
    const every = this.options.txtEverySec;
    return every > 0 && utcMs % 1000 === 0 && (utcMs / 1000) % every === 0;
  }

  private usedCount(c: Condition): number {
    return c.fix ? this.options.satellites.filter((s) => s.used).length : 0;
  }

  /**
   * NMEA 0183 4.10 §RMC: time, status, lat, lon, speed (kn), course, date, magvar, mode,
   * and (4.10 only) navigational status, which u-blox always prints as V.
   */
  private rmc(utcMs: number, c: Condition): string {
    const time = c.timeValid ? nmeaTime(utcMs) : '';
    const date = c.timeValid ? nmeaDate(utcMs) : '';
    const pos = c.fix ? [nmeaLat(this.options.lat), nmeaLon(this.options.lon)] : [',', ','];
    // A stationary timing receiver: ground speed ~0, course undefined (empty).
    const motion = c.fix ? ['0.00', ''] : ['', ''];
    const fields = [`${this.options.talker}RMC`, time, c.fix ? 'A' : 'V', ...pos, ...motion, date, '', '', c.fix ? 'A' : 'N'];
    if (this.options.nmeaVersion === '4.10') fields.push('V');
    return fields.join(',');
  }

  /**
   * GGA: quality 1 (GPS fix) or 0; without a fix u-blox prints 00 satellites and
   * HDOP 99.99 and leaves the rest empty.
   */
  private gga(utcMs: number, c: Condition): string {
    const o = this.options;
    const time = c.timeValid ? nmeaTime(utcMs) : '';
    if (!c.fix) return [`${o.talker}GGA`, time, '', '', '', '', '0', '00', '99.99', '', '', '', '', '', ''].join(',');
    const used = String(Math.min(this.usedCount(c), 99)).padStart(2, '0');
    return [
      `${o.talker}GGA`,
      time,
      nmeaLat(o.lat),
      nmeaLon(o.lon),
      '1',
      used,
      fixed(o.dop.hdop, 2),
      fixed(o.altMSL, 1),
      'M',
      fixed(o.geoidSep, 1),
      'M',
      '', // age of differential corrections
      '', // differential station id
    ].join(',');
  }

  /** ZDA: time, day, month, year, local zone hours and minutes (always 00,00). */
  private zda(utcMs: number, c: Condition): string {
    if (!c.timeValid) return `${this.options.talker}ZDA,,,,,00,00`;
    return `${this.options.talker}ZDA,${nmeaTime(utcMs)},${nmeaZdaDate(utcMs)},00,00`;
  }
}
