import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { BatchItem, EventBody, TelemetryBody } from '../../fleet-wire/schema.js';
import {
  DeviceExistsError,
  UserExistsError,
  type DeviceExport,
  type DeviceRow,
  type EventRow,
  type FleetStore,
  type GapRow,
  type IngestOutcome,
  type Resolution,
  type Role,
  type TelemetryRow,
  type TransferRow,
  type TransferTable,
  type UserExport,
} from './fleet-store.js';
import { bucketStart, foldIntoBucket, ROLLUP_MS } from './rollup.js';
import { migrate } from './sqlite-migrations.js';
import { GroupCommit, type GroupCommitOptions, type GroupCommitStats, type Outcome } from './group-commit.js';

interface IngestJob {
  device: string;
  items: BatchItem[];
  receivedAt: number;
  software: string | null;
}
type IngestResult = IngestOutcome | { ahead: true; ackedSeq: number };

/**
 * The embedded collector store: one SQLite file in WAL mode (readers — the dashboard — never
 * block the ingest writer). better-sqlite3 is synchronous, so every method runs to completion
 * inside one call: an ingest is one IMMEDIATE transaction (records, gap runs, rollup queue and
 * the high-water mark together), and a crash at any point leaves either all of it or none.
 * synchronous=FULL: an acknowledgement is only sent after the commit is on disk, so a power
 * cut cannot lose what the appliance was told is stored (it would then delete it).
 */

const DAY = 86_400_000;
/** Rollup queue rows folded per transaction: bounds how long maintain() holds the writer. */
const ROLLUP_CHUNK = 500;

export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

interface DeviceDbRow {
  name: string;
  created_at: number;
  token_expires_at: number | null;
  last_seq: number;
  stored: number;
  gaps: number;
  last_seen: number | null;
  software: string | null;
}

interface RecordDbRow {
  name: string;
  seq: number;
  at: number;
  received_at: number;
  body: string;
}

export type SqliteGrouping = Pick<GroupCommitOptions<unknown, unknown>, 'windowMs' | 'maxJobs' | 'now' | 'after'>;

export class SqliteStore implements FleetStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #s: ReturnType<typeof prepare>;

  private constructor(db: Database.Database, grouping: SqliteGrouping) {
    this.#db = db;
    this.#s = prepare(db);
    this.#group = new GroupCommit<IngestJob, IngestResult>({
      key: (j) => j.device,
      windowMs: 2,
      maxJobs: 512,
      ...grouping,
      commit: async (jobs) => this.#commitGroup(jobs),
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

  async addDevice(name: string, tokenHash: string, tokenExpiresAt: number | null, now: number): Promise<void> {
    this.#db
      .transaction(() => {
        const existing = this.#s.deviceByName.get(name) as { id: number; removed_at: number | null } | undefined;
        if (existing && existing.removed_at === null) throw new DeviceExistsError(`device ${name} already exists`);
        if (existing) this.#s.readdDevice.run(tokenHash, tokenExpiresAt, existing.id);
        else this.#s.insertDevice.run(name, tokenHash, tokenExpiresAt, now);
      })
      .immediate();
  }

  async removeDevice(name: string): Promise<boolean> {
    return this.#s.removeDevice.run(Date.now(), name).changes > 0;
  }

  async deviceByTokenHash(tokenHash: string): Promise<{ name: string; tokenExpiresAt: number | null } | null> {
    const row = this.#s.deviceByToken.get(tokenHash) as { name: string; token_expires_at: number | null } | undefined;
    return row ? { name: row.name, tokenExpiresAt: row.token_expires_at } : null;
  }

  async devices(): Promise<DeviceRow[]> {
    return (this.#s.devices.all() as DeviceDbRow[]).map((r) => ({
      name: r.name,
      createdAt: r.created_at,
      tokenExpiresAt: r.token_expires_at,
      lastSeq: r.last_seq,
      stored: r.stored,
      gaps: r.gaps,
      lastSeen: r.last_seen,
      software: r.software,
    }));
  }

  /**
   * Group commit (group-commit.ts): ingests that arrive within a couple of milliseconds share
   * one IMMEDIATE transaction and so one fsync; each runs inside its own SAVEPOINT (a nested
   * better-sqlite3 transaction), so one that throws is rolled back alone and the others still
   * commit. Every promise resolves only after the shared COMMIT has returned, i.e. is on disk.
   */
  readonly #group: GroupCommit<IngestJob, IngestResult>;

  /** Groups committed so far (for the benchmark and tests). */
  get groupStats(): Readonly<GroupCommitStats> {
    return this.#group.stats;
  }

  async ingest(device: string, items: BatchItem[], receivedAt: number, software: string | null): Promise<IngestOutcome | { ahead: true; ackedSeq: number }> {
    return this.#group.submit({ device, items, receivedAt, software });
  }

  #commitGroup(jobs: IngestJob[]): Outcome<IngestResult>[] {
    const one = this.#db.transaction((j: IngestJob) => this.#ingestOne(j));
    return this.#db
      .transaction(() =>
        jobs.map((j): Outcome<IngestResult> => {
          try {
            return { ok: true, value: one(j) };
          } catch (error) {
            return { ok: false, error };
          }
        }),
      )
      .immediate();
  }

  #ingestOne({ device, items, receivedAt, software }: IngestJob): IngestResult {
    const dev = this.#s.activeDevice.get(device) as { id: number; last_seq: number } | undefined;
    if (!dev) throw new Error(`no active device ${device}`);
    const mark = dev.last_seq;
    if (items.length > 0 && items[0]!.from > mark + 1) return { ahead: true, ackedSeq: mark };
    let stored = 0;
    let duplicates = 0;
    let gapsStored = 0;
    for (const it of items) {
      if (it.kind === 'record') {
        if (it.from <= mark) {
          duplicates++;
          continue;
        }
        const r = it.record;
        const body = JSON.stringify(r.body);
        if (r.kind === 'telemetry') {
          this.#s.insertTelemetry.run(dev.id, r.seq, r.at, receivedAt, body);
          this.#s.insertPending.run(dev.id, r.seq);
        } else {
          this.#s.insertEvent.run(dev.id, r.seq, r.at, receivedAt, body);
        }
        stored++;
      } else {
        const from = Math.max(it.from, mark + 1);
        duplicates += Math.max(0, Math.min(it.to, mark) - it.from + 1);
        if (from > it.to) continue;
        this.#s.insertGap.run(dev.id, from, it.to, it.gap.reason, receivedAt);
        gapsStored += it.to - from + 1;
      }
    }
    const last = items.length ? Math.max(mark, items[items.length - 1]!.to) : mark;
    this.#s.advance.run(last, stored, gapsStored, receivedAt, software, dev.id);
    return { ackedSeq: last, stored, duplicates, gapsStored };
  }

  async latestTelemetry(): Promise<TelemetryRow[]> {
    return (this.#s.latest.all() as RecordDbRow[]).map(toTelemetry);
  }

  async telemetry(device: string, fromMs: number, toMs: number, resolution: Resolution): Promise<TelemetryRow[]> {
    if (resolution === 'raw') return (this.#s.telemetryRaw.all(device, fromMs, toMs) as RecordDbRow[]).map(toTelemetry);
    return (this.#s.telemetryRollup.all(device, ROLLUP_MS[resolution], fromMs, toMs) as RecordDbRow[]).map(toTelemetry);
  }

  async events(device: string | null, sinceMs: number, limit: number): Promise<EventRow[]> {
    const rows = (device === null ? this.#s.eventsAll.all(sinceMs, limit) : this.#s.eventsOf.all(device, sinceMs, limit)) as RecordDbRow[];
    return rows.map((r) => ({ device: r.name, seq: r.seq, at: r.at, receivedAt: r.received_at, body: JSON.parse(r.body) as EventBody }));
  }

  async gapRuns(device: string): Promise<GapRow[]> {
    return (this.#s.gapRuns.all(device) as { name: string; from_seq: number; to_seq: number; reason: string; received_at: number }[]).map((g) => ({
      device: g.name,
      from: g.from_seq,
      to: g.to_seq,
      reason: g.reason,
      receivedAt: g.received_at,
    }));
  }

  async maintain(now: number, retention: { rawDays: number; minuteDays: number; hourDays: number }): Promise<void> {
    // Fold the queue first (its raw rows are still there), then apply retention. In slices of
    // ROLLUP_CHUNK records, yielding to the event loop between them: better-sqlite3 runs on the
    // main thread, and a backlog of tens of thousands folded in one go would hold every ingest
    // (and its ack) for seconds. Within a slice each bucket is read and written once.
    for (;;) {
      const done = this.#db
        .transaction(() => {
          const batch = this.#s.pending.all(ROLLUP_CHUNK) as { device_id: number; seq: number; at: number; received_at: number; body: string }[];
          const buckets = new Map<string, { device: number; size: number; bucket: number; cur: { seq: number; body: TelemetryBody } | null; receivedAt: number }>();
          for (const p of batch) {
            const rec = { seq: p.seq, body: JSON.parse(p.body) as TelemetryBody };
            for (const size of [ROLLUP_MS['1m'], ROLLUP_MS['1h']]) {
              const bucket = bucketStart(p.at, size);
              const k = `${p.device_id}/${size}/${bucket}`;
              let b = buckets.get(k);
              if (!b) {
                const prev = this.#s.rollupGet.get(p.device_id, size, bucket) as { seq: number; received_at: number; body: string } | undefined;
                b = { device: p.device_id, size, bucket, cur: prev ? { seq: prev.seq, body: JSON.parse(prev.body) as TelemetryBody } : null, receivedAt: prev?.received_at ?? 0 };
                buckets.set(k, b);
              }
              b.cur = foldIntoBucket(b.cur, rec, size);
              b.receivedAt = Math.max(b.receivedAt, p.received_at);
            }
            this.#s.pendingDelete.run(p.device_id, p.seq);
          }
          for (const b of buckets.values()) this.#s.rollupPut.run(b.device, b.size, b.bucket, b.cur!.seq, b.receivedAt, JSON.stringify(b.cur!.body));
          return batch.length < ROLLUP_CHUNK;
        })
        .immediate();
      if (done) break;
      await new Promise<void>((r) => setImmediate(r));
    }
    this.#db
      .transaction(() => {
        this.#s.dropTelemetry.run(now - retention.rawDays * DAY);
        this.#s.dropRollups.run(ROLLUP_MS['1m'], now - retention.minuteDays * DAY);
        this.#s.dropRollups.run(ROLLUP_MS['1h'], now - retention.hourDays * DAY);
        // Events are the alarm timeline beside the hourly charts: kept as long as those.
        this.#s.dropEvents.run(now - retention.hourDays * DAY);
      })
      .immediate();
  }

  async addUser(name: string, passwordHash: string, role: Role, now: number): Promise<void> {
    try {
      this.#s.insertUser.run(name, passwordHash, role, now);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new UserExistsError(`user ${name} already exists`);
      throw err;
    }
  }

  async removeUser(name: string): Promise<boolean> {
    return this.#s.removeUser.run(name).changes > 0;
  }

  async userByName(name: string): Promise<{ name: string; passwordHash: string; role: Role } | null> {
    const r = this.#s.userByName.get(name) as { name: string; password_hash: string; role: Role } | undefined;
    return r ? { name: r.name, passwordHash: r.password_hash, role: r.role } : null;
  }

  async sharedSecret(): Promise<string> {
    this.#s.metaInsert.run('session-secret', randomBytes(32).toString('base64url'));
    return (this.#s.metaGet.get('session-secret') as { value: string }).value;
  }

  // ── move (collector move, move-store.ts) ──

  #transfer: ReturnType<typeof prepareTransfer> | null = null;
  get #t(): ReturnType<typeof prepareTransfer> {
    return (this.#transfer ??= prepareTransfer(this.#db));
  }

  async exportIdentity(): Promise<{ devices: DeviceExport[]; users: UserExport[]; sharedSecret: string | null }> {
    const devices = (this.#t.allDevices.all() as (DeviceDbRow & { token_hash: string | null; removed_at: number | null })[]).map((r) => ({
      name: r.name,
      createdAt: r.created_at,
      tokenExpiresAt: r.token_expires_at,
      lastSeq: r.last_seq,
      stored: r.stored,
      gaps: r.gaps,
      lastSeen: r.last_seen,
      software: r.software,
      tokenHash: r.token_hash,
      removed: r.removed_at !== null,
    }));
    const users = (this.#t.allUsers.all() as { name: string; password_hash: string; role: Role; created_at: number }[]).map((u) => ({
      name: u.name,
      passwordHash: u.password_hash,
      role: u.role,
      createdAt: u.created_at,
    }));
    const secret = this.#s.metaGet.get('session-secret') as { value: string } | undefined;
    return { devices, users, sharedSecret: secret?.value ?? null };
  }

  async countRows(): Promise<Record<TransferTable | 'gapRuns', number>> {
    const n = (sql: string) => (this.#db.prepare(sql).get() as { n: number }).n;
    return {
      telemetry: n('SELECT count(*) AS n FROM fleet_telemetry'),
      events: n('SELECT count(*) AS n FROM fleet_events'),
      'rollup-1m': n(`SELECT count(*) AS n FROM fleet_rollups WHERE size_ms = ${ROLLUP_MS['1m']}`),
      'rollup-1h': n(`SELECT count(*) AS n FROM fleet_rollups WHERE size_ms = ${ROLLUP_MS['1h']}`),
      gapRuns: n('SELECT count(*) AS n FROM fleet_gaps'),
    };
  }

  async exportRows(table: TransferTable, device: string, after: number, limit: number): Promise<TransferRow[]> {
    if (table === 'telemetry') return (this.#t.telemetryAfter.all(device, after, limit) as RecordDbRow[]).map(toTelemetry);
    if (table === 'events') {
      return (this.#t.eventsAfter.all(device, after, limit) as RecordDbRow[]).map((r) => ({ device: r.name, seq: r.seq, at: r.at, receivedAt: r.received_at, body: JSON.parse(r.body) as EventBody }));
    }
    const size = ROLLUP_MS[table === 'rollup-1m' ? '1m' : '1h'];
    return (this.#t.rollupsAfter.all(device, size, after, limit) as RecordDbRow[]).map(toTelemetry);
  }

  async importRows(table: TransferTable, rows: TransferRow[]): Promise<number> {
    return this.#db
      .transaction(() => {
        let inserted = 0;
        const ids = new Map<string, number>();
        for (const r of rows) {
          let id = ids.get(r.device);
          if (id === undefined) {
            const d = this.#s.deviceByName.get(r.device) as { id: number } | undefined;
            if (!d) throw new Error(`importRows: no device ${r.device} (importDevice first)`);
            ids.set(r.device, (id = d.id));
          }
          const body = JSON.stringify(r.body);
          const res =
            table === 'telemetry'
              ? this.#t.insertTelemetry.run(id, r.seq, r.at, r.receivedAt, body)
              : table === 'events'
                ? this.#t.insertEvent.run(id, r.seq, r.at, r.receivedAt, body)
                : this.#t.insertRollup.run(id, ROLLUP_MS[table === 'rollup-1m' ? '1m' : '1h'], r.at, r.seq, r.receivedAt, body);
          inserted += res.changes;
        }
        return inserted;
      })
      .immediate();
  }

  async importGapRuns(rows: GapRow[]): Promise<number> {
    return this.#db
      .transaction(() => {
        let inserted = 0;
        for (const g of rows) {
          const d = this.#s.deviceByName.get(g.device) as { id: number } | undefined;
          if (!d) throw new Error(`importGapRuns: no device ${g.device} (importDevice first)`);
          inserted += this.#t.insertGap.run(d.id, g.from, g.to, g.reason, g.receivedAt).changes;
        }
        return inserted;
      })
      .immediate();
  }

  async importDevice(d: DeviceExport): Promise<void> {
    // removed_at only marks removal here (nothing reads its value); PostgreSQL keeps no time for it.
    const removedAt = d.removed ? (d.lastSeen ?? d.createdAt) : null;
    this.#t.upsertDevice.run(d.name, d.tokenHash, d.tokenExpiresAt, d.createdAt, removedAt, d.lastSeq, d.stored, d.gaps, d.lastSeen, d.software);
  }

  async importUser(u: UserExport): Promise<void> {
    this.#t.upsertUser.run(u.name, u.passwordHash, u.role, u.createdAt);
  }

  async importSharedSecret(secret: string): Promise<void> {
    this.#t.metaUpsert.run('session-secret', secret);
  }
}

function prepareTransfer(db: Database.Database) {
  return {
    allDevices: db.prepare(
      'SELECT name, token_hash, created_at, token_expires_at, removed_at, last_seq, stored, gaps, last_seen, software FROM fleet_devices ORDER BY name',
    ),
    allUsers: db.prepare('SELECT name, password_hash, role, created_at FROM fleet_users ORDER BY name'),
    telemetryAfter: db.prepare(
      `SELECT d.name, t.seq, t.at, t.received_at, t.body FROM fleet_devices d JOIN fleet_telemetry t ON t.device_id = d.id
       WHERE d.name = ? AND t.seq > ? ORDER BY t.seq LIMIT ?`,
    ),
    eventsAfter: db.prepare(
      `SELECT d.name, e.seq, e.at, e.received_at, e.body FROM fleet_devices d JOIN fleet_events e ON e.device_id = d.id
       WHERE d.name = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`,
    ),
    rollupsAfter: db.prepare(
      `SELECT d.name, r.seq, r.bucket AS at, r.received_at, r.body FROM fleet_devices d JOIN fleet_rollups r ON r.device_id = d.id
       WHERE d.name = ? AND r.size_ms = ? AND r.bucket > ? ORDER BY r.bucket LIMIT ?`,
    ),
    insertTelemetry: db.prepare('INSERT OR IGNORE INTO fleet_telemetry (device_id, seq, at, received_at, body) VALUES (?, ?, ?, ?, ?)'),
    insertEvent: db.prepare('INSERT OR IGNORE INTO fleet_events (device_id, seq, at, received_at, body) VALUES (?, ?, ?, ?, ?)'),
    insertRollup: db.prepare('INSERT OR IGNORE INTO fleet_rollups (device_id, size_ms, bucket, seq, received_at, body) VALUES (?, ?, ?, ?, ?, ?)'),
    insertGap: db.prepare('INSERT OR IGNORE INTO fleet_gaps (device_id, from_seq, to_seq, reason, received_at) VALUES (?, ?, ?, ?, ?)'),
    upsertDevice: db.prepare(
      `INSERT INTO fleet_devices (name, token_hash, token_expires_at, created_at, removed_at, last_seq, stored, gaps, last_seen, software)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, token_expires_at = excluded.token_expires_at, created_at = excluded.created_at,
         removed_at = excluded.removed_at, last_seq = excluded.last_seq, stored = excluded.stored, gaps = excluded.gaps, last_seen = excluded.last_seen,
         software = excluded.software`,
    ),
    upsertUser: db.prepare(
      `INSERT INTO fleet_users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, created_at = excluded.created_at`,
    ),
    metaUpsert: db.prepare('INSERT INTO fleet_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
  };
}

function toTelemetry(r: RecordDbRow): TelemetryRow {
  return { device: r.name, seq: r.seq, at: r.at, receivedAt: r.received_at, body: JSON.parse(r.body) as TelemetryBody };
}

function prepare(db: Database.Database) {
  return {
    deviceByName: db.prepare('SELECT id, removed_at FROM fleet_devices WHERE name = ?'),
    activeDevice: db.prepare('SELECT id, last_seq FROM fleet_devices WHERE name = ? AND removed_at IS NULL'),
    insertDevice: db.prepare('INSERT INTO fleet_devices (name, token_hash, token_expires_at, created_at) VALUES (?, ?, ?, ?)'),
    readdDevice: db.prepare('UPDATE fleet_devices SET token_hash = ?, token_expires_at = ?, removed_at = NULL WHERE id = ?'),
    removeDevice: db.prepare('UPDATE fleet_devices SET token_hash = NULL, removed_at = ? WHERE name = ? AND removed_at IS NULL'),
    deviceByToken: db.prepare('SELECT name, token_expires_at FROM fleet_devices WHERE token_hash = ? AND removed_at IS NULL'),
    devices: db.prepare(
      'SELECT name, created_at, token_expires_at, last_seq, stored, gaps, last_seen, software FROM fleet_devices WHERE removed_at IS NULL ORDER BY name',
    ),
    insertTelemetry: db.prepare('INSERT INTO fleet_telemetry (device_id, seq, at, received_at, body) VALUES (?, ?, ?, ?, ?)'),
    insertEvent: db.prepare('INSERT INTO fleet_events (device_id, seq, at, received_at, body) VALUES (?, ?, ?, ?, ?)'),
    insertPending: db.prepare('INSERT INTO fleet_rollup_pending (device_id, seq) VALUES (?, ?)'),
    insertGap: db.prepare('INSERT INTO fleet_gaps (device_id, from_seq, to_seq, reason, received_at) VALUES (?, ?, ?, ?, ?)'),
    advance: db.prepare(
      'UPDATE fleet_devices SET last_seq = ?, stored = stored + ?, gaps = gaps + ?, last_seen = ?, software = coalesce(?, software) WHERE id = ?',
    ),
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
    pending: db.prepare(
      `SELECT p.device_id, p.seq, t.at, t.received_at, t.body FROM fleet_rollup_pending p
       JOIN fleet_telemetry t ON t.device_id = p.device_id AND t.seq = p.seq ORDER BY p.device_id, p.seq LIMIT ?`,
    ),
    pendingDelete: db.prepare('DELETE FROM fleet_rollup_pending WHERE device_id = ? AND seq = ?'),
    rollupGet: db.prepare('SELECT seq, received_at, body FROM fleet_rollups WHERE device_id = ? AND size_ms = ? AND bucket = ?'),
    rollupPut: db.prepare(
      `INSERT INTO fleet_rollups (device_id, size_ms, bucket, seq, received_at, body) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id, size_ms, bucket) DO UPDATE SET seq = excluded.seq, received_at = excluded.received_at, body = excluded.body`,
    ),
    dropTelemetry: db.prepare('DELETE FROM fleet_telemetry WHERE received_at < ?'),
    dropRollups: db.prepare('DELETE FROM fleet_rollups WHERE size_ms = ? AND received_at < ?'),
    dropEvents: db.prepare('DELETE FROM fleet_events WHERE received_at < ?'),
    insertUser: db.prepare('INSERT INTO fleet_users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)'),
    removeUser: db.prepare('DELETE FROM fleet_users WHERE name = ?'),
    userByName: db.prepare('SELECT name, password_hash, role FROM fleet_users WHERE name = ?'),
    metaInsert: db.prepare('INSERT INTO fleet_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    metaGet: db.prepare('SELECT value FROM fleet_meta WHERE key = ?'),
  };
}
