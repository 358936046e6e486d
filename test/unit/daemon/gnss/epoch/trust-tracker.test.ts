import t from 'tap';
import { elapsedMs } from '../../../../../src/daemon/gnss/epoch/time-continuity.js';
import { TrustTracker } from '../../../../../src/daemon/gnss/epoch/trust-tracker.js';
import type { UtcTime } from '../../../../../src/daemon/core/utc-time.js';

const at = (second: number, minute = 0, hour = 12, day = 1, millis = 0): UtcTime => ({ year: 2024, month: 6, day, hour, minute, second, millis });

t.test('time-valid after N consecutive valid epochs; an invalid one resets', async (t) => {
  const tr = new TrustTracker(3);
  t.match(tr.record('valid', at(0)), { timeValid: false, validStreak: 1, needed: 3 });
  t.match(tr.record('valid', at(1)), { timeValid: false, validStreak: 2, needed: 3 });
  t.match(tr.record('valid', at(2)), { timeValid: true, validStreak: 3, needed: 3 });
  t.match(tr.record('valid', at(3)), { timeValid: true, validStreak: 3, needed: 3 }, 'the streak is reported up to N');
  t.match(tr.record('invalid', at(4)), { timeValid: false, validStreak: 0, needed: 3 });
  t.match(tr.record('valid', at(5)), { timeValid: false, validStreak: 1, needed: 3 });
});

t.test('neutral epochs (a lone ZDA) neither count nor reset, and are not time-valid', async (t) => {
  const tr = new TrustTracker(2);
  tr.record('valid', at(0));
  t.match(tr.record('neutral', null), { timeValid: false, validStreak: 1, needed: 2 });
  t.match(tr.record('valid', at(1)), { timeValid: true, validStreak: 2, needed: 2 });
});

t.test('a valid epoch that jumps in time starts a new streak', async (t) => {
  const tr = new TrustTracker(2);
  tr.record('valid', at(10));
  t.equal(tr.record('valid', at(11)).timeValid, true);
  t.match(tr.record('valid', at(5)), { timeValid: false, validStreak: 1, needed: 2 }, 'backwards');
  tr.record('valid', at(6));
  t.match(tr.record('valid', at(6, 5)), { timeValid: false, validStreak: 1, needed: 2 }, 'five minutes later');
  t.match(tr.record('valid', at(6, 5)), { timeValid: false, validStreak: 1, needed: 2 }, 'the same time again');
});

t.test('needed is at least 1', async (t) => {
  const tr = new TrustTracker(0);
  t.match(tr.record('valid', at(0)), { timeValid: true, validStreak: 1, needed: 1 });
  tr.reset();
  t.match(tr.snapshot, { timeValid: false, validStreak: 0, needed: 1 });
});

t.test('elapsed time counts an inserted leap second', async (t) => {
  const leap: UtcTime = { year: 2016, month: 12, day: 31, hour: 23, minute: 59, second: 60, millis: 500 };
  const before: UtcTime = { ...leap, second: 59, millis: 500 };
  const after: UtcTime = { year: 2017, month: 1, day: 1, hour: 0, minute: 0, second: 0, millis: 500 };
  t.equal(elapsedMs(before, leap), 1000);
  t.equal(elapsedMs(leap, after), 1000);
  t.equal(elapsedMs(before, after), 1000, 'a receiver that never shows :60 steps one label');
  const tr = new TrustTracker(3);
  tr.record('valid', before);
  tr.record('valid', leap);
  t.equal(tr.record('valid', after).timeValid, true, 'a leap second does not break the streak');
});

t.test('a label that disagrees with the reference is never time-valid, whatever its streak', async (t) => {
  const tr = new TrustTracker(2);
  const bad = { verdict: 'disagrees' as const, reference: 'RTC' as const, disagreementS: -619315200, limitS: 300, rolloverWeeks: 0, receiverTime: '2007-04-11T12:00:00.000Z', message: 'rollover?' };
  tr.record('valid', at(0), { arrivalMs: 0, check: bad });
  t.match(tr.record('valid', at(1), { arrivalMs: 1000, check: bad }), { timeValid: false, validStreak: 2, check: { verdict: 'disagrees' } });
  const ok = { ...bad, verdict: 'agrees' as const, disagreementS: -0.1, message: null };
  t.match(tr.record('valid', at(2), { arrivalMs: 2000, check: ok }), { timeValid: true, validStreak: 2 }, 'trusted again as soon as it agrees');
});

t.test('with arrival times: a jump restarts the streak and is reported; a leap second is reported and does not', async (t) => {
  const tr = new TrustTracker(2);
  tr.record('valid', at(0), { arrivalMs: 0 });
  tr.record('valid', at(1), { arrivalMs: 1000 });
  const jumped = tr.record('valid', at(1), { arrivalMs: 2000, at: 2000 });
  t.match(jumped, { timeValid: false, validStreak: 1, lastStep: { kind: 'jump', excessS: -1, at: 2000 } });
  t.match(jumped.lastStep?.message, /^time jump by -1\.000 s \(2024-06-01T12:00:01\.000Z → 2024-06-01T12:00:01\.000Z\): trust restarted$/);

  const before: UtcTime = { year: 2016, month: 12, day: 31, hour: 23, minute: 59, second: 58, millis: 0 };
  const tr2 = new TrustTracker(2);
  tr2.record('valid', before, { arrivalMs: 0, leap: 'insert' });
  tr2.record('valid', { ...before, second: 59 }, { arrivalMs: 1000, leap: 'insert' });
  const after: UtcTime = { year: 2017, month: 1, day: 1, hour: 0, minute: 0, second: 0, millis: 0 };
  const r = tr2.record('valid', after, { arrivalMs: 3000, leap: 'insert' });
  t.match(r, { timeValid: true, validStreak: 2, lastStep: { kind: 'leap-second' } }, 'no 23:59:60 from this receiver: the inserted second');
});

t.test('a change of the receiver\'s GPS-UTC count restarts the streak', async (t) => {
  const tr = new TrustTracker(2);
  tr.record('valid', at(0), { arrivalMs: 0, leapSeconds: 17 });
  t.equal(tr.record('valid', at(1), { arrivalMs: 1000, leapSeconds: 17 }).timeValid, true);
  t.match(tr.record('valid', at(1), { arrivalMs: 2000, leapSeconds: 18 }), { timeValid: false, validStreak: 1, lastStep: { kind: 'leap-count' } });
});
