import t from 'tap';
import { buildHealth, httpStatusFor } from '../../../../src/daemon/http/health.js';
import { healthyStore, okHost, T0 } from './state-fixture.js';

const NOW = T0 + 60_000;

t.test('a locked appliance is ok, every component ok, HTTP 200', async (t) => {
  const r = buildHealth(healthyStore().snapshot, okHost(), NOW);
  t.equal(r.status, 'ok');
  t.equal(httpStatusFor(r), 200);
  t.same(Object.keys(r.components).sort(), ['disk', 'eventLoop', 'fleet', 'gnss', 'memory', 'pps', 'rtc', 'timekeeper']);
  for (const [name, c] of Object.entries(r.components)) t.equal(c.status, 'ok', `${name}: ${c.message}`);
  t.equal(r.version, '9.9.9');
  t.equal(r.uptimeS, 60);
  t.equal(r.summary, 'all components ok');
});

t.test('a missing receiver: GNSS down, the appliance degraded (holdover covers it), HTTP 200', async (t) => {
  const s = healthyStore();
  s.update('gnss', { link: 'connecting', lastError: 'No such file or directory, cannot open /dev/ttyAMA0', trust: { timeValid: false, validStreak: 0, needed: 3 } });
  s.update('holdover', { state: 'holdover', since: T0, estimatedErrorS: 2e-5, overBudget: false });
  const r = buildHealth(s.snapshot, okHost(), NOW);
  t.equal(r.components.gnss.status, 'down');
  t.match(r.components.gnss.message, /no GNSS receiver at \/dev\/ttyAMA0/);
  t.equal(r.components.timekeeper.status, 'degraded');
  t.match(r.components.timekeeper.message, /holdover/);
  t.equal(r.status, 'degraded');
  t.equal(httpStatusFor(r), 200);
  t.match(r.summary, /^gnss down: no GNSS receiver/, 'the worst component first');
});

t.test('holdover over budget: the timekeeper is down and so is the appliance (503)', async (t) => {
  const s = healthyStore();
  s.update('gnss', { link: 'down', lastError: 'EIO' });
  s.update('holdover', { state: 'holdover', since: T0, estimatedErrorS: 0.004, overBudget: true });
  const r = buildHealth(s.snapshot, okHost(), NOW);
  t.equal(r.components.timekeeper.status, 'down');
  t.match(r.components.timekeeper.message, /over the 1\.00 ms budget/);
  t.equal(r.status, 'down');
  t.equal(httpStatusFor(r), 503);
});

t.test('timekeeper: unreachable is down; before any status or while synchronising, degraded; late sync down', async (t) => {
  const s = healthyStore();
  s.update('timekeeper', { reachable: false, lastError: 'chronyc: 506 Cannot talk to daemon' });
  let r = buildHealth(s.snapshot, okHost(), NOW);
  t.equal(r.components.timekeeper.status, 'down');
  t.match(r.components.timekeeper.message, /chrony not answering: chronyc: 506/);
  t.equal(httpStatusFor(r), 503);

  s.update('timekeeper', { updatedAt: null });
  t.equal(buildHealth(s.snapshot, okHost(), NOW).components.timekeeper.status, 'degraded', 'no query answered yet');

  s.update('timekeeper', { reachable: true, synced: false, updatedAt: NOW });
  t.equal(buildHealth(s.snapshot, okHost(), NOW).components.timekeeper.status, 'degraded', 'synchronising after start');
  r = buildHealth(s.snapshot, okHost(), T0 + 16 * 60_000);
  t.equal(r.components.timekeeper.status, 'down', 'still unsynchronised 16 min after start');
  t.equal(r.status, 'down');

  s.update('timekeeper', { kind: 'none', reachable: false });
  t.equal(buildHealth(s.snapshot, okHost(), NOW).components.timekeeper.status, 'ok', 'kind none: nothing to judge');
});

t.test('PPS: missing is down but not critical; wrong rate degraded; none configured ok', async (t) => {
  const s = healthyStore();
  const h = s.snapshot.pps.health!;
  s.update('pps', { health: { ...h, condition: 'missing', message: 'no pulse for 3.1 s' } });
  let r = buildHealth(s.snapshot, okHost(), NOW);
  t.equal(r.components.pps.status, 'down');
  t.equal(r.status, 'degraded');
  s.update('pps', { health: { ...h, condition: 'wrong-rate', message: 'rate 2 Hz' } });
  t.equal(buildHealth(s.snapshot, okHost(), NOW).components.pps.status, 'degraded');
  s.update('pps', { source: null, link: 'absent', health: null });
  r = buildHealth(s.snapshot, okHost(), NOW);
  t.equal(r.components.pps.status, 'ok');
  t.match(r.components.pps.message, /no PPS configured/);
});

t.test('RTC: unreadable down, stopped oscillator and low battery degraded', async (t) => {
  const s = healthyStore();
  s.update('rtc', { readable: false, lastError: 'EREMOTEIO' });
  t.equal(buildHealth(s.snapshot, okHost(), NOW).components.rtc.status, 'down');
  s.update('rtc', { readable: true, lastError: null, oscillatorStopped: true });
  t.equal(buildHealth(s.snapshot, okHost(), NOW).components.rtc.status, 'degraded');
  s.update('rtc', { oscillatorStopped: false, batteryLow: true });
  t.match(buildHealth(s.snapshot, okHost(), NOW).components.rtc.message, /battery low/);
});

t.test('fleet upload: outbox error down, repeated failures degraded, a single failure ok', async (t) => {
  const s = healthyStore();
  s.update('fleet', { enabled: true, url: 'https://c', consecutiveFailures: 1, lastError: 'ECONNREFUSED', backlog: 4 });
  t.equal(buildHealth(s.snapshot, okHost(), NOW).components.fleet.status, 'ok', 'one retry is routine');
  s.update('fleet', { consecutiveFailures: 3 });
  const r = buildHealth(s.snapshot, okHost(), NOW);
  t.equal(r.components.fleet.status, 'degraded');
  t.match(r.components.fleet.message, /3 uploads failed in a row \(ECONNREFUSED\), backlog 4/);
  s.update('fleet', { outboxError: 'SQLITE_FULL' });
  t.equal(buildHealth(s.snapshot, okHost(), NOW).components.fleet.status, 'down');
  t.equal(buildHealth(s.snapshot, okHost(), NOW).status, 'degraded', 'not critical: time is still served');
});

t.test('disk: thresholds on fraction and bytes, statfs failure degraded', async (t) => {
  const st = healthyStore().snapshot;
  const disk = (availBytes: number, sizeBytes = 30 * 1024 ** 3) => buildHealth(st, okHost({ disk: { path: '/s', availBytes, sizeBytes } }), NOW).components.disk.status;
  t.equal(disk(3.5 * 1024 ** 3), 'ok');
  t.equal(disk(2 * 1024 ** 3), 'degraded', 'under 10 %');
  t.equal(disk(90 * 1024 ** 2, 200 * 1024 ** 2), 'degraded', '45 % but under 100 MiB');
  t.equal(disk(0.5 * 1024 ** 3), 'down', 'under 2 %');
  t.equal(buildHealth(st, okHost({ disk: { path: '/s', error: 'ENOENT' } }), NOW).components.disk.status, 'degraded');
});

t.test('memory and event loop are critical', async (t) => {
  const st = healthyStore().snapshot;
  const mem = (rss: number) => buildHealth(st, okHost({ memory: { rssBytes: rss, limitBytes: 100, limitSource: 'cgroup' } }), NOW);
  t.equal(mem(79).components.memory.status, 'ok');
  t.equal(mem(80).components.memory.status, 'degraded');
  t.equal(mem(96).status, 'down');
  const loop = (p99Ms: number, maxMs: number) => buildHealth(st, okHost({ eventLoop: { meanMs: 10, p99Ms, maxMs, windowS: 10 } }), NOW);
  t.equal(loop(15, 40).components.eventLoop.status, 'ok');
  t.equal(loop(15, 250).components.eventLoop.status, 'degraded', 'one stall long enough to drop a label');
  t.equal(loop(150, 160).components.eventLoop.status, 'degraded');
  t.equal(loop(1200, 1500).status, 'down');
  t.equal(buildHealth(st, okHost({ eventLoop: null }), NOW).components.eventLoop.status, 'ok', 'no window yet');
});
