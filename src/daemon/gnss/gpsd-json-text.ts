import type { Fix, Sky } from '../core/fix.js';
import { utcToIso } from '../core/utc-time.js';
import { roundTo } from './gpsd-json.js';

/**
 * gpsd's TPV and SKY reports written straight to JSON text, byte for byte what
 * `JSON.stringify(tpvReport(fix))` and `JSON.stringify(skyReport(sky))` print (the tests hold
 * the two to that on gpsd's regression logs and on generated values). `stratum1d decode`
 * writes one report per epoch; building the report object and stringifying it was a large
 * share of its CPU. Same rules as gpsd-json.ts: unknown values are left out, numbers are
 * rounded to gpsd's precision, keys come in gpsd's order.
 */

/** A number as JSON.stringify writes it (non-finite numbers become null). */
function num(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

/**
 * `,"key":value` for a known, finite value; nothing otherwise (gpsd-json.ts `put`). Rounding
 * can still overflow a huge finite value to Infinity, which JSON prints as null.
 */
function opt(key: string, v: number | null | undefined, decimals: number): string {
  return v !== null && v !== undefined && Number.isFinite(v) ? `,"${key}":${num(roundTo(v, decimals))}` : '';
}

export function tpvJson(fix: Fix, device?: string): string {
  let s = '{"class":"TPV"';
  if (device !== undefined) s += `,"device":${JSON.stringify(device)}`;
  if (fix.status !== null && fix.status >= 2) s += `,"status":${num(fix.status)}`;
  s += `,"mode":${num(fix.mode)}`;
  // utcToIso prints only digits and `-:.TZ`: nothing to escape.
  if (fix.time) s += `,"time":"${utcToIso(fix.time)}"`;
  if (fix.leapSeconds !== null) s += `,"leapseconds":${num(fix.leapSeconds)}`;
  if (fix.mode >= 2) {
    s += opt('lat', fix.lat, 9);
    s += opt('lon', fix.lon, 9);
    s += opt('altHAE', fix.altHAE, 4);
    s += opt('altMSL', fix.altMSL, 4);
    s += opt('epv', fix.epv, 3);
    s += opt('track', fix.track, 4);
    s += opt('magvar', fix.magvar, 1);
    s += opt('speed', fix.speed, 3);
    if (fix.mode === 3) s += opt('climb', fix.climb, 3);
    s += opt('geoidSep', fix.geoidSep, 3);
    s += opt('eph', fix.eph, 3);
    s += opt('sep', fix.sep, 3);
  }
  return `${s}}`;
}

/**
 * Everything a SKY report says after its time, as JSON text starting with `,` (or empty).
 * Two epochs with the same body show the same sky view.
 */
export function skyJsonBody(sky: Sky): string {
  let s = opt('hdop', sky.hdop, 2) + opt('pdop', sky.pdop, 2) + opt('vdop', sky.vdop, 2);
  if (sky.nSat !== null) s += `,"nSat":${num(sky.nSat)}`;
  if (sky.uSat !== null) s += `,"uSat":${num(sky.uSat)}`;
  const sats = sky.satellites;
  if (sats.length > 0) {
    s += ',"satellites":[';
    for (let i = 0; i < sats.length; i++) {
      const v = sats[i]!;
      s += `${i ? ',' : ''}{"PRN":${num(v.PRN)}`;
      if (v.gnssid !== null && v.svid !== null) s += `,"gnssid":${num(v.gnssid)},"svid":${num(v.svid)}`;
      if (v.sigid !== null) s += `,"sigid":${num(v.sigid)}`;
      s += `${opt('az', v.az, 1)}${opt('el', v.el, 1)}${opt('ss', v.ss, 1)},"used":${v.used ? 'true' : 'false'}}`;
    }
    s += ']';
  }
  return s;
}

/** The whole SKY report from a body made by skyJsonBody for the same sky. */
export function skyJsonWithBody(sky: Sky, body: string, device?: string): string {
  let s = '{"class":"SKY"';
  if (device !== undefined) s += `,"device":${JSON.stringify(device)}`;
  if (sky.time) s += `,"time":"${utcToIso(sky.time)}"`;
  return `${s}${body}}`;
}

export function skyJson(sky: Sky, device?: string): string {
  return skyJsonWithBody(sky, skyJsonBody(sky), device);
}
