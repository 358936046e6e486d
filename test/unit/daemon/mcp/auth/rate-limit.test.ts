import t from 'tap';
import { RateLimiter, rateLimitedError, RATE_LIMITED } from '../../../../../src/daemon/mcp/auth/rate-limit.js';

t.test('a burst passes, the next request waits for a token', async (t) => {
  let now = 1000;
  const rl = new RateLimiter({ perSecond: 2, burst: 3, now: () => now });
  t.same([rl.take('a'), rl.take('a'), rl.take('a')].map((d) => d.ok), [true, true, true]);
  const d = rl.take('a');
  t.same(d, { ok: false, retryAfterMs: 500 }, 'one token at 2/s is 500 ms away');
  t.ok(rl.take('b').ok, 'another key has its own bucket');
  now += 250;
  t.same(rl.take('a'), { ok: false, retryAfterMs: 250 }, 'half a token refilled');
  now += 250;
  t.ok(rl.take('a').ok, 'a whole token is back');
  now += 60_000;
  t.same([rl.take('a'), rl.take('a'), rl.take('a'), rl.take('a')].map((x) => x.ok), [true, true, true, false], 'refill never exceeds the burst');
  t.equal(rl.stats.limited, 3);
});

t.test('the JSON-RPC refusal carries retry-after in data', async (t) => {
  const e = rateLimitedError(7, 1500);
  t.equal(e.id, 7);
  t.equal(e.error.code, RATE_LIMITED);
  t.same(e.error.data, { retryAfterMs: 1500, retryAfterS: 2 });
});
