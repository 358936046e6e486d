import t from 'tap';
import { Backoff } from '../../../../src/daemon/lifecycle/backoff.js';

t.test('doubles from the initial delay up to the cap', async (t) => {
  const b = new Backoff(250, 2000, () => 0.5); // no jitter at the midpoint
  t.same([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [250, 500, 1000, 2000, 2000, 2000]);
  b.reset();
  t.equal(b.next(), 250);
});

t.test('jitter stays within ±20 % and never exceeds the cap', async (t) => {
  const low = new Backoff(1000, 1500, () => 0);
  const high = new Backoff(1000, 1500, () => 0.999);
  t.equal(low.next(), 800);
  t.equal(high.next(), 1200);
  t.equal(high.next(), 1500, 'capped even with upward jitter');
});
