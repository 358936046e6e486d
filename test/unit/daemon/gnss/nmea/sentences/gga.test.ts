import t from 'tap';
import { decoded, malformedReason, outcome } from '../decode-line.js';

t.test('GGA fields', async (t) => {
  const s = decoded('GPGGA,123519.00,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,', 'GGA');
  t.same(s.time, { hour: 12, minute: 35, second: 19, millis: 0 });
  t.ok(Math.abs(s.position!.lat - (48 + 7.038 / 60)) < 1e-12);
  t.ok(Math.abs(s.position!.lon - (11 + 31.324 / 60)) < 1e-12);
  t.equal(s.quality, 1);
  t.equal(s.satsUsed, 8);
  t.equal(s.hdop, 0.9);
  t.equal(s.altMSL, 545.4);
  t.equal(s.geoidSep, 46.9);
  t.equal(s.dgpsAge, null);
  t.equal(s.dgpsStation, null);
});

t.test('differential age and station; negative altitude', async (t) => {
  const s = decoded('GPGGA,132820.60,4134.49821229,N,09345.03351845,W,2,09,1.0,-27.020,M,-31.442,M,7.6,0133', 'GGA');
  t.equal(s.quality, 2);
  t.equal(s.altMSL, -27.02);
  t.equal(s.geoidSep, -31.442);
  t.equal(s.dgpsAge, 7.6);
  t.equal(s.dgpsStation, 133);
  t.equal(s.position!.digits, 8, 'survey-grade precision is visible');
});

t.test('no fix: empty fields are null and quality 0 stays 0', async (t) => {
  const s = decoded('GPGGA,,,,,,0,,,,,,,,', 'GGA');
  t.equal(s.time, null);
  t.equal(s.position, null);
  t.equal(s.quality, 0);
  t.equal(s.satsUsed, null);
  t.equal(s.hdop, null);
  t.equal(s.altMSL, null);
});

t.test('sentinel DOPs mean "not known" (BT-451 99.99, Skytraq 0.00)', async (t) => {
  t.equal(decoded('GPGGA,120000,4807.038,N,01131.324,E,1,04,99.99,545.4,M,,M,,', 'GGA').hdop, null);
  t.equal(decoded('GPGGA,120000,4807.038,N,01131.324,E,1,04,0.00,545.4,M,,M,,', 'GGA').hdop, null);
});

t.test('every talker decodes with the same layout', async (t) => {
  for (const talker of ['GP', 'GN', 'GL', 'GA', 'GB', 'BD', 'GQ', 'QZ', 'GI', 'IN']) {
    const s = decoded(`${talker}GGA,010203,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,`, 'GGA');
    t.equal(s.talker, talker);
    t.equal(s.altMSL, 545.4);
  }
});

t.test('corrupt essential fields', async (t) => {
  t.equal(malformedReason('GPGGA,1235,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,'), 'bad time or quality');
  t.equal(malformedReason('GPGGA,123519,4807.038,N,01131.324,E,x,08,0.9,545.4,M,46.9,M,,'), 'bad time or quality');
  t.equal(malformedReason('GPGGA,123519,4807.038,N,01131.324,Z,1,08,0.9,545.4,M,46.9,M,,'), 'bad position');
  const o = outcome('GPGGA,071733.929,8960.0000,N,00000.0000,E,0,0,,137.0,M,13.0,M,,');
  t.equal(o.kind, 'sentence', 'quality 0 with a filler position still says "no fix"');
});
