// i2c-dev on i2c-stub (SMBus only, a chip at 0x68): I2C_FUNCS, the SMBus fallback, the DS3231
// driver round-tripping time and aging offset, errors named for what they are, and EBUSY once
// the kernel's rtc-ds1307 owns the address. Writes i2c.json.
import { writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { dist, record } from './common.mjs';

const { I2cDevBus } = await dist('drivers/native/i2c-dev-bus.js');
const { Ds3231 } = await dist('drivers/rtc/ds3231.js');
const { KernelRtc } = await dist('drivers/rtc/kernel-rtc.js');

const attempt = async (fn) => {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, name: err.name, code: err.code ?? null, message: err.message };
  }
};

await record('i2c', async () => {
  const bus = new I2cDevBus('/dev/i2c-0');
  const ds = new Ds3231(bus);
  const T = Date.UTC(2031, 4, 17, 21, 43, 5);
  await ds.setTime(T);
  const afterSet = await ds.read();
  await ds.writeAgingOffset(-17);
  const agingNeg = await ds.readAgingOffset();
  await ds.writeAgingOffset(42);
  const agingPos = await ds.readAgingOffset();
  const control = await bus.readByte(0x68, 0x0e);
  const T2 = Date.UTC(2099, 11, 31, 23, 59, 58);
  await ds.setTime(T2);
  const afterSet2 = await ds.read();
  const empty = await attempt(() => bus.readI2cBlock(0x50, 0, 4));
  const forced = new I2cDevBus('/dev/i2c-0', { transport: 'i2c' });
  const rdwr = await attempt(() => forced.readI2cBlock(0x68, 0, 7));
  await forced.close();
  const result = { functionality: bus.functionality, transport: bus.transport, T, afterSet, agingNeg, agingPos, control, T2, afterSet2, empty, rdwr };
  await bus.close();

  // The kernel driver takes the chip: raw access must say so (EBUSY), the rtc class reads it.
  const before = new Set(readdirSync('/sys/class/rtc'));
  writeFileSync('/sys/bus/i2c/devices/i2c-0/new_device', 'ds3231 0x68');
  const rtc = readdirSync('/sys/class/rtc').find((n) => !before.has(n)) ?? null;
  const busy = await attempt(async () => {
    const b = new I2cDevBus('/dev/i2c-0');
    try {
      return await b.readI2cBlock(0x68, 0, 7);
    } finally {
      await b.close();
    }
  });
  let kernel = null;
  if (rtc) {
    const k = await KernelRtc.open({ name: rtc, writer: async () => { throw new Error('not used'); } });
    kernel = { model: k?.model, reading: await attempt(() => k.read()), name: readFileSync(`/sys/class/rtc/${rtc}/name`, 'utf8').trim() };
  }
  writeFileSync('/sys/bus/i2c/devices/i2c-0/delete_device', '0x68');
  return { ...result, kernelRtc: rtc, busy, kernel };
});
