import type pg from 'pg';
import type { Aggregate, TelemetryBody } from '../../fleet-wire/schema.js';
import type { TelemetryRow } from './fleet-store.js';
import { inTransaction } from './postgres-tx.js';

/**
 * 1 min and 1 h rollups of telemetry, merged in SQL the way fleet-wire/aggregate.ts merges:
 * per quantity the sums count, min, max, Σ count·mean and Σ count·rms², from which mean and
 * RMS come back exactly (up to float rounding), however the records were grouped. A bucket is
 * keyed by the appliance clock (`at`, what charts plot); its retention goes by the newest
 * collector receive time merged into it.
 *
 * Exactly once: ingest writes each new telemetry record's key into `rollup_pending` in its own
 * transaction; a build deletes pending keys and merges their records into both rollup tables
 * in ONE statement, so a key is merged iff it is deleted. A record arriving late into a bucket
 * that was already built is merged into it at the next build; a bucket is never rebuilt from
 * raw rows (retention may have dropped some of them). Builds serialise on an advisory lock.
 */

export interface RollupQuantity {
  col: string;
  /** JSON path of the aggregate in the telemetry body. */
  path: readonly string[];
}

export const ROLLUP_QUANTITIES: readonly RollupQuantity[] = [
  { col: 'offset', path: ['offsetS'] },
  { col: 'frequency', path: ['frequencyPpm'] },
  { col: 'skew', path: ['skewPpm'] },
  { col: 'root_delay', path: ['rootDelayS'] },
  { col: 'root_dispersion', path: ['rootDispersionS'] },
  { col: 'pps_offset', path: ['ppsOffsetS'] },
  { col: 'pps_jitter', path: ['ppsJitterS'] },
  { col: 'sats', path: ['gnss', 'satellitesUsed'] },
  { col: 'cno', path: ['gnss', 'cnoDbHz'] },
];

export const ROLLUPS = [
  { table: 'telemetry_1m', sizeMs: 60_000, resolution: '1m' },
  { table: 'telemetry_1h', sizeMs: 3_600_000, resolution: '1h' },
] as const;

/** Pending keys merged per transaction: bounds one build step's memory and lock time. */
export const ROLLUP_BATCH = 5_000;

function field(q: RollupQuantity, f: string): string {
  return `(body #>> '{${[...q.path, f].join(',')}}')::float8`;
}

function insertFor(table: string, sizeMs: number): string {
  const cols = ROLLUP_QUANTITIES.flatMap((q) => [`${q.col}_n`, `${q.col}_min`, `${q.col}_max`, `${q.col}_sum`, `${q.col}_sumsq`]);
  const selects = ROLLUP_QUANTITIES.flatMap((q) => [
    `sum(${field(q, 'count')})`,
    `min(${field(q, 'min')})`,
    `max(${field(q, 'max')})`,
    `sum(${field(q, 'count')} * ${field(q, 'mean')})`,
    `sum(${field(q, 'count')} * ${field(q, 'rms')} * ${field(q, 'rms')})`,
  ]);
  // Sums of two NULLs stay NULL ("no data"), a NULL and a number give the number.
  const addNullable = (c: string) => `${c} = CASE WHEN ${table}.${c} IS NULL THEN excluded.${c} WHEN excluded.${c} IS NULL THEN ${table}.${c} ELSE ${table}.${c} + excluded.${c} END`;
  const merges = ROLLUP_QUANTITIES.flatMap((q) => [
    addNullable(`${q.col}_n`),
    `${q.col}_min = LEAST(${table}.${q.col}_min, excluded.${q.col}_min)`,
    `${q.col}_max = GREATEST(${table}.${q.col}_max, excluded.${q.col}_max)`,
    addNullable(`${q.col}_sum`),
    addNullable(`${q.col}_sumsq`),
  ]);
  return `INSERT INTO ${table} (device, bucket, records, from_ms, to_ms, ${cols.join(', ')}, last_seq, last_body, received_max)
    SELECT device, floor(at / ${sizeMs}) * ${sizeMs}, count(*), min((body ->> 'fromMs')::float8), max((body ->> 'toMs')::float8),
           ${selects.join(', ')},
           max(seq), (array_agg(body ORDER BY seq DESC))[1], max(received_at)
      FROM r GROUP BY 1, 2
    ON CONFLICT (device, bucket) DO UPDATE SET
      records = ${table}.records + excluded.records,
      from_ms = LEAST(${table}.from_ms, excluded.from_ms),
      to_ms = GREATEST(${table}.to_ms, excluded.to_ms),
      ${merges.join(',\n      ')},
      last_body = CASE WHEN excluded.last_seq > ${table}.last_seq THEN excluded.last_body ELSE ${table}.last_body END,
      last_seq = GREATEST(${table}.last_seq, excluded.last_seq),
      received_max = GREATEST(${table}.received_max, excluded.received_max)
    RETURNING 1`;
}

/** One step: merges up to ROLLUP_BATCH pending records received at or before `upTo`. */
export const BUILD_STEP_SQL = `
WITH b AS (
  DELETE FROM rollup_pending
   WHERE ctid = ANY (ARRAY(SELECT ctid FROM rollup_pending WHERE received_at <= $1 LIMIT ${ROLLUP_BATCH}))
  RETURNING device, seq, received_at
), r AS (
  SELECT t.device, t.seq, t.at, t.received_at, t.body
    FROM telemetry t JOIN b ON t.device = b.device AND t.seq = b.seq AND t.received_at = b.received_at
), m AS (${insertFor('telemetry_1m', 60_000)}
), h AS (${insertFor('telemetry_1h', 3_600_000)}
)
SELECT (SELECT count(*) FROM b)::int AS drained`;

export type RollupDbRow = Record<string, unknown> & {
  device: string;
  bucket: number;
  from_ms: number | null;
  to_ms: number | null;
  last_seq: string | number;
  last_body: TelemetryBody;
  received_max: number;
};

function aggregate(row: RollupDbRow, col: string): Aggregate | null {
  const n = row[`${col}_n`] as number | null;
  if (n === null || n === undefined || !(n > 0)) return null;
  const sum = row[`${col}_sum`] as number;
  const sumsq = row[`${col}_sumsq`] as number;
  return { count: n, min: row[`${col}_min`] as number, max: row[`${col}_max`] as number, mean: sum / n, rms: Math.sqrt(Math.max(0, sumsq) / n) };
}

/** A rollup row as a TelemetryRow: merged aggregates, point values of the bucket's highest seq. */
export function rollupToTelemetry(row: RollupDbRow, sizeMs: number): TelemetryRow {
  const last = row.last_body;
  const body: TelemetryBody = {
    ...last,
    intervalS: sizeMs / 1000,
    fromMs: row.from_ms ?? row.bucket,
    toMs: row.to_ms ?? row.bucket + sizeMs,
    gnss: { ...last.gnss },
  };
  for (const q of ROLLUP_QUANTITIES) {
    const agg = aggregate(row, q.col);
    if (q.path.length === 1) (body as Record<string, unknown>)[q.path[0]!] = agg;
    else (body.gnss as Record<string, unknown>)[q.path[1]!] = agg;
  }
  return { device: row.device, seq: Number(row.last_seq), at: row.bucket, receivedAt: row.received_max, body };
}

/** Merges every pending record received at or before `upTo`; returns how many were merged. */
export async function buildRollups(pool: pg.Pool, upTo: number, lockKey: number): Promise<number> {
  let total = 0;
  for (;;) {
    const drained = await inTransaction(
      pool,
      async (c) => (await c.query<{ drained: number }>(BUILD_STEP_SQL, [upTo])).rows[0]?.drained ?? 0,
      lockKey,
    );
    total += drained;
    if (drained < ROLLUP_BATCH) return total;
  }
}
