import type { Test } from 'tap';
import { close, DAY, MIN, outcome, T0, type FreshStore } from './check-support.js';
import { eventRecord, items, telemetryRecord } from './wire-records.js';

/** Moving a fleet between stores: export, import, and carrying on where the source stopped. */
export function transferChecks(t: Test, fresh: FreshStore): void {
  t.test('transfer: export everything, import into a fresh store, identical and continuing', async (t) => {
    const a = await fresh(t);
    t.same(await a.exportIdentity(), { devices: [], users: [], sharedSecret: null }, 'empty, and exporting creates no secret');
    t.same(await a.countRows(), { telemetry: 0, events: 0, 'rollup-1m': 0, 'rollup-1h': 0, gapRuns: 0 });
    await a.addDevice('pi', 'hash-pi', T0 + DAY, T0);
    await a.addDevice('gone', 'hash-gone', null, T0 + 1);
    await a.addUser('ops', 'scrypt$x', 'admin', T0 + 2);
    const secret = await a.sharedSecret();
    const recs = Array.from({ length: 25 }, (_, i) => (i % 5 === 4 ? eventRecord(i + 1, T0 + i * 10_000, 'alarm-raised') : telemetryRecord(i + 1, T0 + i * 10_000)));
    outcome(await a.ingest('pi', items(recs), T0 + 5 * MIN, '1.2.3'));
    outcome(await a.ingest('pi', items([telemetryRecord(30, T0 + 300_000)], [{ from: 26, to: 29, reason: 'retention-size' }]), T0 + 6 * MIN, null));
    outcome(await a.ingest('gone', items([telemetryRecord(1, T0)]), T0 + MIN, null));
    t.equal(await a.removeDevice('gone'), true);
    await a.maintain(T0 + 10 * MIN, { rawDays: 3650, minuteDays: 3650, hourDays: 3650 });

    const id = await a.exportIdentity();
    t.same(
      id.devices.map((d) => [d.name, d.tokenHash, d.removed, d.lastSeq, d.stored, d.gaps, d.tokenExpiresAt, d.createdAt, d.lastSeen, d.software]),
      [
        ['gone', null, true, 1, 1, 0, null, T0 + 1, T0 + MIN, null],
        ['pi', 'hash-pi', false, 30, 26, 4, T0 + DAY, T0, T0 + 6 * MIN, '1.2.3'],
      ],
      'removed devices too, with token hashes, marks and counters',
    );
    t.same(id.users, [{ name: 'ops', passwordHash: 'scrypt$x', role: 'admin', createdAt: T0 + 2 }]);
    t.equal(id.sharedSecret, secret);
    const counts = await a.countRows();
    // pi: 20 telemetry + seq 30, minutes 0-3 and 5 (minute 4 holds only an event); gone: 1 record.
    t.same(counts, { telemetry: 22, events: 5, 'rollup-1m': 6, 'rollup-1h': 2, gapRuns: 1 }, 'rows of every device, removed ones too');

    const page1 = await a.exportRows('telemetry', 'pi', -1e15, 4);
    t.same(
      page1.map((r) => r.seq),
      [1, 2, 3, 4],
      'ascending by seq, limit',
    );
    t.same(
      (await a.exportRows('telemetry', 'pi', 4, 3)).map((r) => r.seq),
      [6, 7, 8],
      'after is exclusive',
    );
    t.same(
      (await a.exportRows('events', 'pi', 10, 100)).map((r) => r.seq),
      [15, 20, 25],
    );
    t.same(
      (await a.exportRows('rollup-1m', 'pi', T0, 100)).map((r) => r.at),
      [T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN, T0 + 5 * MIN],
      'rollups keyed by bucket start',
    );

    const b = await fresh(t);
    for (const d of id.devices) await b.importDevice(d);
    for (const u of id.users) await b.importUser(u);
    await b.importSharedSecret(id.sharedSecret!);
    let inserted = 0;
    for (const d of id.devices) {
      for (const table of ['telemetry', 'events', 'rollup-1m', 'rollup-1h'] as const) {
        inserted += await b.importRows(table, await a.exportRows(table, d.name, -1e15, 1000));
      }
      inserted += await b.importGapRuns(await a.gapRuns(d.name));
    }
    t.equal(inserted, 22 + 5 + 6 + 2 + 1, 'every row inserted');
    t.equal(await b.importRows('telemetry', await a.exportRows('telemetry', 'pi', -1e15, 1000)), 0, 'a repeated import inserts nothing');
    t.equal(await b.importGapRuns(await a.gapRuns('pi')), 0);
    t.equal(await b.importRows('rollup-1h', await a.exportRows('rollup-1h', 'pi', -1e15, 1000)), 0);

    t.same(await b.exportIdentity(), id, 'devices, users and secret identical');
    t.same(await b.countRows(), counts);
    t.same(await b.devices(), await a.devices());
    t.same(await b.sharedSecret(), secret);
    t.same(await b.userByName('ops'), { name: 'ops', passwordHash: 'scrypt$x', role: 'admin' });
    t.same(await b.deviceByTokenHash('hash-pi'), { name: 'pi', tokenExpiresAt: T0 + DAY });
    t.same(await b.telemetry('pi', 0, T0 + DAY, 'raw'), await a.telemetry('pi', 0, T0 + DAY, 'raw'));
    t.same(await b.events(null, 0, 100), await a.events(null, 0, 100));
    t.same(await b.gapRuns('pi'), await a.gapRuns('pi'));
    t.same(await b.latestTelemetry(), await a.latestTelemetry());
    for (const res of ['1m', '1h'] as const) {
      const ra = await a.telemetry('pi', 0, T0 + DAY, res);
      const rb = await b.telemetry('pi', 0, T0 + DAY, res);
      t.same(
        rb.map((r) => [r.at, r.seq, r.receivedAt, r.body.offsetS?.count, r.body.holdover.state]),
        ra.map((r) => [r.at, r.seq, r.receivedAt, r.body.offsetS?.count, r.body.holdover.state]),
        `${res} rollups copied`,
      );
      t.ok(
        rb.every((r, i) => close(r.body.offsetS!.mean, ra[i]!.body.offsetS!.mean, 1e-9) && close(r.body.frequencyPpm!.rms, ra[i]!.body.frequencyPpm!.rms, 1e-9)),
        `${res} merged aggregates survive the copy`,
      );
    }
    await b.maintain(T0 + 20 * MIN, { rawDays: 3650, minuteDays: 3650, hourDays: 3650 });
    t.equal((await b.telemetry('pi', 0, T0 + DAY, '1h'))[0]!.body.offsetS!.count, 21 * 10, 'imported telemetry is not folded into the rollups a second time');

    t.same(
      outcome(await b.ingest('pi', items([telemetryRecord(29, T0 + 290_000), telemetryRecord(30, T0 + 300_000), telemetryRecord(31, T0 + 310_000)]), T0 + 30 * MIN, null)),
      { ackedSeq: 31, stored: 1, duplicates: 2, gapsStored: 0 },
      'the appliance continues at lastSeq + 1 on the new store',
    );
    t.match((await b.devices())[0], { name: 'pi', lastSeq: 31, stored: 27, gaps: 4 });

    await b.importSharedSecret('another-secret-of-at-least-32-characters');
    t.equal(await b.sharedSecret(), 'another-secret-of-at-least-32-characters', 'importSharedSecret replaces');
    await b.importDevice({ ...id.devices[1]!, tokenHash: null, removed: true, lastSeq: 0, stored: 0, gaps: 0, lastSeen: null });
    t.equal(await b.deviceByTokenHash('hash-pi'), null, 'importDevice replaces every field (a placeholder has no token)');
    t.same(await b.devices(), []);
  });
}
