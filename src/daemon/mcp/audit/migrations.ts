import type Database from 'better-sqlite3';

/**
 * Versioned schema of the audit tables. The database is shared with other stores, so the
 * version lives in a per-component row (`schema_versions`), not in PRAGMA user_version,
 * which belongs to the whole file. Migrations only ever append; each runs in a transaction
 * with its version bump, so a crash leaves either the old or the new schema.
 */
export const COMPONENT = 'mcp_audit';

export const MIGRATIONS: readonly string[] = [
  // 1: the log itself.
  `CREATE TABLE mcp_audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     caller TEXT NOT NULL,
     role TEXT NOT NULL,
     transport TEXT NOT NULL,
     tool TEXT NOT NULL,
     arguments TEXT NOT NULL,
     ok INTEGER NOT NULL,
     result TEXT NOT NULL,
     duration_ms REAL NOT NULL
   );
   CREATE INDEX mcp_audit_at ON mcp_audit (at);`,
  // 2: the caller's uid/pid as the kernel reported them (control socket; NULL on the network),
  // and refusals kept apart, one row per caller, transport, tool and minute with a count, so a
  // caller without the admin role cannot push admin actions out of the log by being refused.
  // Refusal rows written by version 1 move over.
  `ALTER TABLE mcp_audit ADD COLUMN uid INTEGER;
   ALTER TABLE mcp_audit ADD COLUMN pid INTEGER;
   CREATE TABLE mcp_audit_refusals (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     minute INTEGER NOT NULL,
     caller TEXT NOT NULL,
     role TEXT NOT NULL,
     transport TEXT NOT NULL,
     tool TEXT NOT NULL,
     uid INTEGER,
     last_pid INTEGER,
     count INTEGER NOT NULL,
     first_at INTEGER NOT NULL,
     last_at INTEGER NOT NULL,
     reason TEXT NOT NULL,
     UNIQUE (minute, caller, transport, tool)
   );
   CREATE INDEX mcp_audit_refusals_last ON mcp_audit_refusals (last_at);
   INSERT INTO mcp_audit_refusals (minute, caller, role, transport, tool, count, first_at, last_at, reason)
     SELECT (at / 60000) * 60000, caller, MAX(role), transport, tool, COUNT(*), MIN(at), MAX(at), MAX(refused)
     FROM (SELECT *, CASE WHEN json_valid(result) THEN json_extract(result, '$.refused') END AS refused FROM mcp_audit)
     WHERE refused IS NOT NULL
     GROUP BY (at / 60000), caller, transport, tool;
   DELETE FROM mcp_audit WHERE CASE WHEN json_valid(result) THEN json_extract(result, '$.refused') END IS NOT NULL;`,
];

export class SchemaTooNew extends Error {
  override name = 'SchemaTooNew';
}

export function schemaVersion(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_versions WHERE component = ?').get(COMPONENT) as { version: number } | undefined;
  return row?.version ?? 0;
}

/** Brings the audit tables to the latest version; refuses a database from a newer stratum1d. */
export function migrate(db: Database.Database, migrations: readonly string[] = MIGRATIONS): number {
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new SchemaTooNew(`the audit tables are at schema version ${current}, newer than this stratum1d knows (${migrations.length}): downgrade refused`);
  }
  const bump = db.prepare('INSERT INTO schema_versions (component, version) VALUES (?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version');
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v] as string);
      bump.run(COMPONENT, v + 1);
    })();
  }
  return migrations.length;
}
