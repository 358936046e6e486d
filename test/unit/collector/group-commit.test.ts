import t from 'tap';
import { GroupCommit, type Outcome } from '../../../src/collector/store/group-commit.js';
import { ManualClock } from '../../../src/drivers/clock.js';

/** A commit whose completion the test releases by hand; records every event in order. */
function manualCommits() {
  const events: string[] = [];
  const groups: { jobs: Job[]; release(outcomes?: Outcome<string>[]): void; fail(e: Error): void }[] = [];
  const commit = (jobs: Job[]) =>
    new Promise<Outcome<string>[]>((resolve, reject) => {
      events.push(`begin ${jobs.map((j) => j.id).join(',')}`);
      groups.push({
        jobs,
        release(outcomes) {
          events.push(`commit ${jobs.map((j) => j.id).join(',')}`);
          resolve(outcomes ?? jobs.map((j) => ({ ok: true, value: `ack ${j.id}` })));
        },
        fail(e) {
          events.push(`rollback ${jobs.map((j) => j.id).join(',')}`);
          reject(e);
        },
      });
    });
  return { events, groups, commit };
}

interface Job {
  id: string;
  device: string;
}

/**
 * The group's clock: time moves only when the test says, so a loaded machine (a test descheduled
 * between two submits) cannot split or join a group by accident. The drivers' ManualClock, seen
 * through the two functions a group commit takes (the collector shares no code with drivers/).
 */
function manualClock() {
  const clock = new ManualClock();
  return {
    now: () => Number(clock.monoNs()) / 1e6,
    after: (ms: number, fn: () => void) => clock.setTimeout(fn, ms),
    advance: (ms: number) => clock.advance(ms),
  };
}
type Clock = ReturnType<typeof manualClock>;

const turn = () => new Promise((r) => setImmediate(r));
/** Lets promise chains run, moving the clock 1 ms per turn, until `cond` holds. */
const until = async (clock: Clock, cond: () => boolean) => {
  for (let i = 0; i < 2000 && !cond(); i++) {
    await turn();
    if (!cond()) clock.advance(1);
  }
  if (!cond()) throw new Error('condition never became true');
};
/** Lets everything pending run for `ms` of the group's time. */
const idle = async (clock: Clock, ms: number) => {
  for (let i = 0; i < ms; i++) {
    await turn();
    clock.advance(1);
  }
  await turn();
};

t.test('jobs submitted together share one commit, and no ack precedes it', async (t) => {
  const m = manualCommits();
  const clock = manualClock();
  const g = new GroupCommit<Job, string>({ commit: m.commit, now: clock.now, after: clock.after, key: (j) => j.device, windowMs: 5 });
  const acks = ['a1', 'b1', 'c1'].map((id) =>
    g.submit({ id, device: id[0]! }).then((v) => {
      m.events.push(v);
      return v;
    }),
  );
  await idle(clock, 4);
  t.same(m.events, [], 'nothing begins before the window ends');
  clock.advance(1);
  t.same(m.groups.length, 1);
  t.same(m.groups[0]!.jobs.map((j) => j.id), ['a1', 'b1', 'c1'], 'one group, submission order');
  // Give any premature resolution every chance to show up.
  await idle(clock, 20);
  t.same(m.events, ['begin a1,b1,c1'], 'nothing acknowledged while the commit is pending');
  m.groups[0]!.release();
  t.same(await Promise.all(acks), ['ack a1', 'ack b1', 'ack c1']);
  t.same(m.events, ['begin a1,b1,c1', 'commit a1,b1,c1', 'ack a1', 'ack b1', 'ack c1'], 'every ack after the commit');
  t.same(g.stats, { groups: 1, jobs: 3, largestGroup: 3, failedGroups: 0 });
});

t.test('a failing job fails alone; the others of its group are acknowledged', async (t) => {
  const m = manualCommits();
  const clock = manualClock();
  const g = new GroupCommit<Job, string>({ commit: m.commit, now: clock.now, after: clock.after, key: (j) => j.device, windowMs: 5 });
  const results = ['a1', 'bad', 'c1'].map((id) => g.submit({ id, device: id }).then((v) => ({ v }), (e: Error) => ({ e: e.message })));
  await until(clock, () => m.groups.length === 1);
  m.groups[0]!.release([{ ok: true, value: 'ack a1' }, { ok: false, error: new Error('bad body') }, { ok: true, value: 'ack c1' }]);
  t.same(await Promise.all(results), [{ v: 'ack a1' }, { e: 'bad body' }, { v: 'ack c1' }]);
});

t.test('a failed commit fails every job of its group and nothing else', async (t) => {
  const m = manualCommits();
  const clock = manualClock();
  const g = new GroupCommit<Job, string>({ commit: m.commit, now: clock.now, after: clock.after, key: (j) => j.device, windowMs: 5 });
  const first = ['a1', 'b1'].map((id) => g.submit({ id, device: id[0]! }).then((v) => v, (e: Error) => `failed: ${e.message}`));
  await until(clock, () => m.groups.length === 1);
  const later = g.submit({ id: 'c1', device: 'c' });
  m.groups[0]!.fail(new Error('disk I/O error'));
  t.same(await Promise.all(first), ['failed: disk I/O error', 'failed: disk I/O error']);
  await until(clock, () => m.groups.length === 2);
  t.same(m.groups[1]!.jobs.map((j) => j.id), ['c1'], 'the next group is unaffected');
  m.groups[1]!.release();
  t.equal(await later, 'ack c1');
  t.equal(g.stats.failedGroups, 1);
});

t.test('one device keeps its order and is never in two groups in flight at once', async (t) => {
  const m = manualCommits();
  const clock = manualClock();
  const g = new GroupCommit<Job, string>({ commit: m.commit, now: clock.now, after: clock.after, key: (j) => j.device, windowMs: 1, concurrency: 2 });
  const acked: string[] = [];
  const all = [g.submit({ id: 'a1', device: 'a' }).then((v) => acked.push(v))];
  await until(clock, () => m.groups.length === 1);
  // While a1's group commits: a2 and a3 must wait for it; b1 may go in a second group.
  all.push(...['a2', 'b1', 'a3'].map((id) => g.submit({ id, device: id[0]! }).then((v) => acked.push(v))));
  await until(clock, () => m.groups.length === 2);
  t.same(m.groups[1]!.jobs.map((j) => j.id), ['b1'], 'a2 and a3 held back behind the group holding a1');
  m.groups[1]!.release();
  await until(clock, () => acked.length === 1);
  t.same(acked, ['ack b1']);
  await idle(clock, 10);
  t.equal(m.groups.length, 2, 'still no group with a2 while a1 is uncommitted');
  m.groups[0]!.release();
  await until(clock, () => m.groups.length === 3);
  t.same(m.groups[2]!.jobs.map((j) => j.id), ['a2', 'a3'], 'then a2 and a3, in submission order');
  m.groups[2]!.release();
  await Promise.all(all);
  t.same(acked, ['ack b1', 'ack a1', 'ack a2', 'ack a3']);
});

t.test('maxJobs bounds a group; the rest follow in order', async (t) => {
  const m = manualCommits();
  const clock = manualClock();
  const g = new GroupCommit<Job, string>({ commit: m.commit, now: clock.now, after: clock.after, key: (j) => j.device, windowMs: 1000, maxJobs: 2 });
  const all = ['a', 'b', 'c'].map((id) => g.submit({ id, device: id }));
  await until(clock, () => m.groups.length === 1);
  t.same(m.groups[0]!.jobs.map((j) => j.id), ['a', 'b'], 'flushed at maxJobs without waiting for the window');
  m.groups[0]!.release();
  await until(clock, () => m.groups.length === 2);
  t.same(m.groups[1]!.jobs.map((j) => j.id), ['c']);
  m.groups[1]!.release();
  t.same(await Promise.all(all), ['ack a', 'ack b', 'ack c']);
});

t.test('drain waits for queued and committing jobs', async (t) => {
  const m = manualCommits();
  const clock = manualClock();
  const g = new GroupCommit<Job, string>({ commit: m.commit, now: clock.now, after: clock.after, key: (j) => j.device, windowMs: 1000 });
  const p = g.submit({ id: 'a', device: 'a' });
  let drained = false;
  const d = g.drain().then(() => (drained = true));
  await until(clock, () => m.groups.length === 1);
  t.equal(drained, false);
  m.groups[0]!.release();
  await d;
  t.equal(await p, 'ack a');
  t.equal(g.pending, 0);
});

t.test('a commit that returns the wrong number of outcomes fails its jobs rather than misattributing acks', async (t) => {
  const clock = manualClock();
  const g = new GroupCommit<Job, string>({ commit: async () => [{ ok: true, value: 'x' }], key: (j) => j.device, windowMs: 1, now: clock.now, after: clock.after });
  const settled = Promise.allSettled([g.submit({ id: 'a', device: 'a' }), g.submit({ id: 'b', device: 'b' })]);
  clock.advance(1);
  const r = await settled;
  t.same(
    r.map((x) => x.status),
    ['rejected', 'rejected'],
  );
});
