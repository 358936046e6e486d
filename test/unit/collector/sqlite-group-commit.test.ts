import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { items, telemetryBody, telemetryRecord } from '../../helpers/fleet-store-conformance.js';
import { SqliteStore, type SqliteGrouping } from '../../../src/collector/store/sqlite-store.js';

/**
 * The SQLite store's group commit (store/group-commit.ts) with a real database: concurrent
 * ingests share transactions, one batch that fails half-way is rolled back alone (its
 * savepoint) while the rest of its group commits, and one appliance's batches keep their order.
 */

const dir = mkdtempSync(join(tmpdir(), 'fleet-group-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

/**
 * Groups close on their size, never on time: with the collector's 2 ms window a loaded machine
 * (a test descheduled between two ingests) split one group into two.
 */
const bySize = (maxJobs: number): SqliteGrouping => ({ windowMs: 3_600_000, maxJobs });

async function fresh(t: Test, devices: string[], grouping: SqliteGrouping = {}): Promise<SqliteStore> {
  const s = SqliteStore.open(join(dir, `g-${++n}.db`), grouping);
  t.teardown(() => s.close());
  for (const d of devices) await s.addDevice(d, `hash-${d}`, null, T0);
  return s;
}

t.test('concurrent ingests of many appliances share commits and are all stored', async (t) => {
  const names = Array.from({ length: 40 }, (_, i) => `pi-${i}`);
  const s = await fresh(t, names, bySize(10));
  const out = await Promise.all(names.map((d, i) => s.ingest(d, items([telemetryRecord(1, T0 + i)]), T0 + 1000, null)));
  t.ok(out.every((o) => !('ahead' in o) && o.stored === 1 && o.ackedSeq === 1), 'every batch stored and acknowledged');
  t.equal(s.groupStats.groups, 4, `four commits of ten for ${names.length} batches`);
  t.equal(s.groupStats.jobs, names.length);
  const rows = await s.devices();
  t.equal(rows.reduce((a, d) => a + d.stored, 0), names.length);
  t.ok(rows.every((d) => d.lastSeq === 1));
});

t.test('a batch failing half-way is rolled back alone; the others in its group commit', async (t) => {
  const s = await fresh(t, ['a', 'bad', 'c'], bySize(3));
  // Record 2 of "bad" is already in its table while its mark is still 0 (as after a partial
  // import): ingesting 1..3 writes record 1, then fails on record 2.
  await s.importRows('telemetry', [{ device: 'bad', seq: 2, at: T0, receivedAt: T0, body: telemetryBody(2) }]);
  const results = await Promise.allSettled([
    s.ingest('a', items([telemetryRecord(1, T0)]), T0 + 1, null),
    s.ingest('bad', items([telemetryRecord(1, T0), telemetryRecord(2, T0 + 10_000), telemetryRecord(3, T0 + 20_000)]), T0 + 1, 'x'),
    s.ingest('c', items([telemetryRecord(1, T0), telemetryRecord(2, T0 + 10_000)]), T0 + 1, null),
  ]);
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  t.equal(s.groupStats.groups, 1, 'all three were in one group');
  const byName = Object.fromEntries((await s.devices()).map((d) => [d.name, d]));
  t.match(byName.a, { lastSeq: 1, stored: 1 });
  t.match(byName.c, { lastSeq: 2, stored: 2 });
  t.match(byName.bad, { lastSeq: 0, stored: 0, software: null }, 'its mark and counters untouched');
  const badRows = await s.exportRows('telemetry', 'bad', 0, 10);
  t.same(
    badRows.map((r) => r.seq),
    [2],
    'its record 1 was rolled back with it (only the pre-existing row remains)',
  );
});

t.test("one appliance's batches submitted back to back are stored in order, not refused as 'ahead'", async (t) => {
  const s = await fresh(t, ['pi', 'other']);
  const out = await Promise.all([
    s.ingest('pi', items([telemetryRecord(1, T0)]), T0 + 1, null),
    s.ingest('other', items([telemetryRecord(1, T0)]), T0 + 1, null),
    s.ingest('pi', items([telemetryRecord(2, T0 + 10_000)]), T0 + 2, null),
    s.ingest('pi', items([telemetryRecord(2, T0 + 10_000), telemetryRecord(3, T0 + 20_000)]), T0 + 3, null),
  ]);
  t.same(out, [
    { ackedSeq: 1, stored: 1, duplicates: 0, gapsStored: 0 },
    { ackedSeq: 1, stored: 1, duplicates: 0, gapsStored: 0 },
    { ackedSeq: 2, stored: 1, duplicates: 0, gapsStored: 0 },
    { ackedSeq: 3, stored: 1, duplicates: 1, gapsStored: 0 },
  ]);
  t.match(await s.devices(), [{ name: 'other', lastSeq: 1 }, { name: 'pi', lastSeq: 3, stored: 3, lastSeen: T0 + 3 }]);
});

t.test('close() waits for ingests still queued, and they are durable', async (t) => {
  const file = join(dir, 'close.db');
  const s = SqliteStore.open(file);
  await s.addDevice('pi', 'h', null, T0);
  const pending = s.ingest('pi', items([telemetryRecord(1, T0)]), T0 + 1, null);
  await s.close();
  t.match(await pending, { ackedSeq: 1, stored: 1 });
  const again = SqliteStore.open(file);
  t.teardown(() => again.close());
  t.match(await again.devices(), [{ name: 'pi', lastSeq: 1, stored: 1 }]);
});
