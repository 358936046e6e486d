import t from 'tap';
import { SkyBuilder } from '../../../../../src/daemon/gnss/epoch/sky-builder.js';
import { sentences } from './sentences.js';

const GSV = [
  'GPGSV,2,1,05,04,40,083,46,05,17,308,41,09,07,344,,12,22,228,45',
  'GPGSV,2,2,05,33,10,120,30',
];

t.test('satellites from a complete GSV group, used flags from GSA', async (t) => {
  const sky = new SkyBuilder().build(sentences('GPGSA,A,3,04,05,12,,,,,,,,,,2.5,1.3,2.1', ...GSV), null)!;
  t.equal(sky.nSat, 5);
  t.equal(sky.uSat, 3);
  t.equal(sky.pdop, 2.5);
  t.equal(sky.hdop, 1.3);
  t.equal(sky.vdop, 2.1);
  t.same(
    sky.satellites.map((s) => [s.PRN, s.gnssid, s.svid, s.used]),
    [
      [4, 0, 4, true],
      [5, 0, 5, true],
      [9, 0, 9, false],
      [12, 0, 12, true],
      [33, 1, 120, false],
    ],
  );
  t.equal(sky.satellites[2]!.ss, null, 'not tracked: no SNR, not 0');
  t.equal(sky.satellites[0]!.sigid, null, 'no signal id before NMEA 4.10');
});

t.test('an incomplete GSV group is not a sky view', async (t) => {
  const sky = new SkyBuilder().build(sentences(GSV[0]!, 'GPGGA,120000,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,'), null)!;
  t.equal(sky.nSat, null);
  t.same(sky.satellites, []);
  t.equal(sky.uSat, 8, 'satellites used from GGA when there is no GSA');
  t.equal(sky.hdop, 0.9);
});

t.test('NMEA 4.10 multi-constellation, multi-signal', async (t) => {
  const sky = new SkyBuilder().build(
    sentences(
      'GNGSA,A,3,10,,,,,,,,,,,,1.05,0.64,0.83,1',
      'GNGSA,A,3,82,,,,,,,,,,,,1.05,0.64,0.83,2',
      'GPGSV,1,1,01,10,24,284,34,1',
      'GPGSV,1,1,01,10,24,284,,6',
      'GLGSV,1,1,01,82,47,171,30,1',
      'GAGSV,1,1,01,04,53,296,40,7',
    ),
    null,
  )!;
  t.same(
    sky.satellites.map((s) => [s.PRN, s.gnssid, s.svid, s.sigid, s.used]),
    [
      [10, 0, 10, 0, true],
      [10, 0, 10, 3, false],
      [82, 6, 18, 0, true],
      [304, 2, 4, 0, false],
    ],
    'one entry per signal; a signal without SNR is not flagged used',
  );
  t.equal(sky.uSat, 2);
});

t.test('a sky view is reused for a few epochs without GSV, then dropped', async (t) => {
  const b = new SkyBuilder();
  b.build(sentences(...GSV), null);
  const gsaOnly = sentences('GPGSA,A,3,09,,,,,,,,,,,,2.5,1.3,2.1');
  const next = b.build(gsaOnly, null)!;
  t.equal(next.nSat, 5);
  t.same(next.satellites.filter((s) => s.used).map((s) => s.PRN), [9], 'used flags follow the new GSA');
  let last = next;
  for (let i = 0; i < 10; i++) last = b.build(gsaOnly, null)!;
  t.equal(last.nSat, null, 'stale view dropped');
});

t.test('nothing sky-related: no Sky', async (t) => {
  t.equal(new SkyBuilder().build(sentences('GPRMC,120000,A,4807.038,N,01131.324,E,,,010324,,'), null), null);
});
