import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { DeviceExistsError, UserExistsError, type DeviceRow, type Role } from './fleet-store.js';
import { toDeviceRow, type DeviceDbRow } from './sqlite-rows.js';

/** Who may talk to the collector: devices and their tokens, dashboard users, the shared secret. */

/** The fleet_meta key of the shared secret (the move export reads it too). */
export const SECRET_KEY = 'session-secret';

export type IdentityStatements = ReturnType<typeof prepareIdentity>;

export function prepareIdentity(db: Database.Database) {
  return {
    deviceByName: db.prepare('SELECT id, removed_at FROM fleet_devices WHERE name = ?'),
    insertDevice: db.prepare('INSERT INTO fleet_devices (name, token_hash, token_expires_at, created_at) VALUES (?, ?, ?, ?)'),
    readdDevice: db.prepare('UPDATE fleet_devices SET token_hash = ?, token_expires_at = ?, removed_at = NULL WHERE id = ?'),
    removeDevice: db.prepare('UPDATE fleet_devices SET token_hash = NULL, removed_at = ? WHERE name = ? AND removed_at IS NULL'),
    deviceByToken: db.prepare('SELECT name, token_expires_at FROM fleet_devices WHERE token_hash = ? AND removed_at IS NULL'),
    devices: db.prepare(
      'SELECT name, created_at, token_expires_at, last_seq, stored, gaps, last_seen, software FROM fleet_devices WHERE removed_at IS NULL ORDER BY name',
    ),
    insertUser: db.prepare('INSERT INTO fleet_users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)'),
    removeUser: db.prepare('DELETE FROM fleet_users WHERE name = ?'),
    userByName: db.prepare('SELECT name, password_hash, role FROM fleet_users WHERE name = ?'),
    metaInsert: db.prepare('INSERT INTO fleet_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    metaGet: db.prepare('SELECT value FROM fleet_meta WHERE key = ?'),
  };
}

export function addDevice(db: Database.Database, s: IdentityStatements, name: string, tokenHash: string, tokenExpiresAt: number | null, now: number): void {
  db.transaction(() => {
    const existing = s.deviceByName.get(name) as { id: number; removed_at: number | null } | undefined;
    if (existing && existing.removed_at === null) throw new DeviceExistsError(`device ${name} already exists`);
    if (existing) s.readdDevice.run(tokenHash, tokenExpiresAt, existing.id);
    else s.insertDevice.run(name, tokenHash, tokenExpiresAt, now);
  }).immediate();
}

export function removeDevice(s: IdentityStatements, name: string): boolean {
  return s.removeDevice.run(Date.now(), name).changes > 0;
}

export function deviceByTokenHash(s: IdentityStatements, tokenHash: string): { name: string; tokenExpiresAt: number | null } | null {
  const row = s.deviceByToken.get(tokenHash) as { name: string; token_expires_at: number | null } | undefined;
  return row ? { name: row.name, tokenExpiresAt: row.token_expires_at } : null;
}

export function devices(s: IdentityStatements): DeviceRow[] {
  return (s.devices.all() as DeviceDbRow[]).map(toDeviceRow);
}

export function addUser(s: IdentityStatements, name: string, passwordHash: string, role: Role, now: number): void {
  try {
    s.insertUser.run(name, passwordHash, role, now);
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new UserExistsError(`user ${name} already exists`);
    throw err;
  }
}

export function removeUser(s: IdentityStatements, name: string): boolean {
  return s.removeUser.run(name).changes > 0;
}

export function userByName(s: IdentityStatements, name: string): { name: string; passwordHash: string; role: Role } | null {
  const r = s.userByName.get(name) as { name: string; password_hash: string; role: Role } | undefined;
  return r ? { name: r.name, passwordHash: r.password_hash, role: r.role } : null;
}

export function sharedSecret(s: IdentityStatements): string {
  s.metaInsert.run(SECRET_KEY, randomBytes(32).toString('base64url'));
  return (s.metaGet.get(SECRET_KEY) as { value: string }).value;
}
