import t from 'tap';
import { ArrivalCheck } from '../../../../../src/daemon/timekeeper/feed/arrival-check.js';

const steady = (c: ArrivalCheck, base: number, n: number, jitter = 0.003): boolean[] =>
  Array.from({ length: n }, (_, i) => c.check(base + ((i * 7) % 5) * jitter / 4).ok);

t.test('warm-up: nothing passes until three epochs agree', async (t) => {
  const c = new ArrivalCheck({ maxErrorS: 0.2 });
  t.match(c.check(4.1), { ok: false, reason: 'warming-up' }, 'a stalled first stamp');
  t.match(c.check(0.12), { ok: false, reason: 'warming-up' });
  t.match(c.check(0.121), { ok: false, reason: 'warming-up' });
  t.match(c.check(0.119), { ok: true });
  t.equal(c.stats().warmingUp, 3);
});

t.test('a stall of seconds: every epoch stamped during it is dropped, the next good one passes', async (t) => {
  const c = new ArrivalCheck({ maxErrorS: 0.2 });
  t.same(steady(c, 0.125, 10).slice(3), Array(7).fill(true));
  // The loop blocked 4 s: four epochs read at once, all stamped at the same late moment.
  const stalled = [4.125, 3.125, 2.125, 1.125].map((x) => c.check(x));
  t.same(stalled.map((v) => v.ok), [false, false, false, false]);
  t.match(stalled[0], { reason: 'stalled' });
  t.ok(c.check(0.126).ok, 'on time again');
  t.equal(c.stats().stalled, 4);
  t.ok(Math.abs(c.stats().worstS! - 4) < 0.01, 'worst stall about 4 s');
  t.equal(c.stats().rebased, 0, 'a stall never becomes the new baseline');
});

t.test('a stall shorter than a second but over the bound is dropped too', async (t) => {
  const c = new ArrivalCheck({ maxErrorS: 0.2 });
  steady(c, 0.125, 8);
  t.notOk(c.check(0.125 + 0.3).ok);
  t.ok(c.check(0.125 + 0.15).ok, 'within the bound: GC pauses and serial jitter pass');
});

t.test('a step of the system clock becomes the new baseline after five agreeing epochs', async (t) => {
  const c = new ArrivalCheck({ maxErrorS: 0.2 });
  steady(c, 0.125, 8);
  const after = [3600.125, 3600.126, 3600.124, 3600.125, 3600.125].map((x) => c.check(x).ok);
  t.same(after, [false, false, false, false, true]);
  t.ok(c.check(3600.126).ok);
  t.equal(c.stats().rebased, 1);
});

t.test('a label sent before its pulse (negative delay) is steady too', async (t) => {
  const c = new ArrivalCheck({ maxErrorS: 0.2 });
  t.same(steady(c, -0.15, 8).slice(3), Array(5).fill(true));
});

t.test('one verdict per epoch, whoever asks', async (t) => {
  const c = new ArrivalCheck({ maxErrorS: 0.2 });
  const fix = { time: { year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 1, millis: 0 }, receivedAt: Date.UTC(2026, 0, 1, 0, 0, 1, 125) } as never;
  t.equal(c.verdict(fix), c.verdict(fix));
  t.equal(c.stats().checked, 1);
});
