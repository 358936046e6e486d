import t from 'tap';
import { decoded, malformedReason } from '../decode-line.js';

t.test('VTG 2.3 layout', async (t) => {
  const s = decoded('GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A', 'VTG');
  t.equal(s.trackTrue, 54.7);
  t.equal(s.trackMagnetic, 34.4);
  t.equal(s.speedKnots, 5.5);
  t.equal(s.speedKmh, 10.2);
  t.equal(s.faaMode, 'A');
});

t.test('old VTG without unit letters', async (t) => {
  const s = decoded('GPVTG,054.7,034.4,005.5,010.2', 'VTG');
  t.equal(s.trackTrue, 54.7);
  t.equal(s.trackMagnetic, 34.4);
  t.equal(s.speedKnots, 5.5);
  t.equal(s.speedKmh, 10.2);
  t.equal(s.faaMode, null);
});

t.test('empty course while stationary', async (t) => {
  const s = decoded('GNVTG,,T,,M,0.013,N,0.024,K,A', 'VTG');
  t.equal(s.trackTrue, null);
  t.equal(s.speedKnots, 0.013);
  t.equal(malformedReason('GPVTG,054.7,T,034.4'), 'too few fields');
});
