import type { DeviceRow, TelemetryRow } from './store/fleet-store.js';

/**
 * Fleet alarms: conditions only the collector can see, computed from the device list and each
 * appliance's newest telemetry. Pure (no clock, no store): the server passes `now` and the rows.
 *
 * - silent: nothing accepted for `silentIntervals` reporting intervals (default 3). The interval
 *   is the appliance's own (intervalS of its newest telemetry): appliances are configured
 *   independently, and one at 60 s judged by the collector's 10 s would be "silent" between
 *   every two reports. The collector's interval stands in until the appliance has sent telemetry.
 *   An appliance that has never reported is a warning (it may not be installed yet), one that
 *   stopped is major.
 * - offset-vs-median: |mean offset − the fleet median| over `offsetS` (minor; 10× over: major).
 *   Each appliance measures its offset against its own receiver, so one far from the rest points
 *   at that appliance (antenna, cable delay, a bad calibration). Needs at least `minPeers`
 *   reporting appliances, else the median says nothing. Silent appliances' stale data is left out.
 * - holdover: the appliance's newest record says it is in holdover (major), with its estimate.
 * - token-expiring: the token expires within `tokenExpiringDays` (warning) or has expired
 *   (critical: the appliance's batches are refused).
 */

export type FleetAlarmId = 'silent' | 'offset-vs-median' | 'holdover' | 'token-expiring';
export type FleetAlarmSeverity = 'critical' | 'major' | 'minor' | 'warning' | 'info';

export type FleetAlarm = { device: string | null; id: FleetAlarmId; severity: FleetAlarmSeverity; message: string; since: number | null };

export interface FleetAlarmThresholds {
  silentIntervals: number;
  offsetS: number;
  minPeers: number;
  tokenExpiringDays: number;
}

export const DEFAULT_FLEET_ALARM_THRESHOLDS: FleetAlarmThresholds = { silentIntervals: 3, offsetS: 100e-6, minPeers: 3, tokenExpiringDays: 14 };

const DAY = 86_400_000;
const RANK: Record<FleetAlarmSeverity, number> = { critical: 0, major: 1, minor: 2, warning: 3, info: 4 };

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

function fmtS(s: number): string {
  const a = Math.abs(s);
  if (a >= 1) return `${s.toFixed(3)} s`;
  if (a >= 1e-3) return `${(s * 1e3).toFixed(3)} ms`;
  if (a >= 1e-6) return `${(s * 1e6).toFixed(1)} µs`;
  return `${(s * 1e9).toFixed(0)} ns`;
}

/**
 * The appliance's reporting interval: from its newest telemetry when longer than the
 * collector's default, else the default. Never shorter: `intervalS` is the measured length of
 * that record's interval, and the partial interval a stop or a reload closes early (2 s, say)
 * would otherwise call the appliance silent before its next full interval could arrive.
 */
export function applianceIntervalS(latest: TelemetryRow | undefined, defaultIntervalS: number): number {
  const s = latest?.body.intervalS;
  return typeof s === 'number' && Number.isFinite(s) && s > defaultIntervalS ? s : defaultIntervalS;
}

export function fleetAlarms(input: {
  devices: DeviceRow[];
  latest: TelemetryRow[];
  now: number;
  /** The collector's default interval, for appliances that have sent no telemetry yet. */
  intervalS: number;
  thresholds?: Partial<FleetAlarmThresholds>;
}): FleetAlarm[] {
  const th = { ...DEFAULT_FLEET_ALARM_THRESHOLDS, ...input.thresholds };
  const { now } = input;
  const latestBy = new Map(input.latest.map((r) => [r.device, r]));
  const out: FleetAlarm[] = [];
  const reporting: DeviceRow[] = [];

  for (const d of input.devices) {
    const intervalS = applianceIntervalS(latestBy.get(d.name), input.intervalS);
    const silentAfterMs = th.silentIntervals * intervalS * 1000;
    if (d.lastSeen === null) {
      if (now - d.createdAt > silentAfterMs) out.push({ device: d.name, id: 'silent', severity: 'warning', message: `${d.name} has never reported`, since: d.createdAt });
    } else if (now - d.lastSeen > silentAfterMs) {
      const mins = Math.round((now - d.lastSeen) / 60_000);
      out.push({ device: d.name, id: 'silent', severity: 'major', message: `${d.name} silent for ${mins} min (${th.silentIntervals} intervals of ${intervalS} s missed)`, since: d.lastSeen });
    } else {
      reporting.push(d);
    }
    if (d.tokenExpiresAt !== null) {
      if (d.tokenExpiresAt <= now) {
        out.push({ device: d.name, id: 'token-expiring', severity: 'critical', message: `${d.name}'s token expired: its batches are refused`, since: d.tokenExpiresAt });
      } else if (d.tokenExpiresAt - now < th.tokenExpiringDays * DAY) {
        const days = Math.ceil((d.tokenExpiresAt - now) / DAY);
        out.push({ device: d.name, id: 'token-expiring', severity: 'warning', message: `${d.name}'s token expires in ${days} day${days === 1 ? '' : 's'}`, since: null });
      }
    }
  }

  const offsets: { name: string; offset: number }[] = [];
  for (const d of reporting) {
    const t = latestBy.get(d.name);
    if (!t) continue;
    const h = t.body.holdover;
    if (h?.state === 'holdover') {
      const est = h.estimateS === null ? '' : ` (estimated error ${fmtS(h.estimateS)})`;
      out.push({ device: d.name, id: 'holdover', severity: 'major', message: `${d.name} is in holdover${est}`, since: null });
    }
    const mean = t.body.offsetS?.mean;
    if (typeof mean === 'number' && Number.isFinite(mean)) offsets.push({ name: d.name, offset: mean });
  }
  const med = offsets.length >= th.minPeers ? median(offsets.map((o) => o.offset)) : null;
  if (med !== null) {
    for (const o of offsets) {
      const dev = Math.abs(o.offset - med);
      if (dev > th.offsetS) {
        out.push({
          device: o.name,
          id: 'offset-vs-median',
          severity: dev > 10 * th.offsetS ? 'major' : 'minor',
          message: `${o.name} offset ${fmtS(o.offset)} is ${fmtS(dev)} from the fleet median ${fmtS(med)} (threshold ${fmtS(th.offsetS)})`,
          since: null,
        });
      }
    }
  }
  return out.sort((a, b) => RANK[a.severity] - RANK[b.severity] || (a.device ?? '').localeCompare(b.device ?? '') || a.id.localeCompare(b.id));
}
