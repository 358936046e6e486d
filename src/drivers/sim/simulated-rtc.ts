import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { RtcDevice, RtcReading } from '../rtc/rtc-device.js';

export interface SimulatedRtcOptions {
  clock?: Clock;
  /** RTC minus Clock at start, ms. Default 0. */
  offsetMs?: number;
  /** Rate error, parts per million, + runs fast. A DS3231 is within ±2 ppm at 0-40 °C. Default 0. */
  driftPpm?: number;
  temperatureC?: number | null;
  batteryLow?: boolean | null;
  oscillatorStopped?: boolean;
  /**
   * What the chip can represent: 1000 (whole seconds) for DS3231 and PCF8523, whose
   * seconds counter restarts when it is written, so the ticks are aligned to setTime.
   * Default 1000; 1 for a model without quantisation.
   */
  resolutionMs?: number;
}

/**
 * An RTC without hardware: time counted on the Clock's monotonic axis (so it ignores
 * steps of the host's wall clock, as a battery-backed chip does), with a drift.
 */
export class SimulatedRtc implements RtcDevice {
  readonly model = 'simulated';
  private readonly clock: Clock;
  private readonly resolutionMs: number;
  private driftPpm: number;
  private temperatureC: number | null;
  private batteryLow: boolean | null;
  private oscillatorStopped: boolean;
  /** The RTC's reading at `anchorMonoNs`, already quantised. */
  private anchorRtcMs: number;
  private anchorMonoNs: bigint;
  private running = true;
  private readError: Error | null = null;

  constructor(options: SimulatedRtcOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.resolutionMs = options.resolutionMs ?? 1000;
    this.driftPpm = options.driftPpm ?? 0;
    this.temperatureC = options.temperatureC === undefined ? 25 : options.temperatureC;
    this.batteryLow = options.batteryLow === undefined ? false : options.batteryLow;
    this.oscillatorStopped = options.oscillatorStopped ?? false;
    this.anchorRtcMs = this.quantise(this.clock.now() + (options.offsetMs ?? 0));
    this.anchorMonoNs = this.clock.monoNs();
  }

  async read(): Promise<RtcReading> {
    if (this.readError) throw this.readError;
    return {
      timeMs: this.currentMs(),
      oscillatorStopped: this.oscillatorStopped,
      batteryLow: this.batteryLow,
      temperatureC: this.temperatureC,
    };
  }

  async setTime(utcMs: number): Promise<void> {
    if (this.readError) throw this.readError;
    this.anchorRtcMs = this.quantise(utcMs);
    this.anchorMonoNs = this.clock.monoNs();
    this.oscillatorStopped = false;
    this.running = true;
  }

  /** The crystal stops (battery out while powered down): time freezes and the stop flag is set. */
  stopOscillator(): void {
    if (!this.running) return;
    this.reanchor();
    this.running = false;
    this.oscillatorStopped = true;
  }

  /** Power is back: counting resumes from the frozen time; the flag stays until setTime. */
  startOscillator(): void {
    if (this.running) return;
    this.anchorMonoNs = this.clock.monoNs();
    this.running = true;
  }

  setDriftPpm(ppm: number): void {
    this.reanchor();
    this.driftPpm = ppm;
  }

  setTemperature(celsius: number | null): void {
    this.temperatureC = celsius;
  }

  setBatteryLow(low: boolean | null): void {
    this.batteryLow = low;
  }

  /** Makes read() and setTime() fail (an I2C NAK, a chip that fell off the bus); null heals it. */
  failWith(error: Error | null): void {
    this.readError = error;
  }

  /** ms the RTC's oscillator has counted since the anchor (elapsed + elapsed·ppm, kept apart so whole results stay whole). */
  private countedMs(): number {
    const elapsedMs = Number(this.clock.monoNs() - this.anchorMonoNs) / 1e6;
    return elapsedMs + (elapsedMs * this.driftPpm) / 1e6;
  }

  private currentMs(): number {
    if (!this.running) return this.anchorRtcMs;
    const counted = this.countedMs();
    return this.anchorRtcMs + Math.floor(counted / this.resolutionMs) * this.resolutionMs;
  }

  /** Moves the anchor to now without losing the sub-resolution phase of the counter. */
  private reanchor(): void {
    if (!this.running) return;
    const counted = this.countedMs();
    const ticks = Math.floor(counted / this.resolutionMs);
    this.anchorRtcMs += ticks * this.resolutionMs;
    const leftoverMs = (counted - ticks * this.resolutionMs) / (1 + this.driftPpm / 1e6);
    this.anchorMonoNs = this.clock.monoNs() - BigInt(Math.round(leftoverMs * 1e6));
  }

  private quantise(ms: number): number {
    return Math.floor(ms / this.resolutionMs) * this.resolutionMs;
  }
}
