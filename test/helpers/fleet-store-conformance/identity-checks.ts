import type { Test } from 'tap';
import { DeviceExistsError, UserExistsError } from '../../../src/collector/store/fleet-store.js';
import { DAY, outcome, rejectsWith, T0, type FreshStore } from './check-support.js';
import { items, telemetryRecord } from './wire-records.js';

/** Schema, devices and their tokens, removal and re-adding, users, the shared secret. */
export function identityChecks(t: Test, fresh: FreshStore): void {
  t.test('migrate is idempotent and kind is named', async (t) => {
    const s = await fresh(t);
    await t.resolves(s.migrate(), 'a second migrate on a current schema');
    t.ok(s.kind === 'sqlite' || s.kind === 'postgres');
    t.same(await s.devices(), []);
  });

  t.test('devices: add, duplicate refused, token lookup, listing order', async (t) => {
    const s = await fresh(t);
    await s.addDevice('pi-b', 'hash-b', null, T0);
    await s.addDevice('pi-a', 'hash-a', T0 + 30 * DAY, T0 + 1);
    await rejectsWith(t, s.addDevice('pi-a', 'hash-other', null, T0), DeviceExistsError, 'a name is unique');
    t.same(await s.deviceByTokenHash('hash-a'), { name: 'pi-a', tokenExpiresAt: T0 + 30 * DAY });
    t.same(await s.deviceByTokenHash('hash-b'), { name: 'pi-b', tokenExpiresAt: null });
    t.equal(await s.deviceByTokenHash('hash-nobody'), null);
    const list = await s.devices();
    t.same(
      list.map((d) => d.name),
      ['pi-a', 'pi-b'],
      'sorted by name',
    );
    t.same(list[0], { name: 'pi-a', createdAt: T0 + 1, tokenExpiresAt: T0 + 30 * DAY, lastSeq: 0, stored: 0, gaps: 0, lastSeen: null, software: null });
  });

  t.test('an expired token is still found (the caller refuses it)', async (t) => {
    const s = await fresh(t);
    await s.addDevice('old', 'h-old', T0 - DAY, T0 - 2 * DAY);
    t.same(await s.deviceByTokenHash('h-old'), { name: 'old', tokenExpiresAt: T0 - DAY });
  });

  t.test('remove-device: the token stops working, history stays, re-adding rotates the token', async (t) => {
    const s = await fresh(t);
    await s.addDevice('pi', 'h1', null, T0);
    await s.addDevice('other', 'h2', null, T0);
    outcome(await s.ingest('pi', items([telemetryRecord(1, T0), telemetryRecord(2, T0 + 10_000)], []), T0 + 1, null));
    t.equal(await s.removeDevice('pi'), true);
    t.equal(await s.removeDevice('pi'), false, 'already removed');
    t.equal(await s.removeDevice('never'), false);
    t.equal(await s.deviceByTokenHash('h1'), null, 'revoked');
    t.same(
      (await s.devices()).map((d) => d.name),
      ['other'],
      'no longer listed',
    );
    t.equal((await s.telemetry('pi', 0, T0 + DAY, 'raw')).length, 2, 'history stays');
    await s.addDevice('pi', 'h3', T0 + DAY, T0 + 5);
    t.equal(await s.deviceByTokenHash('h1'), null, 'the old token stays revoked');
    t.same(await s.deviceByTokenHash('h3'), { name: 'pi', tokenExpiresAt: T0 + DAY });
    t.match((await s.devices()).find((d) => d.name === 'pi'), { lastSeq: 2, stored: 2, tokenExpiresAt: T0 + DAY });
    t.same(outcome(await s.ingest('pi', items([telemetryRecord(2, T0 + 10_000), telemetryRecord(3, T0 + 20_000)]), T0 + 6, null)), { ackedSeq: 3, stored: 1, duplicates: 1, gapsStored: 0 }, 'the sequence continues');
    await rejectsWith(t, s.addDevice('pi', 'h4', null, T0), DeviceExistsError, 'but an active name is still unique');
  });

  t.test('users: add, duplicate refused, lookup, remove', async (t) => {
    const s = await fresh(t);
    await s.addUser('ops', 'scrypt$hash1', 'admin', T0);
    await s.addUser('wall', 'scrypt$hash2', 'viewer', T0);
    await rejectsWith(t, s.addUser('ops', 'x', 'viewer', T0), UserExistsError, 'duplicate refused');
    t.same(await s.userByName('ops'), { name: 'ops', passwordHash: 'scrypt$hash1', role: 'admin' });
    t.same(await s.userByName('wall'), { name: 'wall', passwordHash: 'scrypt$hash2', role: 'viewer' });
    t.equal(await s.userByName('nobody'), null);
    t.equal(await s.removeUser('ops'), true);
    t.equal(await s.removeUser('ops'), false);
    t.equal(await s.userByName('ops'), null);
    await s.addUser('ops', 'scrypt$hash3', 'viewer', T0 + 1);
    t.same(await s.userByName('ops'), { name: 'ops', passwordHash: 'scrypt$hash3', role: 'viewer' }, 'a removed name can be used again');
  });

  t.test('sharedSecret: created once, stable, at least 32 characters', async (t) => {
    const s = await fresh(t);
    const all = await Promise.all([s.sharedSecret(), s.sharedSecret(), s.sharedSecret()]);
    t.ok(all[0]!.length >= 32, 'long enough to sign sessions');
    t.ok(all.every((x) => x === all[0]), 'concurrent first calls agree');
    t.equal(await s.sharedSecret(), all[0]);
    const other = await fresh(t);
    t.ok((await other.sharedSecret()) !== all[0], 'a fresh database has its own secret');
  });
}
