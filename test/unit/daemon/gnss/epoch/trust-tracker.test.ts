import t from 'tap';
import { elapsedMs } from '../../../../../src/daemon/gnss/epoch/time-continuity.js';
import { TrustTracker } from '../../../../../src/daemon/gnss/epoch/trust-tracker.js';
import type { UtcTime } from '../../../../../src/daemon/core/utc-time.js';

const at = (second: number, minute = 0, hour = 12, day = 1, millis = 0): UtcTime => ({ year: 2024, month: 6, day, hour, minute, second, millis });

t.test('time-valid after N consecutive valid epochs; an invalid one resets', async (t) => {
  const tr = new TrustTracker(3);
  t.same(tr.record('valid', at(0)), { timeValid: false, validStreak: 1, needed: 3 });
  t.same(tr.record('valid', at(1)), { timeValid: false, validStreak: 2, needed: 3 });
  t.same(tr.record('valid', at(2)), { timeValid: true, validStreak: 3, needed: 3 });
  t.same(tr.record('valid', at(3)), { timeValid: true, validStreak: 3, needed: 3 }, 'the streak is reported up to N');
  t.same(tr.record('invalid', at(4)), { timeValid: false, validStreak: 0, needed: 3 });
  t.same(tr.record('valid', at(5)), { timeValid: false, validStreak: 1, needed: 3 });
});

t.test('neutral epochs (a lone ZDA) neither count nor reset, and are not time-valid', async (t) => {
  const tr = new TrustTracker(2);
  tr.record('valid', at(0));
  t.same(tr.record('neutral', null), { timeValid: false, validStreak: 1, needed: 2 });
  t.same(tr.record('valid', at(1)), { timeValid: true, validStreak: 2, needed: 2 });
});

t.test('a valid epoch that jumps in time starts a new streak', async (t) => {
  const tr = new TrustTracker(2);
  tr.record('valid', at(10));
  t.equal(tr.record('valid', at(11)).timeValid, true);
  t.same(tr.record('valid', at(5)), { timeValid: false, validStreak: 1, needed: 2 }, 'backwards');
  tr.record('valid', at(6));
  t.same(tr.record('valid', at(6, 5)), { timeValid: false, validStreak: 1, needed: 2 }, 'five minutes later');
  t.same(tr.record('valid', at(6, 5)), { timeValid: false, validStreak: 1, needed: 2 }, 'the same time again');
});

t.test('needed is at least 1', async (t) => {
  const tr = new TrustTracker(0);
  t.same(tr.record('valid', at(0)), { timeValid: true, validStreak: 1, needed: 1 });
  tr.reset();
  t.same(tr.snapshot, { timeValid: false, validStreak: 0, needed: 1 });
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
