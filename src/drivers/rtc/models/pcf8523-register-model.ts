import { decodeHours, encodeHours, fieldsOf, fromBcd, toBcd } from '../bcd.js';
import {
  PCF8523_ADDRESS,
  PCF8523_CONTROL1_12_24,
  PCF8523_CONTROL1_STOP,
  PCF8523_CONTROL3_BLF,
  PCF8523_OFFSET_MODE,
  PCF8523_PPM_PER_STEP,
  PCF8523_SECONDS_OS,
} from '../pcf8523.js';
import { RegisterModel, type RegisterModelOptions } from './register-model.js';

/**
 * An in-memory PCF8523 after its datasheet (rev. 7): 20 registers 0x00-0x13, BCD time, years
 * 00-99 (2000-2099), 12/24 h by Control_1 12_24, STOP freezing the clock, OS in the seconds
 * register set when the oscillator stops and cleared only by writing it 0, Control_3 PM bits
 * (reset 111: no battery switch-over, no battery-low detection; PM[1] = 0 enables switch-over,
 * PM[2] = 0 enables detection), BLF while the battery is low and detection is on, BSF set on
 * switch-over (write 0 to clear), and the offset register trimming the rate.
 * Reset values (Table 7): Control_3 0xE0, Seconds 0x80 (OS), Days 1, Weekdays 6, Months 1.
 */
const SIZE = 0x14;
const CONTROL1 = 0x00;
const CONTROL3 = 0x02;
const SECONDS = 0x03;
const OFFSET = 0x0e;
const PM1 = 0x40;
const PM2 = 0x80;
const BSF = 0x08;

export interface Pcf8523ModelOptions extends RegisterModelOptions {
  powerOnReset?: boolean;
}

export class Pcf8523RegisterModel extends RegisterModel {
  #powered = true;
  #batteryLow = false;
  #batteryPresent = true;
  #lostPower = false;

  constructor(opts: Pcf8523ModelOptions) {
    super(PCF8523_ADDRESS, SIZE, opts);
    this.reset();
    if (!opts.powerOnReset && opts.timeMs !== undefined) {
      this.writeTime(opts.timeMs);
      this.regs[SECONDS]! &= ~PCF8523_SECONDS_OS;
      this.regs[CONTROL3] = 0x00; // as if the Linux driver or ours had enabled switch-over
    }
  }

  get timeMs(): number {
    this.tick();
    return this.decodeTime();
  }

  /** The backup cell's voltage drops below V_th(sw)bat (2.5 V typ.) or recovers. */
  setBatteryLow(low: boolean): void {
    this.#batteryLow = low;
  }

  /** VDD goes. Without switch-over enabled (PM[1] = 1) or without a cell the chip loses power entirely. */
  powerDown(opts: { battery: boolean }): void {
    this.tick();
    this.#powered = false;
    this.#batteryPresent = opts.battery;
    const switchOver = (this.regs[CONTROL3]! & PM1) === 0;
    if (!opts.battery || !switchOver) {
      this.#lostPower = true;
      this.setOscillating(false);
    } else {
      this.regs[CONTROL3]! |= BSF;
    }
  }

  powerUp(): void {
    if (this.#powered) return;
    this.#powered = true;
    if (this.#lostPower) this.reset();
    this.#lostPower = false;
    this.setOscillating(true);
  }

  get batteryPresent(): boolean {
    return this.#batteryPresent;
  }

  protected override readRegister(register: number): number {
    if (register !== CONTROL3) return this.regs[register]!;
    const detecting = (this.regs[CONTROL3]! & PM2) === 0;
    return (this.regs[CONTROL3]! & ~PCF8523_CONTROL3_BLF) | (detecting && this.#batteryLow ? PCF8523_CONTROL3_BLF : 0);
  }

  protected override frozen(): boolean {
    return (this.regs[CONTROL1]! & PCF8523_CONTROL1_STOP) !== 0;
  }

  protected override trimPpm(): number {
    const b = this.regs[OFFSET]!;
    const raw = b & 0x7f;
    const value = raw >= 0x40 ? raw - 0x80 : raw;
    return value * PCF8523_PPM_PER_STEP[(b & PCF8523_OFFSET_MODE) !== 0 ? 1 : 0];
  }

  protected override isSecondsRegister(register: number): boolean {
    return register === SECONDS;
  }

  protected override acceptWrite(register: number, value: number): number {
    const old = this.regs[register]!;
    if (register === SECONDS) return (value & 0x7f) | (old & value & PCF8523_SECONDS_OS);
    if (register === CONTROL3) return (value & 0xe3) | (old & value & BSF); // BLF read-only, BSF write-0-to-clear
    return value;
  }

  protected override storeAdvanced(ms: number, daysCrossed: number): void {
    const os = this.regs[SECONDS]! & PCF8523_SECONDS_OS; // a tick does not clear the stop flag
    this.writeTime(ms, (((this.regs[7]! & 0x07) + daysCrossed) % 7 + 7) % 7);
    this.regs[SECONDS]! |= os;
  }

  protected override decodeTime(): number {
    const r = this.regs;
    const twelve = (r[CONTROL1]! & PCF8523_CONTROL1_12_24) !== 0;
    return Date.UTC(2000 + fromBcd(r[9]!), fromBcd(r[8]!, 0x1f) - 1, fromBcd(r[6]!, 0x3f), decodeHours(r[5]!, twelve), fromBcd(r[4]!, 0x7f), fromBcd(r[3]!, 0x7f));
  }

  private writeTime(ms: number, weekday?: number): void {
    const f = fieldsOf(ms);
    const twelve = (this.regs[CONTROL1]! & PCF8523_CONTROL1_12_24) !== 0;
    this.regs[3] = toBcd(f.seconds);
    this.regs[4] = toBcd(f.minutes);
    this.regs[5] = encodeHours(f.hours, twelve);
    this.regs[6] = toBcd(f.date);
    this.regs[7] = weekday ?? f.weekday;
    this.regs[8] = toBcd(f.month);
    this.regs[9] = toBcd(f.year % 100); // 2099 → 2000: no century bit on this chip
  }

  private reset(): void {
    this.regs.fill(0);
    this.regs[CONTROL3] = 0xe0;
    this.regs[SECONDS] = PCF8523_SECONDS_OS;
    this.regs[6] = 0x01;
    this.regs[7] = 0x06;
    this.regs[8] = 0x01;
  }
}
