import t from 'tap';
import { decoded } from '../decode-line.js';

t.test('GBS with NMEA 4.10 system and signal ids', async (t) => {
  const s = decoded('GNGBS,082941.00,2.4,1.5,3.9,25,,-43.7,27.5,1,1', 'GBS');
  t.equal(s.latErr, 2.4);
  t.equal(s.lonErr, 1.5);
  t.equal(s.altErr, 3.9);
  t.equal(s.failedSatId, 25);
  t.equal(s.systemId, 1);
  t.equal(s.signalId, 1);
});

t.test('pre-4.10 GBS', async (t) => {
  const s = decoded('GPGBS,082941.00,2.4,1.5,3.9,,,,', 'GBS');
  t.equal(s.failedSatId, null);
  t.equal(s.systemId, null);
  t.equal(s.signalId, null);
});
