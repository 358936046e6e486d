import t from 'tap';
import { decoded, malformedReason, outcome } from '../decode-line.js';

t.test('a full NMEA 4.10 RMC', async (t) => {
  const s = decoded('GNRMC,225446.33,A,4916.45,N,12311.12,W,000.5,054.7,191194,020.3,E,A,V', 'RMC');
  t.equal(s.talker, 'GN');
  t.same(s.time, { hour: 22, minute: 54, second: 46, millis: 330 });
  t.equal(s.status, 'A');
  t.ok(Math.abs(s.position!.lat - (49 + 16.45 / 60)) < 1e-12);
  t.ok(Math.abs(s.position!.lon + (123 + 11.12 / 60)) < 1e-12, 'west is negative');
  t.equal(s.position!.digits, 2);
  t.equal(s.speedKnots, 0.5);
  t.equal(s.trackTrue, 54.7);
  t.same(s.date, { day: 19, month: 11, yy: 94 });
  t.equal(s.magvar, 20.3, 'east variation is positive');
  t.equal(s.faaMode, 'A');
  t.equal(s.navStatus, 'V');
});

t.test('empty fields are null, never 0', async (t) => {
  const s = decoded('GPRMC,235947.000,V,,,,,,,,,,N', 'RMC');
  t.equal(s.status, 'V');
  t.equal(s.position, null);
  t.equal(s.speedKnots, null);
  t.equal(s.trackTrue, null);
  t.equal(s.date, null);
  t.equal(s.magvar, null);
  t.equal(s.faaMode, 'N');
  t.equal(s.navStatus, null);
});

t.test('pre-2.3 RMC without mode indicator, west variation', async (t) => {
  const s = decoded('GPRMC,171244.00,A,5209.7838,N,02048.4818,E,0.6,71.0,080405,3.5,W', 'RMC');
  t.equal(s.magvar, -3.5);
  t.equal(s.faaMode, null);
  t.same(s.date, { day: 8, month: 4, yy: 5 });
});

t.test('fractional seconds are kept to the millisecond, never rounded up', async (t) => {
  t.equal(decoded('GPRMC,120000.7,A,,,,,,,010120,,', 'RMC').time!.millis, 700);
  t.equal(decoded('GPRMC,120000.70,A,,,,,,,010120,,', 'RMC').time!.millis, 700);
  t.equal(decoded('GPRMC,120000.123,A,,,,,,,010120,,', 'RMC').time!.millis, 123);
  t.same(decoded('GPRMC,120059.9999,A,,,,,,,010120,,', 'RMC').time, { hour: 12, minute: 0, second: 59, millis: 999 });
});

t.test('a corrupt essential field makes the sentence malformed', async (t) => {
  t.equal(malformedReason('GPRMC,12x000,A,4916.45,N,12311.12,W,,,191194,,'), 'bad time or status');
  t.equal(malformedReason('GPRMC,120000,X,4916.45,N,12311.12,W,,,191194,,'), 'bad time or status');
  t.equal(malformedReason('GPRMC,120000,A,4916.45,Q,12311.12,W,,,191194,,'), 'bad position');
  t.equal(malformedReason('GPRMC,120000,A,4960.45,N,12311.12,W,,,191194,,'), 'bad position', 'minutes >= 60');
  t.equal(malformedReason('GPRMC,120000,A'), 'too few fields');
});

t.test('status V keeps the warning even when the position is filler', async (t) => {
  const o = outcome('GPRMC,071733.929,V,8960.0000,N,00000.0000,E,0.00,0.00,111111,,,N');
  t.equal(o.kind, 'sentence');
  if (o.kind === 'sentence' && o.sentence.type === 'RMC') {
    t.equal(o.sentence.status, 'V');
    t.equal(o.sentence.position, null);
    t.equal(o.tolerated, 1, 'the filler latitude is counted');
  }
});

t.test('an unparseable optional field reads as null and is counted', async (t) => {
  const o = outcome('GPRMC,120000,A,4916.45,N,12311.12,W,fast,054.7,191194,,');
  t.equal(o.kind, 'sentence');
  if (o.kind === 'sentence' && o.sentence.type === 'RMC') {
    t.equal(o.sentence.speedKnots, null);
    t.equal(o.sentence.trackTrue, 54.7);
    t.equal(o.tolerated, 1);
  }
});
