import type Database from 'better-sqlite3';
import type { EventRow, GapRow, Resolution, TelemetryRow } from './fleet-store.js';
import { ROLLUP_MS } from './rollup.js';
import { toEvent, toTelemetry, type RecordDbRow } from './sqlite-rows.js';

/** What the dashboard and the API read: newest telemetry, charts, the event timeline, gap runs. */

export type ReadStatements = ReturnType<typeof prepareReads>;

export function prepareReads(db: Database.Database) {
  return {
    latest: db.prepare(
      `SELECT d.name, t.seq, t.at, t.received_at, t.body FROM fleet_devices d
       JOIN fleet_telemetry t ON t.device_id = d.id AND t.seq = (SELECT max(seq) FROM fleet_telemetry WHERE device_id = d.id)
       WHERE d.removed_at IS NULL ORDER BY d.name`,
    ),
    telemetryRaw: db.prepare(
      `SELECT d.name, t.seq, t.at, t.received_at, t.body FROM fleet_devices d JOIN fleet_telemetry t ON t.device_id = d.id
       WHERE d.name = ? AND t.at >= ? AND t.at < ? ORDER BY t.at, t.seq`,
    ),
    telemetryRollup: db.prepare(
      `SELECT d.name, r.seq, r.bucket AS at, r.received_at, r.body FROM fleet_devices d JOIN fleet_rollups r ON r.device_id = d.id
       WHERE d.name = ? AND r.size_ms = ? AND r.bucket >= ? AND r.bucket < ? ORDER BY r.bucket`,
    ),
    eventsAll: db.prepare(
      `SELECT d.name, e.seq, e.at, e.received_at, e.body FROM fleet_events e JOIN fleet_devices d ON d.id = e.device_id
       WHERE e.at >= ? ORDER BY e.at DESC, e.seq DESC, d.name LIMIT ?`,
    ),
    eventsOf: db.prepare(
      `SELECT d.name, e.seq, e.at, e.received_at, e.body FROM fleet_events e JOIN fleet_devices d ON d.id = e.device_id
       WHERE d.name = ? AND e.at >= ? ORDER BY e.at DESC, e.seq DESC LIMIT ?`,
    ),
    gapRuns: db.prepare(
      `SELECT d.name, g.from_seq, g.to_seq, g.reason, g.received_at FROM fleet_gaps g JOIN fleet_devices d ON d.id = g.device_id
       WHERE d.name = ? ORDER BY g.from_seq`,
    ),
  };
}

export function latestTelemetry(s: ReadStatements): TelemetryRow[] {
  return (s.latest.all() as RecordDbRow[]).map(toTelemetry);
}

export function telemetry(s: ReadStatements, device: string, fromMs: number, toMs: number, resolution: Resolution): TelemetryRow[] {
  if (resolution === 'raw') return (s.telemetryRaw.all(device, fromMs, toMs) as RecordDbRow[]).map(toTelemetry);
  return (s.telemetryRollup.all(device, ROLLUP_MS[resolution], fromMs, toMs) as RecordDbRow[]).map(toTelemetry);
}

export function events(s: ReadStatements, device: string | null, sinceMs: number, limit: number): EventRow[] {
  const rows = (device === null ? s.eventsAll.all(sinceMs, limit) : s.eventsOf.all(device, sinceMs, limit)) as RecordDbRow[];
  return rows.map(toEvent);
}

export function gapRuns(s: ReadStatements, device: string): GapRow[] {
  return (s.gapRuns.all(device) as { name: string; from_seq: number; to_seq: number; reason: string; received_at: number }[]).map((g) => ({
    device: g.name,
    from: g.from_seq,
    to: g.to_seq,
    reason: g.reason,
    receivedAt: g.received_at,
  }));
}
