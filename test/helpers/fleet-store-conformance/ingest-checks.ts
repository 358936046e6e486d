import type { Test } from 'tap';
import { DAY, outcome, T0, type FreshStore } from './check-support.js';
import { eventRecord, items, telemetryRecord } from './wire-records.js';

/** ingest(): the high-water mark, replays and overlaps, heartbeats, 'ahead', concurrency and per-device marks. */
export function ingestChecks(t: Test, fresh: FreshStore): void {
  t.test('first batch stores, a replay is all duplicates, an overlap stores only what is new', async (t) => {
    const s = await fresh(t);
    await s.addDevice('pi', 'h', null, T0);
    const recs = [telemetryRecord(1, T0 + 10_000), telemetryRecord(2, T0 + 20_000), eventRecord(3, T0 + 25_000)];
    t.same(outcome(await s.ingest('pi', items(recs), T0 + 30_000, '1.2.3')), { ackedSeq: 3, stored: 3, duplicates: 0, gapsStored: 0 });
    t.same(outcome(await s.ingest('pi', items(recs), T0 + 40_000, null)), { ackedSeq: 3, stored: 0, duplicates: 3, gapsStored: 0 }, 'replay');
    const more = [telemetryRecord(2, T0 + 20_000), eventRecord(3, T0 + 25_000), telemetryRecord(4, T0 + 30_000), telemetryRecord(5, T0 + 40_000)];
    t.same(outcome(await s.ingest('pi', items(more), T0 + 50_000, null)), { ackedSeq: 5, stored: 2, duplicates: 2, gapsStored: 0 }, 'overlap');

    const raw = await s.telemetry('pi', 0, T0 + DAY, 'raw');
    t.same(
      raw.map((r) => r.seq),
      [1, 2, 4, 5],
      'each telemetry record exactly once',
    );
    t.same(raw[0], { device: 'pi', seq: 1, at: T0 + 10_000, receivedAt: T0 + 30_000, body: recs[0]!.body }, 'body, both clocks kept');
    t.equal(raw[2]!.receivedAt, T0 + 50_000);
    const ev = await s.events('pi', 0, 100);
    t.equal(ev.length, 1, 'the event once');
    t.same(ev[0], { device: 'pi', seq: 3, at: T0 + 25_000, receivedAt: T0 + 30_000, body: recs[2]!.body });

    const [d] = await s.devices();
    t.same(d, { name: 'pi', createdAt: T0, tokenExpiresAt: null, lastSeq: 5, stored: 5, gaps: 0, lastSeen: T0 + 50_000, software: '1.2.3' }, 'software kept when a batch omits it');
  });

  t.test('an empty batch is accepted: heartbeat, nothing stored', async (t) => {
    const s = await fresh(t);
    await s.addDevice('pi', 'h', null, T0);
    t.same(outcome(await s.ingest('pi', [], T0 + 5, '2.0.0')), { ackedSeq: 0, stored: 0, duplicates: 0, gapsStored: 0 });
    const [d] = await s.devices();
    t.equal(d!.lastSeen, T0 + 5);
    t.equal(d!.software, '2.0.0');
    t.equal(d!.lastSeq, 0);
  });

  t.test("a run that starts after lastSeq + 1 is 'ahead' and changes nothing", async (t) => {
    const s = await fresh(t);
    await s.addDevice('pi', 'h', null, T0);
    t.same(await s.ingest('pi', items([telemetryRecord(2, T0)]), T0, 'x'), { ahead: true, ackedSeq: 0 }, 'first record must be 1');
    outcome(await s.ingest('pi', items([telemetryRecord(1, T0), telemetryRecord(2, T0 + 10_000)]), T0 + 1, '1.0'));
    const before = await s.devices();
    t.same(await s.ingest('pi', items([telemetryRecord(4, T0 + 30_000), telemetryRecord(5, T0 + 40_000)]), T0 + 2, '9.9'), { ahead: true, ackedSeq: 2 });
    t.same(await s.ingest('pi', items([], [{ from: 4, to: 9, reason: 'lost' }]), T0 + 3, null), { ahead: true, ackedSeq: 2 }, 'a gap run too');
    t.same(await s.devices(), before, 'lastSeq, counters, lastSeen and software unchanged');
    t.same(
      (await s.telemetry('pi', 0, T0 + DAY, 'raw')).map((r) => r.seq),
      [1, 2],
    );
    t.same(await s.gapRuns('pi'), []);
  });

  t.test('concurrent ingests of the same batch store it once', async (t) => {
    const s = await fresh(t);
    await s.addDevice('pi', 'h', null, T0);
    const recs = Array.from({ length: 50 }, (_, i) => telemetryRecord(i + 1, T0 + i * 10_000));
    const results = (await Promise.all([1, 2, 3, 4].map((k) => s.ingest('pi', items(recs), T0 + k, null)))).map(outcome);
    t.equal(
      results.reduce((n, r) => n + r.stored, 0),
      50,
      'stored once in total',
    );
    t.equal(
      results.reduce((n, r) => n + r.duplicates, 0),
      150,
    );
    t.ok(results.every((r) => r.ackedSeq === 50));
    t.equal((await s.telemetry('pi', 0, T0 + DAY, 'raw')).length, 50);
    t.match((await s.devices())[0], { lastSeq: 50, stored: 50 });
  });

  t.test('a full batch of MAX items in one call', async (t) => {
    const s = await fresh(t);
    await s.addDevice('pi', 'h', null, T0);
    const recs = Array.from({ length: 1000 }, (_, i) => (i % 10 === 9 ? eventRecord(i + 1, T0 + i * 1000) : telemetryRecord(i + 1, T0 + i * 1000)));
    t.same(outcome(await s.ingest('pi', items(recs), T0, null)), { ackedSeq: 1000, stored: 1000, duplicates: 0, gapsStored: 0 });
    t.equal((await s.telemetry('pi', 0, T0 + DAY, 'raw')).length, 900);
    t.equal((await s.events('pi', 0, 1000)).length, 100);
  });

  t.test('devices are independent: counters and marks per device', async (t) => {
    const s = await fresh(t);
    await s.addDevice('a', 'ha', null, T0);
    await s.addDevice('b', 'hb', null, T0);
    outcome(await s.ingest('a', items([telemetryRecord(1, T0), telemetryRecord(2, T0 + 10_000)]), T0 + 1, null));
    t.same(outcome(await s.ingest('b', items([telemetryRecord(1, T0)]), T0 + 2, null)), { ackedSeq: 1, stored: 1, duplicates: 0, gapsStored: 0 }, "b's seq 1 is not a's");
    const ds = await s.devices();
    t.match(ds, [
      { name: 'a', lastSeq: 2, stored: 2 },
      { name: 'b', lastSeq: 1, stored: 1 },
    ]);
    t.equal((await s.telemetry('b', 0, T0 + DAY, 'raw')).length, 1);
  });
}
