import type { RtcDevice } from '../../drivers/rtc/rtc-device.js';
import type { ApplianceStore } from '../core/appliance-state.js';
import type { Logger } from '../logger.js';

/**
 * Reads the RTC periodically and publishes its time and flags with the offset against the
 * system clock. Setting it and measuring drift against GNSS come with the RTC issue.
 */
export class RtcService {
  #timer: NodeJS.Timeout | null = null;
  #reading = false;

  constructor(
    private readonly rtc: RtcDevice,
    private readonly store: ApplianceStore,
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  async start(): Promise<void> {
    await this.readOnce();
    this.#timer = setInterval(() => void this.readOnce(), this.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async readOnce(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      const r = await this.rtc.read();
      const now = Date.now();
      const prev = this.store.snapshot.rtc;
      if (prev.lastError !== null) this.log.info('RTC readable again', { model: this.rtc.model });
      this.store.update('rtc', {
        readable: true,
        timeMs: r.timeMs,
        // DS3231 and PCF8523 count whole seconds, so compare with the system's whole second;
        // the sub-second phase is unknown until the RTC issue measures it against PPS.
        offsetMs: r.timeMs === null ? null : r.timeMs - Math.floor(now / 1000) * 1000,
        oscillatorStopped: r.oscillatorStopped,
        batteryLow: r.batteryLow,
        temperatureC: r.temperatureC,
        readAt: now,
        lastError: null,
      });
    } catch (err) {
      const message = (err as Error).message;
      if (this.store.snapshot.rtc.lastError !== message) this.log.warn('RTC read failed', { model: this.rtc.model, error: message });
      this.store.update('rtc', { readable: false, lastError: message });
    } finally {
      this.#reading = false;
    }
  }
}
