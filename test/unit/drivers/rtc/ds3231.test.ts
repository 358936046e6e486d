import t from 'tap';
import { ManualClock } from '../../../../src/drivers/clock.js';
import { fromBcd, toBcd, decodeHours, encodeHours } from '../../../../src/drivers/rtc/bcd.js';
import { Ds3231, decodeTemperature } from '../../../../src/drivers/rtc/ds3231.js';
import { Ds3231RegisterModel } from '../../../../src/drivers/rtc/models/ds3231-register-model.js';

t.test('BCD round trips 0-99 and rejects non-decimal nibbles', async (t) => {
  for (let v = 0; v < 100; v++) t.equal(fromBcd(toBcd(v)), v);
  t.equal(toBcd(59), 0x59);
  t.throws(() => fromBcd(0x5a));
  t.throws(() => toBcd(100));
  for (let h = 0; h < 24; h++) t.equal(decodeHours(encodeHours(h, true), true), h, `12 h round trip ${h}`);
  t.equal(encodeHours(0, true), 0x12, 'midnight is 12 AM');
  t.equal(encodeHours(12, true), 0x32, 'noon is 12 PM');
});

t.test('set and read back time over a day; the chip counts with the clock', async (t) => {
  const clock = new ManualClock(Date.UTC(2025, 2, 1, 12, 0, 0, 400));
  const model = new Ds3231RegisterModel({ clock, timeMs: Date.UTC(2020, 0, 1) });
  const rtc = new Ds3231(model);
  await rtc.setTime(Date.UTC(2025, 2, 1, 12, 0, 0));
  t.equal(model.peek(0x00), 0x00);
  t.equal(model.peek(0x05), 0x03, 'month 03, century bit clear');
  t.equal(model.peek(0x06), 0x25);
  clock.advance(86_400_000 + 999);
  const r = await rtc.read();
  t.equal(r.timeMs, Date.UTC(2025, 2, 2, 12, 0, 0));
  t.equal(r.oscillatorStopped, false);
  t.equal(r.batteryLow, null);
  t.equal(model.peek(0x03), ((new Date(Date.UTC(2025, 2, 1)).getUTCDay() + 1) % 7) + 1, 'day register advanced at midnight');
});

t.test('century bit toggles when 2099 rolls into 2100, and the driver reads 2100', async (t) => {
  const clock = new ManualClock();
  const model = new Ds3231RegisterModel({ clock, timeMs: Date.UTC(2099, 11, 31, 23, 59, 58) });
  const rtc = new Ds3231(model);
  t.equal(model.peek(0x05) & 0x80, 0);
  clock.advance(3000);
  t.equal(model.peek(0x06), 0x00, 'year register 00');
  t.equal(model.peek(0x05), 0x81, 'January with the century bit');
  t.equal((await rtc.read()).timeMs, Date.UTC(2100, 0, 1, 0, 0, 1));
  await rtc.setTime(Date.UTC(2150, 5, 1));
  t.equal(model.peek(0x05), 0x86);
  t.equal((await rtc.read()).timeMs, Date.UTC(2150, 5, 1));
});

t.test('12 h mode registers are read correctly, and the chip keeps counting in 12 h mode', async (t) => {
  const clock = new ManualClock();
  const model = new Ds3231RegisterModel({ clock, timeMs: Date.UTC(2024, 6, 4, 0, 0, 0) });
  const rtc = new Ds3231(model);
  model.poke(0x02, 0x40 | 0x20 | 0x11); // 12 h, PM, 11 → 23:00
  model.poke(0x01, 0x59);
  model.poke(0x00, 0x59);
  let r = await rtc.read();
  t.equal(r.twelveHourMode, true);
  t.equal(r.timeMs, Date.UTC(2024, 6, 4, 23, 59, 59));
  clock.advance(1000);
  t.equal(model.peek(0x02), 0x40 | 0x12, '12 AM after 11:59:59 PM');
  r = await rtc.read();
  t.equal(r.timeMs, Date.UTC(2024, 6, 5, 0, 0, 0));
  model.poke(0x02, 0x40 | 0x12); // 12 AM
  t.equal((await rtc.read()).timeMs, Date.UTC(2024, 6, 5, 0, 0, 0));
  await rtc.setTime(Date.UTC(2024, 6, 5, 15, 0, 0));
  t.equal(model.peek(0x02), 0x15, 'setTime writes 24 h mode');
});

t.test('OSF after power loss without a battery; setTime clears it', async (t) => {
  const clock = new ManualClock();
  const model = new Ds3231RegisterModel({ clock, timeMs: Date.UTC(2024, 0, 1) });
  const rtc = new Ds3231(model);
  model.powerDown({ battery: true });
  clock.advance(3600_000);
  model.powerUp();
  let r = await rtc.read();
  t.equal(r.oscillatorStopped, false, 'battery kept it running');
  t.equal(r.timeMs, Date.UTC(2024, 0, 1, 1));
  model.powerDown({ battery: false });
  clock.advance(3600_000);
  model.powerUp();
  r = await rtc.read();
  t.equal(r.oscillatorStopped, true);
  t.equal(r.timeMs, null, 'no time from a stopped oscillator');
  t.equal(model.peek(0x0f) & 0x80, 0x80);
  await model.writeByte(0x68, 0x0f, 0xff);
  t.equal(model.peek(0x0f) & 0x80, 0x80, 'writing 1 does not clear OSF');
  await rtc.setTime(Date.UTC(2024, 0, 1, 2));
  r = await rtc.read();
  t.equal(r.oscillatorStopped, false);
  t.equal(r.timeMs, Date.UTC(2024, 0, 1, 2));
});

t.test('temperature decode, including negative values, through the model', async (t) => {
  t.equal(decodeTemperature(0x19, 0x80), 25.5);
  t.equal(decodeTemperature(0xff, 0xc0), -0.25);
  t.equal(decodeTemperature(0xe7, 0x40), -24.75);
  const clock = new ManualClock();
  const model = new Ds3231RegisterModel({ clock, timeMs: Date.UTC(2024, 0, 1), temperatureC: -12.25 });
  const rtc = new Ds3231(model);
  t.equal((await rtc.read()).temperatureC, -12.25);
  model.setTemperature(41.75);
  t.equal(await rtc.readTemperature(), 41.75);
  await model.writeI2cBlock(0x68, 0x11, Uint8Array.of(0, 0));
  t.equal(await rtc.readTemperature(), 41.75, 'temperature registers are read-only');
});

t.test('aging offset: two\'s complement, bounded, and it changes the rate', async (t) => {
  const clock = new ManualClock(Date.UTC(2024, 0, 1));
  const model = new Ds3231RegisterModel({ clock, timeMs: Date.UTC(2024, 0, 1), driftPpm: 2 });
  const rtc = new Ds3231(model);
  await rtc.writeAgingOffset(-5);
  t.equal(model.peek(0x10), 0xfb);
  t.equal(await rtc.readAgingOffset(), -5);
  await t.rejects(rtc.writeAgingOffset(128));
  await rtc.setTime(Date.UTC(2024, 0, 1));
  await rtc.writeAgingOffset(20); // -2 ppm: cancels the +2 ppm crystal
  clock.advance(10 * 86_400_000);
  t.equal((await rtc.read()).timeMs, Date.UTC(2024, 0, 11), 'no drift after ten days');
  await rtc.writeAgingOffset(0);
  await rtc.setTime(clock.now());
  clock.advance(10 * 86_400_000);
  t.equal((await rtc.read()).timeMs! - clock.now(), 1000, '+2 ppm over 10 days is 1.7 s: one whole second ahead');
});

t.test('a NAK surfaces as an error', async (t) => {
  const model = new Ds3231RegisterModel({ clock: new ManualClock() });
  const rtc = new Ds3231(model, 0x57);
  await t.rejects(rtc.read(), /no chip answers at 0x57/);
});
