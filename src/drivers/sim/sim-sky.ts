import { fixed, zeroPadded } from './nmea-fields.js';

export type GnssSystem = 'GPS' | 'GLONASS' | 'Galileo';
export type NmeaVersion = '2.3' | '4.10';

export interface SimSatellite {
  system: GnssSystem;
  /** The constellation's own number: GPS PRN 1-32, GLONASS slot 1-24, Galileo 1-36. */
  svid: number;
  el: number; // degrees
  az: number; // degrees
  /** C/N0 in dB-Hz; null when in view (from the almanac) but not tracked. */
  snr: number | null;
  used: boolean;
}

export interface Dop {
  pdop: number;
  hdop: number;
  vdop: number;
}

interface SystemNmea {
  gsvTalker: string;
  /** NMEA 4.10 GSA system id (table "GNSS System ID"). */
  systemId: number;
  /** NMEA 4.10 GSV signal id of the civil L1/E1 signal: GPS L1 C/A 1, GLONASS L1 OF 1, Galileo E1 7. */
  signalId: number;
}

const SYSTEMS: Record<GnssSystem, SystemNmea> = {
  GPS: { gsvTalker: 'GP', systemId: 1, signalId: 1 },
  GLONASS: { gsvTalker: 'GL', systemId: 2, signalId: 1 },
  Galileo: { gsvTalker: 'GA', systemId: 3, signalId: 7 },
};

const ORDER: GnssSystem[] = ['GPS', 'GLONASS', 'Galileo'];

/**
 * The satellite number printed in GSA/GSV, or null when the dialect has none.
 * GLONASS is 64 + slot in every version (NMEA 0183 reserves 65-96 for it). Galileo has
 * numbers only from NMEA 4.10 on (1-36 under the GA talker); a u-blox in NMEA 2.3/4.0
 * "strict" numbering leaves Galileo out of GSA and GSV altogether.
 */
export function nmeaSatId(sat: SimSatellite, version: NmeaVersion): number | null {
  switch (sat.system) {
    case 'GPS':
      return sat.svid;
    case 'GLONASS':
      return 64 + sat.svid;
    case 'Galileo':
      return version === '4.10' ? sat.svid : null;
  }
}

/** A plausible mid-latitude sky: 8 GPS, 4 GLONASS, 4 Galileo, most of them used. */
export const DEFAULT_SKY: readonly SimSatellite[] = [
  { system: 'GPS', svid: 2, el: 67, az: 41, snr: 44, used: true },
  { system: 'GPS', svid: 5, el: 48, az: 126, snr: 42, used: true },
  { system: 'GPS', svid: 12, el: 33, az: 290, snr: 39, used: true },
  { system: 'GPS', svid: 13, el: 21, az: 205, snr: 36, used: true },
  { system: 'GPS', svid: 15, el: 55, az: 164, snr: 45, used: true },
  { system: 'GPS', svid: 18, el: 12, az: 318, snr: 30, used: true },
  { system: 'GPS', svid: 24, el: 8, az: 72, snr: 24, used: false },
  { system: 'GPS', svid: 29, el: 40, az: 250, snr: null, used: false },
  { system: 'GLONASS', svid: 1, el: 52, az: 100, snr: 40, used: true },
  { system: 'GLONASS', svid: 8, el: 27, az: 30, snr: 35, used: true },
  { system: 'GLONASS', svid: 15, el: 61, az: 220, snr: 41, used: true },
  { system: 'GLONASS', svid: 23, el: 5, az: 345, snr: null, used: false },
  { system: 'Galileo', svid: 3, el: 44, az: 80, snr: 38, used: true },
  { system: 'Galileo', svid: 11, el: 29, az: 150, snr: 37, used: true },
  { system: 'Galileo', svid: 24, el: 70, az: 270, snr: 43, used: true },
  { system: 'Galileo', svid: 36, el: 15, az: 10, snr: 28, used: false },
];

type Numbered = SimSatellite & { id: number };

function numbered(sats: readonly SimSatellite[], version: NmeaVersion): Numbered[] {
  const out: Numbered[] = [];
  for (const s of sats) {
    const id = nmeaSatId(s, version);
    if (id !== null) out.push({ ...s, id });
  }
  return out;
}

/**
 * GSA bodies (without `$` and checksum). One per constellation under the GN talker,
 * as multi-GNSS receivers print them; a single one under GP. At most 12 ids each
 * (the sentence has 12 slots). With no fix: mode 1, no ids, DOPs 99.99 (u-blox).
 */
export function gsaBodies(opts: {
  talker: string;
  version: NmeaVersion;
  sats: readonly SimSatellite[];
  dop: Dop;
  fix: boolean;
}): string[] {
  const sats = numbered(opts.sats, opts.version);
  const groups: { system: GnssSystem | null; sats: Numbered[] }[] =
    opts.talker === 'GN'
      ? ORDER.filter((sys) => sats.some((s) => s.system === sys)).map((system) => ({
          system,
          sats: sats.filter((s) => s.system === system),
        }))
      : [{ system: null, sats }];
  if (groups.length === 0) groups.push({ system: opts.talker === 'GN' ? 'GPS' : null, sats: [] });
  return groups.map(({ system, sats: group }) => {
    const used = opts.fix ? group.filter((s) => s.used).slice(0, 12).map((s) => zeroPadded(s.id, 2)) : [];
    const slots = [...used, ...Array<string>(12 - used.length).fill('')];
    const dops = opts.fix
      ? [fixed(opts.dop.pdop, 2), fixed(opts.dop.hdop, 2), fixed(opts.dop.vdop, 2)]
      : ['99.99', '99.99', '99.99'];
    const fields = [`${opts.talker}GSA`, 'A', opts.fix ? '3' : '1', ...slots, ...dops];
    if (opts.version === '4.10') fields.push(String(SYSTEMS[system ?? 'GPS'].systemId));
    return fields.join(',');
  });
}

/**
 * GSV bodies: per constellation under its own talker (GP, GL, GA), 4 satellites a
 * sentence; NMEA 4.10 appends the signal id. Without a fix the receiver still lists the
 * satellites it expects from the almanac, untracked (empty C/N0).
 */
export function gsvBodies(opts: { version: NmeaVersion; sats: readonly SimSatellite[]; fix: boolean }): string[] {
  const sats = numbered(opts.sats, opts.version);
  const bodies: string[] = [];
  for (const system of ORDER) {
    const group = sats.filter((s) => s.system === system);
    if (group.length === 0) continue;
    bodies.push(...gsvGroup(SYSTEMS[system], group, opts.version, opts.fix));
  }
  if (bodies.length === 0) {
    bodies.push(['GPGSV', '1', '1', '00', ...(opts.version === '4.10' ? ['1'] : [])].join(','));
  }
  return bodies;
}

function gsvGroup(sys: SystemNmea, group: Numbered[], version: NmeaVersion, fix: boolean): string[] {
  const total = Math.ceil(group.length / 4);
  const out: string[] = [];
  for (let i = 0; i < total; i++) {
    const fields = [`${sys.gsvTalker}GSV`, String(total), String(i + 1), zeroPadded(group.length, 2)];
    for (const s of group.slice(i * 4, i * 4 + 4)) {
      fields.push(zeroPadded(s.id, 2), zeroPadded(s.el, 2), zeroPadded(s.az, 3), zeroPadded(fix ? s.snr : null, 2));
    }
    if (version === '4.10') fields.push(String(sys.signalId));
    out.push(fields.join(','));
  }
  return out;
}
