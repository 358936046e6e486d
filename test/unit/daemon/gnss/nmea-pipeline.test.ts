import t from 'tap';
import type { Fix, Sky } from '../../../../src/daemon/core/fix.js';
import { utcToIso } from '../../../../src/daemon/core/utc-time.js';
import { type FixTrust, NmeaPipeline, type NmeaPipelineOptions, type TextMessage } from '../../../../src/daemon/gnss/nmea-pipeline.js';
import { withChecksum } from '../../../../src/lib/nmea-checksum.js';

interface Run {
  p: NmeaPipeline;
  fixes: { fix: Fix; trust: FixTrust }[];
  skies: Sky[];
  texts: TextMessage[];
  push(body: string, at?: number): void;
  raw(line: string, at?: number): void;
}

function run(opts?: NmeaPipelineOptions): Run {
  const p = new NmeaPipeline(opts);
  const r: Run = {
    p,
    fixes: [],
    skies: [],
    texts: [],
    push: (body, at = 0) => p.push({ line: withChecksum(body), receivedAt: at }),
    raw: (line, at = 0) => p.push({ line, receivedAt: at }),
  };
  p.on('fix', (fix, trust) => r.fixes.push({ fix, trust }));
  p.on('sky', (sky) => r.skies.push(sky));
  p.on('text', (m) => r.texts.push(m));
  return r;
}

const gga = (hhmmss: string, q = 1) => `GPGGA,${hhmmss},4807.038,N,01131.324,E,${q},08,0.9,545.4,M,46.9,M,,`;
const rmc = (hhmmss: string, ddmmyy: string, status = 'A') => `GPRMC,${hhmmss},${status},4807.038,N,01131.324,E,0.1,10.0,${ddmmyy},,,${status === 'A' ? 'A' : 'N'}`;
const iso = (r: Run): string[] => r.fixes.map((f) => (f.fix.time ? utcToIso(f.fix.time) : 'null'));

t.test('one epoch per time: GGA and RMC merge, date from RMC', async (t) => {
  const r = run();
  r.push(gga('120000.00'), 100);
  r.push(rmc('120000.00', '010324'), 150);
  t.equal(r.fixes.length, 0, 'the epoch is still open');
  r.p.closeEpoch();
  t.same(iso(r), ['2024-03-01T12:00:00.000Z']);
  t.equal(r.fixes[0]!.fix.receivedAt, 100, "receivedAt is the epoch's first sentence");
  t.same(r.fixes[0]!.fix.sentences, ['GGA', 'RMC']);
  t.equal(r.fixes[0]!.fix.mode, 3);
});

t.test('the date carries to later GGA-only epochs, across midnight', async (t) => {
  const r = run();
  r.push(rmc('235958.50', '311224'));
  r.push(gga('235959.50'));
  r.push(gga('000000.50'));
  r.push(gga('000001.50'));
  r.p.closeEpoch();
  t.same(iso(r), ['2024-12-31T23:59:58.500Z', '2024-12-31T23:59:59.500Z', '2025-01-01T00:00:00.500Z', '2025-01-01T00:00:01.500Z']);
});

t.test('century: from ZDA, from the initial date, or 1980-2079', async (t) => {
  const z = run();
  z.push('GPZDA,120000.00,01,03,2104,,');
  z.push(rmc('120001.00', '010304'));
  z.p.closeEpoch();
  t.same(iso(z).at(-1), '2104-03-01T12:00:01.000Z', 'ZDA year 2104 puts yy 04 in 2104');
  const h = run({ initialDate: { year: 1999, month: 12, day: 31 } });
  h.push(gga('120000.00'));
  h.push(rmc('120001.00', '311299'));
  h.p.closeEpoch();
  t.same(iso(h), ['1999-12-31T12:00:00.000Z', '1999-12-31T12:00:01.000Z'], 'a log header dates GGA before any RMC');
  const n = run();
  n.push(rmc('120000.00', '060180'));
  n.p.closeEpoch();
  t.same(iso(n), ['1980-01-06T12:00:00.000Z']);
});

t.test('a GGA before any date has no time', async (t) => {
  const r = run();
  r.push(gga('120000.00'));
  r.p.closeEpoch();
  t.equal(r.fixes[0]!.fix.time, null);
  t.equal(r.fixes[0]!.fix.mode, 3, 'the position is still reported');
  t.equal(r.fixes[0]!.trust.validStreak, 0, 'but it is not a time source');
});

t.test('leap second 23:59:60 is its own epoch and keeps the streak', async (t) => {
  const r = run({ timeValidAfter: 3 });
  r.push(rmc('235958.00', '311216'));
  r.push(rmc('235959.00', '311216'));
  r.push(rmc('235960.00', '311216'));
  r.push(rmc('000000.00', '010117'));
  r.p.closeEpoch();
  t.same(iso(r), ['2016-12-31T23:59:58.000Z', '2016-12-31T23:59:59.000Z', '2016-12-31T23:59:60.000Z', '2017-01-01T00:00:00.000Z']);
  t.same(r.fixes.map((f) => f.trust.timeValid), [false, false, true, true]);
});

t.test('fractional seconds to the millisecond (10 Hz)', async (t) => {
  const r = run();
  r.push('GPZDA,132820.00,18,03,2020,,');
  for (const f of ['132820.60', '132820.70', '132820.80']) r.push(gga(f));
  r.p.closeEpoch();
  t.same(iso(r).slice(1), ['2020-03-18T13:28:20.600Z', '2020-03-18T13:28:20.700Z', '2020-03-18T13:28:20.800Z']);
});

t.test('once the cycle is learnt, the fix comes out with the last sentence', async (t) => {
  const r = run();
  const cycle = (s: string, at: number) => {
    r.push(gga(`1200${s}.00`), at);
    r.push('GPGSA,A,3,04,05,09,12,,,,,,,,,2.5,1.3,2.1', at + 10);
    r.push(rmc(`1200${s}.00`, '010324'), at + 20);
  };
  cycle('00', 0);
  cycle('01', 1000);
  t.equal(r.fixes.length, 1, 'learning: the first epoch closed when the second began');
  cycle('02', 2000);
  cycle('03', 3000);
  t.equal(r.fixes.length, 4, 'the fourth epoch is out without waiting for a fifth');
  t.equal(r.fixes[3]!.fix.receivedAt, 3000);
  t.same(iso(r).at(-1), '2024-03-01T12:00:03.000Z');
});

t.test('trust: time-valid after N valid epochs, reset by an invalid one', async (t) => {
  const r = run({ timeValidAfter: 2 });
  r.push(rmc('120000.00', '010324'));
  r.push(rmc('120001.00', '010324'));
  r.push(rmc('120002.00', '010324', 'V'));
  r.push(rmc('120003.00', '010324'));
  r.push(rmc('120004.00', '010324'));
  r.p.closeEpoch();
  t.same(
    r.fixes.map((f) => [f.trust.validStreak, f.trust.timeValid]),
    [
      [1, false],
      [2, true],
      [0, false],
      [1, false],
      [2, true],
    ],
  );
  t.match(r.p.trust, { timeValid: true, validStreak: 2, needed: 2, check: { verdict: 'unchecked' }, lastStep: null });
});

t.test('sky, text and antenna events', async (t) => {
  const r = run();
  r.push('GPTXT,01,01,02,ANTSTATUS=OPEN');
  t.same(r.texts, [{ talker: 'GP', text: 'ANTSTATUS=OPEN' }]);
  t.equal(r.p.antenna, 'open');
  r.push('GPTXT,01,01,02,ANTSTATUS=OK');
  t.equal(r.p.antenna, 'ok');
  r.push(gga('120000.00'));
  r.push('GPGSV,1,1,01,04,40,083,46');
  r.p.closeEpoch();
  t.equal(r.skies.length, 1);
  t.equal(r.skies[0]!.nSat, 1);
});

t.test('bad input is counted, never thrown', async (t) => {
  const r = run();
  r.raw('');
  r.raw('garbage without a dollar');
  r.raw('\u0000\u0001\u0002');
  r.raw(withChecksum(gga('120000.00')).replace(/\*..$/, '*00'));
  r.raw(withChecksum(gga('120000.00')).replace(/\*..$/, ''));
  r.raw(`$${'A'.repeat(300)}`);
  r.push('GPGSV,9,10,01');
  r.push('PGRMM,WGS 84');
  r.push('SDDBT,7.8,f,2.4,M,1.3,F');
  r.push(gga('120000.00'));
  r.p.push({ line: 42 as unknown as string, receivedAt: 0 });
  const c = r.p.counters;
  t.equal(c.lines, 11);
  t.equal(c.empty, 1);
  t.equal(c.partial, 2, 'the text line and the number');
  t.equal(c.noise, 1);
  t.equal(c.badChecksum, 1);
  t.equal(c.missingChecksum, 1);
  t.equal(c.overlong, 1);
  t.same(c.malformed, { GSV: 1 });
  t.same(c.unknown, { PGRMM: 1, DBT: 1 });
  t.equal(c.proprietary, 1);
  t.same(c.sentences, { GGA: 1 });
  t.equal(c.internalErrors, 0);
  t.same(JSON.parse(JSON.stringify(c)), c, 'JSON-serialisable');
});

t.test('missing checksums can be allowed', async (t) => {
  const r = run({ acceptMissingChecksum: true });
  r.raw(withChecksum(rmc('120000.00', '010324')).replace(/\*..$/, ''));
  r.p.closeEpoch();
  t.equal(r.fixes.length, 1);
  t.equal(r.p.counters.acceptedWithoutChecksum, 1);
});

t.test('an RMC with status V does not overrule a known date', async (t) => {
  const r = run();
  r.push(rmc('120000.00', '010324'));
  r.push(rmc('120001.00', '050180', 'V')); // MTK3301 / RGM-3800 style bogus date
  r.push(gga('120002.00'));
  r.p.closeEpoch();
  t.same(iso(r), ['2024-03-01T12:00:00.000Z', '2024-03-01T12:00:01.000Z', '2024-03-01T12:00:02.000Z']);
  const fresh = run();
  fresh.push(rmc('235951.95', '050180', 'V'));
  fresh.p.closeEpoch();
  t.same(iso(fresh), ['1980-01-05T23:59:51.950Z'], 'with nothing better known, the receiver gets its say');
});
