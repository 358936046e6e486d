import type { Test } from 'tap';
import { eventually } from '../helpers/daemon-process.js';
import { addDevice, Appliance, blackhole, checkStored, CollectorProcess, devicesJson, freeTcpPort, LIBFAKETIME, withStore } from './fleet-faults-lab.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The fault run of issue 10 against one database (a SQLite file or a postgres:// URL), with the
 * real collector process and three real appliances reporting every second:
 *
 *   plain       kill -9 between write and acknowledgement (its batch hangs on a stopped
 *               collector), restarted on the same state directory
 *   clock-back  under libfaketime: its wall clock jumps an hour back during an outage
 *   retention   under libfaketime with fleet.retention.days 0.01: while the port is blocked its
 *               clock jumps a day ahead, so retention drops its unacknowledged records — the
 *               one place a gap is expected
 *
 * Collector faults, in order: kill -9 right after SIGCONT releases queued batches (three times,
 * at different points of processing), SIGSTOP for 20 s, then its port blocked (stopped, a
 * listener that accepts and never answers, then nothing listening). Afterwards, per appliance:
 * the collector's mark == what the appliance wrote, every number 1..lastSeq stored once or in a
 * gap, no duplicates, and gaps only where retention dropped records (and `collector devices
 * --json` reports them). A dropped number may still be stored as a record: the collector stored
 * it before it stopped, its acknowledgement was lost, and retention dropped it before the resend.
 * Waits are for conditions; the sleeps are the lengths of the faults.
 */
export async function runFaultScenario(t: Test, db: string): Promise<void> {
  const port = await freeTcpPort();
  const collector = new CollectorProcess(db, port);
  await collector.start();
  t.teardown(() => collector.kill('SIGKILL'));

  const mk = async (name: string, extra: Partial<ConstructorParameters<typeof Appliance>[0]> = {}) =>
    new Appliance({ name, url: collector.url, token: await addDevice(db, name), ...extra });
  const plain = await mk('plain');
  const clockBack = await mk('clock-back', { fakeClock: true });
  const retention = await mk('retention', { fakeClock: true, retentionDays: 0.01 });
  const apps = [plain, clockBack, retention];
  t.teardown(async () => {
    for (const a of apps) await a.kill9();
  });
  for (const a of apps) a.start();
  for (const a of apps) await a.ackedAtLeast(3);
  t.pass('three appliances report to the collector');

  const caughtUp = async (what: string) => {
    const targets = await Promise.all(apps.map(async (a) => (await a.fleet())?.lastSeq ?? 0));
    await Promise.all(apps.map((a, i) => a.ackedAtLeast(targets[i]!, 180_000)));
    t.pass(`${what}: every appliance caught up`);
  };
  const backlogAtLeast = async (n: number, who: Appliance[] = apps) => {
    for (const a of who) await eventually(async () => ((await a.fleet())?.backlog ?? 0) >= n || undefined, 60_000, `${a.o.name}: backlog ≥ ${n}`);
  };

  // 1. kill -9 of the collector mid-batch. A SIGSTOP shorter than the appliances' request
  //    timeout (3 s) lets live batches queue up in its sockets; SIGCONT releases them and
  //    SIGKILL follows after 0 … 60 ms, so the collector dies somewhere between reading a
  //    batch, committing it and answering.
  let dupAfterKills = 0;
  for (const delayMs of [0, 2, 5, 10, 20, 60]) {
    collector.signal('SIGSTOP');
    await sleep(1500);
    collector.signal('SIGCONT');
    await sleep(delayMs);
    await collector.kill('SIGKILL');
    await collector.start();
    await caughtUp(`kill -9 ${delayMs} ms after SIGCONT`);
    dupAfterKills += await collector.metric('stratum1d_collector_ingest_duplicates_total');
  }
  // Not asserted (where the kill lands is chance): how often it hit "stored, Ack not yet sent".
  t.comment(`duplicates the restarted collectors saw (stored before a kill, Ack lost): ${dupAfterKills}`);

  // 2. The collector hung (SIGSTOP) for 20 s. Meanwhile: clock-back's clock jumps an hour back,
  //    and plain is killed -9 with records written and its batch unanswered, then restarted.
  collector.signal('SIGSTOP');
  clockBack.clock('-1h');
  await backlogAtLeast(3, [plain]);
  const before = await plain.fleet();
  t.ok(before && before.lastSeq > before.ackedSeq, 'plain has records written and not acknowledged');
  await plain.kill9();
  plain.start();
  await eventually(async () => ((await plain.fleet())?.lastSeq ?? 0) > before!.lastSeq || undefined, 60_000, 'plain writing again after kill -9');
  t.pass('plain restarted on its outbox after kill -9, numbering on');
  await sleep(20_000);
  collector.signal('SIGCONT');
  await caughtUp('collector hung 20 s');

  // 3. The port blocked: the collector stopped; a listener that accepts and never answers; then
  //    nothing listening. Meanwhile retention's clock jumps a day ahead: its unacknowledged
  //    records are older than fleet.retention.days and are dropped.
  await collector.kill('SIGTERM');
  const hole = await blackhole(port);
  await backlogAtLeast(3);
  retention.clock('+1d');
  await eventually(async () => ((await retention.fleet())?.dropped ?? 0) > 0 || undefined, 60_000, 'retention dropping records');
  await eventually(() => (hole.accepted() > 0 ? true : undefined), 30_000, 'appliances connecting to the blocked port');
  t.ok(hole.accepted() > 0, `appliances connected to the port that never answers (${hole.accepted()} connections)`);
  await hole.close();
  await sleep(3000); // nothing listening: connections refused
  // What retention dropped, read while nothing can acknowledge it. A record the collector
  // stored just before it stopped, but whose acknowledgement never arrived, is among them: the
  // appliance dropped it unacknowledged, and the collector keeps the record instead of a gap.
  const droppedSet = retention.droppedSeqs();
  await collector.start();
  await caughtUp('port blocked, then refused');

  // 4. Stop the appliances with everything acknowledged, then compare with the store.
  const written: Array<{ lastSeq: number; ackedSeq: number; dropped: number }> = [];
  for (const a of apps) written.push(await a.stopDrained());
  t.comment(`duplicates the last collector process saw: ${await collector.metric('stratum1d_collector_ingest_duplicates_total')}`);
  await collector.kill('SIGTERM');
  const listing = await devicesJson(db);
  await withStore(db, async (store) => {
    for (const [i, a] of apps.entries()) {
      const w = written[i]!;
      const s = await checkStored(store, a.o.name);
      const l = listing.find((d) => d.name === a.o.name)!;
      t.equal(w.ackedSeq, w.lastSeq, `${a.o.name}: stopped with everything acknowledged`);
      t.equal(s.lastSeq, w.lastSeq, `${a.o.name}: the collector's mark is what the appliance wrote (${w.lastSeq})`);
      t.same(s.missing, [], `${a.o.name}: no sequence number missing`);
      t.same(s.overlaps, [], `${a.o.name}: none stored twice or both stored and a gap`);
      t.equal(s.duplicates, 0, `${a.o.name}: no duplicate rows`);
      t.equal(s.records + s.gapSeqs, w.lastSeq, `${a.o.name}: stored + gaps == written`);
      const dropped = a === retention ? droppedSet : new Set<number>();
      const strayGaps = [...s.gapSeqSet].filter((q) => !dropped.has(q));
      t.same(strayGaps, [], `${a.o.name}: gaps only where retention dropped (${dropped.size})`);
      t.equal(w.dropped, dropped.size, `${a.o.name}: its dropped counter is the numbers it dropped`);
      const storedAnyway = [...dropped].filter((q) => s.recordSeqs.has(q)).length;
      t.equal(s.gapSeqs + storedAnyway, w.dropped, `${a.o.name}: every dropped number is a gap, or a record stored before its acknowledgement was lost (${storedAnyway})`);
      t.equal(l.stored, s.records, `${a.o.name}: collector devices --json stored`);
      t.equal(l.gaps, s.gapSeqs, `${a.o.name}: collector devices --json gaps`);
      t.equal(l.lastSeq, w.lastSeq, `${a.o.name}: collector devices --json lastSeq`);
      if (a === retention) {
        t.ok(w.dropped > 0, `retention dropped ${w.dropped} records`);
        t.ok(l.gaps > 0, 'and collector devices --json reports the gap');
        t.same(s.gapReasons, ['retention-age'], 'as a retention-age gap');
      } else {
        t.equal(w.dropped, 0, `${a.o.name}: nothing dropped`);
      }
      if (a === clockBack) t.ok(s.atWentBack >= 1, `clock-back: records stored in sequence order although their times went back (${s.atWentBack} steps back)`);
    }
  });
}

export const faketimeMissing = LIBFAKETIME ? false : 'libfaketime not installed (Debian package faketime)';
