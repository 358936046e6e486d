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

// ── moving a whole store to another (`collector move`, move-store.ts; never used while serving) ──

/** A device row as stored, removed devices included (their history and mark stay). */
export interface DeviceExport extends DeviceRow {
  /** null: revoked (removed), or a device whose copy is still in progress. */
  tokenHash: string | null;
  removed: boolean;
}

export interface UserExport {
  name: string;
  passwordHash: string;
  role: Role;
  createdAt: number;
}

/**
 * The row sets a move copies. Rollups are copied as they are (not rebuilt): a bucket whose raw
 * records retention has already dropped could not be rebuilt. Rows of 'rollup-1m'/'rollup-1h'
 * are TelemetryRows as telemetry() returns them for '1m'/'1h' (at = bucket start, seq = the
 * highest seq merged, receivedAt = the newest receive time merged).
 */
export type TransferTable = 'telemetry' | 'events' | 'rollup-1m' | 'rollup-1h';
export type TransferRow = TelemetryRow | EventRow;

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

  // ── move (see TransferTable) ──
  /** Every device (removed ones too) with its token hash, every user, and the shared secret if one was ever created (never creates it). */
  exportIdentity(): Promise<{ devices: DeviceExport[]; users: UserExport[]; sharedSecret: string | null }>;
  /** Rows held per table (every device, removed ones too). */
  countRows(): Promise<Record<TransferTable | 'gapRuns', number>>;
  /** Rows of one device whose key (seq; bucket start for rollups) is > after, ascending by key, at most limit. */
  exportRows(table: TransferTable, device: string, after: number, limit: number): Promise<TransferRow[]>;
  /**
   * Inserts rows as given (receivedAt kept) for a device that exists (importDevice first); a row
   * whose key is already there is skipped, so a repeated import is harmless. Telemetry is NOT
   * queued for the rollups (they are copied too); it does update what latestTelemetry() returns.
   * Returns the rows inserted.
   */
  importRows(table: TransferTable, rows: TransferRow[]): Promise<number>;
  /** Gap runs as given; a run already there (device, from) is skipped. Returns the runs inserted. */
  importGapRuns(rows: GapRow[]): Promise<number>;
  /** Writes a device row exactly as given: inserted, or every field replaced when the name exists. */
  importDevice(d: DeviceExport): Promise<void>;
  /** Writes a user exactly as given (inserted or replaced). */
  importUser(u: UserExport): Promise<void>;
  /** Sets the shared secret (inserted or replaced: sessions signed with the old one end). */
  importSharedSecret(secret: string): Promise<void>;
}

export class DeviceExistsError extends Error {}
export class UserExistsError extends Error {}
