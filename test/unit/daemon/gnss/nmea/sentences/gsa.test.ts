import t from 'tap';
import { decoded, malformedReason } from '../decode-line.js';

t.test('classic GSA: 12 slots and three DOPs', async (t) => {
  const s = decoded('GPGSA,A,3,19,28,14,18,27,22,31,39,,,,,1.7,1.0,1.3', 'GSA');
  t.equal(s.selection, 'A');
  t.equal(s.fixType, 3);
  t.same(s.satIds, [19, 28, 14, 18, 27, 22, 31, 39]);
  t.equal(s.pdop, 1.7);
  t.equal(s.hdop, 1.0);
  t.equal(s.vdop, 1.3);
  t.equal(s.systemId, null);
});

t.test('NMEA 4.10 GSA: the trailing system id is not a DOP', async (t) => {
  const s = decoded('GNGSA,A,3,13,12,22,19,08,21,,,,,,,1.05,0.64,0.83,4', 'GSA');
  t.same(s.satIds, [13, 12, 22, 19, 8, 21]);
  t.equal(s.pdop, 1.05);
  t.equal(s.hdop, 0.64);
  t.equal(s.vdop, 0.83);
  t.equal(s.systemId, 4);
});

t.test('SiRF TriG puts a decimal in field 18: not a system id', async (t) => {
  const s = decoded('GPGSA,A,3,25,32,12,14,,,,,,,,,2.1,1.1,1.8,1.2', 'GSA');
  t.equal(s.systemId, null);
  t.equal(s.pdop, 2.1);
});

t.test('Navior-24 with 24 slots', async (t) => {
  const s = decoded('GPGSA,A,3,27,23,13,07,25,,,,,,,,,,,,,,,,,,,,07.9,06.0,05.2', 'GSA');
  t.same(s.satIds, [27, 23, 13, 7, 25]);
  t.equal(s.pdop, 7.9);
  t.equal(s.vdop, 5.2);
});

t.test('no fix, short i.Trek GSA, empty fix type', async (t) => {
  const nofix = decoded('GPGSA,A,1,,,,,,,,,,,,,,,', 'GSA');
  t.equal(nofix.fixType, 1);
  t.same(nofix.satIds, []);
  t.equal(nofix.pdop, null);
  const itrek = decoded('GPGSA,A,1,,,', 'GSA');
  t.equal(itrek.fixType, 1);
  t.equal(itrek.hdop, null);
  t.equal(decoded('GPGSA,A,,,,,,,,,,,,,,,,', 'GSA').fixType, null);
  t.equal(decoded('GPGSA,A,E,,,,,,,,,,,,,,,', 'GSA').fixType, null, 'Antaris dead reckoning');
  t.equal(malformedReason('GPGSA,A,4,,,,,,,,,,,,,,,'), 'fix type out of range');
});

t.test('Quectel $PQGSA is read as a standard GSA', async (t) => {
  const s = decoded('PQGSA,A,3,12,,,,,,,,,,,,1.2,0.9,0.9,4', 'GSA');
  t.equal(s.talker, 'PQ');
  t.equal(s.systemId, 4);
  t.same(s.satIds, [12]);
});
