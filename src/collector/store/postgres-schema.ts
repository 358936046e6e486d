import type pg from 'pg';
import { ROLLUP_QUANTITIES } from './postgres-rollups.js';
import { inTransaction } from './postgres-tx.js';

/**
 * The collector's PostgreSQL schema, as numbered migrations applied in order. `migrate()` runs
 * them inside one transaction that first takes a transaction-scoped advisory lock, so several
 * collector processes starting at once on an empty database serialise: the first creates
 * everything, the others wait on the lock, then find the current version and do nothing.
 * (PostgreSQL DDL is transactional, so a collector killed mid-migration leaves nothing half
 * made.) The lock is taken before anything is read, because even `CREATE TABLE IF NOT EXISTS`
 * races with itself on the system catalogs.
 *
 * Times are ms since the epoch as double precision: exactly what JavaScript holds (an `at` may
 * be fractional), returned by `pg` as numbers. Sequence numbers are bigint.
 *
 * telemetry / events are range-partitioned by `received_at` (the collector's clock, which
 * retention trusts), one partition per UTC day, created ahead by maintain() and on demand by
 * ingest (postgres-partitions.ts). A primary key of a partitioned table must contain the
 * partition key, so (device, seq, received_at) cannot by itself keep a sequence number unique:
 * the device row lock and high-water mark do that (postgres-store.ts).
 */

export const MIGRATION_LOCK = 0x5331_4401; // 'S1D' + 1: schema migrations
export const PARTITION_LOCK = 0x5331_4402; // partition create/drop
export const ROLLUP_LOCK = 0x5331_4403; // rollup building

function rollupTable(name: string): string {
  const cols = ROLLUP_QUANTITIES.map((q) => `${q.col}_n double precision, ${q.col}_min double precision, ${q.col}_max double precision, ${q.col}_sum double precision, ${q.col}_sumsq double precision`).join(',\n  ');
  return `
CREATE TABLE ${name} (
  device text NOT NULL,
  bucket double precision NOT NULL,
  records bigint NOT NULL,
  from_ms double precision,
  to_ms double precision,
  ${cols},
  last_seq bigint NOT NULL,
  last_body jsonb NOT NULL,
  received_max double precision NOT NULL,
  PRIMARY KEY (device, bucket)
);
CREATE INDEX ${name}_received_max ON ${name} (received_max);`;
}

export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE fleet_meta (key text PRIMARY KEY, value text NOT NULL);

CREATE TABLE devices (
  name text PRIMARY KEY,
  token_hash text UNIQUE,            -- NULL once removed: the token stops working
  created_at double precision NOT NULL,
  token_expires_at double precision,
  removed boolean NOT NULL DEFAULT false,
  last_seq bigint NOT NULL DEFAULT 0, -- high-water mark, moved only under the row lock
  stored bigint NOT NULL DEFAULT 0,
  gaps bigint NOT NULL DEFAULT 0,
  last_seen double precision,
  software text
);

CREATE TABLE telemetry (
  device text NOT NULL,
  seq bigint NOT NULL,
  at double precision NOT NULL,
  received_at double precision NOT NULL,
  body jsonb NOT NULL,
  PRIMARY KEY (device, seq, received_at)
) PARTITION BY RANGE (received_at);
CREATE INDEX telemetry_device_at ON telemetry (device, at);

CREATE TABLE events (
  device text NOT NULL,
  seq bigint NOT NULL,
  at double precision NOT NULL,
  received_at double precision NOT NULL,
  body jsonb NOT NULL,
  PRIMARY KEY (device, seq, received_at)
) PARTITION BY RANGE (received_at);
CREATE INDEX events_device_at ON events (device, at);
CREATE INDEX events_at ON events (at);

-- The newest telemetry record per device (highest seq), kept in the ingest transaction so the
-- fleet table reads one row per device instead of searching every partition.
CREATE TABLE latest_telemetry (
  device text PRIMARY KEY,
  seq bigint NOT NULL,
  at double precision NOT NULL,
  received_at double precision NOT NULL,
  body jsonb NOT NULL
);

CREATE TABLE gaps (
  device text NOT NULL,
  from_seq bigint NOT NULL,
  to_seq bigint NOT NULL,
  reason text NOT NULL,
  received_at double precision NOT NULL,
  PRIMARY KEY (device, from_seq)
);
CREATE INDEX gaps_received_at ON gaps (received_at);

-- Telemetry stored but not yet merged into the rollups: written in the ingest transaction,
-- deleted in the transaction that merges it, so every record is merged exactly once.
CREATE TABLE rollup_pending (
  device text NOT NULL,
  seq bigint NOT NULL,
  received_at double precision NOT NULL,
  PRIMARY KEY (device, seq)
);
CREATE INDEX rollup_pending_received_at ON rollup_pending (received_at);
${rollupTable('telemetry_1m')}
${rollupTable('telemetry_1h')}

CREATE TABLE users (
  name text PRIMARY KEY,
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('viewer', 'admin')),
  created_at double precision NOT NULL
);
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export async function migrate(pool: pg.Pool): Promise<void> {
  await inTransaction(
    pool,
    async (c) => {
      const exists = await c.query<{ t: string | null }>("SELECT to_regclass('fleet_meta')::text AS t");
      let version = 0;
      if (exists.rows[0]?.t) {
        const v = await c.query<{ value: string }>("SELECT value FROM fleet_meta WHERE key = 'schema_version'");
        version = v.rows[0] ? Number(v.rows[0].value) : 0;
      }
      if (version > SCHEMA_VERSION) throw new Error(`the database schema is version ${version}, newer than this collector (${SCHEMA_VERSION}): upgrade the collector`);
      for (const m of MIGRATIONS) {
        if (m.version <= version) continue;
        await c.query(m.sql);
        await c.query("INSERT INTO fleet_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [String(m.version)]);
      }
    },
    MIGRATION_LOCK,
  );
}
