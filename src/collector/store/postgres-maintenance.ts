import type pg from 'pg';
import type { KnownDays } from './postgres-known-days.js';
import { DAY_MS, dayOf, dropPartitionsBefore, ensurePartitions } from './postgres-partitions.js';
import { buildRollups } from './postgres-rollups.js';
import { ROLLUP_LOCK } from './postgres-schema.js';

/**
 * Partitions for today and the next two days; rollups of everything received up to `now`;
 * then retention (rollups first, so a record is merged before its raw row can be dropped).
 */
export async function maintain(pool: pg.Pool, known: KnownDays, now: number, retention: { rawDays: number; minuteDays: number; hourDays: number }): Promise<void> {
  const today = dayOf(now);
  const ahead = [today, today + 1, today + 2];
  await ensurePartitions(pool, ahead);
  for (const d of ahead) known.add(d);

  await buildRollups(pool, now, ROLLUP_LOCK);

  const rawCutoff = now - retention.rawDays * DAY_MS;
  const dropped = await dropPartitionsBefore(pool, rawCutoff);
  if (dropped.length > 0) known.clear();
  // Records whose raw rows are gone can no longer be merged (a build always runs first, so
  // only records received after `now` could be left): forget their keys.
  await pool.query('DELETE FROM rollup_pending WHERE received_at < $1', [rawCutoff]);
  await pool.query('DELETE FROM telemetry_1m WHERE received_max < $1', [now - retention.minuteDays * DAY_MS]);
  await pool.query('DELETE FROM telemetry_1h WHERE received_max < $1', [now - retention.hourDays * DAY_MS]);
  // Gap runs are the record of a loss: kept as long as the longest-lived data.
  const gapCutoff = now - Math.max(retention.rawDays, retention.minuteDays, retention.hourDays) * DAY_MS;
  await pool.query('DELETE FROM gaps WHERE received_at < $1', [gapCutoff]);
}
