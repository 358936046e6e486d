import t from 'tap';
import { DateResolver } from '../../../../../src/daemon/gnss/epoch/date-resolver.js';

const tod = (hour: number, minute = 0, second = 0, millis = 0) => ({ hour, minute, second, millis });

t.test('two-digit years without any reference: 1980-2079 (GPS time starts in 1980)', async (t) => {
  const d = new DateResolver();
  t.equal(d.century(80), 1980);
  t.equal(d.century(99), 1999);
  t.equal(d.century(0), 2000);
  t.equal(d.century(79), 2079);
});

t.test('the century follows the best known year', async (t) => {
  const d = new DateResolver({ year: 2098, month: 6, day: 1 });
  t.equal(d.century(99), 2099);
  t.equal(d.century(1), 2101, 'closest to 2098, across the century');
  const z = new DateResolver();
  z.noteYear(2150); // a ZDA four-digit year
  t.equal(z.century(49), 2149);
  t.equal(z.century(51), 2151);
});

t.test('invalid calendar dates are refused', async (t) => {
  const d = new DateResolver();
  t.equal(d.fullDate({ day: 29, month: 2, yy: 23 }), null);
  t.same(d.fullDate({ day: 29, month: 2, yy: 24 }), { year: 2024, month: 2, day: 29 });
  t.equal(d.fullDate({ day: 31, month: 4, yy: 24 }), null);
});

t.test('carrying a date across midnight, forwards and backwards', async (t) => {
  const d = new DateResolver();
  t.equal(d.carry(tod(12)), null, 'nothing known yet');
  d.anchor({ year: 2024, month: 12, day: 31 }, tod(23, 59, 59));
  t.same(d.carry(tod(0, 0, 0)), { year: 2025, month: 1, day: 1 }, 'a GGA just after midnight');
  t.same(d.carry(tod(23, 59, 59, 500)), { year: 2024, month: 12, day: 31 });
  d.anchor({ year: 2025, month: 3, day: 1 }, tod(0, 0, 1));
  t.same(d.carry(tod(23, 59, 58)), { year: 2025, month: 2, day: 28 }, 'a late sentence from before midnight');
});

t.test('a leap second label stays on its day', async (t) => {
  const d = new DateResolver();
  d.anchor({ year: 2016, month: 12, day: 31 }, tod(23, 59, 59));
  t.same(d.carry(tod(23, 59, 60)), { year: 2016, month: 12, day: 31 });
  d.anchor({ year: 2016, month: 12, day: 31 }, tod(23, 59, 60));
  t.same(d.carry(tod(0, 0, 0)), { year: 2017, month: 1, day: 1 });
});

t.test('an initial date dates the first times of a log', async (t) => {
  const d = new DateResolver({ year: 2007, month: 12, day: 23 });
  t.same(d.carry(tod(0, 0, 5)), { year: 2007, month: 12, day: 23 });
  t.same(d.carry(tod(23, 59, 5)), { year: 2007, month: 12, day: 23 });
});
