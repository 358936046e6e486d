import type pg from 'pg';
import { PARTITION_LOCK } from './postgres-schema.js';
import { inTransaction } from './postgres-tx.js';

/** Partition DDL serialises across collectors on PARTITION_LOCK. */
const inTransactionLocked = <T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => inTransaction(pool, fn, PARTITION_LOCK);

/**
 * Daily range partitions of `telemetry` and `events` by `received_at` (UTC days, ms bounds).
 * Retention drops whole partitions: one catalog operation instead of deleting millions of
 * rows and vacuuming after them. A day is dropped once its END is past the cutoff, so raw data
 * lives between rawDays and rawDays + 1 day.
 *
 * Creating or dropping a partition locks the parent table, so every process does it under one
 * advisory lock and always in the same table order as ingest writes (telemetry, then events):
 * no two collectors race on the catalog, and no lock cycle with an ingest can form.
 */

export const DAY_MS = 86_400_000;
export const PARTITIONED_TABLES = ['telemetry', 'events'] as const;

export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

export function partitionName(table: string, day: number): string {
  const d = new Date(day * DAY_MS);
  const ymd = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return `${table}_p${ymd}`;
}

type Queryable = Pick<pg.PoolClient, 'query'>;


/** Creates the partitions of the given days (idempotent; concurrent callers serialise). */
export async function ensurePartitions(pool: pg.Pool, days: number[]): Promise<void> {
  if (days.length === 0) return;
  await inTransactionLocked(pool, async (c) => {
    for (const table of PARTITIONED_TABLES) {
      for (const day of days) {
        // The names and bounds come from integers we computed: nothing from outside is spliced in.
        await c.query(`CREATE TABLE IF NOT EXISTS ${partitionName(table, day)} PARTITION OF ${table} FOR VALUES FROM (${day * DAY_MS}) TO (${(day + 1) * DAY_MS})`);
      }
    }
  });
}

export interface PartitionInfo {
  table: string;
  name: string;
  day: number;
}

export async function listPartitions(q: Queryable): Promise<PartitionInfo[]> {
  const r = await q.query<{ parent: string; name: string }>(
    `SELECT p.relname AS parent, c.relname AS name
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = ANY($1) AND p.relnamespace = to_regnamespace(current_schema())::oid`,
    [PARTITIONED_TABLES],
  );
  const out: PartitionInfo[] = [];
  for (const row of r.rows) {
    const m = /_p(\d{4})(\d{2})(\d{2})$/.exec(row.name);
    if (!m) continue; // not one of ours (an operator's own partition): leave it alone
    out.push({ table: row.parent, name: row.name, day: dayOf(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) });
  }
  return out.sort((a, b) => a.day - b.day || a.table.localeCompare(b.table));
}

/** Drops every partition whose whole day lies before `cutoffMs`; returns the names dropped. */
export async function dropPartitionsBefore(pool: pg.Pool, cutoffMs: number): Promise<string[]> {
  return inTransactionLocked(pool, async (c) => {
    const doomed = (await listPartitions(c)).filter((p) => (p.day + 1) * DAY_MS <= cutoffMs);
    // telemetry before events, as everywhere (see the header).
    doomed.sort((a, b) => PARTITIONED_TABLES.indexOf(a.table as 'telemetry') - PARTITIONED_TABLES.indexOf(b.table as 'telemetry') || a.day - b.day);
    for (const p of doomed) await c.query(`DROP TABLE IF EXISTS ${p.name}`);
    return doomed.map((p) => p.name);
  });
}
