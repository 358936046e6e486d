import t from 'tap';
import { decoded, malformedReason } from '../decode-line.js';

t.test('ZDA with a four-digit year and zone', async (t) => {
  const s = decoded('GPZDA,160012.71,11,03,2004,-1,00', 'ZDA');
  t.same(s.time, { hour: 16, minute: 0, second: 12, millis: 710 });
  t.equal(s.day, 11);
  t.equal(s.month, 3);
  t.equal(s.year, 2004);
  t.equal(s.zoneHours, -1);
  t.equal(s.zoneMinutes, 0);
});

t.test('u-blox ANTARIS blank date before lock: a time without a date', async (t) => {
  const s = decoded('GPZDA,160012.71,,,,,', 'ZDA');
  t.equal(s.year, null);
  t.equal(s.day, null);
  t.equal(s.zoneHours, null);
  t.not(s.time, null);
});

t.test('impossible dates are malformed', async (t) => {
  t.equal(malformedReason('GPZDA,160012.71,31,02,2004,,'), 'date out of range');
  t.equal(malformedReason('GPZDA,160012.71,11,13,2004,,'), 'date out of range');
  t.equal(malformedReason('GPZDA,160012.71,11,03,04,,'), 'date out of range', 'two-digit year in ZDA');
  t.equal(malformedReason('GPZDA,160012.71,11,,2004,,'), 'incomplete date');
});

t.test('leap second label', async (t) => {
  t.same(decoded('GPZDA,235960.00,31,12,2016,,', 'ZDA').time, { hour: 23, minute: 59, second: 60, millis: 0 });
  t.equal(malformedReason('GPZDA,120060.00,31,12,2016,,'), 'bad time or date', 'second 60 only at 23:59');
});
