import t from 'tap';
import { civilFromDays, daysFromCivil, weekdayOf } from '../../../../../src/daemon/mcp/time/civil.js';
import { parsePosixTz, PosixTzError, posixTypeAt } from '../../../../../src/daemon/mcp/time/posix-tz.js';

const at = (tz: string, iso: string) => {
  const r = posixTypeAt(parsePosixTz(tz), Date.parse(iso) / 1000);
  return [r.abbr, r.utoff, r.isdst];
};

t.test('civil day numbers agree with Date over 1600-2400', async (t) => {
  let bad = 0;
  for (let y = 1600; y <= 2400; y += 7) {
    for (const [m, d] of [[1, 1], [2, 28], [3, 1], [12, 31]] as const) {
      const ms = new Date(0).setUTCFullYear(y, m - 1, d);
      const days = ms / 86_400_000;
      if (daysFromCivil(y, m, d) !== days) bad++;
      const c = civilFromDays(days);
      if (c.year !== y || c.month !== m || c.day !== d) bad++;
      if (weekdayOf(days) !== new Date(ms).getUTCDay()) bad++;
    }
  }
  t.equal(bad, 0);
  t.same(civilFromDays(daysFromCivil(2024, 2, 29)), { year: 2024, month: 2, day: 29 });
});

t.test('a fixed offset with a quoted numeric name: <+0330>-3:30 (Iran)', async (t) => {
  const tz = parsePosixTz('<+0330>-3:30');
  t.same(tz.std, { abbr: '+0330', utoff: 12600, isdst: false });
  t.equal(tz.dst, null);
  t.same(at('<+0330>-3:30', '2050-06-01T00:00:00Z'), ['+0330', 12600, false]);
  t.same(at('<-03>3', '2050-01-01T00:00:00Z'), ['-03', -10800, false]);
  t.same(at('<+01>-1', '2090-01-01T00:00:00Z'), ['+01', 3600, false], "Morocco's footer");
});

t.test('central Europe: CET-1CEST,M3.5.0,M10.5.0/3, to the second', async (t) => {
  const tz = 'CET-1CEST,M3.5.0,M10.5.0/3';
  // 2026: last Sunday of March is the 29th, of October the 25th; both change at 01:00 UTC.
  t.same(at(tz, '2026-03-29T00:59:59Z'), ['CET', 3600, false]);
  t.same(at(tz, '2026-03-29T01:00:00Z'), ['CEST', 7200, true]);
  t.same(at(tz, '2026-10-25T00:59:59Z'), ['CEST', 7200, true]);
  t.same(at(tz, '2026-10-25T01:00:00Z'), ['CET', 3600, false]);
  // 2099: March has five Sundays (1, 8, 15, 22, 29): "week 5" is the 29th.
  t.same(at(tz, '2099-03-29T00:59:59Z'), ['CET', 3600, false]);
  t.same(at(tz, '2099-03-29T01:00:00Z'), ['CEST', 7200, true]);
  // New Year's Eve at midnight local: still winter on both sides.
  t.same(at(tz, '2026-12-31T23:30:00Z'), ['CET', 3600, false]);
});

t.test("Ireland's negative DST: IST-1GMT0,M10.5.0,M3.5.0/1 (winter is the DST)", async (t) => {
  const tz = 'IST-1GMT0,M10.5.0,M3.5.0/1';
  const p = parsePosixTz(tz);
  t.same(p.std, { abbr: 'IST', utoff: 3600, isdst: false });
  t.same(p.dst?.type, { abbr: 'GMT', utoff: 0, isdst: true });
  t.same(at(tz, '2026-01-15T12:00:00Z'), ['GMT', 0, true]);
  t.same(at(tz, '2026-07-15T12:00:00Z'), ['IST', 3600, false]);
  // 2026-03-29 01:00 GMT (the "end" of DST, at 01:00 on the DST clock) → IST.
  t.same(at(tz, '2026-03-29T00:59:59Z'), ['GMT', 0, true]);
  t.same(at(tz, '2026-03-29T01:00:00Z'), ['IST', 3600, false]);
  // 2026-10-25 02:00 IST (the "start", on the standard clock) = 01:00 UTC → GMT.
  t.same(at(tz, '2026-10-25T00:59:59Z'), ['IST', 3600, false]);
  t.same(at(tz, '2026-10-25T01:00:00Z'), ['GMT', 0, true]);
});

t.test('southern hemisphere and half-hour DST: Lord Howe <+1030>-10:30<+11>-11,M10.1.0,M4.1.0', async (t) => {
  const tz = '<+1030>-10:30<+11>-11,M10.1.0,M4.1.0';
  t.same(at(tz, '2026-01-15T00:00:00Z'), ['+11', 39600, true]);
  t.same(at(tz, '2026-07-15T00:00:00Z'), ['+1030', 37800, false]);
  // 2026-04-05 02:00 +11 = 2026-04-04T15:00:00Z ends DST.
  t.same(at(tz, '2026-04-04T14:59:59Z'), ['+11', 39600, true]);
  t.same(at(tz, '2026-04-04T15:00:00Z'), ['+1030', 37800, false]);
  // 2026-10-04 02:00 +1030 = 2026-10-03T15:30:00Z starts it.
  t.same(at(tz, '2026-10-03T15:29:59Z'), ['+1030', 37800, false]);
  t.same(at(tz, '2026-10-03T15:30:00Z'), ['+11', 39600, true]);
});

t.test('RFC 8536 extensions: negative and >24 h rule times, DST all year', async (t) => {
  // Greenland since 2023: changes at -01:00 local on the last Sunday of March (Saturday 23:00 -02).
  const nuuk = '<-02>2<-01>,M3.5.0/-1,M10.5.0/0';
  t.same(at(nuuk, '2026-03-29T00:59:59Z'), ['-02', -7200, false]);
  t.same(at(nuuk, '2026-03-29T01:00:00Z'), ['-01', -3600, true]);
  t.same(at(nuuk, '2026-10-25T00:59:59Z'), ['-01', -3600, true]);
  t.same(at(nuuk, '2026-10-25T01:00:00Z'), ['-02', -7200, false]);
  // RFC 8536 §3.3.1's example of DST all year: EST5EDT4,0/0,J365/25.
  const allYear = 'EST5EDT4,0/0,J365/25';
  for (const iso of ['2026-01-01T05:00:00Z', '2026-06-01T00:00:00Z', '2026-12-31T23:59:59Z', '2027-01-01T05:00:00Z']) t.same(at(allYear, iso), ['EDT', -14400, true], iso);
  // Jerusalem-style rule times past 24 h: M3.4.4/26 is Friday 02:00 after the fourth Thursday.
  const il = 'IST-2IDT,M3.4.4/26,M10.5.0';
  t.same(at(il, '2026-03-26T23:59:59Z'), ['IST', 7200, false]);
  t.same(at(il, '2026-03-27T00:00:00Z'), ['IDT', 10800, true]);
});

t.test('Julian day rules: Jn never counts February 29, n does', async (t) => {
  // J60 is March 1 in every year; day 59 (zero-based) is March 1 in a common year and Feb 29 in a leap year.
  t.same(at('AAA0BBB,J60/0,J300/0', '2024-03-01T00:00:00Z'), ['BBB', 3600, true]);
  t.same(at('AAA0BBB,J60/0,J300/0', '2024-02-29T23:59:59Z'), ['AAA', 0, false]);
  t.same(at('AAA0BBB,59/0,300/0', '2024-02-29T00:00:00Z'), ['BBB', 3600, true]);
  t.same(at('AAA0BBB,59/0,300/0', '2023-03-01T00:00:00Z'), ['BBB', 3600, true]);
  t.same(at('AAA0BBB,59/0,300/0', '2023-02-28T23:59:59Z'), ['AAA', 0, false]);
});

t.test('defaults: DST one hour ahead, US rules when the string gives none', async (t) => {
  const p = parsePosixTz('EST5EDT');
  t.same(p.dst?.type, { abbr: 'EDT', utoff: -14400, isdst: true });
  t.same(at('EST5EDT', '2026-07-01T00:00:00Z'), ['EDT', -14400, true]);
  t.same(at('EST5EDT', '2026-03-08T06:59:59Z'), ['EST', -18000, false]);
  t.same(at('EST5EDT', '2026-03-08T07:00:00Z'), ['EDT', -14400, true]);
});

t.test('bad TZ strings are refused with the position', async (t) => {
  for (const bad of ['', 'CE', '<+03', 'CET', 'CET-1CEST,M3.5.0', 'CET-1CEST,M3.6.0,M10.5.0', 'CET-1CEST,M3.5.7,M10.5.0', 'CET-25', 'CET-1CEST,J0,J10', 'CET-1CEST,366,10', 'CET-1CEST,M3.5.0/168,M10.5.0', 'CET-1 junk']) {
    t.throws(() => parsePosixTz(bad), PosixTzError, JSON.stringify(bad));
  }
  t.throws(() => parsePosixTz('CET-1CEST,M3.5.0,M13.5.0'), /position/);
});
