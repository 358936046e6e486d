import Database from 'better-sqlite3';
import type { BatchItem } from '../../fleet-wire/schema.js';
import type { DeviceExport, DeviceRow, EventRow, FleetStore, GapRow, IngestOutcome, Resolution, Role, TelemetryRow, TransferRow, TransferTable, UserExport } from './fleet-store.js';
import { GroupCommit, type GroupCommitOptions, type GroupCommitStats } from './group-commit.js';
import type { Ahead, IngestJob, IngestResult } from './ingest-job.js';
import * as identity from './sqlite-identity.js';
import { commitIngestGroup, prepareIngest, type IngestStatements } from './sqlite-ingest.js';
import { maintain, prepareMaintenance, type MaintenanceStatements } from './sqlite-maintenance.js';
import { migrate } from './sqlite-migrations.js';
import * as reads from './sqlite-reads.js';
import * as transfer from './sqlite-transfer.js';

/**
 * The embedded collector store: one SQLite file in WAL mode (readers — the dashboard — never
 * block the ingest writer). better-sqlite3 is synchronous, so every method runs to completion
 * inside one call: an ingest is one IMMEDIATE transaction (records, gap runs, rollup queue and
 * the high-water mark together), and a crash at any point leaves either all of it or none.
 * synchronous=FULL: an acknowledgement is only sent after the commit is on disk, so a power
 * cut cannot lose what the appliance was told is stored (it would then delete it).
 *
 * The methods delegate, by concern, to sqlite-identity.ts, sqlite-ingest.ts, sqlite-reads.ts,
 * sqlite-maintenance.ts and sqlite-transfer.ts, each with its own prepared statements; this
 * class holds the database handle, those statements and the group commit.
 */

export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

export type SqliteGrouping = Pick<GroupCommitOptions<unknown, unknown>, 'windowMs' | 'maxJobs' | 'now' | 'after'>;

export class SqliteStore implements FleetStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #identity: identity.IdentityStatements;
  readonly #ingest: IngestStatements;
  readonly #reads: reads.ReadStatements;
  readonly #maintenance: MaintenanceStatements;

  private constructor(db: Database.Database, grouping: SqliteGrouping) {
    this.#db = db;
    this.#identity = identity.prepareIdentity(db);
    this.#ingest = prepareIngest(db);
    this.#reads = reads.prepareReads(db);
    this.#maintenance = prepareMaintenance(db);
    this.#group = new GroupCommit<IngestJob, IngestResult>({
      key: (j) => j.device,
      windowMs: 2,
      maxJobs: 512,
      ...grouping,
      commit: async (jobs) => commitIngestGroup(this.#db, this.#ingest, jobs),
    });
  }

  /**
   * Opens (creating if needed) and migrates the database at `path`. `grouping` tunes the group
   * commit (tests give it their own clock and window; the collector keeps the defaults).
   */
  static open(path: string, grouping: SqliteGrouping = {}): SqliteStore {
    let db: Database.Database;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      migrate(db);
    } catch (err) {
      throw new StoreOpenError(`cannot open the SQLite database ${path}: ${(err as Error).message}`);
    }
    return new SqliteStore(db, grouping);
  }

  get journalMode(): string {
    return String(this.#db.pragma('journal_mode', { simple: true }));
  }

  async migrate(): Promise<void> {
    migrate(this.#db);
  }

  async close(): Promise<void> {
    await this.#group.drain();
    if (this.#db.open) this.#db.close();
  }

  // ── devices ──

  async addDevice(name: string, tokenHash: string, tokenExpiresAt: number | null, now: number): Promise<void> {
    identity.addDevice(this.#db, this.#identity, name, tokenHash, tokenExpiresAt, now);
  }

  async removeDevice(name: string): Promise<boolean> {
    return identity.removeDevice(this.#identity, name);
  }

  async deviceByTokenHash(tokenHash: string): Promise<{ name: string; tokenExpiresAt: number | null } | null> {
    return identity.deviceByTokenHash(this.#identity, tokenHash);
  }

  async devices(): Promise<DeviceRow[]> {
    return identity.devices(this.#identity);
  }

  // ── ingest ──

  /** Ingests arriving within a couple of milliseconds share one transaction (commitIngestGroup says how). */
  readonly #group: GroupCommit<IngestJob, IngestResult>;

  /** Groups committed so far (for the benchmark and tests). */
  get groupStats(): Readonly<GroupCommitStats> {
    return this.#group.stats;
  }

  async ingest(device: string, items: BatchItem[], receivedAt: number, software: string | null): Promise<IngestOutcome | Ahead> {
    return this.#group.submit({ device, items, receivedAt, software });
  }

  // ── reads ──

  async latestTelemetry(): Promise<TelemetryRow[]> {
    return reads.latestTelemetry(this.#reads);
  }

  async telemetry(device: string, fromMs: number, toMs: number, resolution: Resolution): Promise<TelemetryRow[]> {
    return reads.telemetry(this.#reads, device, fromMs, toMs, resolution);
  }

  async events(device: string | null, sinceMs: number, limit: number): Promise<EventRow[]> {
    return reads.events(this.#reads, device, sinceMs, limit);
  }

  async gapRuns(device: string): Promise<GapRow[]> {
    return reads.gapRuns(this.#reads, device);
  }

  // ── maintenance ──

  async maintain(now: number, retention: { rawDays: number; minuteDays: number; hourDays: number }): Promise<void> {
    await maintain(this.#db, this.#maintenance, now, retention);
  }

  // ── users and shared secret ──

  async addUser(name: string, passwordHash: string, role: Role, now: number): Promise<void> {
    identity.addUser(this.#identity, name, passwordHash, role, now);
  }

  async removeUser(name: string): Promise<boolean> {
    return identity.removeUser(this.#identity, name);
  }

  async userByName(name: string): Promise<{ name: string; passwordHash: string; role: Role } | null> {
    return identity.userByName(this.#identity, name);
  }

  async sharedSecret(): Promise<string> {
    return identity.sharedSecret(this.#identity);
  }

  // ── move (collector move, move-store.ts) ──

  #transfer: transfer.TransferStatements | null = null;
  get #t(): transfer.TransferStatements {
    return (this.#transfer ??= transfer.prepareTransfer(this.#db));
  }

  async exportIdentity(): Promise<{ devices: DeviceExport[]; users: UserExport[]; sharedSecret: string | null }> {
    return transfer.exportIdentity(this.#t);
  }

  async countRows(): Promise<Record<TransferTable | 'gapRuns', number>> {
    return transfer.countRows(this.#db);
  }

  async exportRows(table: TransferTable, device: string, after: number, limit: number): Promise<TransferRow[]> {
    return transfer.exportRows(this.#t, table, device, after, limit);
  }

  async importRows(table: TransferTable, rows: TransferRow[]): Promise<number> {
    return transfer.importRows(this.#db, this.#t, table, rows);
  }

  async importGapRuns(rows: GapRow[]): Promise<number> {
    return transfer.importGapRuns(this.#db, this.#t, rows);
  }

  async importDevice(d: DeviceExport): Promise<void> {
    transfer.importDevice(this.#t, d);
  }

  async importUser(u: UserExport): Promise<void> {
    transfer.importUser(this.#t, u);
  }

  async importSharedSecret(secret: string): Promise<void> {
    transfer.importSharedSecret(this.#t, secret);
  }
}
