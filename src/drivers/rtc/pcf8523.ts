import type { I2cBus } from '../i2c/i2c-bus.js';
import { decodeHours, encodeHours, fieldsOf, fromBcd, msOf, toBcd } from './bcd.js';
import type { RtcDevice, RtcFrequencyTrim, RtcReading } from './rtc-device.js';

/**
 * NXP PCF8523 at register level (PCF8523 datasheet rev. 7, Table 7 "Register overview"):
 *   0x00 Control_1 (bit 5 STOP, bit 3 12_24), 0x01 Control_2,
 *   0x02 Control_3 (bits 7-5 PM battery switch-over/low detection, bit 2 BLF battery low),
 *   0x03 Seconds (bit 7 OS: oscillator stopped, the time is not guaranteed), 0x04 Minutes,
 *   0x05 Hours (12 h: bit 5 AMPM), 0x06 Days, 0x07 Weekdays 0-6, 0x08 Months, 0x09 Years 00-99,
 *   0x0A-0x0D alarms, 0x0E Offset (bit 7 MODE, bits 6-0 two's complement), 0x0F-0x13 timers.
 * No century bit: years are 2000-2099.
 */
export const PCF8523_ADDRESS = 0x68;
export const PCF8523_REG = {
  control1: 0x00,
  control3: 0x02,
  seconds: 0x03,
  hours: 0x05,
  offset: 0x0e,
} as const;
export const PCF8523_CONTROL1_STOP = 0x20;
export const PCF8523_CONTROL1_12_24 = 0x08;
export const PCF8523_CONTROL3_PM_MASK = 0xe0;
/** PM[2] set: battery-low detection is off (the reset value 111 also disables switch-over!). */
export const PCF8523_CONTROL3_PM2 = 0x80;
export const PCF8523_CONTROL3_BLF = 0x04;
export const PCF8523_SECONDS_OS = 0x80;
export const PCF8523_OFFSET_MODE = 0x80;
/** Table 29 "Offset values": 4.34 ppm per step in mode 0 (every two hours), 4.069 ppm in mode 1 (every minute); + speeds up. */
export const PCF8523_PPM_PER_STEP = { 0: 4.34, 1: 4.069 } as const;

export interface Pcf8523Reading extends RtcReading {
  twelveHourMode: boolean;
  /** Control_3 PM bits: 0 = standard switch-over with battery-low detection (what setTime configures). */
  powerMode: number;
}

export class Pcf8523 implements RtcDevice {
  readonly model = 'pcf8523';
  readonly access = 'i2c' as const;
  readonly trim: RtcFrequencyTrim;

  constructor(
    private readonly bus: I2cBus,
    private readonly address = PCF8523_ADDRESS,
  ) {
    this.trim = {
      min: -64,
      max: 63,
      ppmPerStep: PCF8523_PPM_PER_STEP[0],
      read: async () => (await this.readOffset()).value,
      write: (v) => this.writeOffset(v, 0),
    };
  }

  async read(): Promise<Pcf8523Reading> {
    const r = await this.bus.readI2cBlock(this.address, 0x00, 0x0a);
    const twelveHourMode = (r[PCF8523_REG.control1]! & PCF8523_CONTROL1_12_24) !== 0;
    const stopped = (r[PCF8523_REG.control1]! & PCF8523_CONTROL1_STOP) !== 0;
    const os = (r[PCF8523_REG.seconds]! & PCF8523_SECONDS_OS) !== 0;
    const control3 = r[PCF8523_REG.control3]!;
    const detecting = (control3 & PCF8523_CONTROL3_PM2) === 0;
    let timeMs: number | null = null;
    if (!os) {
      try {
        timeMs = msOf({
          seconds: fromBcd(r[3]!, 0x7f),
          minutes: fromBcd(r[4]!, 0x7f),
          hours: decodeHours(r[5]!, twelveHourMode),
          date: fromBcd(r[6]!, 0x3f),
          weekday: 0,
          month: fromBcd(r[8]!, 0x1f),
          year: 2000 + fromBcd(r[9]!),
        });
      } catch {
        timeMs = null;
      }
    }
    return {
      timeMs,
      // A set STOP bit freezes the clock as surely as a dead crystal does.
      oscillatorStopped: os || stopped,
      batteryLow: detecting ? (control3 & PCF8523_CONTROL3_BLF) !== 0 : null,
      temperatureC: null,
      twelveHourMode,
      powerMode: (control3 & PCF8523_CONTROL3_PM_MASK) >> 5,
    };
  }

  /**
   * Writes the time in 24 h mode with OS cleared and STOP released, and enables standard
   * battery switch-over with low detection (PM = 000): the chip resets to PM = 111, under which
   * it would not run from its battery at all (datasheet 8.5 "Power management functions").
   */
  async setTime(utcMs: number): Promise<void> {
    const f = fieldsOf(utcMs);
    if (f.year < 2000 || f.year > 2099) throw new RangeError(`PCF8523 holds 2000-2099, not ${f.year}`);
    const control1 = await this.bus.readByte(this.address, PCF8523_REG.control1);
    await this.bus.writeByte(this.address, PCF8523_REG.control1, control1 & ~(PCF8523_CONTROL1_12_24 | PCF8523_CONTROL1_STOP));
    const control3 = await this.bus.readByte(this.address, PCF8523_REG.control3);
    if ((control3 & PCF8523_CONTROL3_PM_MASK) !== 0) {
      await this.bus.writeByte(this.address, PCF8523_REG.control3, control3 & ~PCF8523_CONTROL3_PM_MASK);
    }
    const regs = Uint8Array.of(
      toBcd(f.seconds), // bit 7 (OS) written 0 clears the flag
      toBcd(f.minutes),
      encodeHours(f.hours, false),
      toBcd(f.date),
      f.weekday,
      toBcd(f.month),
      toBcd(f.year % 100),
    );
    await this.bus.writeI2cBlock(this.address, PCF8523_REG.seconds, regs);
  }

  /** The offset register: value in steps, mode, and the rate correction it applies in ppm. */
  async readOffset(): Promise<{ value: number; mode: 0 | 1; ppm: number }> {
    const b = await this.bus.readByte(this.address, PCF8523_REG.offset);
    const mode = (b & PCF8523_OFFSET_MODE) !== 0 ? 1 : 0;
    const raw = b & 0x7f;
    const value = raw >= 0x40 ? raw - 0x80 : raw;
    return { value, mode, ppm: value * PCF8523_PPM_PER_STEP[mode] };
  }

  async writeOffset(value: number, mode: 0 | 1): Promise<void> {
    if (!Number.isInteger(value) || value < -64 || value > 63) throw new RangeError(`PCF8523 offset ${value} is outside -64..63`);
    await this.bus.writeByte(this.address, PCF8523_REG.offset, (mode ? PCF8523_OFFSET_MODE : 0) | (value & 0x7f));
  }

  async close(): Promise<void> {
    await this.bus.close();
  }
}
