// The kernel RTC class through the project's drivers: rtc-test rtc1..rtc3, read through sysfs
// and set with RTC_SET_TIME on /dev/rtcN. Writes rtc.json.
import { dist, record, sleep } from './common.mjs';

const { KernelRtc } = await dist('drivers/rtc/kernel-rtc.js');
const { rtcIoctlWriter } = await dist('drivers/native/rtc-ioctl.js');

await record('rtc', async () => {
  const out = [];
  const targets = [Date.UTC(2030, 0, 1, 0, 0, 0), Date.UTC(2042, 6, 15, 12, 30, 45), Date.UTC(2026, 1, 28, 23, 59, 50)];
  for (const [i, name] of ['rtc1', 'rtc2', 'rtc3'].entries()) {
    const rtc = await KernelRtc.open({ name, writer: rtcIoctlWriter(`/dev/${name}`) });
    if (!rtc) {
      out.push({ name, missing: true });
      continue;
    }
    const first = await rtc.read();
    const systemAtFirst = Date.now();
    await rtc.setTime(targets[i]);
    const setAt = Date.now();
    await sleep(1200);
    const again = await rtc.read();
    out.push({ name, model: rtc.model, first, systemAtFirst, target: targets[i], setAt, again, readAt: Date.now() });
  }
  const none = await KernelRtc.open({ name: 'rtc9', writer: async () => {} });
  return { rtcs: out, rtc9: none };
});
