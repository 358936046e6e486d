import t from 'tap';
import pg from 'pg';
import { mergeAggregates } from '../../src/fleet-wire/aggregate.js';
import type { Aggregate, TelemetryBody, WireRecord } from '../../src/fleet-wire/schema.js';
import type { TelemetryRow } from '../../src/collector/store/fleet-store.js';
import { listPartitions, partitionName, dayOf } from '../../src/collector/store/postgres-partitions.js';
import { PostgresStore } from '../../src/collector/store/postgres-store.js';
import { items, telemetryRecord } from '../helpers/fleet-store-conformance.js';
import { hasPostgres, startPostgres, type PostgresLab } from '../helpers/postgres-lab.js';
import { seededRandom } from '../../src/lib/seeded-random.js';

/**
 * maintain() on PostgreSQL: daily partitions created ahead and dropped whole by retention
 * (also under a collector whose idea of the partitions is stale), and rollups that equal a
 * direct aggregate of the raw rows after late records, clock jumps and concurrent builds.
 */

const skip = hasPostgres ? false : 'PostgreSQL binaries not installed (apt-get install postgresql)';
let shared: Promise<PostgresLab> | null = null;
const labFor = (): Promise<PostgresLab> => (shared ??= startPostgres());
t.teardown(async () => {
  if (shared) await (await shared).stop();
});

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 5, 10, 0, 0, 0);
const keep = { rawDays: 30, minuteDays: 90, hourDays: 3650 };

async function partitionsOf(url: string): Promise<string[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return (await listPartitions(db)).map((p) => p.name).sort();
  } finally {
    await db.end();
  }
}

const names = (days: number[]) => days.flatMap((d) => [partitionName('events', d), partitionName('telemetry', d)]).sort();

t.test('partitions: created ahead, created on demand, dropped whole by retention, recreated for a stale collector', { skip }, async (t) => {
  const lab = await labFor();
  const url = await lab.createDatabase('parts');
  const a = await PostgresStore.connect(url);
  const b = await PostgresStore.connect(url);
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const d0 = dayOf(T0);
  t.same(await partitionsOf(url), [], 'none before the first maintain or ingest');
  await a.maintain(T0 + HOUR, keep);
  t.same(await partitionsOf(url), names([d0, d0 + 1, d0 + 2]), 'today and two days ahead');
  t.equal(partitionName('telemetry', d0), 'telemetry_p20250610');

  await a.addDevice('pi', 'h', null, T0);
  await a.ingest('pi', items([telemetryRecord(1, T0), telemetryRecord(2, T0 + 10_000)]), T0 + 5 * DAY + HOUR, null);
  t.same(await partitionsOf(url), names([d0, d0 + 1, d0 + 2, d0 + 5]), 'a receive day without a partition gets one at ingest');

  // Collector b's retention drops every day that ended more than 3 days before now.
  const now = T0 + 20 * DAY;
  await b.maintain(now, { rawDays: 3, minuteDays: 90, hourDays: 3650 });
  t.same(await partitionsOf(url), names([d0 + 20, d0 + 21, d0 + 22]), 'old days dropped whole, new ones made ahead');
  t.same(await a.telemetry('pi', 0, now, 'raw'), [], 'their rows went with them');
  t.equal((await a.telemetry('pi', 0, now, '1h'))[0]?.body.offsetS?.count, 20, 'but were rolled up first');

  // a still believes day d0 + 5 exists: its ingest must recreate the partition, not fail.
  const r = await a.ingest('pi', items([telemetryRecord(3, T0 + 20_000)]), T0 + 5 * DAY + 2 * HOUR, null);
  t.same(r, { ackedSeq: 3, stored: 1, duplicates: 0, gapsStored: 0 });
  t.ok((await partitionsOf(url)).includes(partitionName('telemetry', d0 + 5)), 'recreated');
  t.match((await a.devices())[0], { lastSeq: 3, stored: 3 }, 'retention never lowers the mark or the counters');

  // The cutoff is (d0 + 22) days: the day ending exactly there goes, the day holding it stays.
  await a.maintain((d0 + 25) * DAY, { rawDays: 3, minuteDays: 90, hourDays: 3650 });
  const left = await partitionsOf(url);
  t.notOk(left.includes(partitionName('telemetry', d0 + 21)), 'the day ending at the cutoff is dropped');
  t.ok(left.includes(partitionName('telemetry', d0 + 22)), 'the day after it stays');
});

/** A deterministic PRNG so a failure can be replayed. */
const rng = seededRandom;

function randomAgg(rand: () => number, scale: number): Aggregate | null {
  if (rand() < 0.15) return null;
  const count = 1 + Math.floor(rand() * 20);
  const mean = (rand() - 0.5) * scale;
  const spread = rand() * scale * 0.1;
  return { count, min: mean - spread, max: mean + spread, mean, rms: Math.sqrt(mean * mean + spread * spread / 3) };
}

function randomRecord(rand: () => number, seq: number, at: number): WireRecord {
  const body: Partial<TelemetryBody> = {
    offsetS: randomAgg(rand, 1e-6),
    frequencyPpm: randomAgg(rand, 20),
    skewPpm: randomAgg(rand, 0.1),
    rootDelayS: randomAgg(rand, 1e-3),
    rootDispersionS: randomAgg(rand, 1e-4),
    ppsOffsetS: randomAgg(rand, 1e-7),
    ppsJitterS: randomAgg(rand, 1e-7),
    stratum: rand() < 0.9 ? 1 : 16,
    selectedSource: rand() < 0.5 ? 'PPS' : null,
    gnss: { mode: rand() < 0.8 ? 3 : 1, satellitesUsed: randomAgg(rand, 24), cnoDbHz: randomAgg(rand, 50) },
    rtc: { driftPpm: rand() * 3, temperatureC: 20 + rand() * 20 },
    holdover: { state: rand() < 0.8 ? 'locked' : 'holdover', estimateS: rand() < 0.5 ? null : rand() * 1e-5 },
  };
  return telemetryRecord(seq, at, seq, body);
}

const QUANTITIES: ((b: TelemetryBody) => Aggregate | null)[] = [
  (b) => b.offsetS,
  (b) => b.frequencyPpm,
  (b) => b.skewPpm,
  (b) => b.rootDelayS,
  (b) => b.rootDispersionS,
  (b) => b.ppsOffsetS,
  (b) => b.ppsJitterS,
  (b) => b.gnss.satellitesUsed,
  (b) => b.gnss.cnoDbHz,
];

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1e-300, Math.abs(a), Math.abs(b)) || a === b;

/** Compares a store's rollups with a direct grouping of its raw rows; returns the problems. */
function diffRollups(raw: TelemetryRow[], rolled: TelemetryRow[], sizeMs: number): string[] {
  const groups = new Map<number, TelemetryRow[]>();
  for (const r of raw) {
    const k = Math.floor(r.at / sizeMs) * sizeMs;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const problems: string[] = [];
  const want = [...groups.keys()].sort((x, y) => x - y);
  const got = rolled.map((r) => r.at);
  if (JSON.stringify(want) !== JSON.stringify(got)) return [`buckets differ: want ${want.length}, got ${got.length}`];
  for (const row of rolled) {
    const recs = groups.get(row.at)!;
    for (const [qi, q] of QUANTITIES.entries()) {
      const w = mergeAggregates(recs.map((r) => q(r.body)));
      const g = q(row.body);
      if (w === null || g === null) {
        if (w !== g) problems.push(`bucket ${row.at} quantity ${qi}: want ${JSON.stringify(w)}, got ${JSON.stringify(g)}`);
        continue;
      }
      if (w.count !== g.count || w.min !== g.min || w.max !== g.max || !close(w.mean, g.mean) || !close(w.rms, g.rms)) {
        problems.push(`bucket ${row.at} quantity ${qi}: want ${JSON.stringify(w)}, got ${JSON.stringify(g)}`);
      }
    }
    const newest = recs.reduce((a, b) => (b.seq > a.seq ? b : a));
    const pick = (b: TelemetryBody) => [b.stratum, b.leap, b.selectedSource, b.gnss.mode, b.rtc, b.holdover];
    if (JSON.stringify(pick(row.body)) !== JSON.stringify(pick(newest.body))) problems.push(`bucket ${row.at}: point values not those of seq ${newest.seq}`);
    if (row.body.fromMs !== Math.min(...recs.map((r) => r.body.fromMs)) || row.body.toMs !== Math.max(...recs.map((r) => r.body.toMs))) problems.push(`bucket ${row.at}: fromMs/toMs`);
  }
  return problems;
}

t.test('rollups equal a direct aggregate of the raw rows: late records, a clock jump, two collectors building at once', { skip }, async (t) => {
  const lab = await labFor();
  const url = await lab.createDatabase('rollups');
  const a = await PostgresStore.connect(url);
  const b = await PostgresStore.connect(url);
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const rand = rng(42);
  const devices = ['alpha', 'bravo', 'charlie'];
  for (const d of devices) await a.addDevice(d, `h-${d}`, null, T0);

  // 3 hours of 10 s records per device; charlie's clock jumps an hour back half way, so its
  // late records fall into buckets built long before.
  const per = 1080;
  const recs = new Map(devices.map((d) => [d, Array.from({ length: per }, (_, i) => randomRecord(rand, i + 1, T0 + i * 10_000 - (d === 'charlie' && i >= per / 2 ? HOUR : 0)))]));
  const next = new Map(devices.map((d) => [d, 0]));
  let now = T0 + MIN;
  let builds = 0;
  while ([...next.values()].some((n) => n < per)) {
    for (const d of devices) {
      const from = next.get(d)!;
      if (from >= per) continue;
      const size = 1 + Math.floor(rand() * 90);
      const batch = recs.get(d)!.slice(from, from + size);
      // Collectors a and b take turns; the receive time moves on (in minutes).
      const store = rand() < 0.5 ? a : b;
      const r = await store.ingest(d, items(batch), now, null);
      if ('ahead' in r) throw new Error('unexpected ahead');
      next.set(d, from + batch.length);
      now += Math.floor(rand() * 3) * MIN;
    }
    if (rand() < 0.3) {
      // Both collectors' maintenance at the same moment: each record must still be merged once.
      await Promise.all([a.maintain(now, keep), b.maintain(now, keep)]);
      builds++;
    }
  }
  await a.maintain(now, keep);
  t.ok(builds >= 3, `rollups were built several times along the way (${builds})`);

  for (const d of devices) {
    const raw = await a.telemetry(d, 0, T0 + DAY, 'raw');
    t.equal(raw.length, per, `${d}: all raw rows there`);
    for (const [res, size] of [['1m', MIN], ['1h', HOUR]] as const) {
      const rolled = await b.telemetry(d, 0, T0 + DAY, res);
      t.same(diffRollups(raw, rolled, size), [], `${d} ${res}: every bucket equals the merge of its raw records`);
    }
  }
  const total = (await a.telemetry('charlie', 0, T0 + DAY, '1h')).reduce((n, r) => n + (r.body.frequencyPpm?.count ?? 0), 0);
  const direct = (await a.telemetry('charlie', 0, T0 + DAY, 'raw')).reduce((n, r) => n + (r.body.frequencyPpm?.count ?? 0), 0);
  t.equal(total, direct, 'no record counted twice or missed (total counts)');

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  t.teardown(() => db.end());
  t.equal(Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM rollup_pending')).rows[0]!.n), 0, 'nothing left pending');
});

t.test('a record received after the build time waits for the next build', { skip }, async (t) => {
  const lab = await labFor();
  const url = await lab.createDatabase('later');
  const s = await PostgresStore.connect(url);
  t.teardown(() => s.close());
  await s.addDevice('pi', 'h', null, T0);
  await s.ingest('pi', items([telemetryRecord(1, T0), telemetryRecord(2, T0 + 10_000)]), T0 + MIN, null);
  await s.ingest('pi', items([telemetryRecord(3, T0 + 20_000)]), T0 + 3 * MIN, null);
  await s.maintain(T0 + 2 * MIN, keep);
  t.equal((await s.telemetry('pi', T0, T0 + HOUR, '1m'))[0]?.body.offsetS?.count, 20, 'only what was received by then');
  await s.maintain(T0 + 4 * MIN, keep);
  t.equal((await s.telemetry('pi', T0, T0 + HOUR, '1m'))[0]?.body.offsetS?.count, 30, 'the rest at the next build');
});
