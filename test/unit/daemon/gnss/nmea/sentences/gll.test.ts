import t from 'tap';
import { decoded, malformedReason } from '../decode-line.js';

t.test('GLL 3.0 layout with FAA mode', async (t) => {
  const s = decoded('GPGLL,4916.45,N,12311.12,W,225444.00,A,A', 'GLL');
  t.same(s.time, { hour: 22, minute: 54, second: 44, millis: 0 });
  t.equal(s.status, 'A');
  t.equal(s.faaMode, 'A');
  t.ok(Math.abs(s.position!.lon + (123 + 11.12 / 60)) < 1e-12);
});

t.test('SiRF GLL without mode indicator; Garmin 65 without time or status', async (t) => {
  const sirf = decoded('GPGLL,5029.3812,N,10441.0386,W,021625.949,A', 'GLL');
  t.equal(sirf.faaMode, null);
  t.equal(sirf.time!.millis, 949);
  const old = decoded('GPGLL,4916.45,N,12311.12,W', 'GLL');
  t.equal(old.time, null);
  t.equal(old.status, null);
  t.not(old.position, null);
});

t.test('invalid GLL', async (t) => {
  const s = decoded('GPGLL,,,,,225444.00,V,N', 'GLL');
  t.equal(s.position, null);
  t.equal(s.status, 'V');
  t.equal(malformedReason('GPGLL,4916.45,N,12311.12,W,225444.00,B,A'), 'bad time or status');
});
