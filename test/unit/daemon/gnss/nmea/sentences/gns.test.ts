import t from 'tap';
import { decoded, malformedReason } from '../decode-line.js';

t.test('GNS with per-constellation modes and 4.10 navigational status', async (t) => {
  const s = decoded('GNGNS,224749.00,3333.4268304,N,11153.3538273,W,DDN,19,0.6,406.110,-26.294,6.0,0138,S', 'GNS');
  t.same(s.time, { hour: 22, minute: 47, second: 49, millis: 0 });
  t.equal(s.modes, 'DDN');
  t.equal(s.satsUsed, 19);
  t.equal(s.hdop, 0.6);
  t.equal(s.altMSL, 406.11);
  t.equal(s.geoidSep, -26.294);
  t.equal(s.dgpsAge, 6);
  t.equal(s.dgpsStation, 138);
  t.equal(s.navStatus, 'S');
});

t.test('no fix', async (t) => {
  const s = decoded('GNGNS,000000.00,,,,,NNN,00,,,,,,V', 'GNS');
  t.equal(s.position, null);
  t.equal(s.modes, 'NNN');
  t.equal(s.satsUsed, 0, 'a zero the receiver sent is a zero');
  t.equal(s.altMSL, null);
});

t.test('a mode field that is not letters is malformed', async (t) => {
  t.equal(malformedReason('GNGNS,224749.00,3333.42,N,11153.35,W,1A,19,0.6,406.1,-26.2,,,'), 'bad time, position or mode');
});
