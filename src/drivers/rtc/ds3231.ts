import type { I2cBus } from '../i2c/i2c-bus.js';
import { decodeHours, encodeHours, fieldsOf, fromBcd, msOf, toBcd } from './bcd.js';
import type { RtcDevice, RtcFrequencyTrim, RtcReading } from './rtc-device.js';

/**
 * Maxim/Analog Devices DS3231 at register level (DS3231 datasheet rev. 10, Figure 1 "Timekeeping
 * Registers"):
 *   0x00 seconds, 0x01 minutes, 0x02 hours (bit 6: 12 h mode, bit 5: PM / 20 h),
 *   0x03 day 1-7, 0x04 date, 0x05 month (bit 7: century, toggles when years wrap 99 → 00),
 *   0x06 year 00-99, 0x07-0x0D alarms, 0x0E control, 0x0F status (bit 7 OSF),
 *   0x10 aging offset (two's complement), 0x11-0x12 temperature (10-bit, 0.25 °C, two's complement).
 * Years: the century bit counts 2000-2099 → 0, 2100-2199 → 1, the convention Linux's
 * rtc-ds1307 driver uses as well.
 */
export const DS3231_ADDRESS = 0x68;
export const DS3231_REG = {
  seconds: 0x00,
  hours: 0x02,
  month: 0x05,
  control: 0x0e,
  status: 0x0f,
  aging: 0x10,
  tempMsb: 0x11,
} as const;
export const DS3231_STATUS_OSF = 0x80;
export const DS3231_CONTROL_CONV = 0x20;
export const DS3231_HOURS_12H = 0x40;
export const DS3231_MONTH_CENTURY = 0x80;
/** Datasheet "Aging Offset": 1 LSB is about 0.1 ppm at +25 °C; positive values add capacitance and slow the oscillator. */
export const DS3231_AGING_PPM_PER_LSB = -0.1;

export interface Ds3231Reading extends RtcReading {
  twelveHourMode: boolean;
}

export class Ds3231 implements RtcDevice {
  readonly model = 'ds3231';
  readonly access = 'i2c' as const;
  readonly trim: RtcFrequencyTrim;

  constructor(
    private readonly bus: I2cBus,
    private readonly address = DS3231_ADDRESS,
  ) {
    this.trim = {
      min: -128,
      max: 127,
      ppmPerStep: DS3231_AGING_PPM_PER_LSB,
      read: () => this.readAgingOffset(),
      write: (v) => this.writeAgingOffset(v),
    };
  }

  async read(): Promise<Ds3231Reading> {
    // One burst from 0x00 to 0x12 so time, flags and temperature belong to the same instant
    // (the chip latches the time registers at the START of a read, datasheet "I2C Interface").
    const r = await this.bus.readI2cBlock(this.address, 0x00, 0x13);
    const oscillatorStopped = (r[DS3231_REG.status]! & DS3231_STATUS_OSF) !== 0;
    const twelveHourMode = (r[DS3231_REG.hours]! & DS3231_HOURS_12H) !== 0;
    let timeMs: number | null = null;
    if (!oscillatorStopped) {
      try {
        timeMs = decodeTime(r);
      } catch {
        timeMs = null; // garbage registers: as invalid as a stopped oscillator
      }
    }
    // DS3231 has no battery flag (VBAT is only switched over to, not measured), hence null.
    return { timeMs, oscillatorStopped, batteryLow: null, temperatureC: decodeTemperature(r[0x11]!, r[0x12]!), twelveHourMode };
  }

  /** Writes the seven time registers in 24 h mode (which also resets the chip's countdown chain) and clears OSF. */
  async setTime(utcMs: number): Promise<void> {
    const f = fieldsOf(utcMs);
    if (f.year < 2000 || f.year > 2199) throw new RangeError(`DS3231 holds 2000-2199, not ${f.year}`);
    const regs = Uint8Array.of(
      toBcd(f.seconds),
      toBcd(f.minutes),
      encodeHours(f.hours, false),
      f.weekday + 1, // day register 1-7, user-defined sequence; 1 = Sunday here
      toBcd(f.date),
      toBcd(f.month) | (f.year >= 2100 ? DS3231_MONTH_CENTURY : 0),
      toBcd(f.year % 100),
    );
    await this.bus.writeI2cBlock(this.address, DS3231_REG.seconds, regs);
    const status = await this.bus.readByte(this.address, DS3231_REG.status);
    await this.bus.writeByte(this.address, DS3231_REG.status, status & ~DS3231_STATUS_OSF);
  }

  async readTemperature(): Promise<number> {
    const t = await this.bus.readI2cBlock(this.address, DS3231_REG.tempMsb, 2);
    return decodeTemperature(t[0]!, t[1]!);
  }

  async readAgingOffset(): Promise<number> {
    const b = await this.bus.readByte(this.address, DS3231_REG.aging);
    return b >= 0x80 ? b - 0x100 : b;
  }

  /** Writes the aging offset and starts a conversion (CONV), which is when the chip applies it. */
  async writeAgingOffset(value: number): Promise<void> {
    if (!Number.isInteger(value) || value < -128 || value > 127) throw new RangeError(`aging offset ${value} is outside -128..127`);
    await this.bus.writeByte(this.address, DS3231_REG.aging, value & 0xff);
    const control = await this.bus.readByte(this.address, DS3231_REG.control);
    await this.bus.writeByte(this.address, DS3231_REG.control, control | DS3231_CONTROL_CONV);
  }

  async close(): Promise<void> {
    await this.bus.close();
  }
}

function decodeTime(r: Uint8Array): number {
  const twelve = (r[DS3231_REG.hours]! & DS3231_HOURS_12H) !== 0;
  const century = (r[DS3231_REG.month]! & DS3231_MONTH_CENTURY) !== 0;
  return msOf({
    seconds: fromBcd(r[0]!, 0x7f),
    minutes: fromBcd(r[1]!, 0x7f),
    hours: decodeHours(r[2]!, twelve),
    weekday: 0,
    date: fromBcd(r[4]!, 0x3f),
    month: fromBcd(r[5]!, 0x1f),
    year: 2000 + (century ? 100 : 0) + fromBcd(r[6]!),
  });
}

/** 10-bit two's complement, MSB = integer part, LSB bits 7-6 = quarters (datasheet "Temperature Registers"). */
export function decodeTemperature(msb: number, lsb: number): number {
  const raw = ((msb << 8) | (lsb & 0xc0)) << 16 >> 16; // sign-extend the 16-bit word
  return raw / 256;
}
