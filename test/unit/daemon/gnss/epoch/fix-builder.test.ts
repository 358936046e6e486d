import t from 'tap';
import { buildFix } from '../../../../../src/daemon/gnss/epoch/fix-builder.js';
import type { UtcTime } from '../../../../../src/daemon/core/utc-time.js';
import { sentences } from './sentences.js';

const T: UtcTime = { year: 2024, month: 3, day: 1, hour: 12, minute: 0, second: 0, millis: 0 };
const GGA = 'GPGGA,120000.00,4807.03812,N,01131.32412,E,1,08,0.9,545.4,M,46.9,M,,';
const RMC = 'GPRMC,120000.00,A,4807.038,N,01131.324,E,10.0,54.7,010324,2.0,W,A';

t.test('a full epoch', async (t) => {
  const { fix, verdict } = buildFix(sentences(GGA, 'GPGSA,A,3,04,05,09,12,,,,,,,,,2.5,1.3,2.1', RMC, 'GPGST,120000.00,1.0,3.0,2.0,45.0,3.0,4.0,5.0'), T, 42);
  t.equal(verdict, 'valid');
  t.equal(fix.mode, 3);
  t.equal(fix.status, 1);
  t.ok(Math.abs(fix.lat! - (48 + 7.03812 / 60)) < 1e-12, 'the finer GGA position, not the coarser RMC one');
  t.equal(fix.altMSL, 545.4);
  t.equal(fix.geoidSep, 46.9);
  t.ok(Math.abs(fix.altHAE! - 592.3) < 1e-9, 'altHAE = altMSL + geoid separation');
  t.ok(Math.abs(fix.speed! - 10 * 1852 / 3600) < 1e-12, 'knots to m/s');
  t.equal(fix.track, 54.7);
  t.equal(fix.magvar, -2);
  t.equal(fix.eph, 5, 'hypot of GST latitude and longitude sigma');
  t.equal(fix.epv, 5);
  t.equal(fix.climb, null, 'NMEA has no vertical speed');
  t.equal(fix.leapSeconds, null);
  t.equal(fix.receivedAt, 42);
  t.same(fix.sentences, ['GGA', 'GSA', 'RMC', 'GST']);
});

t.test('mode from GSA wins; without GSA, altitude with 4+ satellites is 3D', async (t) => {
  t.equal(buildFix(sentences(GGA, 'GPGSA,A,2,04,05,09,,,,,,,,,,2.5,1.3,2.1'), T, 0).fix.mode, 2, 'the receiver says 2D');
  t.equal(buildFix(sentences(GGA), T, 0).fix.mode, 3);
  t.equal(buildFix(sentences('GPGGA,120000.00,4807.038,N,01131.324,E,1,03,0.9,545.4,M,46.9,M,,'), T, 0).fix.mode, 2, 'three satellites');
  t.equal(buildFix(sentences(RMC), T, 0).fix.mode, 2, 'RMC alone has no altitude');
  t.equal(buildFix(sentences('GPGLL,4807.038,N,01131.324,E,120000.00,A,A'), T, 0).fix.mode, 2);
});

t.test('any sentence saying "no fix" makes the epoch invalid', async (t) => {
  for (const bad of [
    'GPRMC,120000.00,V,4807.038,N,01131.324,E,,,010324,,,N',
    'GPGGA,120000.00,4807.038,N,01131.324,E,0,00,,,M,,M,,',
    'GPGSA,A,1,,,,,,,,,,,,,,,',
    'GPGLL,4807.038,N,01131.324,E,120000.00,V,N',
    'GNGNS,120000.00,4807.038,N,01131.324,E,NNN,00,,,,,,V',
  ]) {
    const { fix, verdict } = buildFix(sentences(GGA, bad), T, 0);
    t.equal(verdict, 'invalid', bad);
    t.equal(fix.mode, 1);
    t.equal(fix.lat, null, 'no position is reported with an invalid fix');
    t.equal(fix.speed, null);
  }
});

t.test('GNS: valid when any constellation has a fix', async (t) => {
  const { fix, verdict } = buildFix(sentences('GNGNS,120000.00,4807.038,N,01131.324,E,NAN,08,0.9,545.4,46.9,,,V'), T, 0);
  t.equal(verdict, 'valid');
  t.equal(fix.mode, 3);
  t.equal(fix.altMSL, 545.4);
});

t.test('dead reckoning and simulation give a position but never time-valid epochs', async (t) => {
  const dr = buildFix(sentences('GPRMC,120000.00,A,4807.038,N,01131.324,E,,,010324,,,E'), T, 0);
  t.equal(dr.fix.mode, 2);
  t.equal(dr.fix.status, 5);
  t.equal(dr.verdict, 'invalid');
  t.equal(buildFix(sentences('GPGGA,120000.00,4807.038,N,01131.324,E,8,08,0.9,545.4,M,46.9,M,,'), T, 0).verdict, 'invalid');
  const surveyed = buildFix(sentences('GPGGA,120000.00,4807.038,N,01131.324,E,7,08,0.9,545.4,M,46.9,M,,'), T, 0);
  t.equal(surveyed.verdict, 'valid', 'manual/surveyed position: a timing receiver in fixed mode');
  t.equal(surveyed.fix.status, 7);
});

t.test('epochs without validity information are neutral', async (t) => {
  const { fix, verdict } = buildFix(sentences('GPZDA,120000.00,01,03,2024,,'), T, 0);
  t.equal(verdict, 'neutral');
  t.equal(fix.mode, 0);
  t.same(fix.time, T);
  t.equal(buildFix(sentences(GGA), null, 0).verdict, 'invalid', 'a position without a date is no time source');
});

t.test('differential status and RTK', async (t) => {
  t.equal(buildFix(sentences('GPGGA,120000.00,4807.038,N,01131.324,E,2,08,0.9,545.4,M,46.9,M,,'), T, 0).fix.status, 2);
  t.equal(buildFix(sentences('GPGGA,120000.00,4807.038,N,01131.324,E,4,08,0.9,545.4,M,46.9,M,,'), T, 0).fix.status, 3);
  t.equal(buildFix(sentences('GPRMC,120000.00,A,4807.038,N,01131.324,E,,,010324,,,F'), T, 0).fix.status, 4);
});

t.test('speed and track from VTG when RMC is absent', async (t) => {
  const { fix } = buildFix(sentences(GGA, 'GPVTG,,T,,M,,N,36.0,K,A'), T, 0);
  t.equal(fix.speed, 10);
  t.equal(fix.track, null);
});

t.test('Garmin: PGRMZ altitude and dimension when GGA and GSA give none, PGRME errors, PGRMF leap seconds', async (t) => {
  const time = { year: 2005, month: 3, day: 16, hour: 9, minute: 38, second: 2, millis: 0 };
  const garmin = sentences(
    'GPRMC,093802,A,5213.1439,N,02100.6511,E,000.0,226.0,160305,,,A',
    'PGRME,15.0,M,22.5,M,27.0,M',
    'PGRMZ,312,f,2',
    'PGRMF,290,293895,160305,093802,13,5213.1439,N,02100.6511,E,A,1,0,226,2,1',
  );
  const { fix, verdict } = buildFix(garmin, time, 1);
  t.equal(verdict, 'valid');
  t.equal(fix.mode, 2, 'PGRMZ says 2D (user altitude)');
  t.ok(Math.abs(fix.altMSL! - 312 * 0.3048) < 1e-9, 'altitude from feet');
  t.same([fix.eph, fix.epv, fix.sep], [15, 22.5, 27]);
  t.equal(fix.leapSeconds, 13);
  const withGga = buildFix([...garmin, ...sentences('GPGGA,093802,5213.1439,N,02100.6511,E,1,05,1.7,95.2,M,32.4,M,,')], time, 1).fix;
  t.equal(withGga.altMSL, 95.2, "GGA's decimetres beat PGRMZ's feet");
  t.equal(buildFix(sentences('GPRMC,093802,A,5213.1439,N,02100.6511,E,0,0,160305,,,A', 'PGRMF,290,293895,160305,093802,13,,,,,A,0,,,,'), time, 1).verdict, 'invalid', 'PGRMF fix type 0');
});
