import { readFileSync } from 'node:fs';
import t from 'tap';
import { ManualClock } from '../../../../../src/drivers/clock.js';
import { ApplianceStore, initialState } from '../../../../../src/daemon/core/appliance-state.js';
import { createLogger } from '../../../../../src/daemon/logger.js';
import { ChronycClient } from '../../../../../src/daemon/timekeeper/status/chronyc-client.js';
import type { CommandResult, RunCommand } from '../../../../../src/daemon/timekeeper/status/command-runner.js';
import { TimekeeperStatusService } from '../../../../../src/daemon/timekeeper/status/timekeeper-status-service.js';

const fx = (name: string): string => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
const batch = (scene: string): CommandResult => ({
  ok: true,
  stdout: fx(`${scene}.tracking.csv`) + fx(`${scene}.sources.csv`) + fx(`${scene}.sourcestats.csv`),
  stderr: '',
});
// chronyc 4.3's real answer when nothing listens on the socket (fixtures/not-running.*).
const notRunning: CommandResult = { ok: false, reason: 'exit', code: 1, stdout: fx('not-running.stdout'), stderr: fx('not-running.stderr'), message: 'chronyc exited with 1' };

function setup(answers: CommandResult[]) {
  const clock = new ManualClock();
  const store = new ApplianceStore(
    initialState({ version: 't', pid: 1, startedAt: 0, mode: 'simulate', configSource: 'x', gnssDevice: 'sim', timeValidAfter: 3, ppsSource: null, rtcModel: null, timekeeper: 'chrony' }),
  );
  store.update('gnss', { link: 'open', trust: { timeValid: true, validStreak: 3, needed: 3 } });
  store.update('timekeeper', { feed: { sockSent: 7, sockFailed: 0, ppsSent: 0, shmWrites: 0, lastError: null } });
  const logLines: string[] = [];
  const log = createLogger({ level: 'info', format: 'json', stream: { write: (l: string) => (logLines.push(l), true) } as unknown as NodeJS.WritableStream });
  const calls: string[][] = [];
  const run: RunCommand = async (argv) => {
    calls.push([...argv]);
    return answers[Math.min(calls.length - 1, answers.length - 1)]!;
  };
  const reader = new ChronycClient({ commandSocket: '/run/chrony/chronyd.sock', run });
  const svc = new TimekeeperStatusService({
    store, log, clock, reader, intervalS: 10,
    refclocks: { nmeaRefId: 'NMEA', ppsRefId: 'PPS', nmeaFeed: '/run/stratum1d-chrony/nmea.sock', ppsDevice: '/dev/pps0' },
  });
  return { clock, store, svc, calls, logLines };
}

/** Lets the fake command's promise and the service's continuation run. */
const settle = () => new Promise((r) => setImmediate(r));

t.test('writes typed status and explanations, and never touches feed or nmeaOffset', async (t) => {
  const { clock, store, svc, calls } = setup([batch('nmea-late-no-pps')]);
  svc.start();
  clock.advance(0);
  await settle();
  const tk = store.snapshot.timekeeper;
  t.same(calls[0], ['chronyc', '-c', '-n', '-h', '/run/chrony/chronyd.sock', '-m', 'tracking', 'sources', 'sourcestats']);
  t.equal(tk.reachable, true);
  t.equal(tk.lastError, null);
  t.equal(tk.synced, true);
  t.equal(tk.tracking?.refName, '127.0.0.1');
  t.same(tk.sources.map((s) => s.name), ['NMEA', 'PPS', '127.0.0.1', '192.0.2.1', '2001:db8::1']);
  t.equal(tk.updatedAt, clock.now());
  t.match(tk.explanations[0], /^NMEA offset too large for PPS lock: the NMEA refclock is \+500\.0 ms off/);
  t.match(tk.explanations, [/./, /^PPS refclock unreachable: is \/dev\/pps0 present and readable by _chrony\?$/, /^selected source is a network server \(127\.0\.0\.1\), not the GNSS$/]);
  t.equal(tk.feed.sockSent, 7, 'feed left alone');
  t.equal(tk.nmeaOffset, null);
  svc.stop();
});

t.test('polls every interval, never overlapping, and stops', async (t) => {
  const { clock, svc, calls } = setup([batch('pps-locked')]);
  svc.start();
  clock.advance(0);
  await settle();
  clock.advance(9_999);
  await settle();
  t.equal(calls.length, 1, 'not before the interval');
  clock.advance(1);
  await settle();
  t.equal(calls.length, 2);
  svc.stop();
  clock.advance(60_000);
  await settle();
  t.equal(calls.length, 2, 'no polls after stop');
});

t.test('chronyd not running: unreachable with a clear error, logged once, then recovery', async (t) => {
  const { clock, store, svc, logLines } = setup([notRunning, notRunning, notRunning, batch('pps-locked')]);
  svc.start();
  for (let i = 0; i < 3; i++) {
    clock.advance(i === 0 ? 0 : 10_000);
    await settle();
  }
  const tk = store.snapshot.timekeeper;
  t.equal(svc.polls, 3);
  t.equal(tk.reachable, false);
  t.equal(tk.lastError, 'chronyd not running: no answer on /run/chrony/chronyd.sock');
  t.same(tk.sources, []);
  t.equal(tk.tracking, null);
  t.equal(tk.explanations[0], 'chronyd not running: no answer on /run/chrony/chronyd.sock');
  t.equal(logLines.filter((l) => l.includes('timekeeper status unavailable')).length, 1, 'one warning, not one per poll');
  clock.advance(10_000);
  await settle();
  t.equal(store.snapshot.timekeeper.reachable, true);
  t.equal(store.snapshot.timekeeper.tracking?.refName, 'PPS');
  t.same(store.snapshot.timekeeper.explanations, [], 'PPS selected and locked: nothing to explain');
  t.equal(logLines.filter((l) => l.includes('available again')).length, 1);
  svc.stop();
});

t.test('chronyc missing, timing out or printing garbage: reported, not thrown', async (t) => {
  const cases: Array<[CommandResult, RegExp]> = [
    [{ ok: false, reason: 'not-found', code: null, stdout: '', stderr: '', message: 'chronyc not found' }, /^chronyc not installed \(chronyc not found\)$/],
    [{ ok: false, reason: 'timeout', code: null, stdout: '', stderr: '', message: 'x' }, /^chronyc timed out after 5000 ms asking \/run\/chrony\/chronyd.sock$/],
    [{ ok: false, reason: 'exit', code: 1, stdout: '', stderr: '501 Not authorised\n', message: 'chronyc exited with 1' }, /may not use .*501 Not authorised/],
    [{ ok: true, stdout: 'hello,world\n', stderr: '' }, /unexpected line: hello,world/],
  ];
  for (const [answer, msg] of cases) {
    const { clock, store, svc } = setup([answer]);
    svc.start();
    clock.advance(0);
    await settle();
    t.equal(store.snapshot.timekeeper.reachable, false);
    t.match(store.snapshot.timekeeper.lastError, msg);
    svc.stop();
  }
});

t.test('over the UDP command port a silent chronyd is also "not running" (chronyc says so on stdout)', async (t) => {
  // chronyc 4.3 with `-h 127.0.0.1 -p 323` and nothing listening: exit 1, "506 Cannot talk to daemon" on stdout.
  const udpSilent: CommandResult = { ok: false, reason: 'exit', code: 1, stdout: '506 Cannot talk to daemon\n', stderr: '', message: 'chronyc exited with 1' };
  const reader = new ChronycClient({ commandSocket: '127.0.0.1:323', run: async () => udpSilent });
  t.same(reader.argv.slice(3, 7), ['-h', '127.0.0.1', '-p', '323']);
  const got = await reader.query();
  t.same(got, { ok: false, error: 'chronyd not running: no answer on 127.0.0.1:323' });
});
