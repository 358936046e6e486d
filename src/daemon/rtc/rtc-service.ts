import type { RtcConfig } from '../../config/sections/rtc.js';
import type { Cancel, Clock } from '../../drivers/clock.js';
import type { ClockSyncProbe, SystemClockSetter } from '../../drivers/native/rtc-system-clock.js';
import type { RtcDevice, RtcReading } from '../../drivers/rtc/rtc-device.js';
import type { ApplianceState, ApplianceStore } from '../core/appliance-state.js';
import { addPoint, edgePoint, estimateDrift, trimStep, type DriftPoint } from '../core/rtc-drift.js';
import type { Logger } from '../logger.js';
import { loadDrift, saveDrift } from './rtc-drift-file.js';
import { referenceValid, type RtcPatch } from './rtc-status.js';

/**
 * The RTC as an appliance keeps it: reads it for status; at start, sets an unsynchronised
 * system clock from it (through the injected setter); while GNSS + PPS are good, measures its
 * rate at seconds rollovers, keeps that in the state directory, writes it from GNSS time on a
 * schedule, when it is invalid or a second off, and at clean shutdown; optionally trims its
 * frequency. The system clock, disciplined by the timekeeper to GNSS + PPS, stands in for GNSS
 * time: it is within microseconds of it whenever {@link referenceValid} holds.
 */
export interface RtcServiceOptions {
  device: RtcDevice;
  store: ApplianceStore;
  log: Logger;
  clock: Clock;
  config: RtcConfig;
  systemClock: SystemClockSetter;
  syncProbe: ClockSyncProbe;
  /** e.g. `<stateDir>/rtc-drift.json` */
  driftFile: string;
  note?: string | null;
  /** Poll period while watching for a rollover, ms. */
  edgePollMs?: number;
}

/** Rewrite the RTC when it is this far from the reference (ms): more than its 1-s resolution explains. */
const REWRITE_BEYOND_MS = 1500;
const PERSIST_EVERY_MS = 3_600_000;

export class RtcService {
  readonly #o: RtcServiceOptions;
  #timers: Cancel[] = [];
  #chain: Promise<unknown> = Promise.resolve();
  #points: DriftPoint[] = [];
  #segment = 0;
  #lastWriteAt: number | null = null;
  #lastTrimAt: number | null = null;
  #lastPersist = 0;
  #persisting: Promise<void> = Promise.resolve();
  #stopped = false;
  /** Pending sleeps, woken early by stop() so a rollover watch ends at once. */
  readonly #sleepers = new Set<() => void>();

  constructor(o: RtcServiceOptions) {
    this.#o = o;
  }

  private get snapshot(): ApplianceState {
    return this.#o.store.snapshot;
  }

  private publish(patch: RtcPatch): void {
    // RtcPatch ⊇ RtcState: the extra fields ride in the section until RtcState declares them.
    this.#o.store.update('rtc', patch as Partial<ApplianceState['rtc']>);
  }

  async start(): Promise<void> {
    const { device, log } = this.#o;
    this.publish({ access: device.access ?? null, note: this.#o.note ?? null, drift: null, lastWrite: null, trim: null, boot: null });
    await this.restore();
    const reading = await this.readOnce();
    await this.bootCheck(reading);
    if (device.trim) {
      try {
        this.publish({ trim: { value: await device.trim.read(), ppmPerStep: device.trim.ppmPerStep, lastChangeAt: this.#lastTrimAt } });
      } catch (err) {
        log.warn('cannot read the RTC trim register', { error: (err as Error).message });
      }
    }
    this.every(this.#o.config.readIntervalS * 1000, () => this.routine());
    this.every(this.#o.config.drift.measureIntervalS * 1000, () => this.measure());
  }

  /** Cancels the timers, writes the RTC from GNSS time (config), persists the measurement. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const c of this.#timers) c();
    this.#timers = [];
    for (const wake of [...this.#sleepers]) wake();
    await this.#chain.catch(() => undefined);
    if (this.#o.config.writeOnShutdown && referenceValid(this.snapshot)) await this.exclusive(() => this.writeFromReference('shutdown'));
    await this.#persisting;
    await this.persist();
    await this.#o.device.close?.();
  }

  /** One reading published to state; errors are reported, never thrown. */
  async readOnce(): Promise<RtcReading | null> {
    return this.exclusive(async () => {
      const { device, clock, log } = this.#o;
      try {
        const r = await device.read();
        const now = clock.now();
        if (this.snapshot.rtc.lastError !== null) log.info('RTC readable again', { model: device.model });
        this.publish({
          readable: true,
          timeMs: r.timeMs,
          // Whole seconds on both sides: the sub-second phase is what the drift measurement finds.
          offsetMs: r.timeMs === null ? null : r.timeMs - Math.floor(now / 1000) * 1000,
          oscillatorStopped: r.oscillatorStopped,
          batteryLow: r.batteryLow,
          temperatureC: r.temperatureC,
          readAt: now,
          lastError: null,
        });
        return r;
      } catch (err) {
        const message = (err as Error).message;
        if (this.snapshot.rtc.lastError !== message) log.warn('RTC read failed', { model: device.model, error: message });
        this.publish({ readable: false, lastError: message });
        return null;
      }
    });
  }

  private async bootCheck(r: RtcReading | null): Promise<void> {
    const { syncProbe, systemClock, log, config, clock } = this.#o;
    let unsynchronised: boolean | null;
    try {
      unsynchronised = syncProbe.unsynchronised();
    } catch (err) {
      log.warn('cannot tell whether the system clock is synchronised', { error: (err as Error).message });
      unsynchronised = null;
    }
    if (unsynchronised !== true) return void this.publish({ boot: { unsynchronised, rtcTimeMs: null, systemClockSet: false, error: null } });
    const valid = r !== null && r.timeMs !== null && !r.oscillatorStopped;
    if (!valid) {
      log.warn('system clock unsynchronised and the RTC is not valid: waiting for GNSS', { oscillatorStopped: r?.oscillatorStopped ?? null });
      return void this.publish({ boot: { unsynchronised, rtcTimeMs: null, systemClockSet: false, error: null } });
    }
    const rtcMs = r.timeMs!;
    log.info('system clock unsynchronised; RTC time', { rtc: new Date(rtcMs).toISOString(), system: new Date(clock.now()).toISOString() });
    let error: string | null = null;
    let set = false;
    if (config.setSystemClockAtStart) {
      try {
        // The RTC shows whole seconds: the middle of the second halves the worst error (±0.5 s).
        await systemClock.setTime(rtcMs + 500);
        set = true;
        log.info('system clock set from the RTC', { to: new Date(rtcMs + 500).toISOString() });
      } catch (err) {
        error = (err as Error).message;
        log.warn('cannot set the system clock from the RTC (needs CAP_SYS_TIME)', { error });
      }
    }
    this.publish({ boot: { unsynchronised, rtcTimeMs: rtcMs, systemClockSet: set, error } });
  }

  /** Periodic: publish a reading; write the RTC when invalid, far off, or on schedule. */
  private async routine(): Promise<void> {
    const r = await this.readOnce();
    if (!referenceValid(this.snapshot) || r === null) return;
    const now = this.#o.clock.now();
    const hours = this.#o.config.writeIntervalH;
    let reason: string | null = null;
    if (r.timeMs === null || r.oscillatorStopped) reason = 'rtc invalid';
    else if (Math.abs(r.timeMs - Math.floor(now / 1000) * 1000) > REWRITE_BEYOND_MS) reason = 'rtc off by more than a second';
    else if (hours > 0 && now - (this.#lastWriteAt ?? -Infinity) >= hours * 3_600_000) reason = 'schedule';
    if (reason) await this.exclusive(() => this.writeFromReference(reason));
  }

  /** Watches for one rollover of the RTC second and adds the point. */
  private async measure(): Promise<void> {
    if (!referenceValid(this.snapshot)) return;
    const point = await this.exclusive(() => this.watchRollover());
    if (!point) return;
    const { config, clock, log } = this.#o;
    this.#points = addPoint(this.#points, point, config.drift.maxPoints);
    const est = estimateDrift(this.#points, { minPoints: 3, minBaselineS: config.drift.minBaselineH * 3600 });
    const now = clock.now();
    if (est) {
      this.publish({ drift: { ...est, updatedAt: now, source: 'measured' } });
      await this.maybeTrim(est);
    }
    if (now - this.#lastPersist >= PERSIST_EVERY_MS) this.persistInBackground();
  }

  /**
   * Finds one RTC seconds rollover. With a point already in this segment the edge is predicted
   * (the offset moves by ppm only), so the watch sleeps until just before it and polls every
   * millisecond: about ±0.5 ms per point instead of ±poll/2.
   */
  private async watchRollover(): Promise<DriftPoint | null> {
    const { clock } = this.#o;
    const last = this.#points.at(-1);
    if (last && last.segment === this.#segment) {
      const offset = last.offsetMs;
      let edge = Math.ceil((clock.now() + offset) / 1000) * 1000 - offset;
      if (edge - clock.now() < 30) edge += 1000;
      await this.sleep(edge - 20 - clock.now());
      const p = await this.poll(1, 60);
      if (p) return p;
    }
    return this.poll(this.#o.edgePollMs ?? 10, 1100 + (this.#o.edgePollMs ?? 10));
  }

  private async poll(everyMs: number, forMs: number): Promise<DriftPoint | null> {
    const { device, clock } = this.#o;
    let prev: { refMs: number; rtcMs: number } | null = null;
    const deadline = clock.now() + forMs;
    while (clock.now() <= deadline && !this.#stopped) {
      const refMs = clock.now();
      let r: RtcReading;
      try {
        r = await device.read();
      } catch {
        return null;
      }
      if (r.timeMs === null || r.oscillatorStopped) return null;
      const cur = { refMs, rtcMs: r.timeMs };
      if (prev && cur.rtcMs !== prev.rtcMs) return edgePoint(prev, cur, this.#segment);
      prev = cur;
      await this.sleep(everyMs);
    }
    return null;
  }

  private async maybeTrim(est: NonNullable<ReturnType<typeof estimateDrift>>): Promise<void> {
    const { device, config, clock, log } = this.#o;
    const trim = device.trim;
    if (!config.trim.enabled || !trim) return;
    const now = clock.now();
    if (this.#lastTrimAt !== null && now - this.#lastTrimAt < config.trim.minIntervalH * 3_600_000) return;
    await this.exclusive(async () => {
      const current = await trim.read();
      const step = trimStep(est, { ...trim, current }, { maxStep: config.trim.maxStep, maxStdErrPpm: config.trim.maxStdErrPpm });
      if (step === 0) return;
      await trim.write(current + step);
      log.info('RTC frequency trim adjusted', { model: device.model, from: current, to: current + step, driftPpm: est.ppm, expectedPpm: est.ppm + step * trim.ppmPerStep });
      this.#lastTrimAt = now;
      // The rate changed: measure afresh.
      this.#points = [];
      this.#segment++;
      this.publish({ trim: { value: current + step, ppmPerStep: trim.ppmPerStep, lastChangeAt: now }, drift: null });
      this.persistInBackground();
    });
  }

  /** An operator's request (MCP set_rtc_from_system): write the RTC from the system clock now. */
  async writeNow(): Promise<{ writtenAt: string; model: string }> {
    const before = this.#lastWriteAt;
    await this.writeFromReference('operator request');
    if (this.#lastWriteAt === before || this.#lastWriteAt === null) throw new Error(`writing the ${this.#o.device.model} RTC failed (see the daemon log)`);
    return { writtenAt: new Date(this.#lastWriteAt).toISOString(), model: this.#o.device.model };
  }

  /** Writes the RTC at the next whole second of the reference (DS3231 restarts its countdown on the seconds write). */
  private async writeFromReference(reason: string): Promise<void> {
    const { device, clock, log } = this.#o;
    await this.sleep(1000 - (clock.now() % 1000));
    const at = Math.round(clock.now() / 1000) * 1000;
    try {
      await device.setTime(at);
    } catch (err) {
      log.warn('cannot write the RTC', { reason, error: (err as Error).message });
      return;
    }
    this.#segment++;
    this.#lastWriteAt = at;
    log.info('RTC written from GNSS time', { reason, time: new Date(at).toISOString() });
    this.publish({ lastWrite: { at, reason }, oscillatorStopped: false });
  }

  private async restore(): Promise<void> {
    const { device, driftFile, log } = this.#o;
    const got = await loadDrift(driftFile, device.model);
    if (got.kind === 'invalid') log.warn('ignoring the saved RTC drift', { file: driftFile, reason: got.reason });
    if (got.kind !== 'loaded') return;
    const d = got.drift;
    this.#points = d.points;
    this.#segment = d.segment + 1; // the RTC may have been written while we were down
    this.#lastWriteAt = d.lastWriteAt;
    this.#lastTrimAt = d.lastTrimAt;
    if (d.estimate) this.publish({ drift: { ...d.estimate, updatedAt: d.updatedAt, source: 'persisted' } });
  }

  /** The SD card's fsync can take longer than a rollover watch: never hold the device chain for it. */
  private persistInBackground(): void {
    this.#lastPersist = this.#o.clock.now();
    this.#persisting = this.#persisting
      .then(() => this.persist())
      .catch((e: Error) => this.#o.log.warn('cannot save the RTC drift', { error: e.message }));
  }

  private async persist(): Promise<void> {
    const { device, driftFile, clock } = this.#o;
    const now = clock.now();
    const est = estimateDrift(this.#points, { minPoints: 3, minBaselineS: this.#o.config.drift.minBaselineH * 3600 });
    await saveDrift(driftFile, { version: 1, model: device.model, segment: this.#segment, points: this.#points, estimate: est, lastWriteAt: this.#lastWriteAt, lastTrimAt: this.#lastTrimAt, updatedAt: now });
    this.#lastPersist = now;
  }

  /** A fixed cadence (re-armed when it fires, so a slow task does not shift it); a run still busy is skipped. */
  private every(ms: number, fn: () => Promise<unknown>): void {
    let busy = false;
    const arm = (): void => {
      if (this.#stopped) return;
      const cancel = this.#o.clock.setTimeout(() => {
        this.#timers = this.#timers.filter((c) => c !== cancel);
        arm();
        if (busy) return;
        busy = true;
        void fn()
          .catch((e: Error) => this.#o.log.warn('RTC task failed', { error: e.message }))
          .finally(() => (busy = false));
      }, ms);
      this.#timers.push(cancel);
    };
    arm();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        cancel();
        this.#sleepers.delete(wake);
        resolve();
      };
      const cancel = this.#o.clock.setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  /** One device conversation at a time: a rollover watch must not interleave with a write. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }
}
