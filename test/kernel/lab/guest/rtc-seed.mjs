// Puts values into the RTCs the daemons will read, so that what they report can only have come
// from the chip: the DS3231 register chip on i2c-stub gets a time 200 s ahead of the clock,
// aging offset -5 and 25.25 °C (i2c-stub keeps whatever is written and never ticks); rtc-test
// rtc1 is set 200 s ahead too (it ticks from there). 200 s: far enough off that the daemon must
// rewrite them, close enough that the GNSS label still agrees with them (gnss.maxRtcDisagreementS,
// 300 s by default: an RTC years off would rightly keep GNSS time untrusted). Writes rtc-seed.json.
import { dist, record } from './common.mjs';

const { I2cDevBus } = await dist('drivers/native/i2c-dev-bus.js');
const { Ds3231 } = await dist('drivers/rtc/ds3231.js');
const { rtcIoctlWriter } = await dist('drivers/native/rtc-ioctl.js');

const AHEAD_MS = 200_000;

await record('rtc-seed', async () => {
  const bus = new I2cDevBus('/dev/i2c-0');
  const ds = new Ds3231(bus);
  const dsTime = Math.floor(Date.now() / 1000) * 1000 + AHEAD_MS;
  await ds.setTime(dsTime);
  await ds.writeAgingOffset(-5);
  // Temperature registers 0x11 (°C, two's complement) and 0x12 (bits 7:6, quarter degrees).
  await bus.writeByte(0x68, 0x11, 0x19);
  await bus.writeByte(0x68, 0x12, 0x40);
  const dsReading = await ds.read();
  await bus.close();
  const rtc1Time = Math.floor(Date.now() / 1000) * 1000 + AHEAD_MS;
  await rtcIoctlWriter('/dev/rtc1')(rtc1Time);
  return { aheadMs: AHEAD_MS, ds3231: { time: dsTime, reading: dsReading }, rtc1: { time: rtc1Time, setAt: Date.now() } };
});
