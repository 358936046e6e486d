import type Database from 'better-sqlite3';
import type { TelemetryBody } from '../../fleet-wire/schema.js';
import { bucketStart, foldIntoBucket, ROLLUP_MS } from './rollup.js';

/** Folding the rollup queue into the 1 min / 1 h buckets, then retention. */

const DAY = 86_400_000;
/** Rollup queue rows folded per transaction: bounds how long maintain() holds the writer. */
const ROLLUP_CHUNK = 500;

export type MaintenanceStatements = ReturnType<typeof prepareMaintenance>;

export function prepareMaintenance(db: Database.Database) {
  return {
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
  };
}

export async function maintain(db: Database.Database, s: MaintenanceStatements, now: number, retention: { rawDays: number; minuteDays: number; hourDays: number }): Promise<void> {
  // Fold the queue first (its raw rows are still there), then apply retention. In slices of
  // ROLLUP_CHUNK records, yielding to the event loop between them: better-sqlite3 runs on the
  // main thread, and a backlog of tens of thousands folded in one go would hold every ingest
  // (and its ack) for seconds. Within a slice each bucket is read and written once.
  for (;;) {
    const done = db
      .transaction(() => {
        const batch = s.pending.all(ROLLUP_CHUNK) as { device_id: number; seq: number; at: number; received_at: number; body: string }[];
        const buckets = new Map<string, { device: number; size: number; bucket: number; cur: { seq: number; body: TelemetryBody } | null; receivedAt: number }>();
        for (const p of batch) {
          const rec = { seq: p.seq, body: JSON.parse(p.body) as TelemetryBody };
          for (const size of [ROLLUP_MS['1m'], ROLLUP_MS['1h']]) {
            const bucket = bucketStart(p.at, size);
            const k = `${p.device_id}/${size}/${bucket}`;
            let b = buckets.get(k);
            if (!b) {
              const prev = s.rollupGet.get(p.device_id, size, bucket) as { seq: number; received_at: number; body: string } | undefined;
              b = { device: p.device_id, size, bucket, cur: prev ? { seq: prev.seq, body: JSON.parse(prev.body) as TelemetryBody } : null, receivedAt: prev?.received_at ?? 0 };
              buckets.set(k, b);
            }
            b.cur = foldIntoBucket(b.cur, rec, size);
            b.receivedAt = Math.max(b.receivedAt, p.received_at);
          }
          s.pendingDelete.run(p.device_id, p.seq);
        }
        for (const b of buckets.values()) s.rollupPut.run(b.device, b.size, b.bucket, b.cur!.seq, b.receivedAt, JSON.stringify(b.cur!.body));
        return batch.length < ROLLUP_CHUNK;
      })
      .immediate();
    if (done) break;
    await new Promise<void>((r) => setImmediate(r));
  }
  db.transaction(() => {
    s.dropTelemetry.run(now - retention.rawDays * DAY);
    s.dropRollups.run(ROLLUP_MS['1m'], now - retention.minuteDays * DAY);
    s.dropRollups.run(ROLLUP_MS['1h'], now - retention.hourDays * DAY);
    // Events are the alarm timeline beside the hourly charts: kept as long as those.
    s.dropEvents.run(now - retention.hourDays * DAY);
  }).immediate();
}
