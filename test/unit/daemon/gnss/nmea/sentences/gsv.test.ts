import t from 'tap';
import { decoded, malformedReason } from '../decode-line.js';

t.test('classic GSV with four satellites', async (t) => {
  const s = decoded('GPGSV,3,1,12,28,14,150,41,09,15,254,41,10,43,192,47,13,06,081,36', 'GSV');
  t.equal(s.total, 3);
  t.equal(s.index, 1);
  t.equal(s.inView, 12);
  t.equal(s.signalId, null);
  t.same(s.satellites, [
    { id: 28, el: 14, az: 150, snr: 41 },
    { id: 9, el: 15, az: 254, snr: 41 },
    { id: 10, el: 43, az: 192, snr: 47 },
    { id: 13, el: 6, az: 81, snr: 36 },
  ]);
});

t.test('NMEA 4.10: the trailing signal id is NOT a satellite', async (t) => {
  const s = decoded('GPGSV,3,3,10,12,00,234,,24,13,295,,1', 'GSV');
  t.equal(s.signalId, 1);
  t.equal(s.satellites.length, 2);
  t.same(s.satellites.map((x) => x.id), [12, 24]);
  t.equal(s.satellites[0]!.snr, null, 'not tracked: SNR null, not 0');
  const l5 = decoded('GPGSV,1,1,01,04,53,296,40,8', 'GSV');
  t.equal(l5.signalId, 8);
  t.same(l5.satellites, [{ id: 4, el: 53, az: 296, snr: 40 }]);
});

t.test('u-blox F9P empty signal id field', async (t) => {
  const s = decoded('GBGSV,3,3,10,21,41,301,,22,82,135,,', 'GSV');
  t.equal(s.signalId, null);
  t.equal(s.satellites.length, 2);
});

t.test('last sentence padded with empty slots; Quectel id-less slots; azimuth 360', async (t) => {
  const padded = decoded('GPGSV,3,3,09,29,31,270,38,,,,,,,,,,,,', 'GSV');
  t.equal(padded.satellites.length, 1);
  const quectel = decoded('GPGSV,1,1,03,,45,100,,07,18,360,52,46,,,50', 'GSV');
  t.same(quectel.satellites, [
    { id: 7, el: 18, az: 0, snr: 52 },
    { id: 46, el: null, az: null, snr: 50 },
  ]);
});

t.test('Quectel $PQGSV carries signal and system id', async (t) => {
  const s = decoded('PQGSV,4,1,15,02,20,116,,03,,,,05,34,137,,07,05,046,,0,4', 'GSV');
  t.equal(s.talker, 'PQ');
  t.equal(s.signalId, 0);
  t.equal(s.systemId, 4);
  t.equal(s.satellites.length, 4);
});

t.test('out-of-range values read as not known', async (t) => {
  const s = decoded('GPGSV,1,1,01,05,95,400,120', 'GSV');
  t.same(s.satellites, [{ id: 5, el: null, az: null, snr: null }]);
});

t.test('broken numbering and field counts are malformed', async (t) => {
  t.equal(malformedReason('GPGSV,2,3,08,01,40,083,46'), 'bad sentence numbering');
  t.equal(malformedReason('GPGSV,0,0,08,01,40,083,46'), 'bad sentence numbering');
  t.equal(malformedReason('GPGSV,1,1,08,01,40,083,46,02'), 'bad signal id');
  t.equal(malformedReason('GPGSV,1,1,08,01,40,083,46,02,17'), 'field count is not 3 + 4 per satellite');
});
