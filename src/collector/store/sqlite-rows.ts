import type { EventBody, TelemetryBody } from '../../fleet-wire/schema.js';
import type { DeviceRow, EventRow, TelemetryRow } from './fleet-store.js';

/** Rows as the SQLite queries return them, and their FleetStore shapes (bodies are stored as JSON text). */

export interface DeviceDbRow {
  name: string;
  created_at: number;
  token_expires_at: number | null;
  last_seq: number;
  stored: number;
  gaps: number;
  last_seen: number | null;
  software: string | null;
}

/** A telemetry, event or rollup row joined with its device's name (rollups give their bucket as `at`). */
export interface RecordDbRow {
  name: string;
  seq: number;
  at: number;
  received_at: number;
  body: string;
}

export function toDeviceRow(r: DeviceDbRow): DeviceRow {
  return {
    name: r.name,
    createdAt: r.created_at,
    tokenExpiresAt: r.token_expires_at,
    lastSeq: r.last_seq,
    stored: r.stored,
    gaps: r.gaps,
    lastSeen: r.last_seen,
    software: r.software,
  };
}

export function toTelemetry(r: RecordDbRow): TelemetryRow {
  return { device: r.name, seq: r.seq, at: r.at, receivedAt: r.received_at, body: JSON.parse(r.body) as TelemetryBody };
}

export function toEvent(r: RecordDbRow): EventRow {
  return { device: r.name, seq: r.seq, at: r.at, receivedAt: r.received_at, body: JSON.parse(r.body) as EventBody };
}
