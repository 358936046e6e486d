import t, { type Test } from 'tap';
import { parseNmeaSentence } from 'nmea-simple';
import type { GGAPacket, GSAPacket, RMCPacket, ZDAPacket } from 'nmea-simple';
import { NmeaGenerator } from '../../../../src/drivers/sim/nmea-generator.js';
import type { SimSatellite } from '../../../../src/drivers/sim/nmea-generator.js';

const AT = Date.UTC(2024, 2, 10, 12, 34, 56); // 2024-03-10T12:34:56Z

/** Fields between `$` and `*`, split on commas. */
const fields = (s: string) => s.slice(1, s.indexOf('*')).split(',');
const ofType = (epoch: string[], type: string) => epoch.filter((s) => s.slice(3, 6) === type);
/** The C/N0 fields of a GSV (4.10 adds a signal id after the satellite blocks). */
const gsvSnrs = (s: string) => {
  const f = fields(s);
  const blocks = Math.floor((f.length - 4) / 4);
  return Array.from({ length: blocks }, (_, j) => f[4 + 4 * j + 3]);
};

/** Independent check (nmea-simple) that each sentence is framed and checksummed. */
function parsedAll(t: Test, epoch: string[]) {
  for (const s of epoch) {
    t.match(s, /^\$[A-Z]{5},[^*$]*\*[0-9A-F]{2}$/, `framed: ${s}`);
    if (s.slice(3, 6) === 'GSV' || s.slice(3, 6) === 'TXT') continue; // nmea-simple misreads 4.10 GSV, has no TXT
    t.equal(parseNmeaSentence(s).chxOk, true, `checksum: ${s}`);
  }
}

t.test('a fixed epoch: RMC, GGA, ZDA carry the labelled instant and the position', async (t) => {
  const gen = new NmeaGenerator({ lat: -33.856784, lon: -151.215297, altMSL: 12.3, geoidSep: 22.1 });
  const epoch = gen.epoch(AT, 0);
  parsedAll(t, epoch);
  t.same(
    epoch.map((s) => s.slice(3, 6)),
    ['RMC', 'GGA', 'GSA', 'GSA', 'GSA', 'GSV', 'GSV', 'GSV', 'GSV', 'ZDA', 'TXT'],
    'u-blox order; TXT announces the antenna at start',
  );
  const rmc = parseNmeaSentence(ofType(epoch, 'RMC')[0]!) as RMCPacket;
  t.equal(rmc.datetime.getTime(), AT);
  t.equal(rmc.status, 'valid');
  t.ok(Math.abs(rmc.latitude - -33.856784) < 1e-6 && Math.abs(rmc.longitude - -151.215297) < 1e-6, 'S/W hemispheres');
  t.equal(fields(ofType(epoch, 'RMC')[0]!)[1], '123456.00');
  const gga = parseNmeaSentence(ofType(epoch, 'GGA')[0]!) as GGAPacket;
  t.equal(gga.fixType, 'fix');
  t.equal(gga.satellitesInView, 12, 'GGA counts the used satellites of the default sky');
  t.equal(gga.altitudeMeters, 12.3);
  t.equal(gga.geoidalSeperation, 22.1);
  const zda = parseNmeaSentence(ofType(epoch, 'ZDA')[0]!) as ZDAPacket;
  t.equal(zda.datetime.getTime(), AT);
});

t.test('NMEA 4.10: GSA per constellation with system ids, GSV per talker with signal ids', async (t) => {
  const epoch = new NmeaGenerator({ nmeaVersion: '4.10', talker: 'GN' }).epoch(AT, 0);
  const gsa = ofType(epoch, 'GSA').map(fields);
  t.same(
    gsa.map((f) => f.at(-1)),
    ['1', '2', '3'],
    'system ids GPS 1, GLONASS 2, Galileo 3',
  );
  t.same(gsa[1]!.slice(3, 6), ['65', '72', '79'], 'GLONASS used satellites numbered 64 + slot');
  t.same(gsa[2]!.slice(3, 6), ['03', '11', '24'], 'Galileo 1-36 under 4.10');
  const gsv = ofType(epoch, 'GSV').map(fields);
  t.same(
    gsv.map((f) => [f[0], f[1], f[2], f[3], f.at(-1)]),
    [
      ['GPGSV', '2', '1', '08', '1'],
      ['GPGSV', '2', '2', '08', '1'],
      ['GLGSV', '1', '1', '04', '1'],
      ['GAGSV', '1', '1', '04', '7'],
    ],
    'multi-part GPS group; Galileo E1 is signal 7',
  );
  t.equal(gsv[0]!.length, 4 + 4 * 4 + 1, '4 satellites a sentence, plus the signal id');
  t.same(gsv[1]!.slice(16, 20), ['29', '40', '250', ''], 'an untracked satellite has an empty C/N0, not 0');
});

t.test('NMEA 2.3 with GP talker: one GSA, no system or signal ids, no Galileo numbers', async (t) => {
  const epoch = new NmeaGenerator({ nmeaVersion: '2.3', talker: 'GP' }).epoch(AT, 0);
  parsedAll(t, epoch);
  const gsa = ofType(epoch, 'GSA');
  t.equal(gsa.length, 1);
  const p = parseNmeaSentence(gsa[0]!) as GSAPacket;
  t.same(p.satellites, [2, 5, 12, 13, 15, 18, 65, 72, 79], 'GPS and GLONASS, Galileo has no 2.3 number');
  t.equal(fields(gsa[0]!).length, 18, 'no system id field');
  const gsv = ofType(epoch, 'GSV').map(fields);
  t.same(
    gsv.map((f) => f[0]),
    ['GPGSV', 'GPGSV', 'GLGSV'],
  );
  t.equal(gsv[0]!.length, 4 + 4 * 4, 'no signal id field');
  t.notOk(epoch.some((s) => s.startsWith('$GA')), 'no Galileo sentences');
  t.equal(fields(ofType(epoch, 'RMC')[0]!).length, 13, 'RMC without the 4.10 navigational status');
});

t.test('fix loss and recovery follow the schedule', async (t) => {
  const gen = new NmeaGenerator({ outages: [{ fromSec: 30, forSec: 10 }] });
  const at = (sec: number) => gen.epoch(AT + sec * 1000, sec * 1000);
  const before = at(29);
  const during = at(30);
  const last = at(39);
  const after = at(40);
  for (const epoch of [before, during, last, after]) parsedAll(t, epoch);
  t.equal(fields(ofType(before, 'RMC')[0]!)[2], 'A');
  t.ok(gsvSnrs(ofType(before, 'GSV')[0]!).every((v) => v !== ''), 'tracked before the outage');
  for (const epoch of [during, last]) {
    const rmc = fields(ofType(epoch, 'RMC')[0]!);
    t.equal(rmc[2], 'V', 'RMC status V');
    t.same(rmc.slice(3, 7), ['', '', '', ''], 'position fields empty, not 0');
    t.equal(rmc[1]?.endsWith('.00'), true, 'the receiver still labels the time');
    t.equal(rmc[9], '100324', 'and the date');
    const gga = fields(ofType(epoch, 'GGA')[0]!);
    t.same(gga.slice(2, 8), ['', '', '', '', '0', '00'], 'GGA quality 0, no satellites used');
    t.same(gga.slice(9), ['', '', '', '', '', ''], 'altitude and the rest empty');
    t.ok(ofType(epoch, 'GSA').every((s) => fields(s)[2] === '1'), 'GSA mode 1 (no fix)');
    t.ok(ofType(epoch, 'GSV').every((s) => gsvSnrs(s).every((v) => v === '')), 'satellites listed, none tracked');
  }
  t.equal(fields(ofType(after, 'RMC')[0]!)[2], 'A', 'fix back after 10 s');
  t.equal((parseNmeaSentence(ofType(after, 'GGA')[0]!) as GGAPacket).fixType, 'fix');
});

t.test('a cold-start outage leaves time and date empty', async (t) => {
  const gen = new NmeaGenerator({ outages: [{ fromSec: 0, forSec: 5, timeValid: false }] });
  const epoch = gen.epoch(AT, 1000);
  const rmc = fields(ofType(epoch, 'RMC')[0]!);
  t.equal(rmc[1], '');
  t.equal(rmc[9], '');
  t.equal(fields(ofType(epoch, 'GGA')[0]!)[1], '');
  t.same(fields(ofType(epoch, 'ZDA')[0]!), ['GNZDA', '', '', '', '', '00', '00']);
});

t.test('antenna status TXT: at start, every N seconds, and on each change', async (t) => {
  const gen = new NmeaGenerator({ txtEverySec: 10, antennaChanges: [{ atSec: 3, status: 'OPEN' }, { atSec: 5, status: 'OK' }] });
  const txts: [number, string][] = [];
  const start = Date.UTC(2024, 2, 10, 12, 34, 58);
  for (let sec = 0; sec < 14; sec++) {
    for (const s of ofType(gen.epoch(start + sec * 1000, sec * 1000), 'TXT')) txts.push([sec, s]);
  }
  t.same(txts, [
    [0, '$GNTXT,01,01,02,ANTSTATUS=OK*25'],
    [2, '$GNTXT,01,01,02,ANTSTATUS=OK*25'], // 12:35:00, a multiple of 10 s
    [3, '$GNTXT,01,01,02,ANTSTATUS=OPEN*35'],
    [5, '$GNTXT,01,01,02,ANTSTATUS=OK*25'],
    [12, '$GNTXT,01,01,02,ANTSTATUS=OK*25'],
  ]);
});

t.test('sub-second epochs carry centiseconds; rounding never prints 60 minutes', async (t) => {
  const gen = new NmeaGenerator({ lat: 47.9999999999, lon: 8.99999999 });
  const rmc = fields(ofType(gen.epoch(AT + 100, 0), 'RMC')[0]!);
  t.equal(rmc[1], '123456.10');
  t.same(rmc.slice(3, 7), ['4800.00000', 'N', '00900.00000', 'E']);
});

t.test('a custom sky and sentence list', async (t) => {
  const sky: SimSatellite[] = Array.from({ length: 14 }, (_, i) => ({ system: 'GPS', svid: i + 1, el: 10 + i, az: 20 * i, snr: 30, used: true }));
  const epoch = new NmeaGenerator({ satellites: sky, sentences: ['GGA', 'GSA', 'GSV'], talker: 'GP', txtEverySec: 0 }).epoch(AT, 0);
  t.same(
    epoch.map((s) => s.slice(1, 6)),
    ['GPGGA', 'GPGSA', 'GPGSV', 'GPGSV', 'GPGSV', 'GPGSV', 'GPTXT'],
  );
  t.equal(epoch[6], '$GPTXT,01,01,02,ANTSTATUS=OK*3B', 'byte for byte what a u-blox 6/7 prints');
  t.equal(fields(epoch[1]!).slice(3, 15).filter((v) => v !== '').length, 12, 'GSA holds at most 12 ids');
  t.equal(fields(epoch[5]!).length, 4 + 2 * 4 + 1, 'last GSV has the remaining 2 satellites');
});
