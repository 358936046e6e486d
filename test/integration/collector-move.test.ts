import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { FleetStore } from '../../src/collector/store/fleet-store.js';
import { MoveFailed, MoveRefused, moveStore } from '../../src/collector/store/move-store.js';
import { PostgresStore } from '../../src/collector/store/postgres-store.js';
import { SqliteStore } from '../../src/collector/store/sqlite-store.js';
import { eventRecord, items, telemetryRecord } from '../helpers/fleet-store-conformance.js';
import { hasPostgres, startPostgres } from '../helpers/postgres-lab.js';

/**
 * moveStore (what `collector move` runs) between a real SQLite file and a real PostgreSQL, both
 * ways: everything arrives, a non-empty target is refused, an interrupted move resumes, and a
 * target that was served since is refused even with resume. (The CLI end to end, with a live
 * appliance continuing afterwards, is test/integration/readme-fleet.test.ts.)
 */

const T0 = Date.UTC(2025, 2, 1, 8, 0, 0);
const MIN = 60_000;
const dir = mkdtempSync(join(tmpdir(), 's1d-move-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function seeded(s: FleetStore): Promise<void> {
  await s.addDevice('alpha', 'hash-alpha', T0 + 90 * 86_400_000, T0);
  await s.addDevice('beta', 'hash-beta', null, T0);
  await s.addDevice('old', 'hash-old', null, T0);
  await s.addUser('ops', 'scrypt$ops', 'admin', T0);
  await s.addUser('wall', 'scrypt$wall', 'viewer', T0);
  await s.sharedSecret();
  for (const [dev, count] of [['alpha', 130], ['beta', 47], ['old', 5]] as const) {
    const recs = Array.from({ length: count }, (_, i) => (i % 9 === 8 ? eventRecord(i + 1, T0 + i * 10_000, 'alarm-raised') : telemetryRecord(i + 1, T0 + i * 10_000)));
    for (let i = 0; i < recs.length; i += 40) await s.ingest(dev, items(recs.slice(i, i + 40)), T0 + MIN + i * 10_000, '1.0.0');
  }
  await s.ingest('beta', items([telemetryRecord(53, T0 + 530_000)], [{ from: 48, to: 52, reason: 'retention-size' }]), T0 + 20 * MIN, null);
  await s.maintain(T0 + 30 * MIN, { rawDays: 3650, minuteDays: 3650, hourDays: 3650 });
  // Arrives after the last rollup step: the move must fold it before copying the rollups.
  await s.ingest('alpha', items([telemetryRecord(131, T0 + 1_310_000)]), T0 + 31 * MIN, null);
  await s.removeDevice('old');
}

async function sameContent(t: Test, a: FleetStore, b: FleetStore): Promise<void> {
  t.same(await b.exportIdentity(), await a.exportIdentity(), 'devices (tokens, marks, counters), users, secret');
  t.same(await b.countRows(), await a.countRows(), 'row counts');
  for (const d of ['alpha', 'beta', 'old']) {
    t.same(await b.telemetry(d, 0, T0 + 86_400_000, 'raw'), await a.telemetry(d, 0, T0 + 86_400_000, 'raw'), `${d}: raw telemetry`);
    t.same(await b.events(d, 0, 1000), await a.events(d, 0, 1000), `${d}: events`);
    t.same(await b.gapRuns(d), await a.gapRuns(d), `${d}: gap runs`);
    for (const res of ['1m', '1h'] as const) {
      const ra = await a.telemetry(d, 0, T0 + 86_400_000, res);
      const rb = await b.telemetry(d, 0, T0 + 86_400_000, res);
      t.same(
        rb.map((r) => [r.at, r.seq, r.body.offsetS?.count, r.body.offsetS?.min, r.body.offsetS?.max]),
        ra.map((r) => [r.at, r.seq, r.body.offsetS?.count, r.body.offsetS?.min, r.body.offsetS?.max]),
        `${d}: ${res} rollups`,
      );
    }
  }
  // Of active devices: for a removed one the stores differ (PostgreSQL keeps its latest row), which the move does not change.
  const active = (rows: Awaited<ReturnType<FleetStore['latestTelemetry']>>) => rows.filter((r) => r.device !== 'old');
  t.same(active(await b.latestTelemetry()), active(await a.latestTelemetry()), 'latest telemetry');
}

t.test('SQLite → PostgreSQL → SQLite, resume, refusals', { skip: hasPostgres ? false : 'PostgreSQL binaries not installed (apt-get install postgresql)' }, async (t) => {
  const lab = await startPostgres(t);
  const src = SqliteStore.open(join(dir, `src-${++n}.db`));
  t.teardown(() => src.close());
  await seeded(src);

  const pgStore = await PostgresStore.connect(await lab.createDatabase('moved'));
  t.teardown(() => pgStore.close());
  const progress: number[] = [];
  const report = await moveStore(src, pgStore, { batch: 25, onProgress: (p) => progress.push(p.copied) });
  t.equal(report.devices, 3);
  t.equal(report.users, 2);
  t.equal(report.alreadyThere, 0);
  t.ok(progress.length > 5 && progress.every((v, i) => i === 0 || v >= progress[i - 1]!), 'progress reported, never backwards');
  t.equal((await src.telemetry('alpha', 0, T0 + 86_400_000, '1h'))[0]!.body.offsetS!.count, 10 * 117, 'the source rollups include the late record (folded by the move)');
  await sameContent(t, src, pgStore);
  t.same(await pgStore.ingest('alpha', items([telemetryRecord(131, 0), telemetryRecord(132, T0 + 1_320_000)]), T0 + 40 * MIN, null), { ackedSeq: 132, stored: 1, duplicates: 1, gapsStored: 0 }, 'the appliance continues at lastSeq + 1');
  t.same(await pgStore.deviceByTokenHash('hash-old'), null, 'a removed device stays revoked');

  // Refused: the target is not empty now.
  const src2 = SqliteStore.open(join(dir, `src-${++n}.db`));
  t.teardown(() => src2.close());
  await seeded(src2);
  await t.rejects(moveStore(src2, pgStore), MoveRefused, 'a non-empty target is refused');
  await t.rejects(moveStore(src2, pgStore, { resume: true }), { message: /differs from the source/ }, 'even with resume when it was served since');

  // And back: PostgreSQL → a new SQLite file.
  const back = SqliteStore.open(join(dir, `back-${++n}.db`));
  t.teardown(() => back.close());
  await moveStore(pgStore, back, { batch: 1000 });
  await sameContent(t, pgStore, back);

  // Resume: a target holding what an interrupted move left (placeholders, some rows, users).
  const partial = await PostgresStore.connect(await lab.createDatabase('partial'));
  t.teardown(() => partial.close());
  const id = await src2.exportIdentity();
  await partial.importUser(id.users[0]!);
  await partial.importDevice({ ...id.devices[0]!, tokenHash: null, removed: true, lastSeq: 0, stored: 0, gaps: 0, lastSeen: null });
  await partial.importRows('telemetry', await src2.exportRows('telemetry', 'alpha', -1, 30));
  await t.rejects(moveStore(src2, partial), { message: /--resume/ }, 'without --resume: refused, and told about it');
  t.equal(await partial.deviceByTokenHash('hash-alpha'), null, 'a placeholder accepts no appliance');
  const resumed = await moveStore(src2, partial, { resume: true });
  t.equal(resumed.alreadyThere, 30, 'the rows already there are skipped');
  await sameContent(t, src2, partial);
  const again = await moveStore(src2, partial, { resume: true });
  t.equal(again.inserted, 0, 'resuming a finished move changes nothing');
  t.ok(MoveFailed);
});
