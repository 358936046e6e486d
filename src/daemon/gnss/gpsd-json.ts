import type { Fix, GnssId, Sky } from '../core/fix.js';
import { utcToIso } from '../core/utc-time.js';

/**
 * gpsd's JSON reports (gpsd_json(5), "CORE PROTOCOL RESPONSES"), so gpsd clients (cgps,
 * gpsmon, ntpd's JSON driver, client libraries) can read us. Unknown values are left out,
 * never sent as null or 0, and numbers carry the precision gpsd prints them with.
 */

export interface TpvReport {
  class: 'TPV';
  device?: string;
  status?: number;
  mode: 0 | 1 | 2 | 3;
  time?: string;
  leapseconds?: number;
  lat?: number;
  lon?: number;
  altHAE?: number;
  altMSL?: number;
  epv?: number;
  track?: number;
  magvar?: number;
  speed?: number;
  climb?: number;
  geoidSep?: number;
  eph?: number;
  sep?: number;
}

export interface SkySatelliteReport {
  PRN: number;
  gnssid?: GnssId;
  svid?: number;
  sigid?: number;
  az?: number;
  el?: number;
  ss?: number;
  used: boolean;
}

export interface SkyReport {
  class: 'SKY';
  device?: string;
  time?: string;
  hdop?: number;
  pdop?: number;
  vdop?: number;
  nSat?: number;
  uSat?: number;
  satellites?: SkySatelliteReport[];
}

/** gpsd's precision for a value (shared with gpsd-json-text.ts, which must print the same digits). */
export function roundTo(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

function put<T extends object>(o: T, key: keyof T, v: number | null | undefined, decimals: number): void {
  if (v !== null && v !== undefined && Number.isFinite(v)) (o as Record<string, number>)[key as string] = roundTo(v, decimals);
}

export function tpvReport(fix: Fix, device?: string): TpvReport {
  // Key order as gpsd prints it, so diffs against gpsd output stay readable.
  // gpsd_json(5): "the JSON never includes status values of 0 or 1".
  const status = fix.status !== null && fix.status >= 2 ? { status: fix.status } : {};
  const r: TpvReport = { class: 'TPV', ...(device !== undefined ? { device } : {}), ...status, mode: fix.mode };
  if (fix.time) r.time = utcToIso(fix.time);
  if (fix.leapSeconds !== null) r.leapseconds = fix.leapSeconds;
  // Like gpsd, position data is only reported with at least a 2D fix.
  if (fix.mode >= 2) {
    put(r, 'lat', fix.lat, 9);
    put(r, 'lon', fix.lon, 9);
    put(r, 'altHAE', fix.altHAE, 4);
    put(r, 'altMSL', fix.altMSL, 4);
    put(r, 'epv', fix.epv, 3);
    put(r, 'track', fix.track, 4);
    put(r, 'magvar', fix.magvar, 1);
    put(r, 'speed', fix.speed, 3);
    if (fix.mode === 3) put(r, 'climb', fix.climb, 3);
    put(r, 'geoidSep', fix.geoidSep, 3);
    put(r, 'eph', fix.eph, 3);
    put(r, 'sep', fix.sep, 3);
  }
  return r;
}

export function skyReport(sky: Sky, device?: string): SkyReport {
  const r: SkyReport = { class: 'SKY' };
  if (device !== undefined) r.device = device;
  if (sky.time) r.time = utcToIso(sky.time);
  put(r, 'hdop', sky.hdop, 2);
  put(r, 'pdop', sky.pdop, 2);
  put(r, 'vdop', sky.vdop, 2);
  if (sky.nSat !== null) r.nSat = sky.nSat;
  if (sky.uSat !== null) r.uSat = sky.uSat;
  if (sky.satellites.length > 0) {
    r.satellites = sky.satellites.map((s) => {
      const o: Partial<SkySatelliteReport> = { PRN: s.PRN };
      if (s.gnssid !== null && s.svid !== null) {
        o.gnssid = s.gnssid;
        o.svid = s.svid;
      }
      if (s.sigid !== null) o.sigid = s.sigid;
      put(o, 'az', s.az, 1);
      put(o, 'el', s.el, 1);
      put(o, 'ss', s.ss, 1);
      o.used = s.used;
      return o as SkySatelliteReport;
    });
  }
  return r;
}
