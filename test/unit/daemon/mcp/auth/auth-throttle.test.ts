import t from 'tap';
import { AuthThrottle } from '../../../../../src/daemon/mcp/auth/auth-throttle.js';

t.test('an address gets `burst` failures, then waits; others are unaffected', async (t) => {
  let now = 0;
  const th = new AuthThrottle({ burst: 3, perMinute: 6, now: () => now });
  for (let i = 0; i < 3; i++) {
    t.ok(th.check('10.0.0.1').ok, `attempt ${i + 1} may try`);
    th.fail('10.0.0.1', 'unknown API key');
  }
  t.match(th.check('10.0.0.1'), { ok: false, retryAfterS: 10 }, 'one failure back every 10 s');
  t.ok(th.check('10.0.0.2').ok, 'another address is not held back');
  now += 10_000;
  t.ok(th.check('10.0.0.1').ok, 'after the refill it may try once more');
  th.fail('10.0.0.1', 'no API key');
  t.notOk(th.check('10.0.0.1').ok);
  t.match(th.stats, { failures: 4, throttled: 2 });
});

t.test('failures are summarised per address, then forgotten once the address is whole again', async (t) => {
  let now = 0;
  const th = new AuthThrottle({ burst: 5, perMinute: 10, now: () => now });
  for (let i = 0; i < 200; i++) {
    if (th.check('192.0.2.9').ok) th.fail('192.0.2.9', 'unknown API key');
  }
  th.fail('198.51.100.1', 'origin https://evil.example is not in mcp.allowedOrigins');
  t.same(th.drain(), [
    { address: '192.0.2.9', failures: 5, throttled: 195, reason: 'unknown API key' },
    { address: '198.51.100.1', failures: 1, throttled: 0, reason: 'origin https://evil.example is not in mcp.allowedOrigins' },
  ]);
  t.same(th.drain(), [], 'nothing new, nothing reported');
  now += 60_000;
  th.drain();
  t.equal(th.tracked, 0, 'refilled addresses are dropped');
});

t.test('the address table is bounded', async (t) => {
  const th = new AuthThrottle({ burst: 2, perMinute: 1, maxAddresses: 100, now: () => 0 });
  for (let i = 0; i < 1000; i++) th.fail(`2001:db8::${i.toString(16)}`, 'no API key');
  t.equal(th.tracked, 100);
  t.equal(th.stats.forgotten, 900);
});
