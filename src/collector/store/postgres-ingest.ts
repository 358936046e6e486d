import type pg from 'pg';
import type { Outcome } from './group-commit.js';
import type { IngestJob, IngestResult } from './ingest-job.js';
import { dayOf } from './postgres-partitions.js';
import { ensureKnownDays, type KnownDays } from './postgres-known-days.js';
import { writeBatch } from './postgres-ingest-batch.js';
import { writeGroup } from './postgres-ingest-group.js';
import { RETRYABLE, SQLSTATE_NO_PARTITION, sqlstateOf } from './postgres-sqlstate.js';
import { inTransaction } from './postgres-tx.js';

/**
 * Why ingest is exactly-once with many collectors: a batch's transaction starts with
 * `SELECT … FOR UPDATE` on the appliance's device row. A second collector ingesting the same
 * appliance blocks on that row until the first commits, then (READ COMMITTED re-reads a
 * locked row after the wait) sees the mark the first one wrote, so everything at or below it
 * is counted a duplicate and never inserted; the mark only moves to max(old, run end). Two
 * more guards, should that ever be wrong: the mark is written with a compare-and-set on the
 * value read (0 rows → the transaction fails, nothing is stored), and inserts are ON CONFLICT
 * DO NOTHING (which, the key having to include the partition column, only catches a repeat
 * with the same receive time). Different appliances never wait on each other.
 */

/**
 * Group commit (group-commit.ts): batches arriving within ~2 ms share one transaction — BEGIN,
 * one `SELECT … FOR UPDATE` of every device in the group (in name order, so two groups, in
 * this or another collector, always lock in the same order and cannot deadlock), ONE
 * statement that writes every record, gap, rollup key, newest-telemetry row and high-water
 * mark (compare-and-set on the marks read under the lock), COMMIT — four round trips for the
 * group instead of six or seven per batch. Every outcome is returned after that COMMIT.
 *
 * The fast path assumes nothing surprising happens. If anything does (an insert that hits an
 * existing key, a mark that moved, a bad body, a dropped partition, a deadlock) the group is
 * rolled back as a whole and each of its batches is ingested again on its own, in order per
 * device, through the exact one-batch path (ingestOne): one batch's failure stays its own.
 */
export async function commitIngestGroup(pool: pg.Pool, known: KnownDays, jobs: IngestJob[]): Promise<Outcome<IngestResult>[]> {
  try {
    await ensureKnownDays(pool, known, jobs.map((j) => dayOf(j.receivedAt)));
    return await inTransaction(pool, (c) => writeGroup(c, jobs));
  } catch (e) {
    if (sqlstateOf(e) === SQLSTATE_NO_PARTITION) known.clear(); // dropped by another collector's retention
    // One device's batches in order, different devices side by side (the pool bounds them).
    const byDevice = new Map<string, number[]>();
    jobs.forEach((j, i) => byDevice.set(j.device, [...(byDevice.get(j.device) ?? []), i]));
    const out: Outcome<IngestResult>[] = new Array(jobs.length);
    await Promise.all(
      [...byDevice.values()].map(async (idx) => {
        for (const i of idx) {
          try {
            out[i] = { ok: true, value: await ingestOne(pool, known, jobs[i]!) };
          } catch (error) {
            out[i] = { ok: false, error };
          }
        }
      }),
    );
    return out;
  }
}

/** One batch in its own transaction (the exact path; retried on serialization failures). */
async function ingestOne(pool: pg.Pool, known: KnownDays, job: IngestJob): Promise<IngestResult> {
  const day = dayOf(job.receivedAt);
  for (let attempt = 1; ; attempt++) {
    await ensureKnownDays(pool, known, [day]);
    try {
      return await inTransaction(pool, (c) => writeBatch(c, job));
    } catch (e) {
      const sqlstate = sqlstateOf(e);
      if (attempt >= 4) throw e;
      if (sqlstate === SQLSTATE_NO_PARTITION) known.delete(day); // dropped by another collector's retention
      else if (!sqlstate || !RETRYABLE.has(sqlstate)) throw e;
    }
  }
}
