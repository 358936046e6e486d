import t from 'tap';
import { parseNotifyEnvironment } from '../../../../src/daemon/notify/notify-environment.js';

const PID = 4242;

t.test('no NOTIFY_SOCKET: nothing to notify, no watchdog, nothing to complain about', async (t) => {
  for (const env of [{}, { NOTIFY_SOCKET: '' }, { WATCHDOG_USEC: '30000000' }]) {
    const e = parseNotifyEnvironment(env, PID);
    t.equal(e.socket, null);
    t.equal(e.watchdog.enabled, false);
    t.same(e.problems, []);
  }
});

t.test('paths and abstract names are accepted as given', async (t) => {
  t.equal(parseNotifyEnvironment({ NOTIFY_SOCKET: '/run/systemd/notify' }, PID).socket, '/run/systemd/notify');
  t.equal(parseNotifyEnvironment({ NOTIFY_SOCKET: '@sd-notify/x' }, PID).socket, '@sd-notify/x');
});

t.test('unusable NOTIFY_SOCKET values disable notification and say why', async (t) => {
  for (const value of ['relative/path', 'vsock:2:1234', '/' + 'x'.repeat(200)]) {
    const e = parseNotifyEnvironment({ NOTIFY_SOCKET: value, WATCHDOG_USEC: '1000000' }, PID);
    t.equal(e.socket, null, value.slice(0, 20));
    t.equal(e.watchdog.enabled, false);
    t.equal(e.problems.length, 1);
    t.match(e.problems[0], /NOTIFY_SOCKET/);
  }
});

t.test('WATCHDOG_USEC sets a ping every half timeout', async (t) => {
  const e = parseNotifyEnvironment({ NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '30000000' }, PID);
  t.same(e.watchdog, { enabled: true, timeoutUsec: 30_000_000, intervalMs: 15_000 });
  const fast = parseNotifyEnvironment({ NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '400000' }, PID);
  t.same(fast.watchdog, { enabled: true, timeoutUsec: 400_000, intervalMs: 200 });
});

t.test('absurd timeouts are clamped to what a timer can do', async (t) => {
  const tiny = parseNotifyEnvironment({ NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '1' }, PID);
  t.match(tiny.watchdog, { enabled: true, intervalMs: 1 });
  const huge = parseNotifyEnvironment({ NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '9000000000000000' }, PID);
  t.match(huge.watchdog, { enabled: true, intervalMs: 2 ** 31 - 1 });
});

t.test('WATCHDOG_PID naming us keeps the watchdog; naming someone else turns it off', async (t) => {
  const ours = parseNotifyEnvironment({ NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '4242' }, PID);
  t.equal(ours.watchdog.enabled, true);
  const theirs = parseNotifyEnvironment({ NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' }, PID);
  t.match(theirs.watchdog, { enabled: false, reason: /WATCHDOG_PID=1 is another process \(we are 4242\)/ });
  t.same(theirs.problems, [], 'an inherited watchdog is normal, not a problem');
});

t.test('garbage in WATCHDOG_* is reported and turns the watchdog off', async (t) => {
  const cases = [
    { WATCHDOG_USEC: 'abc' },
    { WATCHDOG_USEC: '0' },
    { WATCHDOG_USEC: '-5' },
    { WATCHDOG_USEC: '1.5' },
    { WATCHDOG_USEC: '1000000', WATCHDOG_PID: 'me' },
    { WATCHDOG_USEC: '1000000', WATCHDOG_PID: '0' },
  ];
  for (const env of cases) {
    const e = parseNotifyEnvironment({ NOTIFY_SOCKET: '/n', ...env }, PID);
    t.equal(e.socket, '/n', 'still notifies');
    t.equal(e.watchdog.enabled, false, JSON.stringify(env));
    t.equal(e.problems.length, 1);
    t.match(e.problems[0], /WATCHDOG_(USEC|PID)=/);
  }
});
