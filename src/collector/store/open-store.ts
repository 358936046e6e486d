import type { FleetStore } from './fleet-store.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore, StoreOpenError } from './sqlite-store.js';

/**
 * `--db D`: a postgres:// or postgresql:// URL is a PostgreSQL database shared by any number of
 * collector processes; anything else is the path of an embedded SQLite file (created if absent).
 * Either way the store comes back migrated, or a StoreOpenError says which database and why.
 */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** The URL without its password, for logs and error messages. */
export function redactDb(db: string): string {
  if (!isPostgresUrl(db)) return db;
  try {
    const u = new URL(db);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export async function openStore(db: string, opts: { onPoolError?: (e: Error) => void } = {}): Promise<FleetStore> {
  if (db.trim() === '') throw new StoreOpenError('--db is empty');
  if (!isPostgresUrl(db)) return SqliteStore.open(db);
  try {
    return await PostgresStore.connect(db, opts.onPoolError ? { onPoolError: opts.onPoolError } : {});
  } catch (err) {
    throw new StoreOpenError(`cannot open the PostgreSQL database ${redactDb(db)}: ${(err as Error).message}`);
  }
}

export { StoreOpenError };
