import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { describeInstant } from '../../../../../src/daemon/mcp/time/calendar.js';
import { TimeZoneDataError, TzDatabase, UnknownTimeZone } from '../../../../../src/daemon/mcp/time/tz-database.js';
import { buildTzif } from './tzif-fixture.js';

/** A zoneinfo tree in a temporary directory: a few zones, links, and a tzdata.zi naming them. */
function fixtureRoot(t: { teardown(fn: () => void): void }, opts: { zi?: boolean } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'tzdb-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const put = (name: string, bytes: Buffer | string) => {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), bytes);
  };
  const kyiv = buildTzif({
    version: 2,
    transitions: [-2840148124],
    idx: [1],
    types: [
      { utoff: 7324, isdst: false, abbr: 'LMT' },
      { utoff: 7200, isdst: false, abbr: 'EET' },
    ],
    footer: 'EET-2EEST,M3.5.0/3,M10.5.0/4',
  });
  put('Europe/Kyiv', kyiv);
  put('Europe/Kiev', kyiv);
  put('Etc/UTC', buildTzif({ version: 2, transitions: [], idx: [], types: [{ utoff: 0, isdst: false, abbr: 'UTC' }], footer: 'UTC0' }));
  put('Asia/Kathmandu', buildTzif({ version: 2, transitions: [-1577943676], idx: [1], types: [{ utoff: 20476, isdst: false, abbr: 'LMT' }, { utoff: 19800, isdst: false, abbr: '+0530' }], footer: '<+0530>-5:30' }));
  put('Factory', buildTzif({ version: 2, transitions: [], idx: [], types: [{ utoff: 0, isdst: false, abbr: '-00' }], footer: '<-00>0' }));
  put('Broken/Zone', 'not a tzif file');
  put('right/Europe/Kyiv', kyiv);
  if (opts.zi !== false) {
    put(
      'tzdata.zi',
      ['# version test', 'Z Asia/Kathmandu 5:41:16 - LMT 1920', 'Z Etc/UTC 0 - UTC', 'Z Europe/Kyiv 2:2:4 - LMT 1880', 'Z Factory 0 - -00', 'Z Broken/Zone 0 - X', 'L Europe/Kyiv Europe/Kiev', 'L Etc/UTC UTC', 'L Etc/UTC Zulu', 'L Asia/Kathmandu Asia/Katmandu', ''].join('\n'),
    );
  } else {
    put('zone1970.tab', '# comment\nUA\t+5026+03031\tEurope/Kyiv\tmost of Ukraine\nNP\t+2743+08519\tAsia/Kathmandu\n');
  }
  return root;
}

t.test('names: current zones listed, aliases resolved and reported, UTC under its common name', async (t) => {
  const db = new TzDatabase({ root: fixtureRoot(t) });
  t.same(db.list().zones, ['Asia/Kathmandu', 'Broken/Zone', 'Europe/Kyiv', 'UTC'], 'Factory is not listed; Etc/UTC shows as UTC');
  t.same(db.list('ki').aliases, [{ alias: 'Europe/Kiev', zone: 'Europe/Kyiv' }]);
  t.same(db.list('KYIV').zones, ['Europe/Kyiv'], 'filter is case-insensitive');
  t.same(db.resolveName('Europe/Kiev'), { name: 'Europe/Kyiv', requested: 'Europe/Kiev', alias: 'Europe/Kiev' });
  t.same(db.resolveName('europe/kyiv'), { name: 'Europe/Kyiv', requested: 'europe/kyiv', alias: null });
  t.equal(db.resolveName('utc').name, 'UTC');
  t.same(db.resolveName('Etc/UTC'), { name: 'UTC', requested: 'Etc/UTC', alias: 'Etc/UTC' });
  t.equal(db.resolveName('Zulu').name, 'UTC');
  t.equal(db.resolveName('Factory').name, 'Factory', 'unlisted but accepted');
  const v = describeInstant(BigInt(Date.UTC(2026, 6, 1)) * 1_000_000n, 'Europe/Kiev', db);
  t.same([v.zone, v.alias, v.abbreviation, v.utcOffset, v.dst], ['Europe/Kyiv', 'Europe/Kiev', 'EEST', '+03:00', true]);
});

t.test('names that are not zones are unknown, including paths out of the tree and other time scales', async (t) => {
  const db = new TzDatabase({ root: fixtureRoot(t) });
  for (const bad of ['Mars/Olympus_Mons', '../etc/passwd', 'Europe/../Europe/Kyiv', '/Europe/Kyiv', 'right/Europe/Kyiv', 'posix/Europe/Kyiv', 'tzdata.zi', 'Europe/Kyiv/', '']) {
    t.throws(() => db.zone(bad), UnknownTimeZone, JSON.stringify(bad));
  }
  t.throws(() => db.zone('Nowhere/Town'), /unknown time zone "Nowhere\/Town"/);
});

t.test('a listed zone whose file is corrupt is a data error naming the file', async (t) => {
  const db = new TzDatabase({ root: fixtureRoot(t) });
  t.throws(() => db.zone('Broken/Zone'), TimeZoneDataError);
  t.throws(() => db.zone('Broken/Zone'), /Broken\/Zone: not a TZif file/);
});

t.test('without tzdata.zi: names from zone1970.tab, other TZif files accepted as given', async (t) => {
  const db = new TzDatabase({ root: fixtureRoot(t, { zi: false }) });
  t.same(db.list().zones, ['Asia/Kathmandu', 'Europe/Kyiv', 'UTC']);
  t.same(db.list().aliases, []);
  t.equal(db.resolveName('Europe/Kiev').name, 'Europe/Kiev', 'a TZif file, but no link table to resolve it');
  t.equal(db.zone('Europe/Kiev').typeAt(0).abbr, 'EET');
  t.throws(() => db.zone('Broken/Zone'), UnknownTimeZone, 'not TZif, not listed: unknown');
});

t.test('no zoneinfo at all: UTC still answers, every other zone is unknown', async (t) => {
  const db = new TzDatabase({ root: join(tmpdir(), 'no-such-zoneinfo-dir') });
  t.same(db.zone('UTC').typeAt(1e9), { utoff: 0, isdst: false, abbr: 'UTC' });
  t.equal(describeInstant(0n, 'UTC', db).iso8601, '1970-01-01T00:00:00.000000000Z');
  t.throws(() => db.zone('Europe/Berlin'), UnknownTimeZone);
  t.same(db.list().zones, ['UTC']);
});

t.test('the cache: parsed once, re-read after the recheck interval when the file changed, bounded', async (t) => {
  const root = fixtureRoot(t);
  let now = 0;
  const db = new TzDatabase({ root, recheckMs: 1000, nowMs: () => now, maxCached: 2 });
  t.equal(db.zone('Asia/Kathmandu').typeAt(0).abbr, '+0530');
  // tzdata upgrade: the file changes on disk (different size, so the stamp differs).
  writeFileSync(join(root, 'Asia/Kathmandu'), buildTzif({ version: 2, transitions: [], idx: [], types: [{ utoff: 20700, isdst: false, abbr: '+0545' }], footer: '<+0545>-5:45' }));
  now = 500;
  t.equal(db.zone('Asia/Kathmandu').typeAt(0).abbr, '+0530', 'within the interval: the cached parse');
  now = 1500;
  t.equal(db.zone('Asia/Kathmandu').typeAt(0).abbr, '+0545', 'after the interval: the new file');
  // Bounded: three zones through a cache of two still answer correctly.
  for (const z of ['Europe/Kyiv', 'UTC', 'Asia/Kathmandu', 'Europe/Kyiv']) t.ok(db.zone(z).typeAt(0).abbr.length > 0, z);
});
