import { applianceIntervalS } from '../fleet-alarms.js';
import type { DeviceRow, TelemetryRow } from '../store/fleet-store.js';

/**
 * The fleet table as data: one row per registered appliance, sorted the way an operator
 * triages (Timebeat's fleet home): worst alarm severity first, then the largest |offset|, then
 * by name so the order is stable. Pure: the page renderer and the SSE poller both use it.
 */

export const SEVERITY_ORDER = ['critical', 'major', 'minor', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITY_ORDER)[number];

/** The shape of the collector's fleet alarms (collector/fleet-alarms.ts). */
export interface AlarmLike {
  device: string | null;
  id: string;
  severity: Severity;
  message: string;
  since: number | null;
}

export interface FleetRow {
  name: string;
  /** Worst active alarm severity; null: none. */
  severity: Severity | null;
  alarms: AlarmLike[];
  /** Mean system clock offset of the newest interval, seconds; null: unknown. */
  offsetS: number | null;
  frequencyPpm: number | null;
  ppsJitterS: number | null;
  satellites: number | null;
  cnoDbHz: number | null;
  stratum: number | null;
  holdover: string | null;
  /** Appliance clock of the newest telemetry record. */
  at: number | null;
  lastSeen: number | null;
  reporting: boolean;
  software: string | null;
  lastSeq: number;
  gaps: number;
}

export interface FleetView {
  rows: FleetRow[];
  /** Registered appliances. */
  expected: number;
  /** Appliances heard (a batch accepted) within the last 3 intervals, by the collector's clock. */
  reporting: number;
  bySeverity: Record<Severity, number>;
}

/** How many intervals of silence before an appliance stops counting as reporting. */
export const SILENT_INTERVALS = 3;

export function severityRank(s: Severity | null): number {
  return s === null ? SEVERITY_ORDER.length : SEVERITY_ORDER.indexOf(s);
}

export function worstSeverity(alarms: readonly AlarmLike[]): Severity | null {
  let best: Severity | null = null;
  for (const a of alarms) if (severityRank(a.severity) < severityRank(best)) best = a.severity;
  return best;
}

/** Severity first, then |offset| descending (unknown offsets after known ones), then name. */
export function compareFleetRows(a: Pick<FleetRow, 'severity' | 'offsetS' | 'name'>, b: Pick<FleetRow, 'severity' | 'offsetS' | 'name'>): number {
  const s = severityRank(a.severity) - severityRank(b.severity);
  if (s !== 0) return s;
  if (a.offsetS === null || b.offsetS === null) {
    if (a.offsetS !== b.offsetS) return a.offsetS === null ? 1 : -1;
  } else {
    const o = Math.abs(b.offsetS) - Math.abs(a.offsetS);
    if (o !== 0) return o;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function isReporting(lastSeen: number | null, now: number, intervalS: number): boolean {
  return lastSeen !== null && now - lastSeen <= SILENT_INTERVALS * intervalS * 1000;
}

export function buildFleetView(input: { devices: readonly DeviceRow[]; latest: readonly TelemetryRow[]; alarms: readonly AlarmLike[]; now: number; intervalS: number }): FleetView {
  const latest = new Map(input.latest.map((t) => [t.device, t]));
  const alarmsOf = new Map<string, AlarmLike[]>();
  for (const a of input.alarms) {
    if (a.device === null) continue;
    const list = alarmsOf.get(a.device) ?? [];
    list.push(a);
    alarmsOf.set(a.device, list);
  }
  const bySeverity = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
  const rows = input.devices.map((d): FleetRow => {
    const t = latest.get(d.name)?.body;
    const alarms = [...(alarmsOf.get(d.name) ?? [])].sort((x, y) => severityRank(x.severity) - severityRank(y.severity));
    const severity = worstSeverity(alarms);
    if (severity) bySeverity[severity]++;
    return {
      name: d.name,
      severity,
      alarms,
      offsetS: t?.offsetS?.mean ?? null,
      frequencyPpm: t?.frequencyPpm?.mean ?? null,
      ppsJitterS: t?.ppsJitterS?.mean ?? null,
      satellites: t?.gnss?.satellitesUsed?.mean ?? null,
      cnoDbHz: t?.gnss?.cnoDbHz?.mean ?? null,
      stratum: t?.stratum ?? null,
      holdover: t?.holdover?.state ?? null,
      at: latest.get(d.name)?.at ?? null,
      lastSeen: d.lastSeen,
      reporting: isReporting(d.lastSeen, input.now, applianceIntervalS(latest.get(d.name), input.intervalS)),
      software: d.software,
      lastSeq: d.lastSeq,
      gaps: d.gaps,
    };
  });
  rows.sort(compareFleetRows);
  return { rows, expected: rows.length, reporting: rows.filter((r) => r.reporting).length, bySeverity };
}
