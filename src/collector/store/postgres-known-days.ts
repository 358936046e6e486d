import type pg from 'pg';
import { ensurePartitions } from './postgres-partitions.js';

/**
 * The days whose partitions this process knows exist, so a write asks for partition DDL (and
 * its advisory lock) once per day rather than once per batch. Retention in another collector
 * may drop a day behind our back: whoever sees SQLSTATE_NO_PARTITION forgets the days it knew.
 */
export type KnownDays = Set<number>;

/** Creates the partitions of the days not yet known, then knows them. */
export async function ensureKnownDays(pool: pg.Pool, known: KnownDays, days: number[]): Promise<void> {
  const missing = [...new Set(days)].filter((d) => !known.has(d));
  if (missing.length === 0) return;
  await ensurePartitions(pool, missing);
  for (const d of missing) known.add(d);
}
