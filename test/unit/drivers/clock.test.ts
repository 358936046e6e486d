import t from 'tap';
import { ManualClock, systemClock } from '../../../src/drivers/clock.js';

t.test('ManualClock fires due timers in order, reading each one its due time', async (t) => {
  const clock = new ManualClock(10_000);
  const fired: [string, number][] = [];
  clock.setTimeout(() => fired.push(['b', clock.now()]), 200);
  clock.setTimeout(() => fired.push(['a', clock.now()]), 100);
  clock.setTimeout(() => fired.push(['a2', clock.now()]), 100);
  clock.setTimeout(() => fired.push(['late', clock.now()]), 1000);
  clock.advance(500);
  t.same(fired, [
    ['a', 10_100],
    ['a2', 10_100],
    ['b', 10_200],
  ]);
  t.equal(clock.now(), 10_500);
  t.equal(clock.pendingTimers, 1);
});

t.test('timers scheduled by a timer inside the window fire in the same advance', async (t) => {
  const clock = new ManualClock(0);
  const at: number[] = [];
  const tick = () => {
    at.push(clock.now());
    clock.setTimeout(tick, 300);
  };
  clock.setTimeout(tick, 300);
  clock.advance(1000);
  t.same(at, [300, 600, 900]);
});

t.test('cancel, zero delays, monotonic time and wall-clock jumps', async (t) => {
  const clock = new ManualClock(5_000, 7n);
  let ran = 0;
  const cancel = clock.setTimeout(() => ran++, 50);
  cancel();
  cancel();
  clock.setTimeout(() => ran++, -5); // clamped to 0: fires on the next advance, even advance(0)
  clock.advance(0);
  t.equal(ran, 1);
  clock.advance(100);
  t.equal(ran, 1, 'the cancelled timer never runs');
  t.equal(clock.monoNs(), 7n + 100_000_000n);
  clock.setTimeout(() => ran++, 1000);
  clock.jumpWall(-3_600_000);
  t.equal(clock.now(), 5_100 - 3_600_000);
  t.equal(clock.monoNs(), 7n + 100_000_000n, 'a wall step leaves the monotonic clock alone');
  clock.advance(999);
  t.equal(ran, 1, 'timers run on the monotonic axis: the step neither fires nor delays them');
  clock.advance(1);
  t.equal(ran, 2);
  t.throws(() => clock.advance(-1), RangeError);
});

t.test('systemClock reads Date.now and its timers can be cancelled', async (t) => {
  const before = Date.now();
  const now = systemClock.now();
  t.ok(now >= before && now <= Date.now());
  const m1 = systemClock.monoNs();
  let cancelled = false;
  const cancel = systemClock.setTimeout(() => (cancelled = true), 5);
  cancel();
  await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 20));
  t.equal(cancelled, false);
  t.ok(systemClock.monoNs() - m1 >= 15_000_000n, 'monotonic ns moved by about the wait');
});
