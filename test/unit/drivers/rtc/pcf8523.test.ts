import t from 'tap';
import { ManualClock } from '../../../../src/drivers/clock.js';
import { Pcf8523RegisterModel } from '../../../../src/drivers/rtc/models/pcf8523-register-model.js';
import { Pcf8523 } from '../../../../src/drivers/rtc/pcf8523.js';

t.test('a fresh chip reports OS and no battery detection; setTime fixes both', async (t) => {
  const clock = new ManualClock();
  const model = new Pcf8523RegisterModel({ clock, powerOnReset: true });
  const rtc = new Pcf8523(model);
  let r = await rtc.read();
  t.equal(r.oscillatorStopped, true);
  t.equal(r.timeMs, null);
  t.equal(r.powerMode, 7, 'reset PM = 111');
  t.equal(r.batteryLow, null, 'battery-low detection is off at reset');
  await rtc.setTime(Date.UTC(2025, 3, 30, 22, 15, 7));
  t.equal(model.peek(0x03), 0x07, 'seconds BCD, OS clear');
  t.equal(model.peek(0x09), 0x25);
  r = await rtc.read();
  t.equal(r.oscillatorStopped, false);
  t.equal(r.timeMs, Date.UTC(2025, 3, 30, 22, 15, 7));
  t.equal(r.powerMode, 0, 'switch-over and detection enabled');
  t.equal(r.batteryLow, false);
});

t.test('power loss: with switch-over the time survives; with the reset PM or no cell, OS is set', async (t) => {
  const clock = new ManualClock();
  const model = new Pcf8523RegisterModel({ clock, powerOnReset: true });
  const rtc = new Pcf8523(model);
  // Someone else set the time without enabling switch-over (PM stays 111).
  await model.writeI2cBlock(0x68, 0x03, Uint8Array.of(0x00, 0x00, 0x12, 0x01, 0x01, 0x01, 0x25));
  t.equal((await rtc.read()).timeMs, Date.UTC(2025, 0, 1, 12));
  model.powerDown({ battery: true });
  clock.advance(60_000);
  model.powerUp();
  t.equal((await rtc.read()).oscillatorStopped, true, 'no switch-over: the cell was never used');
  await rtc.setTime(Date.UTC(2025, 0, 1, 12));
  model.powerDown({ battery: true });
  clock.advance(60_000);
  model.powerUp();
  let r = await rtc.read();
  t.equal(r.oscillatorStopped, false);
  t.equal(r.timeMs, Date.UTC(2025, 0, 1, 12, 1));
  t.equal(model.peek(0x02) & 0x08, 0x08, 'BSF: switched over');
  model.powerDown({ battery: false });
  model.powerUp();
  r = await rtc.read();
  t.equal(r.oscillatorStopped, true);
  t.equal(r.timeMs, null);
});

t.test('battery low is reported only while detection is enabled', async (t) => {
  const clock = new ManualClock();
  const model = new Pcf8523RegisterModel({ clock, timeMs: Date.UTC(2025, 0, 1) });
  const rtc = new Pcf8523(model);
  model.setBatteryLow(true);
  t.equal((await rtc.read()).batteryLow, true);
  await model.writeByte(0x68, 0x02, 0x00);
  t.equal((await rtc.read()).batteryLow, true, 'BLF is read-only');
  await model.writeByte(0x68, 0x02, 0x80); // PM[2]: detection off
  t.equal((await rtc.read()).batteryLow, null);
  model.setBatteryLow(false);
  await model.writeByte(0x68, 0x02, 0x00);
  t.equal((await rtc.read()).batteryLow, false);
});

t.test('12 h mode, STOP, year wrap without a century bit', async (t) => {
  const clock = new ManualClock();
  const model = new Pcf8523RegisterModel({ clock, timeMs: Date.UTC(2099, 11, 31, 23, 59, 59) });
  const rtc = new Pcf8523(model);
  clock.advance(1000);
  t.equal(model.peek(0x09), 0x00);
  t.equal((await rtc.read()).timeMs, Date.UTC(2000, 0, 1), 'no century: 2100 reads as 2000');
  await rtc.setTime(Date.UTC(2024, 1, 29, 13, 30, 0));
  await model.writeByte(0x68, 0x00, 0x08); // 12 h mode
  await model.writeByte(0x68, 0x05, 0x21); // 1 PM
  let r = await rtc.read();
  t.equal(r.twelveHourMode, true);
  t.equal(r.timeMs, Date.UTC(2024, 1, 29, 13, 30, 0));
  await model.writeByte(0x68, 0x00, 0x28); // STOP
  clock.advance(5000);
  r = await rtc.read();
  t.equal(r.oscillatorStopped, true, 'STOP reads as stopped');
  await model.writeByte(0x68, 0x00, 0x08);
  clock.advance(2000);
  t.equal((await rtc.read()).timeMs, Date.UTC(2024, 1, 29, 13, 30, 2), 'frozen while stopped');
});

t.test('offset register: two\'s complement, mode, and its rate effect', async (t) => {
  const clock = new ManualClock();
  const model = new Pcf8523RegisterModel({ clock, timeMs: Date.UTC(2025, 0, 1), driftPpm: -8.68 });
  const rtc = new Pcf8523(model);
  await rtc.writeOffset(-3, 1);
  t.equal(model.peek(0x0e), 0x80 | 0x7d);
  t.same(await rtc.readOffset(), { value: -3, mode: 1, ppm: -3 * 4.069 });
  await t.rejects(rtc.writeOffset(64, 0));
  await rtc.trim.write(2); // +8.68 ppm cancels the slow crystal
  await rtc.setTime(clock.now());
  clock.advance(30 * 86_400_000);
  t.equal((await rtc.read()).timeMs, clock.now());
});
