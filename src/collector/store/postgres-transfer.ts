import type pg from 'pg';
import type { EventBody, TelemetryBody } from '../../fleet-wire/schema.js';
import type { DeviceExport, GapRow, Role, TransferRow, TransferTable, UserExport } from './fleet-store.js';
import { ensureKnownDays, type KnownDays } from './postgres-known-days.js';
import { dayOf } from './postgres-partitions.js';
import { toRecord, type DbRecord } from './postgres-reads.js';
import { ROLLUP_QUANTITIES, ROLLUPS, rollupToTelemetry, type RollupDbRow } from './postgres-rollups.js';
import { inTransaction } from './postgres-tx.js';

/** Export and import of a whole store, for `collector move` (move-store.ts); never used while serving. */

export async function exportIdentity(pool: pg.Pool): Promise<{ devices: DeviceExport[]; users: UserExport[]; sharedSecret: string | null }> {
  const d = await pool.query<{ name: string; token_hash: string | null; created_at: number; token_expires_at: number | null; removed: boolean; last_seq: string; stored: string; gaps: string; last_seen: number | null; software: string | null }>(
    'SELECT name, token_hash, created_at, token_expires_at, removed, last_seq, stored, gaps, last_seen, software FROM devices ORDER BY name COLLATE "C"',
  );
  const u = await pool.query<{ name: string; password_hash: string; role: Role; created_at: number }>('SELECT name, password_hash, role, created_at FROM users ORDER BY name COLLATE "C"');
  const s = await pool.query<{ value: string }>("SELECT value FROM fleet_meta WHERE key = 'shared_secret'");
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

export async function countRows(pool: pg.Pool): Promise<Record<TransferTable | 'gapRuns', number>> {
  const r = await pool.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM telemetry) AS telemetry, (SELECT count(*) FROM events) AS events,
            (SELECT count(*) FROM telemetry_1m) AS m, (SELECT count(*) FROM telemetry_1h) AS h, (SELECT count(*) FROM gaps) AS g`,
  );
  const row = r.rows[0]!;
  return { telemetry: Number(row.telemetry), events: Number(row.events), 'rollup-1m': Number(row.m), 'rollup-1h': Number(row.h), gapRuns: Number(row.g) };
}

export async function exportRows(pool: pg.Pool, table: TransferTable, device: string, after: number, limit: number): Promise<TransferRow[]> {
  if (table === 'telemetry' || table === 'events') {
    const r = await pool.query<DbRecord<TelemetryBody | EventBody>>(`SELECT device, seq, at, received_at, body FROM ${table} WHERE device = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [device, after, limit]);
    return r.rows.map(toRecord) as TransferRow[];
  }
  const rollup = ROLLUPS.find((x) => x.resolution === (table === 'rollup-1m' ? '1m' : '1h'))!;
  const r = await pool.query<RollupDbRow>(`SELECT * FROM ${rollup.table} WHERE device = $1 AND bucket > $2 ORDER BY bucket LIMIT $3`, [device, after, limit]);
  return r.rows.map((row) => rollupToTelemetry(row, rollup.sizeMs));
}

export async function importRows(pool: pg.Pool, known: KnownDays, table: TransferTable, rows: TransferRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  if (table === 'telemetry' || table === 'events') {
    await ensureKnownDays(pool, known, rows.map((x) => dayOf(x.receivedAt)));
  }
  return inTransaction(pool, async (c) => {
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

export async function importGapRuns(pool: pg.Pool, rows: GapRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const r = await pool.query(
    `INSERT INTO gaps (device, from_seq, to_seq, reason, received_at)
     SELECT d, f, t, r, ra FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::float8[]) AS x(d, f, t, r, ra)
     ON CONFLICT DO NOTHING`,
    [rows.map((g) => g.device), rows.map((g) => g.from), rows.map((g) => g.to), rows.map((g) => g.reason), rows.map((g) => g.receivedAt)],
  );
  return r.rowCount ?? 0;
}

export async function importDevice(pool: pg.Pool, d: DeviceExport): Promise<void> {
  await pool.query(
    `INSERT INTO devices (name, token_hash, created_at, token_expires_at, removed, last_seq, stored, gaps, last_seen, software)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at, token_expires_at = excluded.token_expires_at,
       removed = excluded.removed, last_seq = excluded.last_seq, stored = excluded.stored, gaps = excluded.gaps, last_seen = excluded.last_seen,
       software = excluded.software`,
    [d.name, d.tokenHash, d.createdAt, d.tokenExpiresAt, d.removed, d.lastSeq, d.stored, d.gaps, d.lastSeen, d.software],
  );
}

export async function importUser(pool: pg.Pool, u: UserExport): Promise<void> {
  await pool.query(
    `INSERT INTO users (name, password_hash, role, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, created_at = excluded.created_at`,
    [u.name, u.passwordHash, u.role, u.createdAt],
  );
}

export async function importSharedSecret(pool: pg.Pool, secret: string): Promise<void> {
  await pool.query("INSERT INTO fleet_meta (key, value) VALUES ('shared_secret', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [secret]);
}
