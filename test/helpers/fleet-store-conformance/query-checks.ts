import type { Test } from 'tap';
import { mergeAggregates } from '../../../src/fleet-wire/aggregate.js';
import type { TelemetryBody, WireRecord } from '../../../src/fleet-wire/schema.js';
import { close, DAY, HOUR, MIN, outcome, T0, type FreshStore } from './check-support.js';
import { eventRecord, items, telemetryRecord } from './wire-records.js';

/** Reading back: latest per device, raw ranges, 1 min and 1 h rollups, events. */
export function queryChecks(t: Test, fresh: FreshStore): void {
  t.test('latestTelemetry: the highest seq per device, whatever the appliance clock says', async (t) => {
    const s = await fresh(t);
    await s.addDevice('a', 'ha', null, T0);
    await s.addDevice('b', 'hb', null, T0);
    await s.addDevice('quiet', 'hq', null, T0);
    // a's clock jumped an hour back at seq 3.
    outcome(await s.ingest('a', items([telemetryRecord(1, T0), telemetryRecord(2, T0 + 10_000), telemetryRecord(3, T0 - HOUR), eventRecord(4, T0 - HOUR + 5)]), T0 + 1, null));
    outcome(await s.ingest('b', items([telemetryRecord(1, T0 + 5), telemetryRecord(2, T0 + 15)]), T0 + 1, null));
    const latest = (await s.latestTelemetry()).sort((x, y) => x.device.localeCompare(y.device));
    t.same(
      latest.map((r) => [r.device, r.seq, r.at]),
      [
        ['a', 3, T0 - HOUR],
        ['b', 2, T0 + 15],
      ],
    );
    t.same(latest[0]!.body, telemetryRecord(3, T0 - HOUR).body);
  });

  t.test('telemetry: range [from, to) on the appliance clock, ascending', async (t) => {
    const s = await fresh(t);
    await s.addDevice('pi', 'h', null, T0);
    outcome(
      await s.ingest(
        'pi',
        items([telemetryRecord(1, T0 + 30_000), telemetryRecord(2, T0 + 10_000), telemetryRecord(3, T0 + 20_000), telemetryRecord(4, T0 + 40_000)]),
        T0,
        null,
      ),
    );
    t.same(
      (await s.telemetry('pi', T0 + 10_000, T0 + 40_000, 'raw')).map((r) => r.seq),
      [2, 3, 1],
      'to is exclusive, sorted by at',
    );
    t.same(await s.telemetry('nobody', 0, T0 + DAY, 'raw'), []);
  });

  t.test('rollups: 1 min and 1 h buckets merge the aggregates; late records join; maintain never double counts', async (t) => {
    const s = await fresh(t);
    await s.addDevice('pi', 'h', null, T0);
    // 12 records every 10 s from T0 (minute aligned): minutes T0 and T0+1min, 6 each.
    const first = Array.from({ length: 9 }, (_, i) => telemetryRecord(i + 1, T0 + i * 10_000, i));
    outcome(await s.ingest('pi', items(first), T0 + 2 * MIN, null));
    await s.maintain(T0 + 3 * MIN, { rawDays: 30, minuteDays: 90, hourDays: 3650 });
    const rest = Array.from({ length: 3 }, (_, i) => telemetryRecord(i + 10, T0 + (i + 9) * 10_000, i + 9, i === 2 ? { holdover: { state: 'holdover', estimateS: 2e-6 } } : {}));
    outcome(await s.ingest('pi', items(rest), T0 + 4 * MIN, null));
    await s.maintain(T0 + 5 * MIN, { rawDays: 30, minuteDays: 90, hourDays: 3650 });
    await s.maintain(T0 + 5 * MIN, { rawDays: 30, minuteDays: 90, hourDays: 3650 });

    const all = [...first, ...rest];
    const bodies = (rs: WireRecord[]) => rs.map((r) => r.body as TelemetryBody);
    const m = await s.telemetry('pi', T0, T0 + HOUR, '1m');
    t.same(
      m.map((r) => r.at),
      [T0, T0 + MIN],
      'one row per minute, at = bucket start',
    );
    for (const [i, part] of [all.slice(0, 6), all.slice(6)].entries()) {
      const want = mergeAggregates(bodies(part).map((b) => b.offsetS))!;
      const got = m[i]!.body.offsetS!;
      t.equal(got.count, want.count, `minute ${i}: counts summed`);
      t.equal(got.min, want.min);
      t.equal(got.max, want.max);
      t.ok(close(got.mean, want.mean) && close(got.rms, want.rms), `minute ${i}: mean and rms merged`);
      const sats = mergeAggregates(bodies(part).map((b) => b.gnss.satellitesUsed))!;
      t.ok(close(m[i]!.body.gnss.satellitesUsed!.mean, sats.mean), `minute ${i}: nested aggregates merged`);
      t.equal(m[i]!.body.rootDelayS, null, 'null stays null');
    }
    t.equal(m[1]!.body.holdover.state, 'holdover', 'point values from the highest seq of the bucket (a late record)');
    t.equal(m[0]!.body.holdover.state, 'locked');

    const h = await s.telemetry('pi', T0, T0 + HOUR, '1h');
    t.equal(h.length, 1, 'one hour bucket');
    t.equal(h[0]!.at, T0);
    const want = mergeAggregates(bodies(all).map((b) => b.frequencyPpm))!;
    t.equal(h[0]!.body.frequencyPpm!.count, 120, 'every record once (12 x count 10)');
    t.ok(close(h[0]!.body.frequencyPpm!.mean, want.mean) && close(h[0]!.body.frequencyPpm!.rms, want.rms));
    t.equal(h[0]!.body.frequencyPpm!.min, want.min);
    t.equal(h[0]!.body.frequencyPpm!.max, want.max);
    t.equal((await s.telemetry('pi', T0, T0 + HOUR, 'raw')).length, 12, 'raw rows kept');
  });

  t.test('events: per device or fleet-wide, newest first, since and limit', async (t) => {
    const s = await fresh(t);
    await s.addDevice('a', 'ha', null, T0);
    await s.addDevice('b', 'hb', null, T0);
    outcome(await s.ingest('a', items([eventRecord(1, T0 + 1000, 'daemon-start'), telemetryRecord(2, T0 + 2000), eventRecord(3, T0 + 3000, 'alarm-raised')]), T0 + 10, null));
    outcome(await s.ingest('b', items([eventRecord(1, T0 + 1500, 'alarm-raised'), eventRecord(2, T0 + 4000, 'alarm-cleared')]), T0 + 10, null));
    t.same(
      (await s.events(null, 0, 10)).map((e) => [e.device, e.seq]),
      [
        ['b', 2],
        ['a', 3],
        ['b', 1],
        ['a', 1],
      ],
    );
    t.same(
      (await s.events('a', 0, 10)).map((e) => e.seq),
      [3, 1],
    );
    t.same(
      (await s.events(null, T0 + 1500, 10)).map((e) => [e.device, e.seq]),
      [
        ['b', 2],
        ['a', 3],
        ['b', 1],
      ],
      'since is inclusive',
    );
    t.same(
      (await s.events(null, 0, 2)).map((e) => [e.device, e.seq]),
      [
        ['b', 2],
        ['a', 3],
      ],
      'limit',
    );
    const raised = (await s.events('b', 0, 10)).find((e) => e.seq === 1)!;
    t.same(raised.body, { type: 'alarm-raised', alarm: 'pps-missing', severity: 'major', message: 'event 1' });
  });
}
