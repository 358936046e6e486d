import type { Clock } from '../../clock.js';
import { I2cBusyError, I2cNoDeviceError, type I2cBus } from '../../i2c/i2c-bus.js';

/**
 * What the chip models share: a register file behind an I2C address with an auto-incrementing
 * pointer, and a seconds counter driven by an injected Clock's monotonic axis (so a test runs a
 * day in a millisecond and the host's wall clock never matters), with a rate error in ppm. The
 * chip-specific parts (where the time lives, its flags, what power loss does) are in the
 * subclasses, each after its datasheet.
 */
export interface RegisterModelOptions {
  clock: Clock;
  /** Initial chip time, UTC ms; the model starts as if set at that instant. */
  timeMs?: number;
  /** Rate error of the crystal, ppm (+ runs fast). */
  driftPpm?: number;
  /** Behave as if the kernel driver had bound the address (I2C_SLAVE → EBUSY). */
  kernelOwned?: boolean;
  device?: string;
}

export abstract class RegisterModel implements I2cBus {
  protected readonly regs: Uint8Array;
  protected readonly clock: Clock;
  protected driftPpm: number;
  /** Monotonic ns at which the current RTC second began. */
  private secondStartNs: bigint;
  private oscillating = true;
  private failure: Error | null = null;
  readonly device: string;
  kernelOwned: boolean;
  /** Every transfer, for tests that check what a driver wrote. */
  readonly writes: Array<{ register: number; data: number[] }> = [];

  protected constructor(
    readonly address: number,
    size: number,
    opts: RegisterModelOptions,
  ) {
    this.regs = new Uint8Array(size);
    this.clock = opts.clock;
    this.driftPpm = opts.driftPpm ?? 0;
    this.kernelOwned = opts.kernelOwned ?? false;
    this.device = opts.device ?? '/dev/i2c-1';
    this.secondStartNs = this.clock.monoNs();
  }

  /** The chip's counter moved on by `seconds`: re-encode its time, its weekday counter advancing by the days crossed. */
  protected advanceSeconds(seconds: number): void {
    let before: number;
    try {
      before = this.decodeTime();
    } catch {
      return; // registers hold no date: the real chip counts garbage, we leave it
    }
    const after = before + seconds * 1000;
    this.storeAdvanced(after, Math.floor(after / 86_400_000) - Math.floor(before / 86_400_000));
  }
  /** The time registers as UTC ms, in the chip's 12 h and century conventions; throws on garbage. */
  protected abstract decodeTime(): number;
  /** Writes `ms` back after a tick; `daysCrossed` advances the chip's own weekday counter. */
  protected abstract storeAdvanced(ms: number, daysCrossed: number): void;
  /** Seconds register written: the countdown chain restarts (so the next tick is a full second away). */
  protected abstract isSecondsRegister(register: number): boolean;
  /** Applies the chip's write rules (read-only bits, write-0-to-clear flags) to one byte. */
  protected abstract acceptWrite(register: number, value: number): number;
  /** True when the chip's own control bits stop its clock (PCF8523 STOP). */
  protected frozen(): boolean {
    return false;
  }
  /** Rate change the chip's own trim register applies (DS3231 aging, PCF8523 offset), ppm. */
  protected trimPpm(): number {
    return 0;
  }

  claim(address: number): void {
    if (address !== this.address) throw new I2cNoDeviceError(this.device, address, 'ENXIO');
    if (this.kernelOwned) throw new I2cBusyError(this.device, address);
  }

  async readI2cBlock(address: number, register: number, length: number): Promise<Uint8Array> {
    this.check(address);
    this.tick();
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.readRegister((register + i) % this.regs.length);
    return out;
  }

  async writeI2cBlock(address: number, register: number, data: Uint8Array): Promise<void> {
    this.check(address);
    this.tick();
    this.writes.push({ register, data: [...data] });
    let restart = false;
    data.forEach((value, i) => {
      const reg = (register + i) % this.regs.length;
      this.regs[reg] = this.acceptWrite(reg, value) & 0xff;
      if (this.isSecondsRegister(reg)) restart = true;
    });
    if (restart) this.secondStartNs = this.clock.monoNs();
  }

  async readByte(address: number, register: number): Promise<number> {
    return (await this.readI2cBlock(address, register, 1))[0]!;
  }

  async writeByte(address: number, register: number, value: number): Promise<void> {
    await this.writeI2cBlock(address, register, Uint8Array.of(value));
  }

  async close(): Promise<void> {}

  /** Raw register access for tests (no write rules): what a datasheet table says is there. */
  peek(register: number): number {
    this.tick();
    return this.readRegister(register);
  }

  poke(register: number, value: number): void {
    this.tick();
    this.regs[register] = value & 0xff;
  }

  setDriftPpm(ppm: number): void {
    this.tick();
    this.driftPpm = ppm;
  }

  /** Makes transfers fail (a NAK, a loose wire); null heals it. */
  failWith(error: Error | null): void {
    this.failure = error;
  }

  /** The crystal stops or restarts (a dead backup battery during power-down). */
  protected setOscillating(on: boolean): void {
    this.tick();
    if (on && !this.oscillating) this.secondStartNs = this.clock.monoNs();
    this.oscillating = on;
  }

  protected get isOscillating(): boolean {
    return this.oscillating;
  }

  protected readRegister(register: number): number {
    return this.regs[register]!;
  }

  /** Moves the time registers forward by the whole seconds the crystal has counted. */
  protected tick(): void {
    const now = this.clock.monoNs();
    if (!this.oscillating || this.frozen()) {
      this.secondStartNs = now;
      return;
    }
    // One RTC second lasts 1 s / (1 + ppm·1e-6) of true time.
    const secondNs = 1e9 / (1 + (this.driftPpm + this.trimPpm()) / 1e6);
    const elapsed = Number(now - this.secondStartNs);
    const whole = Math.floor(elapsed / secondNs);
    if (whole <= 0) return;
    this.advanceSeconds(whole);
    this.secondStartNs += BigInt(Math.round(whole * secondNs));
  }

  private check(address: number): void {
    if (this.failure) throw this.failure;
    if (address !== this.address) throw new I2cNoDeviceError(this.device, address, 'ENXIO');
  }
}
