import t from 'tap';
import { describeInstant, splitNs } from '../../../../../src/daemon/mcp/time/calendar.js';
import { strftime, UnknownSpecifier } from '../../../../../src/daemon/mcp/time/strftime.js';
import { canonicalZone, formatOffset, isDstAt, listZones, offsetSecondsAt, UnknownTimeZone } from '../../../../../src/daemon/mcp/time/zones.js';

const ns = (iso: string, extra = 0n): bigint => BigInt(Date.parse(iso)) * 1_000_000n + extra;

t.test('describeInstant in UTC keeps every nanosecond', async (t) => {
  const v = describeInstant(ns('2026-03-08T07:30:00Z', 123_456_789n));
  t.equal(v.unixSeconds, 1772955000);
  t.equal(v.nanos, 123_456_789);
  t.equal(v.unixNs, '1772955000123456789');
  t.equal(v.iso8601, '2026-03-08T07:30:00.123456789Z');
  t.equal(v.rfc3339, '2026-03-08T07:30:00Z');
  t.equal(v.rfc2822, 'Sun, 08 Mar 2026 07:30:00 +0000');
  t.equal(v.calendar.weekday, 'Sunday');
  t.equal(v.calendar.weekdayNumber, 7);
  t.equal(v.calendar.dayOfYear, 67);
  t.equal(v.dst, false);
});

t.test('ISO week numbers across New Year (ISO 8601 week rules)', async (t) => {
  // 2027-01-01 is a Friday: it belongs to week 53 of 2026.
  const a = describeInstant(ns('2027-01-01T12:00:00Z')).calendar;
  t.same([a.isoWeekYear, a.isoWeek, a.weekday], [2026, 53, 'Friday']);
  // 2024-12-30 is a Monday: week 1 of 2025.
  const b = describeInstant(ns('2024-12-30T00:00:00Z')).calendar;
  t.same([b.isoWeekYear, b.isoWeek], [2025, 1]);
  const c = describeInstant(ns('2024-12-31T00:00:00Z')).calendar;
  t.equal(c.dayOfYear, 366, 'leap year');
});

t.test('instants before 1970 floor rather than truncate', async (t) => {
  t.same(splitNs(-1n), { seconds: -1n, nanos: 999_999_999 });
  const v = describeInstant(-1n);
  t.equal(v.iso8601, '1969-12-31T23:59:59.999999999Z');
});

t.test('zones: offset, DST flag, abbreviation, both hemispheres', async (t) => {
  const summerNy = describeInstant(ns('2026-07-01T12:00:00Z'), 'America/New_York');
  t.equal(summerNy.utcOffset, '-04:00');
  t.equal(summerNy.dst, true);
  t.equal(summerNy.abbreviation, 'EDT');
  t.equal(summerNy.iso8601, '2026-07-01T08:00:00.000000000-04:00');
  t.equal(summerNy.rfc2822, 'Wed, 01 Jul 2026 08:00:00 -0400');
  t.equal(describeInstant(ns('2026-01-15T12:00:00Z'), 'America/New_York').dst, false);
  t.equal(isDstAt('Australia/Sydney', Date.parse('2026-01-15T00:00:00Z')), true, 'southern summer');
  t.equal(isDstAt('Australia/Sydney', Date.parse('2026-07-15T00:00:00Z')), false);
  t.equal(offsetSecondsAt('Asia/Kolkata', Date.parse('2026-01-01T00:00:00Z')), 19800);
  t.equal(formatOffset(19800), '+05:30');
  t.equal(formatOffset(-16200, false), '-0430');
  t.equal(isDstAt('Asia/Tokyo', Date.parse('2026-07-01T00:00:00Z')), false, 'no DST at all');
  t.equal(canonicalZone('utc'), 'UTC');
  t.throws(() => describeInstant(0n, 'Mars/Olympus_Mons'), UnknownTimeZone);
  t.throws(() => canonicalZone('Nowhere/Town'), /unknown time zone "Nowhere\/Town"/);
});

t.test('listZones filters case-insensitively', async (t) => {
  const all = listZones();
  t.ok(all.length > 300, `${all.length} zones`);
  t.ok(all.includes('UTC'));
  const ber = listZones('BERLIN');
  t.same(ber, ['Europe/Berlin']);
  t.same(listZones('no-such-zone'), []);
});

t.test('strftime: every documented specifier', async (t) => {
  const v = describeInstant(ns('2026-11-01T05:30:07Z', 4_005_006n), 'America/New_York'); // 01:30:07 EDT, first occurrence
  const cases: [string, string][] = [
    ['%Y-%m-%d %H:%M:%S', '2026-11-01 01:30:07'],
    ['%F %T.%N', '2026-11-01 01:30:07.004005006'],
    ['%L|%f', '004|004005'],
    ['%C %y %G %g %V %j', '20 26 2026 26 44 305'],
    ['%A %a %B %b %h', 'Sunday Sun November Nov Nov'],
    ['%u %w', '7 0'],
    ['%I %l %k %p %r', '01  1  1 AM 01:30:07 AM'],
    ['%e|%R|%D', ' 1|01:30|11/01/26'],
    ['%z %:z %Z', '-0400 -04:00 EDT'],
    ['%s', String(Date.parse('2026-11-01T05:30:07Z') / 1000)],
    ['%c', 'Sun Nov  1 01:30:07 2026'],
    ['100%% %n%t', '100% \n\t'],
  ];
  for (const [fmt, want] of cases) t.equal(strftime(fmt, v), want, fmt);
});

t.test('strftime: an unknown specifier is named, a trailing % is explained', async (t) => {
  const v = describeInstant(0n);
  let caught: unknown;
  try {
    strftime('%Y %Q', v);
  } catch (e) {
    caught = e;
  }
  t.ok(caught instanceof UnknownSpecifier, 'UnknownSpecifier');
  t.equal((caught as UnknownSpecifier).specifier, '%Q');
  t.match((caught as Error).message, /"%Q" at position 3/);
  t.throws(() => strftime('50%', v), /lone "%"/);
  t.throws(() => strftime('%E', v), /%E/);
});
