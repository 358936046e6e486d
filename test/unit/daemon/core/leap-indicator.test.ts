import t from 'tap';
import { leapIndicatorFor } from '../../../../src/daemon/core/leap-indicator.js';

const at = (year: number, month: number, day: number) => ({ year, month, day, hour: 12, minute: 0, second: 0, millis: 0 });

t.test('leap indicator only on the day that can end with the announced leap second', async (t) => {
  t.equal(leapIndicatorFor(at(2026, 6, 30), 'insert'), 1);
  t.equal(leapIndicatorFor(at(2026, 12, 31), 'delete'), 2);
  t.equal(leapIndicatorFor(at(2028, 2, 29), 'insert'), 1, 'last day of a leap-year February');
  t.equal(leapIndicatorFor(at(2026, 6, 29), 'insert'), 0, 'the day before: not today');
  t.equal(leapIndicatorFor(at(2026, 7, 1), 'insert'), 0, 'after the leap: a stale announcement is not echoed');
  t.equal(leapIndicatorFor(at(2026, 6, 30), 'normal'), 0);
  t.equal(leapIndicatorFor(at(2026, 6, 30), 'unsynchronised'), 0);
  t.equal(leapIndicatorFor(at(2026, 6, 30), undefined), 0);
  t.equal(leapIndicatorFor(null, 'insert'), 0);
});
