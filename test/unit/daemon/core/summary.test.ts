import t from 'tap';
import { ApplianceStore, initialState } from '../../../../src/daemon/core/appliance-state.js';
import { summaryLine } from '../../../../src/daemon/core/summary.js';
import type { Fix } from '../../../../src/daemon/core/fix.js';

const base = () =>
  new ApplianceStore(
    initialState({ version: 't', pid: 1, startedAt: 0, mode: 'simulate', configSource: 'x', gnssDevice: 'sim', timeValidAfter: 3, ppsSource: 'sim-pps', rtcModel: 'simulated' }),
  );

const fix: Fix = {
  time: { year: 2026, month: 11, day: 22, hour: 1, minute: 2, second: 3, millis: 0 },
  mode: 3, status: 1, leapSeconds: null, lat: 1, lon: 2, altHAE: null, altMSL: 3, geoidSep: null, speed: null,
  track: null, magvar: null, climb: null, eph: null, epv: null, receivedAt: 0, sentences: ['RMC'],
};

t.test('says what is missing before the receiver is open', async (t) => {
  const s = base();
  s.update('gnss', { link: 'connecting', lastError: 'No such file /dev/ttyUSB0' });
  t.match(summaryLine(s.snapshot), /^no GNSS receiver at sim \(No such file \/dev\/ttyUSB0\); PPS connecting; RTC unreadable$/);
  s.update('gnss', { link: 'connecting', lastError: null });
  t.match(summaryLine(s.snapshot), /^GNSS sim connecting; /, 'before the first attempt: no claim that it is missing');
  s.update('gnss', { link: 'down', lastError: 'EIO' });
  t.match(summaryLine(s.snapshot), /^GNSS receiver sim went away \(EIO\); /);
});

t.test('counts good epochs until the time is trusted', async (t) => {
  const s = base();
  s.update('gnss', { link: 'open', fix, trust: { timeValid: false, validStreak: 2, needed: 3 } });
  s.update('gnss', { sky: { time: null, nSat: 12, uSat: 8, hdop: 1, pdop: null, vdop: null, satellites: [] } });
  s.update('pps', { link: 'open', pulses: 10, missed: 1 });
  s.update('rtc', { readable: true, oscillatorStopped: false, offsetMs: -12.4 });
  t.equal(summaryLine(s.snapshot), 'GNSS 3D fix, 8/12 sats, time not valid yet (2/3 good epochs); PPS 10 pulses, 1 missed; RTC ok (-12 ms vs system)');
  s.update('gnss', { trust: { timeValid: true, validStreak: 3, needed: 3 } });
  t.match(summaryLine(s.snapshot), /^GNSS 3D fix, 8\/12 sats, time valid;/);
});

t.test('an RTC whose oscillator stopped is reported as invalid', async (t) => {
  const s = base();
  s.update('rtc', { readable: true, oscillatorStopped: true });
  t.match(summaryLine(s.snapshot), /RTC time invalid \(oscillator stopped\)/);
});

t.test('snapshots are immutable and listeners see old and new', async (t) => {
  const s = base();
  const before = s.snapshot;
  const seen: Array<[string, string]> = [];
  const off = s.subscribe((next, prev) => seen.push([prev.gnss.link, next.gnss.link]));
  s.subscribe(() => {
    throw new Error('a broken listener');
  });
  s.update('gnss', { link: 'open' });
  t.equal(before.gnss.link, 'connecting', 'the old snapshot is untouched');
  t.throws(() => {
    (s.snapshot.gnss as { link: string }).link = 'down';
  });
  off();
  s.update('gnss', { link: 'down' });
  t.same(seen, [['connecting', 'open']]);
});

t.test('holdover and an unhealthy PPS lead the line', async (t) => {
  const s = base();
  s.update('gnss', { link: 'open', fix, trust: { timeValid: true, validStreak: 3, needed: 3 } });
  s.update('pps', { link: 'open', pulses: 5, missed: 0, health: { condition: 'wrong-rate' } as never });
  s.update('holdover', { state: 'holdover', since: 0, estimatedErrorS: 0.0002, budgetS: 0.001, overBudget: false, skewPpm: null, wanderPpmPerHour: null });
  t.match(summaryLine(s.snapshot), /^HOLDOVER \(est\. error 0\.200 ms\); GNSS 3D fix, time valid; PPS 5 pulses \(wrong-rate\);/);
});
