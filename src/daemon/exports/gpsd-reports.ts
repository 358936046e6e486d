import type { SkyReport, TpvReport } from '../gnss/gpsd-json.js';
import type { WatchPolicy } from './watch-policy.js';

/**
 * The server-side gpsd JSON objects (gpsd_json(5), "CORE PROTOCOL RESPONSES") beside the
 * TPV/SKY renderers in daemon/gnss/gpsd-json.ts, and the size cap every report obeys.
 * Key order follows what gpsd 3.22 prints, so our output diffs cleanly against gpsd's.
 */

/** gpsd_json(5): "No JSON response is more than 10240 bytes" (GPS_JSON_RESPONSE_MAX). */
export const MAX_REPORT_BYTES = 10_240;

/** The protocol level of gpsd 3.22, which is what our reports follow. */
export const PROTO_MAJOR = 3;
export const PROTO_MINOR = 14;
export const GPSD_RELEASE = '3.22';

/** What the daemon knows about the one receiver it serves. */
export interface DeviceInfo {
  /** The receiver's path (`/dev/ttyAMA0`, `simulator`): clients name devices by it. */
  path: string;
  /** gpsd's driver name; ours decodes NMEA 0183 only. */
  driver?: string;
  /** Wall-clock ms when the device was opened; null while it is not. */
  activatedAt?: number | null;
  bps?: number | null;
  parity?: 'N' | 'O' | 'E';
  stopbits?: 1 | 2;
  /** Seconds between epochs. */
  cycleS?: number | null;
}

export interface TimePair {
  /** Whole seconds since the Unix epoch. */
  sec: number;
  /** Nanoseconds, 0..999,999,999. */
  nsec: number;
}

/** One PPS edge: what the receiver says the time was (`real`) and what the system clock said (`clock`). */
export interface PpsEdge {
  real: TimePair;
  clock: TimePair;
  /** NTP-style precision, log2 seconds (-20 ≈ 1 µs). */
  precision?: number;
  /** The receiver's quantization error of this edge, picoseconds, when it reports one. */
  qErr?: number;
}

/** Any report we send: a JSON object with gpsd's `class` tag. */
export interface Report {
  class: string;
}

export type JsonReport = Report & Record<string, unknown>;

const iso = (ms: number): string => new Date(ms).toISOString();

export function versionReport(rev: string): JsonReport {
  return { class: 'VERSION', release: GPSD_RELEASE, rev, proto_major: PROTO_MAJOR, proto_minor: PROTO_MINOR };
}

/** gpsd's device flags: SEEN_GPS (1) once the device has produced position data. */
export function deviceReport(d: DeviceInfo, seenGps: boolean): JsonReport {
  const r: JsonReport = { class: 'DEVICE', path: d.path, driver: d.driver ?? 'NMEA0183' };
  if (d.activatedAt !== undefined && d.activatedAt !== null) r.activated = iso(d.activatedAt);
  r.flags = seenGps ? 1 : 0;
  r.native = 0;
  if (d.bps !== undefined && d.bps !== null) {
    r.bps = d.bps;
    r.parity = d.parity ?? 'N';
    r.stopbits = d.stopbits ?? 1;
  }
  if (d.cycleS !== undefined && d.cycleS !== null) r.cycle = d.cycleS;
  return r;
}

export function devicesReport(d: DeviceInfo | null, seenGps: boolean): JsonReport {
  return { class: 'DEVICES', devices: d ? [deviceReport(d, seenGps)] : [] };
}

export function watchReport(p: Readonly<WatchPolicy>): JsonReport {
  const r: JsonReport = {
    class: 'WATCH',
    enable: p.enable,
    json: p.json,
    nmea: p.nmea,
    raw: p.raw,
    scaled: p.scaled,
    timing: p.timing,
    split24: p.split24,
    pps: p.pps,
  };
  if (p.device !== null) r.device = p.device;
  return r;
}

export function pollReport(nowMs: number, active: number, tpv: TpvReport[], sky: SkyReport[]): JsonReport {
  return { class: 'POLL', time: iso(nowMs), active, tpv, sky };
}

export function errorReport(message: string): JsonReport {
  return { class: 'ERROR', message };
}

/** gpsd_json(5) "PPS": the receiver's time and the system clock's at the same edge. */
export function ppsReport(device: string, e: PpsEdge): JsonReport {
  const r: JsonReport = {
    class: 'PPS',
    device,
    real_sec: e.real.sec,
    real_nsec: e.real.nsec,
    clock_sec: e.clock.sec,
    clock_nsec: e.clock.nsec,
    precision: e.precision ?? -20,
  };
  if (e.qErr !== undefined) r.qErr = e.qErr;
  return r;
}

/**
 * gpsd_json(5) "TOFF": mirrors PPS but for the serial time label: `real` is the epoch's
 * UTC, `clock` the system time when the epoch's first byte arrived.
 */
export function toffReport(device: string, real: TimePair, clock: TimePair): JsonReport {
  return {
    class: 'TOFF',
    device,
    real_sec: real.sec,
    real_nsec: real.nsec,
    clock_sec: clock.sec,
    clock_nsec: clock.nsec,
    precision: -1,
  };
}

export function msToTimePair(ms: number): TimePair {
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) };
}

export type Encoded = { line: string; trimmed: boolean } | null;

const encode = (o: unknown): string => `${JSON.stringify(o)}\r\n`;

/**
 * One report as a CRLF-terminated line of at most `max` bytes. A SKY too big for the cap
 * (a multi-band receiver can see 100+ signals) loses satellites from its end, the unused
 * ones first, rather than being cut mid-JSON as a fixed C buffer would; anything else
 * that does not fit is not sent at all (null), and the caller counts it.
 */
export function encodeReport(report: Report | JsonReport, max = MAX_REPORT_BYTES): Encoded {
  const line = encode(report);
  if (Buffer.byteLength(line) <= max) return { line, trimmed: false };
  const sats = (report as { satellites?: unknown }).satellites;
  if (report.class !== 'SKY' || !Array.isArray(sats)) return null;
  const used = (s: unknown) => (s as { used?: boolean } | null)?.used === true;
  const ordered = [...sats.filter(used), ...sats.filter((s) => !used(s))];
  let lo = 0;
  let hi = ordered.length - 1;
  let best: string | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const candidate = encode({ ...report, satellites: ordered.slice(0, mid) });
    if (Buffer.byteLength(candidate) <= max) {
      best = candidate;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best === null ? null : { line: best, trimmed: true };
}
