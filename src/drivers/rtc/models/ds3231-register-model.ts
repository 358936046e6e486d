import { decodeHours, encodeHours, fieldsOf, fromBcd, toBcd } from '../bcd.js';
import { DS3231_ADDRESS, DS3231_AGING_PPM_PER_LSB, DS3231_CONTROL_CONV, DS3231_HOURS_12H, DS3231_MONTH_CENTURY, DS3231_STATUS_OSF } from '../ds3231.js';
import { RegisterModel, type RegisterModelOptions } from './register-model.js';

/**
 * An in-memory DS3231 after its datasheet (rev. 10): 19 registers 0x00-0x12, BCD time, the
 * century bit toggled when the year wraps 99 → 00, 12/24 h hours, OSF set at power-on and
 * whenever the oscillator stops, EOSC (control bit 7) stopping it on battery, aging offset
 * changing the rate by about -0.1 ppm per LSB, temperature in 0.25 °C steps (read-only).
 * Power-on reset values: time 00:00:00, day 1, 01/01/00, control 0x1C, status 0x88.
 */
const SIZE = 0x13;
const CONTROL = 0x0e;
const STATUS = 0x0f;
const AGING = 0x10;
const EOSC = 0x80;
const STATUS_BSY = 0x04;
const STATUS_W0C = DS3231_STATUS_OSF | 0x03; // OSF, A2F, A1F: only cleared by writing 0

export interface Ds3231ModelOptions extends RegisterModelOptions {
  temperatureC?: number;
  /** Start as if just powered on without a battery: POR registers, OSF set. */
  powerOnReset?: boolean;
}

export class Ds3231RegisterModel extends RegisterModel {
  #battery = true;
  #powered = true;

  constructor(opts: Ds3231ModelOptions) {
    super(DS3231_ADDRESS, SIZE, opts);
    if (opts.powerOnReset || opts.timeMs === undefined) this.reset();
    else {
      this.writeTime(opts.timeMs);
      this.regs[CONTROL] = 0x1c;
      this.regs[STATUS] = 0x08;
    }
    this.setTemperature(opts.temperatureC ?? 25);
  }

  /** The chip's current time decoded straight from its registers (test oracle), century bit included. */
  get timeMs(): number {
    this.tick();
    return this.decodeTime();
  }

  setTemperature(celsius: number): void {
    const word = (Math.round(celsius * 4) * 64) & 0xffff;
    this.regs[0x11] = word >> 8;
    this.regs[0x12] = word & 0xc0;
  }

  /** Main power goes: with a battery the chip runs on (unless EOSC is set); without, it dies. */
  powerDown(opts: { battery: boolean }): void {
    this.tick();
    this.#powered = false;
    this.#battery = opts.battery;
    if (!opts.battery) this.setOscillating(false);
    else if ((this.regs[CONTROL]! & EOSC) !== 0) {
      this.setOscillating(false); // EOSC: oscillator stops on VBAT to save the battery
      this.regs[STATUS]! |= DS3231_STATUS_OSF;
    }
  }

  powerUp(): void {
    if (this.#powered) return;
    this.#powered = true;
    if (!this.#battery) this.reset();
    this.setOscillating(true);
  }

  protected override trimPpm(): number {
    const aging = this.regs[AGING]!;
    return (aging >= 0x80 ? aging - 0x100 : aging) * DS3231_AGING_PPM_PER_LSB;
  }

  protected override isSecondsRegister(register: number): boolean {
    return register === 0x00;
  }

  protected override acceptWrite(register: number, value: number): number {
    if (register === 0x11 || register === 0x12) return this.regs[register]!; // temperature: read-only
    if (register === STATUS) {
      const old = this.regs[STATUS]!;
      const cleared = old & STATUS_W0C & value; // a 1 leaves a set flag set, a 0 clears it
      return cleared | (value & 0x08) | (old & STATUS_BSY);
    }
    if (register === CONTROL) return value & ~DS3231_CONTROL_CONV; // conversion starts and (here) ends at once
    return value;
  }

  protected override storeAdvanced(ms: number, daysCrossed: number): void {
    this.writeTime(ms, ((((this.regs[3]! & 0x07) - 1 + daysCrossed) % 7) + 7) % 7 + 1);
  }

  protected override decodeTime(): number {
    const r = this.regs;
    const twelve = (r[2]! & DS3231_HOURS_12H) !== 0;
    const century = (r[5]! & DS3231_MONTH_CENTURY) !== 0 ? 100 : 0;
    return Date.UTC(2000 + century + fromBcd(r[6]!), fromBcd(r[5]!, 0x1f) - 1, fromBcd(r[4]!, 0x3f), decodeHours(r[2]!, twelve), fromBcd(r[1]!, 0x7f), fromBcd(r[0]!, 0x7f));
  }

  /** Encodes `ms`, keeping the hours mode the chip is in; the century bit is the count's parity. */
  private writeTime(ms: number, day?: number): void {
    const f = fieldsOf(ms);
    const twelve = (this.regs[2]! & DS3231_HOURS_12H) !== 0;
    const century = Math.floor((f.year - 2000) / 100) % 2 !== 0;
    this.regs[0] = toBcd(f.seconds);
    this.regs[1] = toBcd(f.minutes);
    this.regs[2] = encodeHours(f.hours, twelve) | (twelve ? DS3231_HOURS_12H : 0);
    this.regs[3] = day ?? f.weekday + 1;
    this.regs[4] = toBcd(f.date);
    this.regs[5] = toBcd(f.month) | (century ? DS3231_MONTH_CENTURY : 0);
    this.regs[6] = toBcd(f.year % 100);
  }

  private reset(): void {
    this.regs.fill(0, 0, 0x11);
    this.regs.set([0, 0, 0, 1, 1, 1, 0], 0);
    this.regs[CONTROL] = 0x1c;
    this.regs[STATUS] = 0x88; // OSF and EN32kHz
  }
}
