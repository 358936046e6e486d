import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { DeviceExistsError, UserExistsError, type DeviceRow, type Role } from './fleet-store.js';
import type { Outcome } from './group-commit.js';
import { SQLSTATE_UNIQUE, sqlstateOf } from './postgres-sqlstate.js';

/** Who may talk to the collector: devices and their tokens, dashboard users, the shared secret. */

export async function addDevice(pool: pg.Pool, name: string, tokenHash: string, tokenExpiresAt: number | null, now: number): Promise<void> {
  // A removed name comes back with a new token and its old mark and counters (token rotation).
  const r = await pool.query(
    `INSERT INTO devices (name, token_hash, created_at, token_expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, token_expires_at = excluded.token_expires_at, removed = false
      WHERE devices.removed
     RETURNING name`,
    [name, tokenHash, now, tokenExpiresAt],
  );
  if (r.rowCount === 0) throw new DeviceExistsError(`device ${name} already exists`);
}

export async function removeDevice(pool: pg.Pool, name: string): Promise<boolean> {
  const r = await pool.query('UPDATE devices SET removed = true, token_hash = NULL WHERE name = $1 AND NOT removed', [name]);
  return (r.rowCount ?? 0) > 0;
}

export type TokenOwner = { name: string; tokenExpiresAt: number | null } | null;

/**
 * Several token lookups in one `= ANY` query (the store gathers them: every ingest request
 * looks its token up first). Nothing is cached: a revoked token stops working for the next
 * request.
 */
export async function devicesByTokenHashes(pool: pg.Pool, hashes: string[]): Promise<Outcome<TokenOwner>[]> {
  const r = await pool.query<{ name: string; token_hash: string; token_expires_at: number | null }>(
    'SELECT name, token_hash, token_expires_at FROM devices WHERE token_hash = ANY($1::text[]) AND NOT removed',
    [hashes],
  );
  const found = new Map(r.rows.map((row) => [row.token_hash, { name: row.name, tokenExpiresAt: row.token_expires_at }]));
  return hashes.map((h) => ({ ok: true as const, value: found.get(h) ?? null }));
}

export async function devices(pool: pg.Pool): Promise<DeviceRow[]> {
  // COLLATE "C": byte order, the same on every database whatever its locale (and as SQLite sorts).
  const r = await pool.query<{ name: string; created_at: number; token_expires_at: number | null; last_seq: string; stored: string; gaps: string; last_seen: number | null; software: string | null }>(
    'SELECT name, created_at, token_expires_at, last_seq, stored, gaps, last_seen, software FROM devices WHERE NOT removed ORDER BY name COLLATE "C"',
  );
  return r.rows.map((d) => ({
    name: d.name,
    createdAt: d.created_at,
    tokenExpiresAt: d.token_expires_at,
    lastSeq: Number(d.last_seq),
    stored: Number(d.stored),
    gaps: Number(d.gaps),
    lastSeen: d.last_seen,
    software: d.software,
  }));
}

export async function addUser(pool: pg.Pool, name: string, passwordHash: string, role: Role, now: number): Promise<void> {
  try {
    await pool.query('INSERT INTO users (name, password_hash, role, created_at) VALUES ($1, $2, $3, $4)', [name, passwordHash, role, now]);
  } catch (e) {
    if (sqlstateOf(e) === SQLSTATE_UNIQUE) throw new UserExistsError(`user ${name} already exists`);
    throw e;
  }
}

export async function removeUser(pool: pg.Pool, name: string): Promise<boolean> {
  const r = await pool.query('DELETE FROM users WHERE name = $1', [name]);
  return (r.rowCount ?? 0) > 0;
}

export async function userByName(pool: pg.Pool, name: string): Promise<{ name: string; passwordHash: string; role: Role } | null> {
  const r = await pool.query<{ name: string; password_hash: string; role: Role }>('SELECT name, password_hash, role FROM users WHERE name = $1', [name]);
  const u = r.rows[0];
  return u ? { name: u.name, passwordHash: u.password_hash, role: u.role } : null;
}

export async function sharedSecret(pool: pg.Pool): Promise<string> {
  // Concurrent first callers (in this or another collector): ON CONFLICT makes one insert win,
  // the others wait for it and then read what it wrote.
  await pool.query("INSERT INTO fleet_meta (key, value) VALUES ('shared_secret', $1) ON CONFLICT (key) DO NOTHING", [randomBytes(32).toString('base64url')]);
  const r = await pool.query<{ value: string }>("SELECT value FROM fleet_meta WHERE key = 'shared_secret'");
  return r.rows[0]!.value;
}
