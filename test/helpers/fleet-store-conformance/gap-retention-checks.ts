import type { Test } from 'tap';
import { DAY, HOUR, MIN, outcome, T0, type FreshStore } from './check-support.js';
import { items, telemetryRecord } from './wire-records.js';

/** Gap runs counted in sequence numbers, and retention that never lowers the mark. */
export function gapAndRetentionChecks(t: Test, fresh: FreshStore): void {
  t.test('gap runs: stored explicitly, counted in sequence numbers, clipped at the mark', async (t) => {
    const s = await fresh(t);
    await s.addDevice('pi', 'h', null, T0);
    outcome(await s.ingest('pi', items([telemetryRecord(1, T0), telemetryRecord(2, T0 + 10_000)]), T0 + 100, null));
    t.same(
      outcome(await s.ingest('pi', items([telemetryRecord(8, T0 + 80_000)], [{ from: 3, to: 7, reason: 'retention-size' }]), T0 + 200, null)),
      { ackedSeq: 8, stored: 1, duplicates: 0, gapsStored: 5 },
    );
    // Seqs 7..8 were acknowledged; the appliance resends a gap that straddles the mark.
    t.same(
      outcome(await s.ingest('pi', items([telemetryRecord(12, T0 + 120_000)], [{ from: 7, to: 11, reason: 'retention-age' }]), T0 + 300, null)),
      { ackedSeq: 12, stored: 1, duplicates: 2, gapsStored: 3 },
    );
    // A gap over numbers that are already stored as records: duplicates, the records stay.
    t.same(outcome(await s.ingest('pi', items([], [{ from: 1, to: 2, reason: 'lost' }]), T0 + 400, null)), { ackedSeq: 12, stored: 0, duplicates: 2, gapsStored: 0 });
    t.same(await s.gapRuns('pi'), [
      { device: 'pi', from: 3, to: 7, reason: 'retention-size', receivedAt: T0 + 200 },
      { device: 'pi', from: 9, to: 11, reason: 'retention-age', receivedAt: T0 + 300 },
    ]);
    t.same(
      (await s.telemetry('pi', 0, T0 + DAY, 'raw')).map((r) => r.seq),
      [1, 2, 8, 12],
    );
    const [d] = await s.devices();
    t.match(d, { lastSeq: 12, stored: 4, gaps: 8 });
  });

  t.test('retention by receivedAt: raw, 1 min and 1 h separately; marks and counters stay', async (t) => {
    const s = await fresh(t);
    await s.addDevice('pi', 'h', null, T0);
    const old = Array.from({ length: 6 }, (_, i) => telemetryRecord(i + 1, T0 + i * 10_000));
    const recent = Array.from({ length: 6 }, (_, i) => telemetryRecord(i + 7, T0 + 10 * DAY + i * 10_000));
    outcome(await s.ingest('pi', items(old), T0 + MIN, null));
    outcome(await s.ingest('pi', items(recent), T0 + 10 * DAY + MIN, null));
    const now = T0 + 10 * DAY + HOUR;
    const retention = { rawDays: 1, minuteDays: 5, hourDays: 30 };
    await s.maintain(now, retention);
    t.same(
      (await s.telemetry('pi', 0, now, 'raw')).map((r) => r.seq),
      [7, 8, 9, 10, 11, 12],
      'old raw rows dropped',
    );
    t.same(
      (await s.telemetry('pi', 0, now, '1m')).map((r) => r.at),
      [T0 + 10 * DAY],
      'old minute rollup dropped',
    );
    t.same(
      (await s.telemetry('pi', 0, now, '1h')).map((r) => r.at),
      [T0, T0 + 10 * DAY],
      'hour rollups kept, the old one built before its raw rows went',
    );
    t.equal((await s.telemetry('pi', 0, now, '1h'))[0]!.body.offsetS!.count, 60);
    await s.maintain(now + MIN, retention);
    t.equal((await s.telemetry('pi', 0, now, '1h'))[0]!.body.offsetS!.count, 60, 'a later maintain does not rebuild a bucket from what retention left');
    t.match((await s.devices())[0], { lastSeq: 12, stored: 12, gaps: 0 });
    t.same(outcome(await s.ingest('pi', items(old), now + 2 * MIN, null)), { ackedSeq: 12, stored: 0, duplicates: 6, gapsStored: 0 }, 'a replay of dropped records is still a duplicate');
    t.equal((await s.telemetry('pi', 0, now, 'raw')).length, 6);

    await s.maintain(T0 + 50 * DAY, retention);
    t.same(await s.telemetry('pi', 0, now, '1h'), [], 'everything past hourDays goes');
  });
}
