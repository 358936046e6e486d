import { withChecksum } from '../../src/lib/nmea-checksum.js';
import type { Prng } from './prng.js';

/**
 * Valid, fully populated NMEA sentences with random values, for differential and fuzz
 * tests. Values are generated first and formatted second, so a test knows what each
 * sentence says.
 */
export interface Values {
  hour: number;
  minute: number;
  second: number;
  centis: number;
  day: number;
  month: number;
  year: number;
  lat: number; // degrees, signed
  lon: number;
  alt: number;
  geoid: number;
  sats: number;
  hdop: number;
  pdop: number;
  vdop: number;
  speedKnots: number;
  track: number;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

export function randomValues(r: Prng): Values {
  return {
    hour: r.int(0, 23),
    minute: r.int(0, 59),
    second: r.int(0, 59),
    centis: r.int(0, 99),
    day: r.int(1, 28),
    month: r.int(1, 12),
    year: r.int(1990, 2079),
    lat: (r.next() * 2 - 1) * 89.9,
    lon: (r.next() * 2 - 1) * 179.9,
    alt: Math.round((r.next() * 3000 - 100) * 10) / 10,
    geoid: Math.round((r.next() * 200 - 100) * 10) / 10,
    sats: r.int(4, 24),
    hdop: Math.round((0.5 + r.next() * 5) * 10) / 10,
    pdop: Math.round((0.8 + r.next() * 6) * 10) / 10,
    vdop: Math.round((0.6 + r.next() * 5) * 10) / 10,
    speedKnots: Math.round(r.next() * 1000) / 10,
    track: Math.round(r.next() * 3599) / 10,
  };
}

/** ddmm.mmmm / dddmm.mmmm with the given decimals, and the hemisphere. */
export function degMin(v: number, degDigits: 2 | 3, decimals: number): [string, string] {
  const a = Math.abs(v);
  let deg = Math.floor(a);
  let min = Number(((a - deg) * 60).toFixed(decimals));
  if (min >= 60) {
    deg += 1;
    min = 0;
  }
  const hemi = degDigits === 2 ? (v < 0 ? 'S' : 'N') : v < 0 ? 'W' : 'E';
  return [pad(deg, degDigits) + min.toFixed(decimals).padStart(decimals + 3, '0'), hemi];
}

/** The value a ddmm.mmmm field really holds (what a decoder must return). */
export function degMinValue(field: string, hemi: string): number {
  const dot = field.indexOf('.');
  const v = Number(field.slice(0, dot - 2)) + Number(field.slice(dot - 2)) / 60;
  return hemi === 'S' || hemi === 'W' ? -v : v;
}

export function hhmmss(v: Values): string {
  return `${pad(v.hour, 2)}${pad(v.minute, 2)}${pad(v.second, 2)}.${pad(v.centis, 2)}`;
}

export function ddmmyy(v: Values): string {
  return `${pad(v.day, 2)}${pad(v.month, 2)}${pad(v.year % 100, 2)}`;
}

export function sentenceBodies(v: Values, talker = 'GP', decimals = 5): Record<string, string> {
  const [la, ns] = degMin(v.lat, 2, decimals);
  const [lo, ew] = degMin(v.lon, 3, decimals);
  const t = hhmmss(v);
  return {
    GGA: `${talker}GGA,${t},${la},${ns},${lo},${ew},1,${pad(v.sats, 2)},${v.hdop.toFixed(1)},${v.alt.toFixed(1)},M,${v.geoid.toFixed(1)},M,,`,
    RMC: `${talker}RMC,${t},A,${la},${ns},${lo},${ew},${v.speedKnots.toFixed(1)},${v.track.toFixed(1)},${ddmmyy(v)},,,A`,
    GLL: `${talker}GLL,${la},${ns},${lo},${ew},${t},A,A`,
    VTG: `${talker}VTG,${v.track.toFixed(1)},T,,M,${v.speedKnots.toFixed(1)},N,${(v.speedKnots * 1.852).toFixed(1)},K,A`,
    GSA: `${talker}GSA,A,3,${[2, 5, 7, 9, 13, 17, 20, 28].slice(0, Math.min(8, v.sats)).map((n) => pad(n, 2)).join(',')}${',' .repeat(12 - Math.min(8, v.sats))},${v.pdop.toFixed(1)},${v.hdop.toFixed(1)},${v.vdop.toFixed(1)}`,
    ZDA: `${talker}ZDA,${t},${pad(v.day, 2)},${pad(v.month, 2)},${v.year},00,00`,
    GST: `${talker}GST,${t},1.2,3.4,2.1,45.0,2.5,3.1,4.8`,
    GSV: `${talker}GSV,1,1,04,05,${pad(v.sats, 2)},123,40,12,45,234,38,19,70,010,44,25,05,300,21`,
  };
}

export function sentences(v: Values, talker = 'GP', decimals = 5): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, b] of Object.entries(sentenceBodies(v, talker, decimals))) out[k] = withChecksum(b);
  return out;
}
