import t, { type Test } from 'tap';
import { NotifyListener } from '../../../helpers/notify-listener.js';
import { Notifier } from '../../../../src/daemon/notify/sd-notify.js';
import { ManualClock } from '../../../../src/drivers/clock.js';
import type { DatagramSink } from '../../../../src/drivers/native/unix-datagram-sender.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function listener(t: Test, abstract = false): NotifyListener {
  const l = NotifyListener.start({ abstract });
  t.teardown(() => l.close());
  return l;
}

function notifier(t: Test, env: NodeJS.ProcessEnv, onError?: (e: Error) => void): Notifier {
  const n = Notifier.fromEnv(env, onError ? { onError } : {});
  t.teardown(() => n.stop());
  return n;
}

t.test('without NOTIFY_SOCKET it does nothing at all: no socket, no timer, no send', async (t) => {
  const l = listener(t);
  let socketsOpened = 0;
  let timersStarted = 0;
  const n = Notifier.fromEnv(
    { WATCHDOG_USEC: '400000' },
    {
      openSink: () => {
        socketsOpened++;
        throw new Error('must not open');
      },
      every: () => {
        timersStarted++;
        return () => {};
      },
    },
  );
  n.ready('up');
  n.status('status');
  n.reloading();
  n.stopping();
  n.watchdogPing();
  n.startWatchdog();
  await sleep(100);
  n.stop();
  t.equal(n.enabled, false);
  t.equal(socketsOpened, 0);
  t.equal(timersStarted, 0);
  t.same(n.stats, { sent: 0, failed: 0, watchdogPings: 0, watchdogSkipped: 0, lastError: null });
  t.equal(l.messages.length, 0);
});

t.test('READY, STATUS, RELOADING and STOPPING reach systemd from our pid', async (t) => {
  const l = listener(t);
  const n = notifier(t, l.env());
  n.ready();
  n.status('GNSS: 3D fix, 9 sats\nPPS: locked');
  const before = process.hrtime.bigint() / 1000n;
  n.reloading();
  const after = process.hrtime.bigint() / 1000n;
  n.ready('reloaded');
  n.stopping();
  const got = await l.waitFor(() => true, 5);
  t.same(
    got.map((m) => m.text),
    [
      'READY=1',
      'STATUS=GNSS: 3D fix, 9 sats PPS: locked',
      `RELOADING=1\nMONOTONIC_USEC=${got[2]?.fields.MONOTONIC_USEC}`,
      'READY=1\nSTATUS=reloaded',
      'STOPPING=1',
    ],
  );
  const usec = BigInt(got[2]?.fields.MONOTONIC_USEC ?? '0');
  t.ok(usec >= before && usec <= after, 'MONOTONIC_USEC is CLOCK_MONOTONIC now, in µs');
  t.ok(got.every((m) => m.pid === process.pid), 'the kernel names our pid as sender');
  t.equal(n.stats.sent, 5);
  t.equal(n.stats.failed, 0);
});

t.test('an abstract NOTIFY_SOCKET (@name) works', async (t) => {
  const l = listener(t, true);
  t.match(l.notifySocket, /^@/);
  notifier(t, l.env()).ready();
  const [m] = await l.waitFor((m) => m.fields.READY === '1');
  t.equal(m?.pid, process.pid);
});

t.test('WATCHDOG_USEC=400000 gives a WATCHDOG=1 at once and then one every 200 ms', async (t) => {
  // The schedule is asserted through the injected timer, not by timing real pings: how late a
  // loaded machine delivers them says nothing about the period the notifier chose.
  const l = listener(t);
  const timers: { ms: number; fn: () => void; cancelled: boolean }[] = [];
  const n = Notifier.fromEnv(l.env({ WATCHDOG_USEC: '400000' }), {
    every: (fn, ms) => {
      const timer = { ms, fn, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
  });
  t.teardown(() => n.stop());
  n.startWatchdog();
  t.equal(n.stats.watchdogPings, 1, 'the first ping goes at once, before any period has passed');
  n.startWatchdog(); // a second start must not double the rate
  t.same(
    timers.map((x) => x.ms),
    [200],
    'one timer, at half of WATCHDOG_USEC',
  );
  for (let i = 0; i < 5; i++) timers[0]!.fn();
  t.equal(n.stats.watchdogPings, 6, 'a ping per period');
  const pings = await l.waitFor((m) => m.fields.WATCHDOG === '1', 6, 10_000);
  t.ok(pings.every((p) => p.pid === process.pid), 'each one reached systemd from our pid');
  n.stop();
  t.equal(timers[0]!.cancelled, true, 'stop() cancels the timer');
});

t.test('the real timer keeps pinging until stop()', async (t) => {
  const l = listener(t);
  const n = notifier(t, l.env({ WATCHDOG_USEC: '400000' }));
  n.startWatchdog();
  const pings = await l.waitFor((m) => m.fields.WATCHDOG === '1', 4, 30_000);
  n.stop();
  const gaps = pings.slice(1).map((p, i) => p.monotonicMs - pings[i]!.monotonicMs);
  t.comment(`intervals (ms): ${gaps.map((g) => g.toFixed(1)).join(', ')}`);
  t.ok(pings.every((p) => p.pid === process.pid));
  await sleep(300); // a datagram already in flight lands before the count is taken
  const count = l.withField('WATCHDOG').length;
  await sleep(500);
  t.equal(l.withField('WATCHDOG').length, count, 'stop() ends the pings');
});

t.test('a watchdog inherited from another process (WATCHDOG_PID) is not ours to ping', async (t) => {
  const l = listener(t);
  const n = notifier(t, l.env({ WATCHDOG_USEC: '400000', WATCHDOG_PID: String(process.ppid) }));
  t.equal(n.watchdog.enabled, false);
  n.startWatchdog();
  n.ready();
  await l.waitFor((m) => m.fields.READY === '1');
  await sleep(500);
  t.equal(l.withField('WATCHDOG').length, 0);
  t.same(
    l.messages.map((m) => m.text),
    ['READY=1'],
  );
});

t.test('WATCHDOG_PID naming us keeps the watchdog', async (t) => {
  const l = listener(t);
  notifier(t, l.env({ WATCHDOG_USEC: '400000', WATCHDOG_PID: String(process.pid) })).startWatchdog();
  await l.waitFor((m) => m.fields.WATCHDOG === '1', 2);
});

t.test('a dead notify socket is counted and reported, never thrown', async (t) => {
  const l = listener(t);
  const path = l.notifySocket;
  await l.close();
  const errors: Error[] = [];
  const n = notifier(t, { NOTIFY_SOCKET: path, WATCHDOG_USEC: '400000' }, (e) => {
    errors.push(e);
    throw new Error('a reporter that itself fails');
  });
  t.doesNotThrow(() => {
    n.ready();
    n.status('x');
    n.startWatchdog();
  });
  t.equal(n.stats.failed, 3);
  t.equal(n.stats.sent, 0);
  t.equal(n.stats.watchdogPings, 0);
  t.match(n.stats.lastError, /ENOENT/);
  t.equal(errors.length, 3);
  t.match(errors[0], { code: 'ENOENT', syscall: 'sendto' });
});

t.test('a sick daemon withholds its pings so systemd restarts it', async (t) => {
  const clock = new ManualClock();
  const sent: string[] = [];
  const sink: DatagramSink = { send: (_a, d) => void sent.push(Buffer.from(d).toString()), close: () => {} };
  const every = (fn: () => void, ms: number): (() => void) => {
    let cancel = clock.setTimeout(function again() {
      fn();
      cancel = clock.setTimeout(again, ms);
    }, ms);
    return () => cancel();
  };
  const n = Notifier.fromEnv({ NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '30000000' }, { openSink: () => sink, clock, every });
  let healthy = true;
  n.startWatchdog(() => healthy);
  clock.advance(45_000); // pings at 0, 15 s, 30 s, 45 s
  t.equal(sent.length, 4);
  healthy = false;
  clock.advance(30_000);
  t.equal(sent.length, 4, 'no ping while unhealthy');
  t.equal(n.stats.watchdogSkipped, 2);
  healthy = true;
  clock.advance(15_000);
  t.equal(sent.length, 5, 'pings resume');
  n.stop();
  clock.advance(60_000);
  t.equal(sent.length, 5, 'stopped');
  t.equal(clock.pendingTimers, 0);
  t.equal(n.stats.watchdogPings, 5);
});

t.test('unsetEnvironment keeps children from inheriting our notify variables', async (t) => {
  const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '1', WATCHDOG_PID: '1', PATH: '/bin' };
  const n = Notifier.fromEnv(env, { unsetEnvironment: true, openSink: () => ({ send() {}, close() {} }) });
  t.equal(n.socket, '/n');
  t.same(env, { PATH: '/bin' });
});

t.test('unusable variables are exposed for the startup log', async (t) => {
  const n = Notifier.fromEnv({ NOTIFY_SOCKET: '/n', WATCHDOG_USEC: 'soon' });
  t.equal(n.watchdog.enabled, false);
  t.match(n.problems, [/WATCHDOG_USEC="soon"/]);
});
