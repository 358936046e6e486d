import type { Test } from 'tap';
import { mergeAggregates } from '../../src/fleet-wire/aggregate.js';
import { batchItems, type Batch, type BatchItem, type Gap, type TelemetryBody, type WireRecord } from '../../src/fleet-wire/schema.js';
import { DeviceExistsError, UserExistsError, type FleetStore, type IngestOutcome } from '../../src/collector/store/fleet-store.js';

/**
 * The behaviour every FleetStore must have, run against SQLite (test/unit/collector) and
 * PostgreSQL (test/integration/postgres-*). `makeStore` returns a store on a fresh, empty,
 * already migrated database; each subtest makes its own and closes it.
 *
 * Semantics pinned here (the interface comments leave them open):
 * - ingest counts in SEQUENCE NUMBERS: for a run from..to that starts at or before lastSeq + 1,
 *   duplicates = numbers <= lastSeq (records or gaps), stored = records above it, gapsStored =
 *   gap numbers above it (a gap run straddling the mark is clipped), so
 *   stored + duplicates + gapsStored = to - from + 1. ackedSeq = max(lastSeq, to).
 *   DeviceRow.gaps is the sum of gapsStored. A gap over numbers already stored as records is a
 *   duplicate: the records stay.
 * - every accepted ingest (also an empty or all-duplicate one) sets lastSeen = receivedAt and,
 *   when given, software. 'ahead' changes nothing at all.
 * - devices(): devices that are not removed, sorted by name. removeDevice keeps the history
 *   (telemetry, events, gaps, lastSeq); adding the same name again (token rotation) gives it a
 *   new token and the old high-water mark and counters.
 * - deviceByTokenHash returns the device even when its token has expired (the caller decides).
 * - latestTelemetry: per device, the record with the highest seq (the appliance clock may be wrong).
 * - telemetry(): `at` in [from, to), ascending by at then seq. Rollups ('1m', '1h') exist after
 *   maintain(): one row per bucket of `at` (bucket start = floor(at / size) * size, reported as
 *   `at`), aggregates merged with mergeAggregates over the bucket's records, the point values
 *   (stratum, leap, selectedSource, gnss.mode, rtc, holdover) those of the bucket's record with
 *   the highest seq. Records arriving late into an already rolled bucket are included at the
 *   next maintain(); maintain() never counts a record twice.
 * - events(): `at` >= sinceMs, newest first by at (then seq), at most `limit`.
 * - retention goes by receivedAt: raw telemetry past rawDays, 1 min rollups past minuteDays, 1 h
 *   rollups past hourDays are dropped. Retention never lowers lastSeq or the counters, so a
 *   replay of a dropped record is still a duplicate.
 * - gapRuns(): ascending by from.
 */

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** A plausible telemetry body; `v` moves every aggregate so merges are checkable. */
export function telemetryBody(v: number, extra: Partial<TelemetryBody> = {}): TelemetryBody {
  const agg = (mean: number, spread: number) => ({ count: 10, min: mean - spread, max: mean + spread, mean, rms: Math.sqrt(mean * mean + spread * spread / 3) });
  return {
    intervalS: 10,
    fromMs: 0,
    toMs: 10_000,
    offsetS: agg(v * 1e-6, 2e-7),
    frequencyPpm: agg(-3.2 + v * 0.01, 0.001),
    skewPpm: agg(0.02, 0.001),
    rootDelayS: null,
    rootDispersionS: agg(1e-5, 1e-6),
    ppsOffsetS: agg(v * 1e-7, 5e-8),
    ppsJitterS: agg(3e-7, 1e-7),
    stratum: 1,
    leap: 'normal',
    selectedSource: 'PPS',
    gnss: { mode: 3, satellitesUsed: agg(9 + (v % 3), 1), cnoDbHz: agg(38 + v * 0.1, 2) },
    rtc: { driftPpm: 1.5, temperatureC: 31.25 },
    holdover: { state: 'locked', estimateS: null },
    ...extra,
  };
}

export function telemetryRecord(seq: number, at: number, v = seq, extra: Partial<TelemetryBody> = {}): WireRecord {
  return { seq, kind: 'telemetry', at, body: telemetryBody(v, { fromMs: at - 10_000, toMs: at, ...extra }) };
}

export function eventRecord(seq: number, at: number, type: 'alarm-raised' | 'alarm-cleared' | 'daemon-start' = 'daemon-start', message = `event ${seq}`): WireRecord {
  return type === 'daemon-start'
    ? { seq, kind: 'event', at, body: { type, message } }
    : { seq, kind: 'event', at, body: { type, alarm: 'pps-missing', severity: 'major', message } };
}

/** Runs the fleet-wire contiguity rule, as the collector does before it calls ingest(). */
export function items(records: WireRecord[], gaps: Gap[] = []): BatchItem[] {
  const batch: Batch = { v: 1, sentAt: 0, lastSeq: Math.max(0, ...records.map((r) => r.seq), ...gaps.map((g) => g.to)), records, gaps };
  const r = batchItems(batch);
  if ('error' in r) throw new Error(r.error);
  return r.items;
}

function outcome(r: IngestOutcome | { ahead: true; ackedSeq: number }): IngestOutcome {
  if ('ahead' in r) throw new Error(`unexpected 'ahead' (ackedSeq ${r.ackedSeq})`);
  return r;
}

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);


export function fleetStoreConformance(t: Test, makeStore: () => Promise<FleetStore>): void {
  async function fresh(t: Test): Promise<FleetStore> {
    const s = await makeStore();
    t.teardown(() => s.close());
    return s;
  }

  /** instanceof, not tap's pattern match (which compares a class as a value). */
  async function rejectsWith(t: Test, p: Promise<unknown>, cls: new (...a: never[]) => Error, msg: string): Promise<void> {
    try {
      await p;
      t.fail(`${msg}: resolved, expected ${cls.name}`);
    } catch (err) {
      t.ok(err instanceof cls, `${msg}: ${cls.name} (got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message})`);
    }
  }

  const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

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
