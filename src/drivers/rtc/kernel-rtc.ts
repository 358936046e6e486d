import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RtcDevice, RtcReading } from './rtc-device.js';

/**
 * An RTC the kernel owns (the `i2c-rtc` overlay binds rtc-ds1307 / rtc-pcf8523 to the chip, and
 * the raw address answers EBUSY). Read through the rtc class in sysfs
 * (Documentation/ABI/stable/sysfs-class-rtc: `name`, `since_epoch`, `date`, `time`); the
 * kernel keeps RTCs in UTC. When the chip's stop flag is set the drivers refuse to read the
 * time (rtc-ds1307 returns -EINVAL), which sysfs passes on as EINVAL: reported as
 * "oscillator stopped". Setting goes through an injected writer (production: RTC_SET_TIME on
 * /dev/rtcN, drivers/native/rtc-ioctl.ts) so that no test can reach a real RTC.
 */
export type RtcTimeWriter = (utcMs: number) => Promise<void>;

export interface KernelRtcOptions {
  /** e.g. 'rtc0' */
  name: string;
  /** '/sys/class/rtc' in production; a temp directory in tests. */
  sysfsRoot?: string;
  writer: RtcTimeWriter;
}

export class KernelRtc implements RtcDevice {
  readonly access = 'kernel' as const;

  private constructor(
    readonly model: string,
    readonly driver: string,
    private readonly dir: string,
    private readonly writer: RtcTimeWriter,
  ) {}

  /** Null when the device does not exist (no overlay, no driver bound). */
  static async open(o: KernelRtcOptions): Promise<KernelRtc | null> {
    const dir = join(o.sysfsRoot ?? '/sys/class/rtc', o.name);
    let driver: string;
    try {
      driver = (await readFile(join(dir, 'name'), 'utf8')).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return new KernelRtc(`kernel (${driver || o.name})`, driver, dir, o.writer);
  }

  async read(): Promise<RtcReading> {
    let text: string;
    try {
      text = await readFile(join(this.dir, 'since_epoch'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EINVAL') {
        return { timeMs: null, oscillatorStopped: true, batteryLow: null, temperatureC: null };
      }
      throw err;
    }
    const seconds = Number(text.trim());
    if (!Number.isSafeInteger(seconds) || seconds < 0) throw new Error(`${this.dir}/since_epoch holds ${JSON.stringify(text.trim())}`);
    return { timeMs: seconds * 1000, oscillatorStopped: false, batteryLow: null, temperatureC: null };
  }

  async setTime(utcMs: number): Promise<void> {
    await this.writer(utcMs);
  }
}
