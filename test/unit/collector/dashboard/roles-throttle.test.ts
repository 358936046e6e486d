import t from 'tap';
import { LoginThrottle } from '../../../../src/collector/dashboard/login-throttle.js';
import { can } from '../../../../src/collector/dashboard/roles.js';

t.test('roles: viewers view, admins also add and revoke, anything else nothing', async (t) => {
  t.ok(can('viewer', 'view'));
  t.notOk(can('viewer', 'add-device'));
  t.notOk(can('viewer', 'revoke-device'));
  t.ok(can('admin', 'view'));
  t.ok(can('admin', 'add-device'));
  t.ok(can('admin', 'revoke-device'));
  t.notOk(can(null, 'view'));
  t.notOk(can('root' as never, 'view'));
});

t.test('throttle: 3 failures per user per minute, then wait for the oldest to age out', async (t) => {
  const th = new LoginThrottle({ user: { maxFailures: 3, windowMs: 60_000 }, ip: { maxFailures: 100, windowMs: 60_000 } });
  const T = 1_000_000;
  th.fail('alice', '10.0.0.1', T);
  th.fail('Alice', '10.0.0.2', T + 1000);
  t.equal(th.retryAfterMs('alice', '10.0.0.3', T + 2000), 0);
  th.fail('alice', '10.0.0.3', T + 2000);
  t.equal(th.retryAfterMs('alice', '10.0.0.9', T + 2000), 58_000, 'user names compare case-insensitively; any address');
  t.equal(th.retryAfterMs('bob', '10.0.0.1', T + 2000), 0, 'other users are not affected');
  t.equal(th.retryAfterMs('alice', '10.0.0.9', T + 59_000), 1000, 'one more second until the oldest failure leaves');
  t.equal(th.retryAfterMs('alice', '10.0.0.9', T + 60_000), 0, 'the oldest failure left the window');
  t.equal(th.retryAfterMs('alice', '10.0.0.9', T + 61_000), 0, 'the oldest failure left the window');
  th.succeed('alice');
  t.equal(th.retryAfterMs('alice', '10.0.0.9', T + 2000), 0, 'a success clears the user');
});

t.test('throttle per address catches one client spraying many names', async (t) => {
  const th = new LoginThrottle({ user: { maxFailures: 100, windowMs: 60_000 }, ip: { maxFailures: 5, windowMs: 60_000 } });
  for (let i = 0; i < 5; i++) th.fail(`user${i}`, '192.0.2.7', 1000 + i);
  t.ok(th.retryAfterMs('someone-new', '192.0.2.7', 2000) > 0);
  t.equal(th.retryAfterMs('someone-new', '192.0.2.8', 2000), 0);
});

t.test('throttle memory is bounded', async (t) => {
  const th = new LoginThrottle({ user: { maxFailures: 1, windowMs: 60_000 }, ip: { maxFailures: 1, windowMs: 60_000 } }, 10);
  for (let i = 0; i < 100; i++) th.fail(`u${i}`, `ip${i}`, 1000);
  t.equal(th.retryAfterMs('u99', 'x', 1001) > 0, true, 'the newest are remembered');
  t.equal(th.retryAfterMs('u0', 'x', 1001), 0, 'the oldest were forgotten');
});
