import t from 'tap';
import { atDayBoundary, classifyStep, type LabelStamp } from '../../../../../src/daemon/gnss/epoch/jump-rule.js';
import type { UtcTime } from '../../../../../src/daemon/core/utc-time.js';

const u = (hour: number, minute: number, second: number, day = 30, month = 6, year = 2026): UtcTime => ({ year, month, day, hour, minute, second, millis: 0 });
const stamp = (time: UtcTime, arrivalMs: number | null, leapSeconds: number | null = null): LabelStamp => ({ time, arrivalMs, leapSeconds });

t.test('one second later, arriving one second later: continuous', async (t) => {
  t.same(classifyStep(stamp(u(12, 0, 0), 1000), stamp(u(12, 0, 1), 2000), null), { kind: 'continuous', excessMs: 0 });
  t.equal(classifyStep(stamp(u(12, 0, 0), 1000), stamp(u(12, 0, 1), 2300), null).kind, 'continuous', '300 ms arrival jitter');
  t.equal(classifyStep(stamp(u(12, 0, 0), 1000), stamp(u(12, 0, 5), 6000), null).kind, 'continuous', 'four lost epochs');
});

t.test('a whole-second step mid-day (GPS-UTC correction after a cold start) is a jump', async (t) => {
  t.same(classifyStep(stamp(u(12, 0, 0), 1000), stamp(u(12, 0, 0), 2000), null), { kind: 'jump', excessMs: -1000 });
  t.same(classifyStep(stamp(u(12, 0, 0), 1000), stamp(u(12, 0, 2), 2000), null), { kind: 'jump', excessMs: 1000 });
  t.equal(classifyStep(stamp(u(12, 0, 0), 1000), stamp(u(13, 0, 1), 2000), null).kind, 'jump', 'one hour');
  t.equal(classifyStep(stamp(u(12, 0, 0), 1000), stamp(u(12, 0, 0), 2000), 'insert').kind, 'jump', 'a leap second due today does not excuse a mid-day step');
});

t.test('a receiver that does not show 23:59:60: one second behind at midnight when a leap is inserted', async (t) => {
  const before = stamp(u(23, 59, 59), 1000);
  const after = stamp(u(0, 0, 0, 1, 7), 3000); // two seconds later: 23:59:60 never came
  t.same(classifyStep(before, after, 'insert'), { kind: 'leap-second', excessMs: -1000 });
  t.equal(classifyStep(before, after, null).kind, 'jump', 'without an announcement it is a jump');
  t.equal(classifyStep(before, after, 'delete').kind, 'jump', 'the wrong direction is a jump');
  t.equal(classifyStep(before, stamp(u(23, 59, 59), 2000), 'insert').kind, 'leap-second', '23:59:59 repeated');
  t.equal(classifyStep(stamp(u(23, 59, 60), 1000), stamp(u(0, 0, 0, 1, 7), 2000), 'insert').kind, 'continuous', 'a receiver that shows 23:59:60');
});

t.test('a deleted leap second: 23:59:58 then 00:00:00 one second later', async (t) => {
  t.same(classifyStep(stamp(u(23, 59, 58), 1000), stamp(u(0, 0, 0, 1, 7), 2000), 'delete'), { kind: 'leap-second', excessMs: 1000 });
});

t.test('the receiver changes its own GPS-UTC count (Garmin $PGRMF)', async (t) => {
  t.equal(classifyStep(stamp(u(12, 0, 0), 1000, 17), stamp(u(12, 0, 0), 2000, 18), null).kind, 'leap-count', 'mid-day: the cold-start correction');
  t.equal(classifyStep(stamp(u(12, 0, 0), 1000, 17), stamp(u(12, 0, 1), 2000, 18), null).kind, 'leap-count', 'even when the label moved on normally');
  t.equal(classifyStep(stamp(u(23, 59, 59), 1000, 18), stamp(u(0, 0, 0, 1, 7), 3000, 19), 'insert').kind, 'leap-second', 'at the announced insertion');
});

t.test('without arrival times (a log): forward by at most a minute', async (t) => {
  t.same(classifyStep(stamp(u(12, 0, 0), null), stamp(u(12, 0, 2), null), null), { kind: 'continuous', excessMs: null });
  t.equal(classifyStep(stamp(u(12, 0, 0), null), stamp(u(12, 0, 0), null), null).kind, 'jump');
  t.equal(classifyStep(stamp(u(12, 0, 0), null), stamp(u(12, 5, 0), null), null).kind, 'jump');
  t.equal(classifyStep(stamp(u(23, 59, 59), null), stamp(u(23, 59, 59), null), 'insert').kind, 'leap-second');
});

t.test('day boundary: within two seconds of the same midnight', async (t) => {
  t.ok(atDayBoundary(u(23, 59, 58), u(0, 0, 0, 1, 7)));
  t.ok(atDayBoundary(u(23, 59, 59), u(23, 59, 59)));
  t.notOk(atDayBoundary(u(23, 59, 50), u(23, 59, 51)));
  t.notOk(atDayBoundary(u(12, 0, 0), u(12, 0, 1)));
});
