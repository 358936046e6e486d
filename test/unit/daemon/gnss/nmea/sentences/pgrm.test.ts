import t from 'tap';
import { decoded, malformedReason, outcome } from '../decode-line.js';

// Layouts: Garmin GPS 18x Technical Specifications (190-00879-08), §4.2; lines from gpsd's tn204 log and a GPS 18x LVC.

t.test('PGRMZ: altitude in feet and the fix dimension', async (t) => {
  const s = decoded('PGRMZ,162,f,3', 'PGRMZ');
  t.same(s, { type: 'PGRMZ', altitudeFeet: 162, fixDimension: 3, talker: 'P' });
  t.same(decoded('PGRMZ,-12,f,2', 'PGRMZ').altitudeFeet, -12, 'below sea level');
  t.same(decoded('PGRMZ,,f,', 'PGRMZ'), { type: 'PGRMZ', altitudeFeet: null, fixDimension: null, talker: 'P' }, 'empty fields are null, never 0');
  t.equal(malformedReason('PGRMZ,16x,f,3'), 'bad altitude');
  t.match(malformedReason('PGRMZ,162,m,3'), /unknown altitude unit/);
  t.equal(malformedReason('PGRMZ,162'), 'too few fields');
});

t.test('PGRME: estimated horizontal, vertical and spherical errors in metres', async (t) => {
  t.same(decoded('PGRME,17.4,M,40.3,M,43.9,M', 'PGRME'), { type: 'PGRME', hpe: 17.4, vpe: 40.3, epe: 43.9, talker: 'P' });
  t.same(decoded('PGRME,,M,,M,,M', 'PGRME'), { type: 'PGRME', hpe: null, vpe: null, epe: null, talker: 'P' });
  t.equal(decoded('PGRME,17.4,F,40.3,M,43.9,M', 'PGRME').hpe, null, 'a unit other than metres is not taken');
  t.equal(malformedReason('PGRME,17.4,M'), 'too few fields');
});

t.test('PGRMF: week, seconds, date, time, leap seconds, position and fix type', async (t) => {
  const s = decoded('PGRMF,290,293895,160305,093802,13,5213.1439,N,02100.6511,E,A,2,0,226,2,1', 'PGRMF');
  t.equal(s.gpsWeek, 290);
  t.equal(s.gpsSeconds, 293895);
  t.same(s.date, { day: 16, month: 3, yy: 5 });
  t.same(s.time, { hour: 9, minute: 38, second: 2, millis: 0 });
  t.equal(s.leapSeconds, 13);
  t.ok(s.position && Math.abs(s.position.lat - (52 + 13.1439 / 60)) < 1e-9);
  t.equal(s.mode, 'A');
  t.equal(s.fixType, 2);
  t.equal(s.speedKmh, 0);
  t.equal(s.course, 226);
  t.equal(s.pdop, 2);
  t.equal(s.tdop, 1);
  const cold = decoded('PGRMF,,,,,,,,,,A,0,,,,', 'PGRMF');
  t.match(cold, { gpsWeek: null, gpsSeconds: null, date: null, time: null, leapSeconds: null, position: null, fixType: 0 }, 'no fix yet: all null');
  t.equal(decoded('PGRMF,1024,0,160305,093802,13,,,,,A,2,,,,', 'PGRMF').gpsWeek, null, 'a 10-bit week cannot be 1024');
  t.equal(malformedReason('PGRMF,290,293895,160305,0938x2,13,,,,,A,2,,,,'), 'bad time or date');
  t.equal(malformedReason('PGRMF,290,293895'), 'too few fields');
});

t.test('other Garmin sentences stay unknown proprietary ones', async (t) => {
  t.same(outcome('PGRMM,NAD83'), { kind: 'unknown', key: 'PGRMM', proprietary: true });
});
