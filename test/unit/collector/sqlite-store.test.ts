import { existsSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { fleetStoreConformance, items, telemetryRecord } from '../../helpers/fleet-store-conformance.js';
import { SqliteStore, StoreOpenError } from '../../../src/collector/store/sqlite-store.js';
import { COMPONENT } from '../../../src/collector/store/sqlite-migrations.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-sqlite-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

t.test('FleetStore conformance: SQLite', async (t) => {
  fleetStoreConformance(t, async () => SqliteStore.open(join(dir, `conf-${++n}.db`)));
});

t.test('WAL mode, and the data survives closing and reopening', async (t) => {
  const file = join(dir, 'reopen.db');
  const s = SqliteStore.open(file);
  t.equal(s.journalMode, 'wal');
  await s.addDevice('pi', 'h', null, 1);
  await s.ingest('pi', items([telemetryRecord(1, 1000)]), 2000, null);
  await s.close();
  const again = SqliteStore.open(file);
  t.teardown(() => again.close());
  t.match(await again.devices(), [{ name: 'pi', lastSeq: 1, stored: 1 }]);
  t.ok(existsSync(file));
});

t.test('a database from a newer stratum1d is refused, not downgraded', async (t) => {
  const file = join(dir, 'newer.db');
  const db = new Database(file);
  db.exec('CREATE TABLE schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  db.prepare('INSERT INTO schema_versions VALUES (?, 99)').run(COMPONENT);
  db.close();
  t.throws(() => SqliteStore.open(file), { name: 'StoreOpenError', message: /schema version 99.*downgrade refused/ });
});

t.test('an unopenable path is a StoreOpenError naming the path', async (t) => {
  const notDir = join(dir, 'plain-file');
  writeFileSync(notDir, 'x');
  const bad = join(notDir, 'fleet.db');
  t.throws(() => SqliteStore.open(bad), StoreOpenError);
  t.throws(() => SqliteStore.open(bad), { message: new RegExp(bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')) });
});

t.test('a failing insert rolls the whole batch back, the mark included', async (t) => {
  const file = join(dir, 'rollback.db');
  const s = SqliteStore.open(file);
  t.teardown(() => s.close());
  await s.addDevice('pi', 'h', null, 1);
  // Plant a row the store does not know about, so the insert of seq 2 collides mid-batch.
  const raw = new Database(file);
  raw.prepare("INSERT INTO fleet_telemetry (device_id, seq, at, received_at, body) VALUES ((SELECT id FROM fleet_devices WHERE name = 'pi'), 2, 0, 0, '{}')").run();
  raw.close();
  await t.rejects(s.ingest('pi', items([telemetryRecord(1, 1000), telemetryRecord(2, 2000), telemetryRecord(3, 3000)]), 5, null));
  t.match(await s.devices(), [{ lastSeq: 0, stored: 0, lastSeen: null }]);
  t.same(
    (await s.telemetry('pi', 0, 1e15, 'raw')).map((r) => r.seq),
    [2],
    'seq 1 was not kept either',
  );
});
