import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startCollector } from '../../../../src/collector/server.js';
import { runFleetSimulator } from '../../../../src/collector/simulate/simulate-cli.js';
import type { FleetSimulator } from '../../../../src/collector/simulate/fleet-simulator.js';
import { openStore } from '../../../../src/collector/store/open-store.js';
import { cliIo } from '../../../helpers/cli-io.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Runs the simulator in-process until `until(sim)` holds, then stops it like SIGTERM. */
async function simulate(argv: string[], until: (sim: FleetSimulator) => boolean) {
  const io = cliIo();
  const ac = new AbortController();
  let sim: FleetSimulator | null = null;
  const watcher = setInterval(() => {
    if (sim && until(sim)) ac.abort();
  }, 50);
  try {
    const code = await runFleetSimulator([...argv, '--status-every', '0', '--json'], io, { signal: ac.signal, onStart: (s) => (sim = s) });
    return { code, out: io.out(), err: io.err() };
  } finally {
    clearInterval(watcher);
  }
}

t.test('usage errors: exit 64 with the reason', async (t) => {
  for (const [argv, msg] of [
    [['--devices', '3'], /--url is required/],
    [['--url', 'ftp://x'], /http:\/\/ or https:\/\//],
    [['--url', 'http://127.0.0.1:1'], /--db D .* or --tokens FILE/],
    [['--url', 'http://127.0.0.1:1', '--db', 'x.db', '--devices', '0'], /--devices must be/],
    [['--url', 'http://127.0.0.1:1', '--db', 'x.db', '--speedup', 'fast'], /--speedup must be/],
    [['--url', 'http://127.0.0.1:1', '--db', 'x.db', '--prefix', '-bad'], /--prefix/],
  ] as const) {
    const io = cliIo();
    t.equal(await runFleetSimulator([...argv], io), 64, argv.join(' '));
    t.match(io.err(), msg);
  }
  const io = cliIo();
  t.equal(await runFleetSimulator(['--help'], io), 0);
  t.match(io.out(), /--speedup K/);
});

t.test('registers its appliances, reports over HTTP, and a rerun with the tokens numbers on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 's1d-sim-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'fleet.db');
  const tokens = join(dir, 'tokens.txt');
  const store = await openStore(db);
  const collector = await startCollector({ store, listen: { host: '127.0.0.1', port: 0 }, log: quiet, dashboard: false, intervalS: 1 });
  t.teardown(async () => {
    await collector.stop();
    await store.close();
  });

  const base = ['--url', collector.url, '--interval', '10', '--speedup', '20', '--fault-every', '0'];
  const first = await simulate([...base, '--devices', '4', '--db', db, '--tokens', tokens, '--backfill', '60'], (s) => s.devices.every((d) => d.outbox.ackedSeq >= 10));
  t.equal(first.code, 0, first.err);
  t.equal(statSync(tokens).mode & 0o777, 0o600, 'the tokens file is private');
  t.equal(readFileSync(tokens, 'utf8').split('\n').filter((l) => /^sim-000\d s1d_/.test(l)).length, 4, 'one token per appliance');
  const summary = JSON.parse(first.out) as { devices: Array<{ name: string; lastSeq: number; ackedSeq: number }>; duplicates: number };
  t.same(
    summary.devices.map((d) => d.name),
    ['sim-0001', 'sim-0002', 'sim-0003', 'sim-0004'],
  );
  t.equal(summary.duplicates, 0);
  const rows = new Map((await store.devices()).map((d) => [d.name, d]));
  for (const d of summary.devices) {
    t.equal(d.ackedSeq, d.lastSeq, `${d.name}: everything acknowledged at stop`);
    t.equal(rows.get(d.name)?.lastSeq, d.lastSeq, `${d.name}: the collector holds 1..${d.lastSeq}`);
    t.equal(rows.get(d.name)?.stored, d.lastSeq, `${d.name}: stored every record`);
    const tele = await store.telemetry(d.name, 0, 8.64e15, 'raw');
    t.ok(tele.length >= 120, `${d.name}: the backfill (60 s of history, a record every 0.5 s) and live records`);
  }

  // Tokens only (no database): the collector's own Ack says where each appliance stands.
  const marks = new Map(summary.devices.map((d) => [d.name, d.lastSeq]));
  const second = await simulate([...base, '--devices', '2', '--tokens', tokens], (s) => s.devices.every((d) => d.outbox.ackedSeq >= marks.get(d.name)! + 3));
  t.equal(second.code, 0, second.err);
  const again = JSON.parse(second.out) as { devices: Array<{ name: string; lastSeq: number }>; duplicates: number; stored: number };
  t.equal(again.devices.length, 2);
  t.equal(again.duplicates, 0, 'nothing sent twice');
  for (const d of again.devices) {
    const row = (await store.devices()).find((r) => r.name === d.name)!;
    t.equal(row.lastSeq, d.lastSeq, `${d.name}: numbered on from ${marks.get(d.name)}`);
    t.equal(row.stored, d.lastSeq, `${d.name}: and no gap`);
  }

  // --db again without the tokens of existing appliances: a clear refusal.
  const io = cliIo();
  t.equal(await runFleetSimulator([...base, '--devices', '1', '--db', db, '--status-every', '0'], io), 1);
  t.match(io.err(), /already registered.*--tokens/);
});
