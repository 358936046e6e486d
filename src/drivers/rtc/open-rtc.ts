import { I2cBusyError, type I2cBus } from '../i2c/i2c-bus.js';
import { Ds3231 } from './ds3231.js';
import { KernelRtc, type RtcTimeWriter } from './kernel-rtc.js';
import { Pcf8523 } from './pcf8523.js';
import type { RtcDevice } from './rtc-device.js';

/**
 * Picks how to reach the RTC. A chip named in the config is opened on raw I2C, unless the
 * kernel owns its address (EBUSY), then the kernel rtc device is used instead, and the
 * returned note says so. `kernel` and `auto` use the kernel device when there is one.
 * Startup errors (no /dev/i2c-N, no permission) are thrown: fail fast at startup.
 */
export type RtcModelChoice = 'auto' | 'ds3231' | 'pcf8523' | 'kernel' | 'none';

export interface ClaimableI2cBus extends I2cBus {
  /** Throws I2cBusyError when a kernel driver holds the address. */
  claim(address: number): void;
}

export interface OpenRtcOptions {
  model: RtcModelChoice;
  i2cDevice: string;
  address: number;
  kernelDevice: string; // 'rtc0'
  sysfsRoot?: string;
}

export interface OpenRtcDeps {
  openI2c(device: string): ClaimableI2cBus;
  kernelWriter(devicePath: string): RtcTimeWriter;
}

export interface OpenedRtc {
  device: RtcDevice | null;
  note: string | null;
}

export async function openRtc(o: OpenRtcOptions, deps: OpenRtcDeps): Promise<OpenedRtc> {
  const kernel = (): Promise<KernelRtc | null> =>
    KernelRtc.open({ name: o.kernelDevice, sysfsRoot: o.sysfsRoot, writer: deps.kernelWriter(`/dev/${o.kernelDevice}`) });
  if (o.model === 'none') return { device: null, note: null };
  if (o.model === 'kernel' || o.model === 'auto') {
    const k = await kernel();
    if (k) return { device: k, note: `using the kernel RTC ${o.kernelDevice} (${k.driver})` };
    if (o.model === 'kernel') throw new Error(`rtc.model is kernel but /sys/class/rtc/${o.kernelDevice} does not exist (dtoverlay=i2c-rtc,... missing?)`);
    return { device: null, note: `no kernel RTC ${o.kernelDevice}; set rtc.model to ds3231 or pcf8523 to use the chip over I2C` };
  }
  const bus = deps.openI2c(o.i2cDevice);
  try {
    bus.claim(o.address);
  } catch (err) {
    await bus.close();
    if (!(err instanceof I2cBusyError)) throw err;
    const k = await kernel();
    if (!k) throw err;
    return { device: k, note: `${err.message}: using the kernel RTC ${o.kernelDevice} (${k.driver})` };
  }
  return { device: o.model === 'ds3231' ? new Ds3231(bus, o.address) : new Pcf8523(bus, o.address), note: null };
}
