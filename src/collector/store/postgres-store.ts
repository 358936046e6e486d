import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { BatchItem, EventBody, TelemetryBody } from '../../fleet-wire/schema.js';
import { DeviceExistsError, UserExistsError, type DeviceExport, type DeviceRow, type EventRow, type FleetStore, type GapRow, type IngestOutcome, type Resolution, type Role, type TelemetryRow, type TransferRow, type TransferTable, type UserExport } from './fleet-store.js';
import { DAY_MS, dayOf, dropPartitionsBefore, ensurePartitions } from './postgres-partitions.js';
import { buildRollups, ROLLUP_QUANTITIES, ROLLUPS, rollupToTelemetry, type RollupDbRow } from './postgres-rollups.js';
import { migrate, ROLLUP_LOCK } from './postgres-schema.js';
import { GroupCommit, type GroupCommitStats, type Outcome } from './group-commit.js';
import { inTransaction } from './postgres-tx.js';

interface IngestJob {
  device: string;
  items: BatchItem[];
  receivedAt: number;
  software: string | null;
}

/**
 * FleetStore on PostgreSQL, for fleets one machine cannot hold and for several collector
 * processes on one database (schema: postgres-schema.ts).
 *
 * Why ingest is exactly-once with many collectors: the whole batch is one transaction that
 * starts with `SELECT … FOR UPDATE` on the appliance's device row. A second collector
 * ingesting the same appliance blocks on that row until the first commits, then (READ
 * COMMITTED re-reads a locked row after the wait) sees the mark the first one wrote, so
 * everything at or below it is counted a duplicate and never inserted; the mark only moves to
 * max(old, run end). Two more guards, should that ever be wrong: the mark is written with a
 * compare-and-set on the value read (0 rows → the transaction fails, nothing is stored), and
 * inserts are ON CONFLICT DO NOTHING (which, the key having to include the partition column,
 * only catches a repeat with the same receive time). Different appliances never wait on
 * each other.
 */

const SQLSTATE_UNIQUE = '23505';
const SQLSTATE_NO_PARTITION = '23514';
const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock detected

function code(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

type Ahead = { ahead: true; ackedSeq: number };

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
  readonly #days = new Set<number>();

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

  #tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.#pool, fn);
  }

  // ── devices ────────────────────────────────────────────────────────────────────────────

  async addDevice(name: string, tokenHash: string, tokenExpiresAt: number | null, now: number): Promise<void> {
    // A removed name comes back with a new token and its old mark and counters (token rotation).
    const r = await this.#pool.query(
      `INSERT INTO devices (name, token_hash, created_at, token_expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, token_expires_at = excluded.token_expires_at, removed = false
        WHERE devices.removed
       RETURNING name`,
      [name, tokenHash, now, tokenExpiresAt],
    );
    if (r.rowCount === 0) throw new DeviceExistsError(`device ${name} already exists`);
  }

  async removeDevice(name: string): Promise<boolean> {
    const r = await this.#pool.query('UPDATE devices SET removed = true, token_hash = NULL WHERE name = $1 AND NOT removed', [name]);
    return (r.rowCount ?? 0) > 0;
  }

  /**
   * Every ingest request looks its token up first: lookups that arrive while others are being
   * answered go to the server together (one `= ANY` query), not one round trip each. Nothing
   * is cached: a revoked token stops working for the next request, as before.
   */
  readonly #tokenLookups = new GroupCommit<string, { name: string; tokenExpiresAt: number | null } | null>({
    key: (h) => h,
    windowMs: 0,
    maxJobs: 512,
    concurrency: 2,
    commit: async (hashes) => {
      const r = await this.#pool.query<{ name: string; token_hash: string; token_expires_at: number | null }>(
        'SELECT name, token_hash, token_expires_at FROM devices WHERE token_hash = ANY($1::text[]) AND NOT removed',
        [hashes],
      );
      const found = new Map(r.rows.map((row) => [row.token_hash, { name: row.name, tokenExpiresAt: row.token_expires_at }]));
      return hashes.map((h) => ({ ok: true as const, value: found.get(h) ?? null }));
    },
  });

  async deviceByTokenHash(tokenHash: string): Promise<{ name: string; tokenExpiresAt: number | null } | null> {
    return this.#tokenLookups.submit(tokenHash);
  }

  async devices(): Promise<DeviceRow[]> {
    // COLLATE "C": byte order, the same on every database whatever its locale (and as SQLite sorts).
    const r = await this.#pool.query<{ name: string; created_at: number; token_expires_at: number | null; last_seq: string; stored: string; gaps: string; last_seen: number | null; software: string | null }>(
      'SELECT name, created_at, token_expires_at, last_seq, stored, gaps, last_seen, software FROM devices WHERE NOT removed ORDER BY name COLLATE "C"',
    );
    return r.rows.map((d) => ({
      name: d.name,
      createdAt: d.created_at,
      tokenExpiresAt: d.token_expires_at,
      lastSeq: Number(d.last_seq),
      stored: Number(d.stored),
      gaps: Number(d.gaps),
      lastSeen: d.last_seen,
      software: d.software,
    }));
  }

  // ── ingest ─────────────────────────────────────────────────────────────────────────────

  /**
   * Group commit (group-commit.ts): batches arriving within ~2 ms share one transaction — BEGIN,
   * one `SELECT … FOR UPDATE` of every device in the group (in name order, so two groups, in
   * this or another collector, always lock in the same order and cannot deadlock), ONE
   * statement that writes every record, gap, rollup key, newest-telemetry row and high-water
   * mark (compare-and-set on the marks read under the lock), COMMIT — four round trips for the
   * group instead of six or seven per batch. Every promise resolves after that COMMIT.
   *
   * The fast path assumes nothing surprising happens. If anything does (an insert that hits an
   * existing key, a mark that moved, a bad body, a dropped partition, a deadlock) the group is
   * rolled back as a whole and each of its batches is ingested again on its own, in order per
   * device, through the exact one-batch path (#ingestOne): one batch's failure stays its own.
   */
  readonly #group = new GroupCommit<IngestJob, IngestOutcome | Ahead>({
    key: (j) => j.device,
    windowMs: 2,
    maxJobs: 512,
    concurrency: 3,
    commit: (jobs) => this.#commitGroup(jobs),
  });

  get groupStats(): Readonly<GroupCommitStats> {
    return this.#group.stats;
  }

  async ingest(device: string, items: BatchItem[], receivedAt: number, software: string | null): Promise<IngestOutcome | Ahead> {
    return this.#group.submit({ device, items, receivedAt, software });
  }

  async #ensureDays(receivedAts: number[]): Promise<void> {
    const missing = [...new Set(receivedAts.map(dayOf))].filter((d) => !this.#days.has(d));
    if (missing.length === 0) return;
    await ensurePartitions(this.#pool, missing);
    for (const d of missing) this.#days.add(d);
  }

  async #commitGroup(jobs: IngestJob[]): Promise<Outcome<IngestOutcome | Ahead>[]> {
    try {
      await this.#ensureDays(jobs.map((j) => j.receivedAt));
      return await this.#tx((c) => this.#groupIn(c, jobs));
    } catch (e) {
      if (code(e) === SQLSTATE_NO_PARTITION) this.#days.clear(); // dropped by another collector's retention
      // One device's batches in order, different devices side by side (the pool bounds them).
      const byDevice = new Map<string, number[]>();
      jobs.forEach((j, i) => byDevice.set(j.device, [...(byDevice.get(j.device) ?? []), i]));
      const out: Outcome<IngestOutcome | Ahead>[] = new Array(jobs.length);
      await Promise.all(
        [...byDevice.values()].map(async (idx) => {
          for (const i of idx) {
            try {
              out[i] = { ok: true, value: await this.#ingestOne(jobs[i]!) };
            } catch (error) {
              out[i] = { ok: false, error };
            }
          }
        }),
      );
      return out;
    }
  }

  /** The group's writes; throws (the caller falls back to one batch at a time) on any surprise. */
  async #groupIn(c: pg.PoolClient, jobs: IngestJob[]): Promise<Outcome<IngestOutcome | Ahead>[]> {
    const names = [...new Set(jobs.map((j) => j.device))];
    const locked = await c.query<{ name: string; last_seq: string }>('SELECT name, last_seq FROM devices WHERE name = ANY($1::text[]) ORDER BY name COLLATE "C" FOR UPDATE', [names]);
    const before = new Map(locked.rows.map((r) => [r.name, Number(r.last_seq)]));
    const mark = new Map(before);

    const tel = { d: [] as string[], s: [] as number[], a: [] as number[], r: [] as number[], b: [] as string[] };
    const ev = { d: [] as string[], s: [] as number[], a: [] as number[], r: [] as number[], b: [] as string[] };
    const gp = { d: [] as string[], f: [] as number[], t: [] as number[], why: [] as string[], r: [] as number[] };
    const newest = new Map<string, { seq: number; at: number; r: number; body: string }>();
    const dev = new Map<string, { stored: number; gaps: number; seen: number; software: string | null }>();
    const out: Outcome<IngestOutcome | Ahead>[] = [];

    for (const j of jobs) {
      const lastSeq = mark.get(j.device);
      if (lastSeq === undefined) {
        out.push({ ok: false, error: new Error(`unknown device ${j.device}`) });
        continue;
      }
      const first = j.items[0];
      if (first && first.from > lastSeq + 1) {
        out.push({ ok: true, value: { ahead: true, ackedSeq: lastSeq } });
        continue;
      }
      let stored = 0;
      let duplicates = 0;
      let gapsStored = 0;
      for (const it of j.items) {
        if (it.to <= lastSeq) {
          duplicates += it.to - it.from + 1;
          continue;
        }
        if (it.kind === 'record') {
          const r = it.record;
          const body = JSON.stringify(r.body);
          const into = r.kind === 'telemetry' ? tel : ev;
          into.d.push(j.device);
          into.s.push(r.seq);
          into.a.push(r.at);
          into.r.push(j.receivedAt);
          into.b.push(body);
          if (r.kind === 'telemetry' && (newest.get(j.device)?.seq ?? -Infinity) < r.seq) newest.set(j.device, { seq: r.seq, at: r.at, r: j.receivedAt, body });
          stored++;
        } else {
          const from = Math.max(it.from, lastSeq + 1);
          duplicates += from - it.from;
          gapsStored += it.to - from + 1;
          gp.d.push(j.device);
          gp.f.push(from);
          gp.t.push(it.to);
          gp.why.push(it.gap.reason);
          gp.r.push(j.receivedAt);
        }
      }
      const last = j.items[j.items.length - 1];
      const ackedSeq = Math.max(lastSeq, last ? last.to : 0);
      mark.set(j.device, ackedSeq);
      const d = dev.get(j.device) ?? { stored: 0, gaps: 0, seen: j.receivedAt, software: null };
      d.stored += stored;
      d.gaps += gapsStored;
      d.seen = j.receivedAt; // the last accepted batch's, as one batch at a time would leave it
      d.software = j.software ?? d.software;
      dev.set(j.device, d);
      out.push({ ok: true, value: { ackedSeq, stored, duplicates, gapsStored } });
    }
    if (dev.size === 0) return out;

    const upd = [...dev.entries()];
    const lt = [...newest.entries()];
    // Telemetry before events, as everywhere (the partition DDL's table order: no lock cycles).
    const r = await c.query<{ tel: number; ev: number; dev: number }>(
      `WITH t AS (
         INSERT INTO telemetry (device, seq, at, received_at, body)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::float8[], $5::jsonb[])
         ON CONFLICT DO NOTHING
         RETURNING device, seq, received_at
       ), p AS (
         INSERT INTO rollup_pending (device, seq, received_at) SELECT device, seq, received_at FROM t ON CONFLICT DO NOTHING
       ), e AS (
         INSERT INTO events (device, seq, at, received_at, body)
         SELECT * FROM unnest($6::text[], $7::bigint[], $8::float8[], $9::float8[], $10::jsonb[])
         ON CONFLICT DO NOTHING
         RETURNING 1
       ), g AS (
         INSERT INTO gaps (device, from_seq, to_seq, reason, received_at)
         SELECT * FROM unnest($11::text[], $12::bigint[], $13::bigint[], $14::text[], $15::float8[])
         ON CONFLICT DO NOTHING
       ), l AS (
         INSERT INTO latest_telemetry (device, seq, at, received_at, body)
         SELECT * FROM unnest($16::text[], $17::bigint[], $18::float8[], $19::float8[], $20::jsonb[])
         ON CONFLICT (device) DO UPDATE SET seq = excluded.seq, at = excluded.at, received_at = excluded.received_at, body = excluded.body
          WHERE latest_telemetry.seq < excluded.seq
       ), d AS (
         UPDATE devices SET last_seq = x.new_seq, stored = devices.stored + x.stored, gaps = devices.gaps + x.gaps, last_seen = x.seen,
                software = COALESCE(x.sw, devices.software)
           FROM unnest($21::text[], $22::bigint[], $23::bigint[], $24::bigint[], $25::bigint[], $26::float8[], $27::text[]) AS x(name, old_seq, new_seq, stored, gaps, seen, sw)
          WHERE devices.name = x.name AND devices.last_seq = x.old_seq
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM t)::int AS tel, (SELECT count(*) FROM e)::int AS ev, (SELECT count(*) FROM d)::int AS dev`,
      [
        tel.d, tel.s, tel.a, tel.r, tel.b,
        ev.d, ev.s, ev.a, ev.r, ev.b,
        gp.d, gp.f, gp.t, gp.why, gp.r,
        lt.map(([n]) => n), lt.map(([, x]) => x.seq), lt.map(([, x]) => x.at), lt.map(([, x]) => x.r), lt.map(([, x]) => x.body),
        upd.map(([n]) => n), upd.map(([n]) => before.get(n)!), upd.map(([n]) => mark.get(n)!), upd.map(([, x]) => x.stored), upd.map(([, x]) => x.gaps), upd.map(([, x]) => x.seen), upd.map(([, x]) => x.software),
      ],
    );
    const got = r.rows[0]!;
    // A row that was already there would make the per-batch counts wrong: redo one by one.
    if (got.tel !== tel.d.length || got.ev !== ev.d.length || got.dev !== upd.length) {
      throw new Error(`group ingest: expected ${tel.d.length}/${ev.d.length}/${upd.length} rows, wrote ${got.tel}/${got.ev}/${got.dev}`);
    }
    return out;
  }

  /** One batch in its own transaction (the exact path; retried on serialization failures). */
  async #ingestOne({ device, items, receivedAt, software }: IngestJob): Promise<IngestOutcome | Ahead> {
    const day = dayOf(receivedAt);
    for (let attempt = 1; ; attempt++) {
      if (!this.#days.has(day)) {
        await ensurePartitions(this.#pool, [day]);
        this.#days.add(day);
      }
      try {
        return await this.#tx((c) => this.#ingestIn(c, device, items, receivedAt, software));
      } catch (e) {
        const sqlstate = code(e);
        if (attempt >= 4) throw e;
        if (sqlstate === SQLSTATE_NO_PARTITION) this.#days.delete(day); // dropped by another collector's retention
        else if (!sqlstate || !RETRYABLE.has(sqlstate)) throw e;
      }
    }
  }

  async #ingestIn(c: pg.PoolClient, device: string, items: BatchItem[], receivedAt: number, software: string | null): Promise<IngestOutcome | Ahead> {
    const locked = await c.query<{ last_seq: string }>('SELECT last_seq FROM devices WHERE name = $1 FOR UPDATE', [device]);
    if (!locked.rows[0]) throw new Error(`unknown device ${device}`);
    const lastSeq = Number(locked.rows[0].last_seq);

    const first = items[0];
    if (first && first.from > lastSeq + 1) return { ahead: true, ackedSeq: lastSeq };

    let duplicates = 0;
    let gapsStored = 0;
    const tel: { seq: number; at: number; body: TelemetryBody }[] = [];
    const ev: { seq: number; at: number; body: EventBody }[] = [];
    const gaps: { from: number; to: number; reason: string }[] = [];
    for (const it of items) {
      if (it.to <= lastSeq) {
        duplicates += it.to - it.from + 1;
        continue;
      }
      if (it.kind === 'record') {
        const r = it.record;
        if (r.kind === 'telemetry') tel.push({ seq: r.seq, at: r.at, body: r.body });
        else ev.push({ seq: r.seq, at: r.at, body: r.body });
      } else {
        // A gap straddling the mark: the part at or below it is already accounted for.
        const from = Math.max(it.from, lastSeq + 1);
        duplicates += from - it.from;
        gapsStored += it.to - from + 1;
        gaps.push({ from, to: it.to, reason: it.gap.reason });
      }
    }

    let stored = 0;
    // Telemetry before events, always (the same table order as partition DDL: no lock cycles).
    if (tel.length > 0) {
      const r = await c.query(
        `WITH ins AS (
           INSERT INTO telemetry (device, seq, at, received_at, body)
           SELECT $1, s, a, $2, b FROM unnest($3::bigint[], $4::float8[], $5::jsonb[]) AS x(s, a, b)
           ON CONFLICT DO NOTHING
           RETURNING device, seq, received_at
         ), p AS (
           INSERT INTO rollup_pending (device, seq, received_at) SELECT device, seq, received_at FROM ins ON CONFLICT DO NOTHING
         )
         SELECT count(*)::int AS n FROM ins`,
        [device, receivedAt, tel.map((x) => x.seq), tel.map((x) => x.at), tel.map((x) => JSON.stringify(x.body))],
      );
      const n = (r.rows[0] as { n: number }).n;
      stored += n;
      duplicates += tel.length - n;
      const newest = tel.reduce((a, b) => (b.seq > a.seq ? b : a));
      await c.query(
        `INSERT INTO latest_telemetry (device, seq, at, received_at, body) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (device) DO UPDATE SET seq = excluded.seq, at = excluded.at, received_at = excluded.received_at, body = excluded.body
          WHERE latest_telemetry.seq < excluded.seq`,
        [device, newest.seq, newest.at, receivedAt, JSON.stringify(newest.body)],
      );
    }
    if (ev.length > 0) {
      const r = await c.query(
        `INSERT INTO events (device, seq, at, received_at, body)
         SELECT $1, s, a, $2, b FROM unnest($3::bigint[], $4::float8[], $5::jsonb[]) AS x(s, a, b)
         ON CONFLICT DO NOTHING`,
        [device, receivedAt, ev.map((x) => x.seq), ev.map((x) => x.at), ev.map((x) => JSON.stringify(x.body))],
      );
      const n = r.rowCount ?? 0;
      stored += n;
      duplicates += ev.length - n;
    }
    if (gaps.length > 0) {
      await c.query(
        `INSERT INTO gaps (device, from_seq, to_seq, reason, received_at)
         SELECT $1, f, t, r, $2 FROM unnest($3::bigint[], $4::bigint[], $5::text[]) AS x(f, t, r)
         ON CONFLICT DO NOTHING`,
        [device, receivedAt, gaps.map((g) => g.from), gaps.map((g) => g.to), gaps.map((g) => g.reason)],
      );
    }

    const last = items[items.length - 1];
    const ackedSeq = Math.max(lastSeq, last ? last.to : 0);
    const upd = await c.query(
      `UPDATE devices SET last_seq = $3, stored = stored + $4, gaps = gaps + $5, last_seen = $6, software = COALESCE($7, software)
        WHERE name = $1 AND last_seq = $2`,
      [device, lastSeq, ackedSeq, stored, gapsStored, receivedAt, software],
    );
    if (upd.rowCount !== 1) throw new Error(`the high-water mark of ${device} moved under its lock`);
    return { ackedSeq, stored, duplicates, gapsStored };
  }

  // ── reads ──────────────────────────────────────────────────────────────────────────────

  async latestTelemetry(): Promise<TelemetryRow[]> {
    const r = await this.#pool.query<DbRecord<TelemetryBody>>('SELECT device, seq, at, received_at, body FROM latest_telemetry ORDER BY device COLLATE "C"');
    return r.rows.map(toRecord);
  }

  async telemetry(device: string, fromMs: number, toMs: number, resolution: Resolution): Promise<TelemetryRow[]> {
    if (resolution === 'raw') {
      const r = await this.#pool.query<DbRecord<TelemetryBody>>('SELECT device, seq, at, received_at, body FROM telemetry WHERE device = $1 AND at >= $2 AND at < $3 ORDER BY at, seq', [device, fromMs, toMs]);
      return r.rows.map(toRecord);
    }
    const rollup = ROLLUPS.find((x) => x.resolution === resolution);
    if (!rollup) throw new Error(`unknown resolution ${String(resolution)}`);
    const r = await this.#pool.query<RollupDbRow>(`SELECT * FROM ${rollup.table} WHERE device = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket`, [device, fromMs, toMs]);
    return r.rows.map((row) => rollupToTelemetry(row, rollup.sizeMs));
  }

  async events(device: string | null, sinceMs: number, limit: number): Promise<EventRow[]> {
    const r = await this.#pool.query<DbRecord<EventBody>>(
      `SELECT device, seq, at, received_at, body FROM events WHERE ($1::text IS NULL OR device = $1) AND at >= $2
        ORDER BY at DESC, seq DESC, device COLLATE "C" LIMIT $3`,
      [device, sinceMs, Math.max(0, Math.floor(limit))],
    );
    return r.rows.map(toRecord);
  }

  async gapRuns(device: string): Promise<GapRow[]> {
    const r = await this.#pool.query<{ device: string; from_seq: string; to_seq: string; reason: string; received_at: number }>(
      'SELECT device, from_seq, to_seq, reason, received_at FROM gaps WHERE device = $1 ORDER BY from_seq',
      [device],
    );
    return r.rows.map((g) => ({ device: g.device, from: Number(g.from_seq), to: Number(g.to_seq), reason: g.reason, receivedAt: g.received_at }));
  }

  // ── maintenance ────────────────────────────────────────────────────────────────────────

  /**
   * Partitions for today and the next two days; rollups of everything received up to `now`;
   * then retention (rollups first, so a record is merged before its raw row can be dropped).
   */
  async maintain(now: number, retention: { rawDays: number; minuteDays: number; hourDays: number }): Promise<void> {
    const today = dayOf(now);
    const ahead = [today, today + 1, today + 2];
    await ensurePartitions(this.#pool, ahead);
    for (const d of ahead) this.#days.add(d);

    await buildRollups(this.#pool, now, ROLLUP_LOCK);

    const rawCutoff = now - retention.rawDays * DAY_MS;
    const dropped = await dropPartitionsBefore(this.#pool, rawCutoff);
    if (dropped.length > 0) this.#days.clear();
    // Records whose raw rows are gone can no longer be merged (a build always runs first, so
    // only records received after `now` could be left): forget their keys.
    await this.#pool.query('DELETE FROM rollup_pending WHERE received_at < $1', [rawCutoff]);
    await this.#pool.query('DELETE FROM telemetry_1m WHERE received_max < $1', [now - retention.minuteDays * DAY_MS]);
    await this.#pool.query('DELETE FROM telemetry_1h WHERE received_max < $1', [now - retention.hourDays * DAY_MS]);
    // Gap runs are the record of a loss: kept as long as the longest-lived data.
    const gapCutoff = now - Math.max(retention.rawDays, retention.minuteDays, retention.hourDays) * DAY_MS;
    await this.#pool.query('DELETE FROM gaps WHERE received_at < $1', [gapCutoff]);
  }

  // ── users and shared secret ────────────────────────────────────────────────────────────

  async addUser(name: string, passwordHash: string, role: Role, now: number): Promise<void> {
    try {
      await this.#pool.query('INSERT INTO users (name, password_hash, role, created_at) VALUES ($1, $2, $3, $4)', [name, passwordHash, role, now]);
    } catch (e) {
      if (code(e) === SQLSTATE_UNIQUE) throw new UserExistsError(`user ${name} already exists`);
      throw e;
    }
  }

  async removeUser(name: string): Promise<boolean> {
    const r = await this.#pool.query('DELETE FROM users WHERE name = $1', [name]);
    return (r.rowCount ?? 0) > 0;
  }

  async userByName(name: string): Promise<{ name: string; passwordHash: string; role: Role } | null> {
    const r = await this.#pool.query<{ name: string; password_hash: string; role: Role }>('SELECT name, password_hash, role FROM users WHERE name = $1', [name]);
    const u = r.rows[0];
    return u ? { name: u.name, passwordHash: u.password_hash, role: u.role } : null;
  }

  async sharedSecret(): Promise<string> {
    // Concurrent first callers (in this or another collector): ON CONFLICT makes one insert win,
    // the others wait for it and then read what it wrote.
    await this.#pool.query("INSERT INTO fleet_meta (key, value) VALUES ('shared_secret', $1) ON CONFLICT (key) DO NOTHING", [randomBytes(32).toString('base64url')]);
    const r = await this.#pool.query<{ value: string }>("SELECT value FROM fleet_meta WHERE key = 'shared_secret'");
    return r.rows[0]!.value;
  }

  // ── move (collector move, move-store.ts) ───────────────────────────────────────────────

  async exportIdentity(): Promise<{ devices: DeviceExport[]; users: UserExport[]; sharedSecret: string | null }> {
    const d = await this.#pool.query<{ name: string; token_hash: string | null; created_at: number; token_expires_at: number | null; removed: boolean; last_seq: string; stored: string; gaps: string; last_seen: number | null; software: string | null }>(
      'SELECT name, token_hash, created_at, token_expires_at, removed, last_seq, stored, gaps, last_seen, software FROM devices ORDER BY name COLLATE "C"',
    );
    const u = await this.#pool.query<{ name: string; password_hash: string; role: Role; created_at: number }>('SELECT name, password_hash, role, created_at FROM users ORDER BY name COLLATE "C"');
    const s = await this.#pool.query<{ value: string }>("SELECT value FROM fleet_meta WHERE key = 'shared_secret'");
    return {
      devices: d.rows.map((r) => ({
        name: r.name,
        createdAt: r.created_at,
        tokenExpiresAt: r.token_expires_at,
        lastSeq: Number(r.last_seq),
        stored: Number(r.stored),
        gaps: Number(r.gaps),
        lastSeen: r.last_seen,
        software: r.software,
        tokenHash: r.token_hash,
        removed: r.removed,
      })),
      users: u.rows.map((r) => ({ name: r.name, passwordHash: r.password_hash, role: r.role, createdAt: r.created_at })),
      sharedSecret: s.rows[0]?.value ?? null,
    };
  }

  async countRows(): Promise<Record<TransferTable | 'gapRuns', number>> {
    const r = await this.#pool.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM telemetry) AS telemetry, (SELECT count(*) FROM events) AS events,
              (SELECT count(*) FROM telemetry_1m) AS m, (SELECT count(*) FROM telemetry_1h) AS h, (SELECT count(*) FROM gaps) AS g`,
    );
    const row = r.rows[0]!;
    return { telemetry: Number(row.telemetry), events: Number(row.events), 'rollup-1m': Number(row.m), 'rollup-1h': Number(row.h), gapRuns: Number(row.g) };
  }

  async exportRows(table: TransferTable, device: string, after: number, limit: number): Promise<TransferRow[]> {
    if (table === 'telemetry' || table === 'events') {
      const r = await this.#pool.query<DbRecord<TelemetryBody | EventBody>>(`SELECT device, seq, at, received_at, body FROM ${table} WHERE device = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [device, after, limit]);
      return r.rows.map(toRecord) as TransferRow[];
    }
    const rollup = ROLLUPS.find((x) => x.resolution === (table === 'rollup-1m' ? '1m' : '1h'))!;
    const r = await this.#pool.query<RollupDbRow>(`SELECT * FROM ${rollup.table} WHERE device = $1 AND bucket > $2 ORDER BY bucket LIMIT $3`, [device, after, limit]);
    return r.rows.map((row) => rollupToTelemetry(row, rollup.sizeMs));
  }

  async importRows(table: TransferTable, rows: TransferRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    if (table === 'telemetry' || table === 'events') {
      const days = [...new Set(rows.map((x) => dayOf(x.receivedAt)))].filter((d) => !this.#days.has(d));
      await ensurePartitions(this.#pool, days);
      for (const d of days) this.#days.add(d);
    }
    return this.#tx(async (c) => {
      if (table === 'telemetry' || table === 'events') {
        const r = await c.query(
          `INSERT INTO ${table} (device, seq, at, received_at, body)
           SELECT d, s, a, ra, b FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::float8[], $5::jsonb[]) AS x(d, s, a, ra, b)
           ON CONFLICT DO NOTHING`,
          [rows.map((x) => x.device), rows.map((x) => x.seq), rows.map((x) => x.at), rows.map((x) => x.receivedAt), rows.map((x) => JSON.stringify(x.body))],
        );
        if (table === 'telemetry') {
          const newest = new Map<string, TransferRow>();
          for (const x of rows) if ((newest.get(x.device)?.seq ?? -Infinity) < x.seq) newest.set(x.device, x);
          for (const x of newest.values()) {
            await c.query(
              `INSERT INTO latest_telemetry (device, seq, at, received_at, body) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (device) DO UPDATE SET seq = excluded.seq, at = excluded.at, received_at = excluded.received_at, body = excluded.body
                WHERE latest_telemetry.seq < excluded.seq`,
              [x.device, x.seq, x.at, x.receivedAt, JSON.stringify(x.body)],
            );
          }
        }
        return r.rowCount ?? 0;
      }
      // A rollup row back into columns: n = count, sum = count·mean, sumsq = count·rms² (as built).
      const rollup = ROLLUPS.find((x) => x.resolution === (table === 'rollup-1m' ? '1m' : '1h'))!;
      const cols = ROLLUP_QUANTITIES.flatMap((q) => [`${q.col}_n`, `${q.col}_min`, `${q.col}_max`, `${q.col}_sum`, `${q.col}_sumsq`]);
      const all = ['device', 'bucket', 'records', 'from_ms', 'to_ms', ...cols, 'last_seq', 'last_body', 'received_max'];
      let inserted = 0;
      for (const x of rows) {
        const b = x.body as TelemetryBody;
        const aggs = ROLLUP_QUANTITIES.flatMap((q) => {
          const a = (q.path.length === 1 ? (b as unknown as Record<string, unknown>)[q.path[0]!] : (b.gnss as Record<string, unknown>)[q.path[1]!]) as
            | { count: number; min: number; max: number; mean: number; rms: number }
            | null
            | undefined;
          return a ? [a.count, a.min, a.max, a.count * a.mean, a.count * a.rms * a.rms] : [null, null, null, null, null];
        });
        // `records` (telemetry records merged) is not kept by the SQLite store; nothing reads it.
        const values = [x.device, x.at, 0, b.fromMs, b.toMs, ...aggs, x.seq, JSON.stringify(b), x.receivedAt];
        const r = await c.query(`INSERT INTO ${rollup.table} (${all.join(', ')}) VALUES (${all.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT DO NOTHING`, values);
        inserted += r.rowCount ?? 0;
      }
      return inserted;
    });
  }

  async importGapRuns(rows: GapRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const r = await this.#pool.query(
      `INSERT INTO gaps (device, from_seq, to_seq, reason, received_at)
       SELECT d, f, t, r, ra FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::float8[]) AS x(d, f, t, r, ra)
       ON CONFLICT DO NOTHING`,
      [rows.map((g) => g.device), rows.map((g) => g.from), rows.map((g) => g.to), rows.map((g) => g.reason), rows.map((g) => g.receivedAt)],
    );
    return r.rowCount ?? 0;
  }

  async importDevice(d: DeviceExport): Promise<void> {
    await this.#pool.query(
      `INSERT INTO devices (name, token_hash, created_at, token_expires_at, removed, last_seq, stored, gaps, last_seen, software)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at, token_expires_at = excluded.token_expires_at,
         removed = excluded.removed, last_seq = excluded.last_seq, stored = excluded.stored, gaps = excluded.gaps, last_seen = excluded.last_seen,
         software = excluded.software`,
      [d.name, d.tokenHash, d.createdAt, d.tokenExpiresAt, d.removed, d.lastSeq, d.stored, d.gaps, d.lastSeen, d.software],
    );
  }

  async importUser(u: UserExport): Promise<void> {
    await this.#pool.query(
      `INSERT INTO users (name, password_hash, role, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, created_at = excluded.created_at`,
      [u.name, u.passwordHash, u.role, u.createdAt],
    );
  }

  async importSharedSecret(secret: string): Promise<void> {
    await this.#pool.query("INSERT INTO fleet_meta (key, value) VALUES ('shared_secret', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [secret]);
  }
}

interface DbRecord<B> {
  device: string;
  seq: string;
  at: number;
  received_at: number;
  body: B;
}

function toRecord<B>(r: DbRecord<B>): { device: string; seq: number; at: number; receivedAt: number; body: B } {
  return { device: r.device, seq: Number(r.seq), at: r.at, receivedAt: r.received_at, body: r.body };
}
