import t from 'tap';
import { identifySatellite } from '../../../../../src/daemon/gnss/nmea/satellite-ids.js';
import { mapSignalId } from '../../../../../src/daemon/gnss/nmea/signal-ids.js';

const id = (talker: string, n: number, sys: number | null = null) => identifySatellite(talker, n, sys);

t.test('legacy ranges under GP/GN (gpsd numbering)', async (t) => {
  t.same(id('GP', 7), { PRN: 7, gnssid: 0, svid: 7 });
  t.same(id('GP', 33), { PRN: 33, gnssid: 1, svid: 120 }, 'SBAS 33-64 is PRN 120-151');
  t.same(id('GN', 64), { PRN: 64, gnssid: 1, svid: 151 });
  t.same(id('GN', 65), { PRN: 65, gnssid: 6, svid: 1 }, 'GLONASS 65-96');
  t.same(id('GN', 96), { PRN: 96, gnssid: 6, svid: 32 });
  t.same(id('GP', 138), { PRN: 138, gnssid: 1, svid: 138 });
  t.same(id('GP', 193), { PRN: 193, gnssid: 5, svid: 1 }, 'QZSS');
  t.same(id('GN', 209), { PRN: 409, gnssid: 3, svid: 9 }, 'SiRF BeiDou 201+');
  t.same(id('GN', 305), { PRN: 305, gnssid: 2, svid: 5 });
  t.same(id('GN', 412), { PRN: 412, gnssid: 3, svid: 12 });
  t.equal(id('GP', 0), null);
  t.equal(id('GP', 110), null, 'a gap in every scheme');
  t.equal(id('GP', 99999), null);
});

t.test('constellation talkers', async (t) => {
  t.same(id('GL', 82), { PRN: 82, gnssid: 6, svid: 18 }, 'GLONASS legacy number under GL');
  t.same(id('GL', 18), { PRN: 82, gnssid: 6, svid: 18 }, 'GLONASS 1-32 under GL');
  t.same(id('GA', 4), { PRN: 304, gnssid: 2, svid: 4 });
  t.same(id('GB', 21), { PRN: 421, gnssid: 3, svid: 21 });
  t.same(id('BD', 214), { PRN: 414, gnssid: 3, svid: 14 });
  t.same(id('GQ', 2), { PRN: 194, gnssid: 5, svid: 2 });
  t.same(id('QZ', 195), { PRN: 195, gnssid: 5, svid: 3 });
  t.same(id('GI', 3), { PRN: 503, gnssid: 7, svid: 3 });
  t.same(id('PQ', 12), { PRN: 412, gnssid: 3, svid: 12 }, 'Quectel $PQ without system id is BeiDou');
});

t.test('NMEA 4.10 system id overrides the GN talker', async (t) => {
  t.same(id('GN', 13, 1), { PRN: 13, gnssid: 0, svid: 13 });
  t.same(id('GN', 82, 2), { PRN: 82, gnssid: 6, svid: 18 });
  t.same(id('GN', 7, 3), { PRN: 307, gnssid: 2, svid: 7 });
  t.same(id('GN', 13, 4), { PRN: 413, gnssid: 3, svid: 13 });
  t.same(id('GN', 2, 5), { PRN: 194, gnssid: 5, svid: 2 });
  t.same(id('GN', 48, 1), { PRN: 48, gnssid: 1, svid: 135 }, 'SBAS reported under the GPS system id');
  t.same(id('PQ', 3, 5), { PRN: 195, gnssid: 5, svid: 3 });
});

t.test('signal ids map to gpsd/u-blox sigids, unknown ones to null', async (t) => {
  t.equal(mapSignalId(0, 1), 0, 'GPS L1 C/A');
  t.equal(mapSignalId(0, 6), 3, 'GPS L2 CL');
  t.equal(mapSignalId(0, 7), 6, 'GPS L5 I');
  t.equal(mapSignalId(2, 7), 0, 'Galileo E1');
  t.equal(mapSignalId(2, 2), 5, 'Galileo E5b');
  t.equal(mapSignalId(3, 11), 2, 'BeiDou B2I');
  t.equal(mapSignalId(6, 3), 2, 'GLONASS L2 OF');
  t.equal(mapSignalId(0, 2), null, 'GPS L1 P(Y) has no u-blox id');
  t.equal(mapSignalId(0, 0), null, '0 = all signals');
  t.equal(mapSignalId(null, 1), null);
  t.equal(mapSignalId(0, null), null);
});
