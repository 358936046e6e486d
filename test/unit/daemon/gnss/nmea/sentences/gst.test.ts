import t from 'tap';
import { decoded, malformedReason } from '../decode-line.js';

t.test('GST error statistics', async (t) => {
  const s = decoded('GPGST,172814.0,0.006,0.023,0.020,273.6,0.023,0.020,0.031', 'GST');
  t.same(s.time, { hour: 17, minute: 28, second: 14, millis: 0 });
  t.equal(s.rms, 0.006);
  t.equal(s.major, 0.023);
  t.equal(s.minor, 0.02);
  t.equal(s.orient, 273.6);
  t.equal(s.latErr, 0.023);
  t.equal(s.lonErr, 0.02);
  t.equal(s.altErr, 0.031);
});

t.test('empty statistics are null', async (t) => {
  const s = decoded('GNGST,000000.00,,,,,,,', 'GST');
  t.equal(s.rms, null);
  t.equal(s.altErr, null);
  t.equal(malformedReason('GNGST,000000.00,1,2'), 'too few fields');
});
