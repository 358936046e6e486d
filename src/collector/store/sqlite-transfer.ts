import type Database from 'better-sqlite3';
import type { DeviceExport, GapRow, Role, TransferRow, TransferTable, UserExport } from './fleet-store.js';
import { ROLLUP_MS } from './rollup.js';
import { SECRET_KEY } from './sqlite-identity.js';
import { toDeviceRow, toEvent, toTelemetry, type DeviceDbRow, type RecordDbRow } from './sqlite-rows.js';

/** Export and import of a whole store, for `collector move` (move-store.ts); never used while serving. */

export type TransferStatements = ReturnType<typeof prepareTransfer>;

/** SqliteStore prepares these on first use: only `collector move` needs them. */
export function prepareTransfer(db: Database.Database) {
  return {
    deviceId: db.prepare('SELECT id FROM fleet_devices WHERE name = ?'),
    metaGet: db.prepare('SELECT value FROM fleet_meta WHERE key = ?'),
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

export function exportIdentity(s: TransferStatements): { devices: DeviceExport[]; users: UserExport[]; sharedSecret: string | null } {
  const devices = (s.allDevices.all() as (DeviceDbRow & { token_hash: string | null; removed_at: number | null })[]).map((r) => ({
    ...toDeviceRow(r),
    tokenHash: r.token_hash,
    removed: r.removed_at !== null,
  }));
  const users = (s.allUsers.all() as { name: string; password_hash: string; role: Role; created_at: number }[]).map((u) => ({
    name: u.name,
    passwordHash: u.password_hash,
    role: u.role,
    createdAt: u.created_at,
  }));
  const secret = s.metaGet.get(SECRET_KEY) as { value: string } | undefined;
  return { devices, users, sharedSecret: secret?.value ?? null };
}

export function countRows(db: Database.Database): Record<TransferTable | 'gapRuns', number> {
  const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return {
    telemetry: n('SELECT count(*) AS n FROM fleet_telemetry'),
    events: n('SELECT count(*) AS n FROM fleet_events'),
    'rollup-1m': n(`SELECT count(*) AS n FROM fleet_rollups WHERE size_ms = ${ROLLUP_MS['1m']}`),
    'rollup-1h': n(`SELECT count(*) AS n FROM fleet_rollups WHERE size_ms = ${ROLLUP_MS['1h']}`),
    gapRuns: n('SELECT count(*) AS n FROM fleet_gaps'),
  };
}

export function exportRows(s: TransferStatements, table: TransferTable, device: string, after: number, limit: number): TransferRow[] {
  if (table === 'telemetry') return (s.telemetryAfter.all(device, after, limit) as RecordDbRow[]).map(toTelemetry);
  if (table === 'events') return (s.eventsAfter.all(device, after, limit) as RecordDbRow[]).map(toEvent);
  const size = ROLLUP_MS[table === 'rollup-1m' ? '1m' : '1h'];
  return (s.rollupsAfter.all(device, size, after, limit) as RecordDbRow[]).map(toTelemetry);
}

export function importRows(db: Database.Database, s: TransferStatements, table: TransferTable, rows: TransferRow[]): number {
  return db
    .transaction(() => {
      let inserted = 0;
      const ids = new Map<string, number>();
      for (const r of rows) {
        let id = ids.get(r.device);
        if (id === undefined) {
          const d = s.deviceId.get(r.device) as { id: number } | undefined;
          if (!d) throw new Error(`importRows: no device ${r.device} (importDevice first)`);
          ids.set(r.device, (id = d.id));
        }
        const body = JSON.stringify(r.body);
        const res =
          table === 'telemetry'
            ? s.insertTelemetry.run(id, r.seq, r.at, r.receivedAt, body)
            : table === 'events'
              ? s.insertEvent.run(id, r.seq, r.at, r.receivedAt, body)
              : s.insertRollup.run(id, ROLLUP_MS[table === 'rollup-1m' ? '1m' : '1h'], r.at, r.seq, r.receivedAt, body);
        inserted += res.changes;
      }
      return inserted;
    })
    .immediate();
}

export function importGapRuns(db: Database.Database, s: TransferStatements, rows: GapRow[]): number {
  return db
    .transaction(() => {
      let inserted = 0;
      for (const g of rows) {
        const d = s.deviceId.get(g.device) as { id: number } | undefined;
        if (!d) throw new Error(`importGapRuns: no device ${g.device} (importDevice first)`);
        inserted += s.insertGap.run(d.id, g.from, g.to, g.reason, g.receivedAt).changes;
      }
      return inserted;
    })
    .immediate();
}

export function importDevice(s: TransferStatements, d: DeviceExport): void {
  // removed_at only marks removal here (nothing reads its value); PostgreSQL keeps no time for it.
  const removedAt = d.removed ? (d.lastSeen ?? d.createdAt) : null;
  s.upsertDevice.run(d.name, d.tokenHash, d.tokenExpiresAt, d.createdAt, removedAt, d.lastSeq, d.stored, d.gaps, d.lastSeen, d.software);
}

export function importUser(s: TransferStatements, u: UserExport): void {
  s.upsertUser.run(u.name, u.passwordHash, u.role, u.createdAt);
}

export function importSharedSecret(s: TransferStatements, secret: string): void {
  s.metaUpsert.run(SECRET_KEY, secret);
}
