import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseTzif, typeAt, TzifError } from '../../../../../src/daemon/mcp/time/tzif.js';
import { buildTzif, type FixtureSpec } from './tzif-fixture.js';

const LMT = { utoff: 3208, isdst: false, abbr: 'LMT' };
const CET = { utoff: 3600, isdst: false, abbr: 'CET' };
const CEST = { utoff: 7200, isdst: true, abbr: 'CEST' };

// A Berlin-like zone: LMT until 1893, then CET/CEST, with one transition before 1901 (only
// in the 64-bit block) and a footer for after 2000.
const T_1893 = -2422054408;
const T_1999_MAR = 922582800; // 1999-03-28T01:00:00Z
const T_1999_OCT = 941331600; // 1999-10-31T01:00:00Z
const berlin = (version: number, footer = 'CET-1CEST,M3.5.0,M10.5.0/3'): FixtureSpec => ({
  version,
  transitions: [T_1893, T_1999_MAR, T_1999_OCT],
  idx: [1, 2, 1],
  types: [LMT, CET, CEST],
  footer,
});

t.test('version 2 and 3: the 64-bit block, type 0 before the first transition, the footer after the last', async (t) => {
  for (const version of [2, 3, 4]) {
    const z = parseTzif(buildTzif(berlin(version)));
    t.equal(z.version, version);
    t.same(z.transitions, [T_1893, T_1999_MAR, T_1999_OCT], 'the pre-1901 transition comes from the 64-bit data');
    t.same(typeAt(z, T_1893 - 1), LMT, 'before the first transition: type 0');
    t.same(typeAt(z, T_1893), CET, 'a transition takes effect at its own second');
    t.same(typeAt(z, T_1999_MAR - 1), CET);
    t.same(typeAt(z, T_1999_MAR), CEST);
    t.same(typeAt(z, T_1999_OCT), CET);
    // 2030-07-01 is past the table: the footer's rule gives summer time.
    t.same(typeAt(z, Date.UTC(2030, 6, 1) / 1000), CEST, 'footer rule, summer');
    t.same(typeAt(z, Date.UTC(2030, 0, 1) / 1000), CET, 'footer rule, winter');
    // 2030's change: last Sunday of March (the 31st) at 01:00 UTC.
    t.same(typeAt(z, Date.UTC(2030, 2, 31, 1) / 1000 - 1), CET);
    t.same(typeAt(z, Date.UTC(2030, 2, 31, 1) / 1000), CEST);
  }
});

t.test('version 1: 32-bit data only, no footer, the last type stays', async (t) => {
  const z = parseTzif(buildTzif(berlin(1)));
  t.equal(z.version, 1);
  t.equal(z.footer, null);
  t.same(z.transitions, [T_1999_MAR, T_1999_OCT], '1893 does not fit in 32 bits');
  t.same(typeAt(z, Date.UTC(2030, 6, 1) / 1000), CET, 'after the last transition, its type');
  t.same(typeAt(z, 0), LMT, 'before the first: type 0');
});

t.test('an empty footer means the last transition\'s type forever', async (t) => {
  const z = parseTzif(buildTzif(berlin(2, '')));
  t.equal(z.footer, null);
  t.same(typeAt(z, Date.UTC(2030, 6, 1) / 1000), CET);
});

t.test('no transitions: the footer for every instant, else type 0', async (t) => {
  const tehran = parseTzif(buildTzif({ version: 2, transitions: [], idx: [], types: [{ utoff: 12600, isdst: false, abbr: '+0330' }], footer: '<+0330>-3:30' }));
  t.same(typeAt(tehran, -3e9), { utoff: 12600, isdst: false, abbr: '+0330' });
  const ny = parseTzif(buildTzif({ version: 2, transitions: [], idx: [], types: [{ utoff: -18000, isdst: false, abbr: 'EST' }], footer: 'EST5EDT,M3.2.0,M11.1.0' }));
  t.same(typeAt(ny, Date.UTC(2026, 6, 1) / 1000), { utoff: -14400, isdst: true, abbr: 'EDT' }, 'footer with DST applies with no table at all');
  const utc = parseTzif(buildTzif({ version: 1, transitions: [], idx: [], types: [{ utoff: 0, isdst: false, abbr: 'UTC' }] }));
  t.same(typeAt(utc, 1e9), { utoff: 0, isdst: false, abbr: 'UTC' });
});

t.test('designations may share characters; indicators are read past', async (t) => {
  const z = parseTzif(
    buildTzif({
      version: 2,
      transitions: [0, 100],
      idx: [1, 0],
      types: [
        { utoff: 0, isdst: false, abbr: 'GMT' },
        { utoff: 3600, isdst: true, abbr: 'BST' },
      ],
      footer: 'GMT0BST,M3.5.0/1,M10.5.0',
      indicators: true,
    }),
  );
  t.same(z.types.map((x) => x.abbr), ['GMT', 'BST']);
  t.same(typeAt(z, 50), { utoff: 3600, isdst: true, abbr: 'BST' });
});

t.test('negative DST and a table of changes (Ireland, Morocco) read as written', async (t) => {
  // Morocco: +01 standard with +00 isdst=1 during Ramadan, then a footer without DST.
  const z = parseTzif(
    buildTzif({
      version: 2,
      transitions: [1771725600, 1774144800],
      idx: [1, 0],
      types: [
        { utoff: 3600, isdst: false, abbr: '+01' },
        { utoff: 0, isdst: true, abbr: '+00' },
      ],
      footer: '<+01>-1',
    }),
  );
  t.same(typeAt(z, 1771725600 + 10), { utoff: 0, isdst: true, abbr: '+00' });
  t.same(typeAt(z, 1774144800 + 10), { utoff: 3600, isdst: false, abbr: '+01' });
  t.same(typeAt(z, 4e9), { utoff: 3600, isdst: false, abbr: '+01' }, 'footer after the table');
});

t.test('corrupt files are refused with a reason', async (t) => {
  const good = buildTzif(berlin(2));
  t.throws(() => parseTzif(Buffer.from('TZjf')), TzifError);
  t.throws(() => parseTzif(Buffer.concat([Buffer.from('XXXX'), good.subarray(4)])), /no "TZif" magic/);
  t.throws(() => parseTzif(good.subarray(0, 60)), /truncated/);
  t.throws(() => parseTzif(good.subarray(0, good.length - 1)), /footer does not end/);
  const badVersion = Buffer.from(good);
  badVersion[4] = 0x41;
  t.throws(() => parseTzif(badVersion), /version byte/);
  t.throws(() => parseTzif(buildTzif({ ...berlin(2), idx: [1, 5, 1] })), /names type 5/);
  t.throws(() => parseTzif(buildTzif({ ...berlin(2), transitions: [T_1893, T_1999_OCT, T_1999_MAR] })), /not ascending/);
  t.throws(() => parseTzif(buildTzif({ ...berlin(2), types: [LMT, CET, { utoff: 100_000, isdst: true, abbr: 'X' }] })), /utoff 100000 out of range/);
  t.throws(() => parseTzif(buildTzif({ ...berlin(2), footer: 'CET-1CEST,M13.5.0,M10.5.0/3' })), /footer: .*out of range/);
  t.throws(() => parseTzif(buildTzif({ ...berlin(2), leaps: [[78796800, 1]] })), /leap-second records/);
});

t.test('the real Europe/Dublin file: negative DST in winter, from table and footer alike', { skip: !readable('/usr/share/zoneinfo/Europe/Dublin') && 'no /usr/share/zoneinfo/Europe/Dublin' }, async (t) => {
  const z = parseTzif(readFileSync('/usr/share/zoneinfo/Europe/Dublin'));
  t.ok(z.version >= 2);
  t.equal(z.footer?.source, 'IST-1GMT0,M10.5.0,M3.5.0/1');
  for (const year of [2026, 2090]) {
    t.same(typeAt(z, Date.UTC(year, 0, 15) / 1000), { utoff: 0, isdst: true, abbr: 'GMT' }, `${year} winter: GMT is the DST`);
    t.same(typeAt(z, Date.UTC(year, 6, 15) / 1000), { utoff: 3600, isdst: false, abbr: 'IST' }, `${year} summer: IST is standard`);
  }
});

function readable(p: string): boolean {
  try {
    readFileSync(p);
    return true;
  } catch {
    return false;
  }
}
