import t from 'tap';
import { applyDateFloor, RELEASE_DATE, rolloverMultiple } from '../../../../../src/daemon/gnss/epoch/week-rollover.js';
import type { UtcTime } from '../../../../../src/daemon/core/utc-time.js';

const WEEKS_MS = 1024 * 7 * 86_400_000;
const floor = { year: 2026, month: 11, day: 1 };
const at = (year: number, month: number, day: number, hour = 14, minute = 3, second = 7): UtcTime => ({ year, month, day, hour, minute, second, millis: 0 });

t.test('a date before the floor is moved on by 1024 weeks, time of day kept', async (t) => {
  // 2026-11-25 as a receiver with a 2007 pivot reports it: exactly 1024 weeks earlier.
  const truth = Date.UTC(2026, 10, 25, 14, 3, 7);
  const sent = new Date(truth - WEEKS_MS);
  t.equal(sent.toISOString(), '2007-04-11T14:03:07.000Z');
  const r = applyDateFloor(at(2007, 4, 11), floor);
  t.same(r, { time: at(2026, 11, 25), weeks: 1024 });
});

t.test('two rollovers back: 2048 weeks; on or after the floor: unchanged; no floor: unchanged', async (t) => {
  t.same(applyDateFloor(at(1987, 8, 26), floor), { time: at(2026, 11, 25), weeks: 2048 });
  t.same(applyDateFloor(at(2026, 11, 1), floor), { time: at(2026, 11, 1), weeks: 0 });
  t.same(applyDateFloor(at(2040, 1, 1), floor), { time: at(2040, 1, 1), weeks: 0 });
  t.same(applyDateFloor(at(2007, 4, 11), null), { time: at(2007, 4, 11), weeks: 0 });
});

t.test('a date more than two rollovers back is left alone (garbage, not a rollover)', async (t) => {
  t.same(applyDateFloor(at(1960, 1, 1), floor), { time: at(1960, 1, 1), weeks: 0 });
});

t.test('a leap-second label keeps its second 60 across the correction', async (t) => {
  const leap: UtcTime = { year: 1997, month: 5, day: 16, hour: 23, minute: 59, second: 60, millis: 0 };
  t.equal(applyDateFloor(leap, { year: 2016, month: 1, day: 1 }).time.second, 60);
});

t.test('rolloverMultiple: whole 1024-week periods within a day, signed', async (t) => {
  t.equal(rolloverMultiple(-WEEKS_MS), -1);
  t.equal(rolloverMultiple(-WEEKS_MS + 3_600_000), -1, 'an hour off still names the rollover');
  t.equal(rolloverMultiple(2 * WEEKS_MS), 2);
  t.equal(rolloverMultiple(3_600_000), 0);
  t.equal(rolloverMultiple(-WEEKS_MS / 2), 0);
});

t.test('the release date is a real date no later than today', async (t) => {
  const ms = Date.UTC(RELEASE_DATE.year, RELEASE_DATE.month - 1, RELEASE_DATE.day);
  t.ok(Number.isFinite(ms) && ms <= Date.now(), `${new Date(ms).toISOString()} is not in the future`);
});
