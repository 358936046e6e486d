import type { BatchItem, EventBody, TelemetryBody } from '../../fleet-wire/schema.js';

/**
 * What the collector keeps, behind one interface with two implementations: embedded SQLite
 * (sqlite-store.ts, the default, one collector process) and PostgreSQL (postgres-store.ts,
 * several collector processes on one database). Times are ms since the epoch: `at` is the
 * appliance's clock (may be wrong), `receivedAt` the collector's. Charts plot `at`; retention
 * and partitions go by `receivedAt` (the clock we trust).
 */

export type Role = 'viewer' | 'admin';

export interface DeviceRow {
  name: string;
  createdAt: number;
  /** null: the token does not expire. */
  tokenExpiresAt: number | null;
  /** High-water mark: every sequence number up to it is stored or recorded as a gap. */
  lastSeq: number;
  /** Records stored (telemetry + events). */
  stored: number;
  /** Sequence numbers recorded as gaps (dropped on the appliance before acknowledgement). */
  gaps: number;
  /** Collector time of the last accepted batch; null: never. */
  lastSeen: number | null;
  software: string | null;
}

export interface IngestOutcome {
  ackedSeq: number;
  stored: number;
  duplicates: number;
  gapsStored: number;
}

export interface TelemetryRow {
  device: string;
  seq: number;
  at: number;
  receivedAt: number;
  body: TelemetryBody;
}

export interface EventRow {
  device: string;
  seq: number;
  at: number;
  receivedAt: number;
  body: EventBody;
}

export interface GapRow {
  device: string;
  from: number;
  to: number;
  reason: string;
  receivedAt: number;
}

/** Rolled-up telemetry for charts: `bucket` is the start of the bucket (appliance time). */
export type Resolution = 'raw' | '1m' | '1h';

export interface FleetStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema; safe to run from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  addDevice(name: string, tokenHash: string, tokenExpiresAt: number | null, now: number): Promise<void>;
  /** false: no such device. Its stored data stays (history), its token stops working. */
  removeDevice(name: string): Promise<boolean>;
  deviceByTokenHash(tokenHash: string): Promise<{ name: string; tokenExpiresAt: number | null } | null>;
  devices(): Promise<DeviceRow[]>;

  /**
   * Stores what is new in one contiguous run (fleet-wire batchItems) in one transaction with
   * the device's high-water mark. 'ahead': the run starts after lastSeq + 1 (nothing stored).
   */
  ingest(device: string, items: BatchItem[], receivedAt: number, software: string | null): Promise<IngestOutcome | { ahead: true; ackedSeq: number }>;

  /** The newest telemetry record of every device that has one. */
  latestTelemetry(): Promise<TelemetryRow[]>;
  /** Telemetry of one device with `at` in [fromMs, toMs), oldest first; rolled up when asked. */
  telemetry(device: string, fromMs: number, toMs: number, resolution: Resolution): Promise<TelemetryRow[]>;
  /** Events, newest first; device null: the whole fleet. */
  events(device: string | null, sinceMs: number, limit: number): Promise<EventRow[]>;
  gapRuns(device: string): Promise<GapRow[]>;

  /** Builds the 1 min / 1 h rollups up to `now` and drops data past retention. Idempotent. */
  maintain(now: number, retention: { rawDays: number; minuteDays: number; hourDays: number }): Promise<void>;

  addUser(name: string, passwordHash: string, role: Role, now: number): Promise<void>;
  removeUser(name: string): Promise<boolean>;
  userByName(name: string): Promise<{ name: string; passwordHash: string; role: Role } | null>;
  /** A secret shared by every collector on this database (signs dashboard sessions); created once. */
  sharedSecret(): Promise<string>;
}

export class DeviceExistsError extends Error {}
export class UserExistsError extends Error {}
