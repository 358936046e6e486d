// The DS3231 register chip on i2c-stub as left by the daemon (run after it stopped): what it
// wrote there is the proof that it drives the chip over SMBus. Writes ds3231-after.json.
import { dist, record } from './common.mjs';

const { I2cDevBus } = await dist('drivers/native/i2c-dev-bus.js');
const { Ds3231 } = await dist('drivers/rtc/ds3231.js');

await record('ds3231-after', async () => {
  const bus = new I2cDevBus('/dev/i2c-0');
  try {
    const ds = new Ds3231(bus);
    return { reading: await ds.read(), aging: await ds.readAgingOffset(), readAt: Date.now() };
  } finally {
    await bus.close();
  }
});
