import t from 'tap';
import { describeInstant } from '../../../../../src/daemon/mcp/time/calendar.js';
import { describeFormats, strftime, UnknownSpecifier } from '../../../../../src/daemon/mcp/time/strftime.js';

const at = (iso: string, zone = 'UTC') => describeInstant(BigInt(Date.parse(iso)) * 1_000_000n, zone);

t.test("C's conversions that were missing: %U %W %x %X, and %c %e", async (t) => {
  // 2026-01-03 is a Saturday: before the year's first Sunday (4th) and first Monday (5th).
  const sat = at('2026-01-03T09:05:07Z');
  t.equal(strftime('%U|%W|%x|%X|%c|%e', sat), '00|00|01/03/26|09:05:07|Sat Jan  3 09:05:07 2026| 3');
  t.equal(strftime('%U|%W', at('2026-01-04T00:00:00Z')), '01|00', 'Sunday the 4th opens week 1 for %U only');
  t.equal(strftime('%U|%W', at('2026-01-05T00:00:00Z')), '01|01', 'Monday the 5th opens week 1 for %W');
  // 2024-12-31 is a Tuesday in a leap year (day 366).
  t.equal(strftime('%U|%W|%j|%V|%G', at('2024-12-31T12:00:00Z')), '52|53|366|01|2025');
  // 2023-01-01 is a Sunday: week 1 for %U at once, week 0 for %W.
  t.equal(strftime('%U|%W', at('2023-01-01T12:00:00Z')), '01|00');
});

t.test('flags: - removes padding, _ pads with spaces, 0 with zeros, ^ upper-cases', async (t) => {
  const v = at('2026-03-08T07:05:09Z');
  t.equal(strftime('%-d/%-m/%Y %-H:%M', v), '8/3/2026 7:05');
  t.equal(strftime('%_d|%_H|%_j', v), ' 8| 7| 67');
  t.equal(strftime('%0e|%0k|%-e|%-j', v), '08|07|8|67');
  t.equal(strftime('%^a %^B|%^c', v), 'SUN MARCH|SUN MAR  8 07:05:09 2026');
  t.equal(strftime('%-I%P', at('2026-03-08T19:05:09Z')), '7pm');
});

t.test('E and O modifiers change nothing in the C locale; where C does not define them, an error', async (t) => {
  const v = at('2026-03-08T07:05:09Z');
  t.equal(strftime('%Ec|%EY|%Ey|%Ex|%EX|%Od|%OH|%OU|%Ow', v), strftime('%c|%Y|%y|%x|%X|%d|%H|%U|%w', v));
  t.throws(() => strftime('%Ea', v), /C defines no %Ea/);
  t.throws(() => strftime('%OY', v), /C defines no %OY/);
});

t.test('offsets: %z as glibc (seconds dropped), %:z, %::z exact', async (t) => {
  const lmt = at('1900-01-01T00:00:00Z', 'Asia/Kathmandu');
  t.equal(strftime('%z|%:z|%::z|%Z|%T', lmt), '+0541|+05:41|+05:41:16|LMT|05:41:16');
  const ny = at('2026-01-15T12:00:00Z', 'America/New_York');
  t.equal(strftime('%z|%:z|%::z|%Z', ny), '-0500|-05:00|-05:00:00|EST');
});

t.test('unknown conversions, widths and a trailing % are errors that name them', async (t) => {
  const v = at('2026-03-08T07:05:09Z');
  for (const [fmt, re] of [
    ['%Q', /"%Q" at position 0/],
    ['ab %-Q', /"%-Q" at position 3/],
    ['%10d', /"%1" at position 0: field widths are not supported/],
    ['%', /lone "%"/],
    ['%-', /"%-" at position 0: the format ends inside it/],
    ['%E', /%E/],
  ] as const) {
    t.throws(() => strftime(fmt, v), UnknownSpecifier, fmt);
    t.throws(() => strftime(fmt, v), re, fmt);
  }
});

t.test('the tool description documents every conversion C defines, and the flags', async (t) => {
  const doc = describeFormats();
  for (const c of 'aAbBcCdDeFgGHIjklmMnprRsStTuUVwWxXyYzZ%') t.ok(doc.includes(`%${c} `), `%${c} documented`);
  t.match(doc, /"-" no padding \(%-d/);
  // and each documented one works
  const v = at('2026-03-08T07:05:09Z');
  for (const c of 'aAbBcCdDeFgGHIjklmMnprRsStTuUVwWxXyYzZ%') t.doesNotThrow(() => strftime(`%${c}`, v), `%${c}`);
});
