import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ManualClock } from '../../../../src/drivers/clock.js';
import { KernelRtc } from '../../../../src/drivers/rtc/kernel-rtc.js';
import { Ds3231RegisterModel } from '../../../../src/drivers/rtc/models/ds3231-register-model.js';
import { openRtc } from '../../../../src/drivers/rtc/open-rtc.js';

function sysfs(t: { teardown(fn: () => void): void }, files: Record<string, string> | null) {
  const root = mkdtempSync(join(tmpdir(), 'rtc-sysfs-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  if (files) {
    mkdirSync(join(root, 'rtc0'));
    for (const [k, v] of Object.entries(files)) writeFileSync(join(root, 'rtc0', k), v);
  }
  return root;
}

t.test('kernel RTC read through sysfs files; model names the kernel driver', async (t) => {
  const root = sysfs(t, { name: 'rtc-ds1307 1-0068\n', since_epoch: '1735689600\n', date: '2025-01-01\n', time: '00:00:00\n' });
  const written: number[] = [];
  const rtc = (await KernelRtc.open({ name: 'rtc0', sysfsRoot: root, writer: async (ms) => void written.push(ms) }))!;
  t.equal(rtc.model, 'kernel (rtc-ds1307 1-0068)');
  t.equal(rtc.access, 'kernel');
  t.same(await rtc.read(), { timeMs: 1735689600_000, oscillatorStopped: false, batteryLow: null, temperatureC: null });
  await rtc.setTime(1735689700_000);
  t.same(written, [1735689700_000], 'setTime goes to the injected writer');
  writeFileSync(join(root, 'rtc0', 'since_epoch'), 'garbage');
  await t.rejects(rtc.read(), /since_epoch/);
  t.equal(await KernelRtc.open({ name: 'rtc1', sysfsRoot: root, writer: async () => {} }), null);
});

t.test('EBUSY on the raw address falls back to the kernel RTC and says so', async (t) => {
  const root = sysfs(t, { name: 'rtc-ds1307 1-0068\n', since_epoch: '1735689600\n' });
  const model = new Ds3231RegisterModel({ clock: new ManualClock(), kernelOwned: true });
  let closed = 0;
  const deps = {
    openI2c: () => Object.assign(model, { close: async () => void closed++ }),
    kernelWriter: () => async () => {},
  };
  const got = await openRtc({ model: 'ds3231', i2cDevice: '/dev/i2c-1', address: 0x68, kernelDevice: 'rtc0', sysfsRoot: root }, deps);
  t.equal(got.device?.access, 'kernel');
  t.match(got.note, /busy: a kernel driver owns the chip/);
  t.equal(closed, 1, 'the raw bus is closed again');
  model.kernelOwned = false;
  const raw = await openRtc({ model: 'ds3231', i2cDevice: '/dev/i2c-1', address: 0x68, kernelDevice: 'rtc0', sysfsRoot: root }, deps);
  t.equal(raw.device?.model, 'ds3231');
  t.equal(raw.device?.access, 'i2c');
  const empty = sysfs(t, null);
  model.kernelOwned = true;
  await t.rejects(openRtc({ model: 'ds3231', i2cDevice: '/dev/i2c-1', address: 0x68, kernelDevice: 'rtc0', sysfsRoot: empty }, deps), /busy/);
  const auto = await openRtc({ model: 'auto', i2cDevice: '/dev/i2c-1', address: 0x68, kernelDevice: 'rtc0', sysfsRoot: empty }, deps);
  t.equal(auto.device, null);
  await t.rejects(openRtc({ model: 'kernel', i2cDevice: '/dev/i2c-1', address: 0x68, kernelDevice: 'rtc0', sysfsRoot: empty }, deps), /does not exist/);
});
