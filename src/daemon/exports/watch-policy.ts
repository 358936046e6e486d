/**
 * A client's watch policy (gpsd_json(5), "?WATCH"): what it wants streamed. Attributes a
 * request leaves out keep their previous value, as in gpsd; unknown attributes are
 * ignored (gpsd 3.22 does the same, so newer clients keep working); a known attribute of
 * the wrong type rejects the whole request with an ERROR and changes nothing.
 */
export interface WatchPolicy {
  enable: boolean;
  json: boolean;
  nmea: boolean;
  /** 0 off, 1 raw NMEA (hex for binary), 2 verbatim. Our device only speaks NMEA, so 1 and 2 agree. */
  raw: 0 | 1 | 2;
  scaled: boolean;
  timing: boolean;
  split24: boolean;
  pps: boolean;
  /** Watch only this device path; null for all. */
  device: string | null;
}

export const DEFAULT_WATCH: Readonly<WatchPolicy> = Object.freeze({
  enable: false,
  json: false,
  nmea: false,
  raw: 0,
  scaled: false,
  timing: false,
  split24: false,
  pps: false,
  device: null,
});

const BOOLEAN_KEYS = ['enable', 'json', 'nmea', 'scaled', 'timing', 'split24', 'pps'] as const;

export type WatchResult = { ok: true; policy: WatchPolicy } | { ok: false; message: string };

/** Applies a `?WATCH=` argument (raw text, or null for a bare `?WATCH;`) to `prev`. */
export function applyWatch(prev: Readonly<WatchPolicy>, arg: string | null): WatchResult {
  if (arg === null) return { ok: true, policy: { ...prev } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(arg);
  } catch (err) {
    return { ok: false, message: `Invalid WATCH: ${(err as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, message: 'Invalid WATCH: expected a JSON object' };
  }
  const o = parsed as Record<string, unknown>;
  if (o.class !== undefined && o.class !== 'WATCH') return { ok: false, message: `Invalid WATCH: class must be "WATCH"` };
  const next: WatchPolicy = { ...prev };
  for (const k of BOOLEAN_KEYS) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') return { ok: false, message: `Invalid WATCH: "${k}" must be true or false` };
    next[k] = v;
  }
  if (o.raw !== undefined) {
    // Accept booleans as well: some clients send "raw":true for level 1.
    const raw = o.raw === true ? 1 : o.raw === false ? 0 : o.raw;
    if (raw !== 0 && raw !== 1 && raw !== 2) return { ok: false, message: 'Invalid WATCH: "raw" must be 0, 1 or 2' };
    next.raw = raw;
  }
  if (o.device !== undefined) {
    if (typeof o.device !== 'string') return { ok: false, message: 'Invalid WATCH: "device" must be a string' };
    next.device = o.device === '' ? null : o.device;
  }
  if (o.remote !== undefined && typeof o.remote !== 'string') {
    return { ok: false, message: 'Invalid WATCH: "remote" must be a string' };
  }
  return { ok: true, policy: next };
}

/** What a policy asks us to stream: JSON reports, NMEA lines, PPS/TOFF. */
export function wants(p: Readonly<WatchPolicy>, device: string, what: 'json' | 'nmea' | 'pps'): boolean {
  if (!p.enable) return false;
  if (p.device !== null && p.device !== device) return false;
  if (what === 'json') return p.json;
  if (what === 'nmea') return p.nmea || p.raw > 0;
  return p.pps;
}
