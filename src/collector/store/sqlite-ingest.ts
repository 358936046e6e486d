import type Database from 'better-sqlite3';
import type { Outcome } from './group-commit.js';
import type { IngestJob, IngestResult } from './ingest-job.js';

/**
 * The ingest path: records, gap runs, the rollup queue and the high-water mark of a batch in
 * one transaction, so a crash at any point leaves either all of it or none.
 */

export type IngestStatements = ReturnType<typeof prepareIngest>;

export function prepareIngest(db: Database.Database) {
  return {
    activeDevice: db.prepare('SELECT id, last_seq FROM fleet_devices WHERE name = ? AND removed_at IS NULL'),
    insertTelemetry: db.prepare('INSERT INTO fleet_telemetry (device_id, seq, at, received_at, body) VALUES (?, ?, ?, ?, ?)'),
    insertEvent: db.prepare('INSERT INTO fleet_events (device_id, seq, at, received_at, body) VALUES (?, ?, ?, ?, ?)'),
    insertPending: db.prepare('INSERT INTO fleet_rollup_pending (device_id, seq) VALUES (?, ?)'),
    insertGap: db.prepare('INSERT INTO fleet_gaps (device_id, from_seq, to_seq, reason, received_at) VALUES (?, ?, ?, ?, ?)'),
    advance: db.prepare(
      'UPDATE fleet_devices SET last_seq = ?, stored = stored + ?, gaps = gaps + ?, last_seen = ?, software = coalesce(?, software) WHERE id = ?',
    ),
  };
}

/**
 * Group commit (group-commit.ts): ingests that arrive within a couple of milliseconds share
 * one IMMEDIATE transaction and so one fsync; each runs inside its own SAVEPOINT (a nested
 * better-sqlite3 transaction), so one that throws is rolled back alone and the others still
 * commit. Returns only after the shared COMMIT has returned, i.e. is on disk.
 */
export function commitIngestGroup(db: Database.Database, s: IngestStatements, jobs: IngestJob[]): Outcome<IngestResult>[] {
  const one = db.transaction((j: IngestJob) => ingestOne(s, j));
  return db
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

function ingestOne(s: IngestStatements, { device, items, receivedAt, software }: IngestJob): IngestResult {
  const dev = s.activeDevice.get(device) as { id: number; last_seq: number } | undefined;
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
        s.insertTelemetry.run(dev.id, r.seq, r.at, receivedAt, body);
        s.insertPending.run(dev.id, r.seq);
      } else {
        s.insertEvent.run(dev.id, r.seq, r.at, receivedAt, body);
      }
      stored++;
    } else {
      const from = Math.max(it.from, mark + 1);
      duplicates += Math.max(0, Math.min(it.to, mark) - it.from + 1);
      if (from > it.to) continue;
      s.insertGap.run(dev.id, from, it.to, it.gap.reason, receivedAt);
      gapsStored += it.to - from + 1;
    }
  }
  const last = items.length ? Math.max(mark, items[items.length - 1]!.to) : mark;
  s.advance.run(last, stored, gapsStored, receivedAt, software, dev.id);
  return { ackedSeq: last, stored, duplicates, gapsStored };
}
