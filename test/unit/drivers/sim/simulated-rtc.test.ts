import t from 'tap';
import { ManualClock } from '../../../../src/drivers/clock.js';
import { SimulatedRtc } from '../../../../src/drivers/sim/simulated-rtc.js';

const T0 = Date.UTC(2024, 5, 1, 8, 0, 0);

t.test('offset and drift against the clock', async (t) => {
  const clock = new ManualClock(T0);
  const rtc = new SimulatedRtc({ clock, offsetMs: 5_000, driftPpm: 20, resolutionMs: 1 });
  t.equal((await rtc.read()).timeMs, T0 + 5_000);
  clock.advance(50_000_000); // ~13.9 h: 20 ppm gains 1 s
  t.equal((await rtc.read()).timeMs! - clock.now(), 6_000);
  rtc.setDriftPpm(-20);
  clock.advance(50_000_000);
  t.equal((await rtc.read()).timeMs! - clock.now(), 5_000, 'a new drift applies from the change on');
});

t.test('whole-second chip: setTime truncates, and the seconds tick from the moment it was set', async (t) => {
  const clock = new ManualClock(T0 + 400);
  const rtc = new SimulatedRtc({ clock });
  await rtc.setTime(T0 + 10_750);
  t.equal((await rtc.read()).timeMs, T0 + 10_000);
  clock.advance(999);
  t.equal((await rtc.read()).timeMs, T0 + 10_000);
  clock.advance(1);
  t.equal((await rtc.read()).timeMs, T0 + 11_000);
});

t.test('the RTC ignores steps of the host wall clock', async (t) => {
  const clock = new ManualClock(T0);
  const rtc = new SimulatedRtc({ clock, resolutionMs: 1 });
  clock.advance(1_000);
  clock.jumpWall(-86_400_000);
  t.equal((await rtc.read()).timeMs, T0 + 1_000);
});

t.test('oscillator stop: time freezes, the flag stays set until setTime', async (t) => {
  const clock = new ManualClock(T0);
  const rtc = new SimulatedRtc({ clock });
  clock.advance(3_500);
  rtc.stopOscillator();
  clock.advance(60_000);
  t.same(await rtc.read(), { timeMs: T0 + 3_000, oscillatorStopped: true, batteryLow: false, temperatureC: 25 });
  rtc.startOscillator();
  clock.advance(2_000);
  const r = await rtc.read();
  t.equal(r.timeMs, T0 + 5_000, 'counts on from where it stopped');
  t.equal(r.oscillatorStopped, true);
  await rtc.setTime(clock.now());
  t.equal((await rtc.read()).oscillatorStopped, false);
  t.equal((await rtc.read()).timeMs, Math.floor(clock.now() / 1000) * 1000);
});

t.test('temperature, battery and bus errors', async (t) => {
  const clock = new ManualClock(T0);
  const rtc = new SimulatedRtc({ clock, temperatureC: null, batteryLow: null, oscillatorStopped: true });
  t.same(await rtc.read(), { timeMs: T0, oscillatorStopped: true, batteryLow: null, temperatureC: null });
  rtc.setTemperature(31.25);
  rtc.setBatteryLow(true);
  t.match(await rtc.read(), { temperatureC: 31.25, batteryLow: true });
  rtc.failWith(new Error('i2c: remote I/O error'));
  await t.rejects(rtc.read(), { message: 'i2c: remote I/O error' });
  await t.rejects(rtc.setTime(T0), { message: 'i2c: remote I/O error' });
  rtc.failWith(null);
  t.equal(rtc.model, 'simulated');
  t.equal((await rtc.read()).timeMs, T0);
});
