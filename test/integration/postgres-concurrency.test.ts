import { spawn } from 'node:child_process';
import t from 'tap';
import pg from 'pg';
import type { BatchItem, WireRecord } from '../../src/fleet-wire/schema.js';
import { PostgresStore } from '../../src/collector/store/postgres-store.js';
import { SCHEMA_VERSION } from '../../src/collector/store/postgres-schema.js';
import { eventRecord, items, telemetryRecord } from '../helpers/fleet-store-conformance.js';
import { hasPostgres, startPostgres, type PostgresLab } from '../helpers/postgres-lab.js';
import { seededRandom } from '../../src/lib/seeded-random.js';

/**
 * Several collectors on one PostgreSQL: separate pools (as separate processes have), the same
 * appliance's overlapping batches at once, and schema migrations started by several processes
 * at the same moment.
 */

const skip = hasPostgres ? false : 'PostgreSQL binaries not installed (apt-get install postgresql)';
/** One cluster for the file (starting one costs seconds on a busy machine); a database per test. */
let shared: Promise<PostgresLab> | null = null;
const labFor = (): Promise<PostgresLab> => (shared ??= startPostgres());
t.teardown(async () => {
  if (shared) await (await shared).stop();
});
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 2, 1, 23, 0, 0);
const DIST_STORE = new URL('../../dist/collector/store/postgres-store.js', import.meta.url).pathname;

/** A deterministic PRNG so a failure can be replayed. */
const rng = seededRandom;

/** The appliance's whole history: records 1..N with a few retention gaps. */
function history(n: number): { records: Map<number, WireRecord>; gaps: { from: number; to: number }[] } {
  const records = new Map<number, WireRecord>();
  const gaps: { from: number; to: number }[] = [];
  for (let seq = 1; seq <= n; ) {
    if (seq % 97 === 0) {
      gaps.push({ from: seq, to: seq + 4 });
      seq += 5;
      continue;
    }
    records.set(seq, seq % 7 === 0 ? eventRecord(seq, T0 + seq * 1000, 'alarm-raised') : telemetryRecord(seq, T0 + seq * 1000));
    seq++;
  }
  return { records, gaps };
}

/** The batch an appliance would send for [from, to] (a gap run is cut where the window cuts it). */
function window(h: ReturnType<typeof history>, from: number, to: number): BatchItem[] {
  const recs: WireRecord[] = [];
  for (let s = from; s <= to; s++) {
    const r = h.records.get(s);
    if (r) recs.push(r);
  }
  const gaps = h.gaps.filter((g) => g.to >= from && g.from <= to).map((g) => ({ from: Math.max(g.from, from), to: Math.min(g.to, to), reason: 'retention-size' as const }));
  return items(recs, gaps);
}

t.test('two collectors (two pools) ingest overlapping batches of one appliance at once: stored == written, once', { skip }, async (t) => {
  const lab = await labFor();
  const url = await lab.createDatabase('overlap');
  const a = await PostgresStore.connect(url);
  const b = await PostgresStore.connect(url);
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  await a.addDevice('pi', 'h', null, T0);
  await a.addDevice('bystander', 'h2', null, T0);

  const N = 1500;
  const h = history(N);
  // Collector A's clock says day D, B's says day D + 1: their rows land in different
  // partitions, where the primary key cannot catch a repeat. Only the row lock and the mark can.
  const clocks = [T0, T0 + DAY];
  let rejected = 0;
  let aheads = 0;
  let storedTotal = 0;
  let gapsTotal = 0;
  let backwards = 0;

  // Four senders per collector, each acting as an appliance that resends from a little before
  // what it last saw acknowledged (as after a lost ack), with random batch sizes.
  const worker = async (store: PostgresStore, clock: number, seed: number) => {
    const rand = rng(seed);
    let seen = 0;
    while (seen < N) {
      const from = Math.max(1, seen + 1 - Math.floor(rand() * 30));
      const to = Math.min(N, from + Math.floor(rand() * 60));
      let r;
      try {
        r = await store.ingest('pi', window(h, from, to), clock + from, null);
      } catch {
        rejected++;
        continue;
      }
      if ('ahead' in r) {
        aheads++;
      } else {
        storedTotal += r.stored;
        gapsTotal += r.gapsStored;
        if (r.stored + r.duplicates + r.gapsStored !== to - from + 1) t.fail(`outcome does not add up for ${from}..${to}: ${JSON.stringify(r)}`);
      }
      if (r.ackedSeq < seen) backwards++;
      seen = Math.max(seen, r.ackedSeq);
    }
  };
  // The bystander's ingests interleave on the same pools and must not be affected.
  const bystander = (async () => {
    for (let s = 1; s <= 200; s += 20) {
      const recs = Array.from({ length: 20 }, (_, i) => telemetryRecord(s + i, T0 + (s + i) * 1000));
      await b.ingest('bystander', items(recs), T0 + s, null);
    }
  })();
  await Promise.all([...[1, 2, 3, 4].map((k) => worker(a, clocks[0]!, k)), ...[5, 6, 7, 8].map((k) => worker(b, clocks[1]!, k)), bystander]);

  t.equal(rejected, 0, 'no ingest failed (concurrent ingests wait on the row lock, they do not abort)');
  t.equal(backwards, 0, 'no sender ever saw the acknowledged sequence go backwards');
  t.equal(storedTotal, h.records.size, 'the stored counts of all ingests add up to the records written');
  t.equal(gapsTotal, N - h.records.size, 'and the gap numbers to the gaps');
  t.comment(`${aheads} batches were ahead of the mark and refused`);

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  t.teardown(() => db.end());
  const dup = await db.query(`SELECT seq FROM (SELECT device, seq FROM telemetry UNION ALL SELECT device, seq FROM events) x WHERE device = 'pi' GROUP BY seq HAVING count(*) > 1`);
  t.same(dup.rows, [], 'no sequence number stored twice, in any partition, telemetry or events');
  const stored = await db.query<{ seq: string }>(`SELECT seq FROM telemetry WHERE device = 'pi' UNION ALL SELECT seq FROM events WHERE device = 'pi' ORDER BY 1`);
  t.same(
    stored.rows.map((r) => Number(r.seq)),
    [...h.records.keys()].sort((x, y) => x - y),
    'stored == written, exactly',
  );
  const parts = await db.query<{ n: string }>(`SELECT count(DISTINCT tableoid) AS n FROM telemetry WHERE device = 'pi'`);
  t.equal(Number(parts.rows[0]!.n), 2, 'both collectors stored some (two partitions hold the rows)');
  const gapRuns = await a.gapRuns('pi');
  const gapNumbers = gapRuns.reduce((n, g) => n + g.to - g.from + 1, 0);
  t.equal(gapNumbers, N - h.records.size, 'gap runs cover exactly the dropped numbers');
  t.ok(
    gapRuns.every((g, i) => i === 0 || g.from > gapRuns[i - 1]!.to),
    'gap runs do not overlap',
  );
  const pi = (await b.devices()).find((d) => d.name === 'pi')!;
  t.match(pi, { lastSeq: N, stored: h.records.size, gaps: N - h.records.size });
  t.match(
    (await a.devices()).find((d) => d.name === 'bystander'),
    { lastSeq: 200, stored: 200 },
  );
});

/** Runs `PostgresStore.connect(url)` in a separate node process (the built store). */
function connectInProcess(url: string): Promise<{ code: number | null; err: string }> {
  const script = `import { PostgresStore } from ${JSON.stringify(DIST_STORE)};
const s = await PostgresStore.connect(process.argv[1]);
await s.close();`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, url], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, err }));
  });
}

t.test('migrations started by several processes at once on an empty database', { skip }, async (t) => {
  const lab = await labFor();
  for (const round of [1, 2]) {
    const url = await lab.createDatabase(`migr_${round}`);
    const results = await Promise.all([1, 2, 3, 4].map(() => connectInProcess(url)));
    for (const [i, r] of results.entries()) t.equal(r.code, 0, `round ${round}, process ${i + 1} migrated or found the schema current${r.err ? `: ${r.err}` : ''}`);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const v = await db.query<{ value: string }>("SELECT value FROM fleet_meta WHERE key = 'schema_version'");
    t.equal(Number(v.rows[0]?.value), SCHEMA_VERSION, 'schema at the current version');
    const tables = await db.query<{ relname: string }>(
      "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND relname NOT LIKE '%\\_p2%' ORDER BY relname",
    );
    t.same(
      tables.rows.map((r) => r.relname),
      ['devices', 'events', 'fleet_meta', 'gaps', 'latest_telemetry', 'rollup_pending', 'telemetry', 'telemetry_1h', 'telemetry_1m', 'users'],
    );
    await db.end();
  }
  // A store then works on it.
  const s = await PostgresStore.connect(lab.urlFor('migr_1'));
  t.teardown(() => s.close());
  await s.addDevice('pi', 'h', null, T0);
  t.same(await s.ingest('pi', items([telemetryRecord(1, T0)]), T0, null), { ackedSeq: 1, stored: 1, duplicates: 0, gapsStored: 0 });
});

t.test('a schema newer than this collector is refused, not downgraded', { skip }, async (t) => {
  const lab = await labFor();
  const url = await lab.createDatabase('newer');
  const s = await PostgresStore.connect(url);
  await s.close();
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query("UPDATE fleet_meta SET value = $1 WHERE key = 'schema_version'", [String(SCHEMA_VERSION + 1)]);
  await db.end();
  await t.rejects(PostgresStore.connect(url), /newer than this collector/);
});

t.test('a database that is not there is a clear error, not a crash', { skip }, async (t) => {
  const lab = await labFor();
  await t.rejects(PostgresStore.connect(lab.urlFor('no_such_db')), /no_such_db/);
});
