import pg from 'pg';
import type { BatchItem } from '../../fleet-wire/schema.js';
import type { DeviceExport, DeviceRow, EventRow, FleetStore, GapRow, IngestOutcome, Resolution, Role, TelemetryRow, TransferRow, TransferTable, UserExport } from './fleet-store.js';
import { GroupCommit, type GroupCommitStats } from './group-commit.js';
import type { Ahead, IngestJob, IngestResult } from './ingest-job.js';
import * as identity from './postgres-identity.js';
import { commitIngestGroup } from './postgres-ingest.js';
import type { KnownDays } from './postgres-known-days.js';
import { maintain } from './postgres-maintenance.js';
import * as reads from './postgres-reads.js';
import { migrate } from './postgres-schema.js';
import * as transfer from './postgres-transfer.js';

/**
 * FleetStore on PostgreSQL, for fleets one machine cannot hold and for several collector
 * processes on one database (schema: postgres-schema.ts). Why ingest stays exactly-once with
 * many collectors: postgres-ingest.ts. The methods delegate, by concern, to
 * postgres-identity.ts, postgres-ingest.ts, postgres-reads.ts, postgres-maintenance.ts and
 * postgres-transfer.ts; this class holds what they share: the pool, the partition days known
 * to exist, and the two group commits.
 */

export interface PostgresStoreOptions {
  /** Connections in this process's pool (default 10). */
  maxConnections?: number;
  /** Told about errors of idle connections (the pool replaces them; nothing crashes). */
  onPoolError?: (e: Error) => void;
}

export class PostgresStore implements FleetStore {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  /** Days whose partitions this process knows exist (retention elsewhere may drop them: see ingest). */
  readonly #days: KnownDays = new Set<number>();

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Connects and brings the schema up to date (safe with other collectors starting at once). */
  static async connect(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: opts.maxConnections ?? 10, application_name: 'stratum1d-collector' });
    // An idle connection dropped by the server must not become an unhandled 'error' event.
    pool.on('error', (e) => opts.onPoolError?.(e));
    const store = new PostgresStore(pool);
    try {
      await store.migrate();
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
    return store;
  }

  async migrate(): Promise<void> {
    await migrate(this.#pool);
  }

  async close(): Promise<void> {
    await this.#group.drain();
    await this.#pool.end();
  }

  // ── devices ────────────────────────────────────────────────────────────────────────────

  async addDevice(name: string, tokenHash: string, tokenExpiresAt: number | null, now: number): Promise<void> {
    await identity.addDevice(this.#pool, name, tokenHash, tokenExpiresAt, now);
  }

  async removeDevice(name: string): Promise<boolean> {
    return identity.removeDevice(this.#pool, name);
  }

  /**
   * Every ingest request looks its token up first: lookups that arrive while others are being
   * answered go to the server together, not one round trip each.
   */
  readonly #tokenLookups = new GroupCommit<string, identity.TokenOwner>({
    key: (h) => h,
    windowMs: 0,
    maxJobs: 512,
    concurrency: 2,
    commit: (hashes) => identity.devicesByTokenHashes(this.#pool, hashes),
  });

  async deviceByTokenHash(tokenHash: string): Promise<{ name: string; tokenExpiresAt: number | null } | null> {
    return this.#tokenLookups.submit(tokenHash);
  }

  async devices(): Promise<DeviceRow[]> {
    return identity.devices(this.#pool);
  }

  // ── ingest ─────────────────────────────────────────────────────────────────────────────

  /** Batches arriving within ~2 ms share one transaction (commitIngestGroup says how). */
  readonly #group = new GroupCommit<IngestJob, IngestResult>({
    key: (j) => j.device,
    windowMs: 2,
    maxJobs: 512,
    concurrency: 3,
    commit: (jobs) => commitIngestGroup(this.#pool, this.#days, jobs),
  });

  get groupStats(): Readonly<GroupCommitStats> {
    return this.#group.stats;
  }

  async ingest(device: string, items: BatchItem[], receivedAt: number, software: string | null): Promise<IngestOutcome | Ahead> {
    return this.#group.submit({ device, items, receivedAt, software });
  }

  // ── reads ──────────────────────────────────────────────────────────────────────────────

  async latestTelemetry(): Promise<TelemetryRow[]> {
    return reads.latestTelemetry(this.#pool);
  }

  async telemetry(device: string, fromMs: number, toMs: number, resolution: Resolution): Promise<TelemetryRow[]> {
    return reads.telemetry(this.#pool, device, fromMs, toMs, resolution);
  }

  async events(device: string | null, sinceMs: number, limit: number): Promise<EventRow[]> {
    return reads.events(this.#pool, device, sinceMs, limit);
  }

  async gapRuns(device: string): Promise<GapRow[]> {
    return reads.gapRuns(this.#pool, device);
  }

  // ── maintenance ────────────────────────────────────────────────────────────────────────

  async maintain(now: number, retention: { rawDays: number; minuteDays: number; hourDays: number }): Promise<void> {
    await maintain(this.#pool, this.#days, now, retention);
  }

  // ── users and shared secret ────────────────────────────────────────────────────────────

  async addUser(name: string, passwordHash: string, role: Role, now: number): Promise<void> {
    await identity.addUser(this.#pool, name, passwordHash, role, now);
  }

  async removeUser(name: string): Promise<boolean> {
    return identity.removeUser(this.#pool, name);
  }

  async userByName(name: string): Promise<{ name: string; passwordHash: string; role: Role } | null> {
    return identity.userByName(this.#pool, name);
  }

  async sharedSecret(): Promise<string> {
    return identity.sharedSecret(this.#pool);
  }

  // ── move (collector move, move-store.ts) ───────────────────────────────────────────────

  async exportIdentity(): Promise<{ devices: DeviceExport[]; users: UserExport[]; sharedSecret: string | null }> {
    return transfer.exportIdentity(this.#pool);
  }

  async countRows(): Promise<Record<TransferTable | 'gapRuns', number>> {
    return transfer.countRows(this.#pool);
  }

  async exportRows(table: TransferTable, device: string, after: number, limit: number): Promise<TransferRow[]> {
    return transfer.exportRows(this.#pool, table, device, after, limit);
  }

  async importRows(table: TransferTable, rows: TransferRow[]): Promise<number> {
    return transfer.importRows(this.#pool, this.#days, table, rows);
  }

  async importGapRuns(rows: GapRow[]): Promise<number> {
    return transfer.importGapRuns(this.#pool, rows);
  }

  async importDevice(d: DeviceExport): Promise<void> {
    await transfer.importDevice(this.#pool, d);
  }

  async importUser(u: UserExport): Promise<void> {
    await transfer.importUser(this.#pool, u);
  }

  async importSharedSecret(secret: string): Promise<void> {
    await transfer.importSharedSecret(this.#pool, secret);
  }
}
