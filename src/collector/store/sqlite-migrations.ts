import type Database from 'better-sqlite3';

/**
 * Versioned schema of the collector's SQLite database. Migrations only append; each runs in a
 * transaction with its version bump (a crash leaves the old or the new schema, never half). The
 * version is a per-component row, as in the appliance's database, so the file could hold other
 * components' tables too.
 *
 * Devices keep their row when removed (token_hash NULL, removed_at set): their history and
 * high-water mark stay, and adding the name again rotates the token without resetting the
 * sequence. `rollup_pending` queues the telemetry rows not yet folded into the 1 min / 1 h
 * rollups; it is filled in the ingest transaction and drained by maintain().
 */
export const COMPONENT = 'fleet_collector';

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE fleet_devices (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     token_hash TEXT UNIQUE,
     token_expires_at INTEGER,
     created_at INTEGER NOT NULL,
     removed_at INTEGER,
     last_seq INTEGER NOT NULL DEFAULT 0,
     stored INTEGER NOT NULL DEFAULT 0,
     gaps INTEGER NOT NULL DEFAULT 0,
     last_seen INTEGER,
     software TEXT
   );
   CREATE TABLE fleet_telemetry (
     device_id INTEGER NOT NULL REFERENCES fleet_devices(id),
     seq INTEGER NOT NULL,
     at REAL NOT NULL,
     received_at INTEGER NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (device_id, seq)
   ) WITHOUT ROWID;
   CREATE INDEX fleet_telemetry_at ON fleet_telemetry (device_id, at);
   CREATE INDEX fleet_telemetry_received ON fleet_telemetry (received_at);
   CREATE TABLE fleet_events (
     device_id INTEGER NOT NULL REFERENCES fleet_devices(id),
     seq INTEGER NOT NULL,
     at REAL NOT NULL,
     received_at INTEGER NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (device_id, seq)
   ) WITHOUT ROWID;
   CREATE INDEX fleet_events_at ON fleet_events (at);
   CREATE INDEX fleet_events_received ON fleet_events (received_at);
   CREATE TABLE fleet_gaps (
     device_id INTEGER NOT NULL REFERENCES fleet_devices(id),
     from_seq INTEGER NOT NULL,
     to_seq INTEGER NOT NULL,
     reason TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     PRIMARY KEY (device_id, from_seq)
   ) WITHOUT ROWID;
   CREATE TABLE fleet_rollups (
     device_id INTEGER NOT NULL REFERENCES fleet_devices(id),
     size_ms INTEGER NOT NULL,
     bucket INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     received_at INTEGER NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (device_id, size_ms, bucket)
   ) WITHOUT ROWID;
   CREATE INDEX fleet_rollups_received ON fleet_rollups (size_ms, received_at);
   CREATE TABLE fleet_rollup_pending (
     device_id INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     PRIMARY KEY (device_id, seq)
   ) WITHOUT ROWID;
   CREATE TABLE fleet_users (
     name TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('viewer', 'admin')),
     created_at INTEGER NOT NULL
   );
   CREATE TABLE fleet_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

export class SchemaTooNew extends Error {
  override name = 'SchemaTooNew';
}

export function schemaVersion(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_versions WHERE component = ?').get(COMPONENT) as { version: number } | undefined;
  return row?.version ?? 0;
}

/** Brings the collector tables to the latest version; refuses a database from a newer stratum1d. */
export function migrate(db: Database.Database, migrations: readonly string[] = MIGRATIONS): number {
  // IMMEDIATE: two collector processes starting at once on one file must not both migrate.
  return db
    .transaction(() => {
      const current = schemaVersion(db);
      if (current > migrations.length) {
        throw new SchemaTooNew(`the collector tables are at schema version ${current}, newer than this stratum1d knows (${migrations.length}): downgrade refused`);
      }
      const bump = db.prepare('INSERT INTO schema_versions (component, version) VALUES (?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version');
      for (let v = current; v < migrations.length; v++) {
        db.exec(migrations[v] as string);
        bump.run(COMPONENT, v + 1);
      }
      return migrations.length;
    })
    .immediate();
}
