import t from 'tap';
import { fleetFigures } from '../../../src/bench/fleet-figures.js';
import type { FleetIngestResult } from '../../../src/bench/fleet-ingest.js';

const result = (backend: FleetIngestResult['backend'], run: number, o: Partial<FleetIngestResult> = {}): FleetIngestResult => ({
  backend,
  dbVersion: backend === 'sqlite' ? 'SQLite 3.53.2 (WAL, synchronous=FULL)' : 'PostgreSQL 15.18',
  devices: 5000,
  intervalS: 10,
  windowS: 60,
  offeredPerS: 500,
  sustainedPerS: 500,
  batches: 30000,
  p50Ms: 100,
  p99Ms: 600,
  maxMs: 900,
  backlogStart: 100,
  backlogEnd: 120,
  errors: {},
  transportErrors: 0,
  collectorCpuPct: 20,
  collectorRssMiB: 120,
  simulatorCpuPct: 18,
  cpuPressurePct: 40,
  loadStart: '1.00 1.00 1.00',
  loadEnd: '2.00 1.00 1.00',
  run,
  runs: 3,
  ceilingStorePerS: 2000,
  ceilingRawPerS: 300,
  ceilingConcurrency: 1,
  storeCeilingCallers: 64,
  ...o,
});

t.test('the store path is compared with the raw insert ceiling of the same database, round by round', async (t) => {
  const figs = fleetFigures([result('sqlite', 1), result('postgres', 1, { ceilingConcurrency: 10 }), result('sqlite', 2, { ceilingStorePerS: 1800, ceilingRawPerS: 280 })], { harness: 'node dist/bench/run.js fleet' });
  t.same(figs.map((f) => f.id), ['fleet-store-sqlite', 'fleet-ingest-sqlite', 'fleet-store-postgres', 'fleet-ingest-postgres']);
  const store = figs[0]!;
  t.same(store.ours.samples, [2000, 1800]);
  t.same(store.peer?.samples, [300, 280]);
  t.equal(store.peer?.version, 'SQLite 3.53.2 (WAL, synchronous=FULL)');
  t.equal(store.better, 'higher');
  t.match(figs[2]!.peer?.label, /10 writers/);
  t.ok(figs[1]!.goal?.met, 'p99 under 1 s at the offered rate, backlog flat: met');
  t.notOk(figs[1]!.peer, 'the sustained rate has no peer: it is capped by the offered rate');
  t.ok(figs[0]!.commands.includes('node dist/bench/run.js fleet'));
});

t.test('a missed ingest goal says which criterion failed and the CPU pressure', async (t) => {
  const [, ingest] = fleetFigures(
    [result('sqlite', 1, { p99Ms: 10_800, cpuPressurePct: 97 }), result('sqlite', 2, { p99Ms: 17_900, sustainedPerS: 347, backlogEnd: 13_087, cpuPressurePct: 99 }), result('sqlite', 3, { p99Ms: 5000 })],
    { harness: 'h' },
  );
  t.equal(ingest!.goal?.met, false);
  t.match(ingest!.goal?.why, /median p99 10,800 ms is over 1 s/);
  t.match(ingest!.goal?.why, /backlog grew in 1 of 3 rounds/);
  t.match(ingest!.goal?.why, /97 %, 99 %, 40 %/);
  t.notMatch(ingest!.goal?.why, /below the offered/, 'the median sustained rate (500/s) met the offered rate');
});
