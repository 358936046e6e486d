import t from 'tap';
import type { Fix, Sky } from '../../../../src/daemon/core/fix.js';
import { skyReport, tpvReport } from '../../../../src/daemon/gnss/gpsd-json.js';

const base: Fix = {
  time: { year: 2007, month: 12, day: 23, hour: 19, minute: 32, second: 21, millis: 0 },
  mode: 3,
  status: 2,
  leapSeconds: null,
  lat: 20.628798666666666,
  lon: -87.06807966666667,
  altHAE: -44.3,
  altMSL: -30.4,
  geoidSep: -13.9,
  speed: 0.0514444,
  track: 201.8,
  magvar: -1,
  climb: null,
  eph: null,
  epv: null,
  receivedAt: 0,
  sentences: ['GGA', 'RMC'],
};

t.test('TPV as gpsd prints it: key order, precision, unknowns left out', async (t) => {
  const r = tpvReport(base);
  t.same(Object.keys(r), ['class', 'status', 'mode', 'time', 'lat', 'lon', 'altHAE', 'altMSL', 'track', 'magvar', 'speed', 'geoidSep']);
  t.equal(r.time, '2007-12-23T19:32:21.000Z');
  t.equal(r.lat, 20.628798667, '9 decimals, as gpsd');
  t.equal(r.lon, -87.068079667);
  t.equal(r.speed, 0.051);
  t.notOk('climb' in r, 'unknown climb is omitted, not null or 0');
  t.notOk('eph' in r);
  t.notOk('leapseconds' in r);
  t.equal(JSON.stringify(r).includes('null'), false);
});

t.test('status 0/1 are not printed (gpsd_json(5)); device and errors when known', async (t) => {
  const r = tpvReport({ ...base, status: 1, eph: 4.1879, epv: 4, leapSeconds: 18, climb: 0.25 }, '/dev/ttyAMA0');
  t.notOk('status' in r);
  t.equal(r.device, '/dev/ttyAMA0');
  t.equal(r.eph, 4.188);
  t.equal(r.epv, 4);
  t.equal(r.leapseconds, 18);
  t.equal(r.climb, 0.25);
  t.notOk('climb' in tpvReport({ ...base, mode: 2, climb: 0.25 }), 'climb only with a 3D fix');
});

t.test('no fix: mode and time only', async (t) => {
  t.same(tpvReport({ ...base, mode: 1, status: null }), { class: 'TPV', mode: 1, time: '2007-12-23T19:32:21.000Z' });
  t.same(tpvReport({ ...base, mode: 0, status: null, time: null }), { class: 'TPV', mode: 0 });
});

t.test('a leap second prints as :60', async (t) => {
  t.equal(tpvReport({ ...base, time: { year: 2016, month: 12, day: 31, hour: 23, minute: 59, second: 60, millis: 500 } }).time, '2016-12-31T23:59:60.500Z');
});

t.test('SKY with gpsd satellite numbering', async (t) => {
  const sky: Sky = {
    time: base.time,
    nSat: 3,
    uSat: 1,
    hdop: 1.7,
    pdop: 3.4,
    vdop: null,
    satellites: [
      { PRN: 28, gnssid: 0, svid: 28, sigid: null, el: 14, az: 150, ss: 41, used: true },
      { PRN: 33, gnssid: 1, svid: 120, sigid: null, el: 8, az: 96, ss: null, used: false },
      { PRN: 300, gnssid: null, svid: null, sigid: null, el: null, az: null, ss: 20, used: false },
    ],
  };
  const r = skyReport(sky);
  t.same(r, {
    class: 'SKY',
    time: '2007-12-23T19:32:21.000Z',
    hdop: 1.7,
    pdop: 3.4,
    nSat: 3,
    uSat: 1,
    satellites: [
      { PRN: 28, gnssid: 0, svid: 28, az: 150, el: 14, ss: 41, used: true },
      { PRN: 33, gnssid: 1, svid: 120, az: 96, el: 8, used: false },
      { PRN: 300, ss: 20, used: false },
    ],
  });
  t.same(skyReport({ ...sky, satellites: [{ ...sky.satellites[0]!, sigid: 0 }] }).satellites![0], { PRN: 28, gnssid: 0, svid: 28, sigid: 0, az: 150, el: 14, ss: 41, used: true }, 'a known sigid 0 is printed');
});
