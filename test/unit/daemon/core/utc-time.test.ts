import t from 'tap';
import { utcToIso, utcToUnixMs, unixMsToUtc } from '../../../../src/daemon/core/utc-time.js';

t.test('ISO rendering keeps a leap second as :60', async (t) => {
  t.equal(
    utcToIso({ year: 2016, month: 12, day: 31, hour: 23, minute: 59, second: 60, millis: 500 }),
    '2016-12-31T23:59:60.500Z',
  );
});

t.test('unix ms round trip', async (t) => {
  const ms = Date.UTC(2024, 1, 29, 12, 34, 56, 789);
  const u = unixMsToUtc(ms);
  t.same(u, { year: 2024, month: 2, day: 29, hour: 12, minute: 34, second: 56, millis: 789 });
  t.equal(utcToUnixMs(u), ms);
  t.equal(utcToIso(u), '2024-02-29T12:34:56.789Z');
});
