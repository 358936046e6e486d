import type { Clock } from '../../../drivers/clock.js';
import type { ApplianceStore, PulseRecord } from '../../core/appliance-state.js';
import type { Fix } from '../../core/fix.js';
import { NmeaOffsetEstimator } from '../../core/nmea-offset-estimator.js';
import type { NmeaOffsetEstimate } from '../../core/timekeeper-types.js';
import type { Logger } from '../../logger.js';
import { loadCalibration, removeCalibration, saveCalibration } from './calibration-file.js';
import { DelaySampler, type DelayReference } from './delay-sampler.js';

export interface NmeaCalibrationOptions {
  store: ApplianceStore;
  log: Logger;
  clock: Clock;
  /** Where the estimate is kept across restarts (in the state directory); null: not kept. */
  stateFile: string | null;
  /** timekeeper.nmeaOffset config. */
  initialS: number;
  windowSize: number;
  minSamples: number;
  /**
   * True while the system clock is disciplined by a source other than this receiver's NMEA
   * (chronyc tracking: synchronised, reference not NMEA); enables calibration without PPS.
   */
  systemClockTrusted?: () => boolean;
  /** Rewrite the state file at most this often, ms (SD-card wear). Default 10 minutes. */
  persistIntervalMs?: number;
  /** Rewrite earlier only when the value moved more than this, s. Default 0.0005. */
  persistChangeS?: number;
}

/**
 * Self-calibration of the NMEA delay: pairs epochs with PPS edges (or the trusted system
 * clock), feeds the robust estimator, publishes `timekeeper.nmeaOffset`, and keeps the
 * value in the state directory. `delayS` is what the SOCK feed and SHM writer add to the
 * label. Never throws at runtime: persistence failures are logged and retried later.
 */
export class NmeaCalibrationService {
  readonly #o: NmeaCalibrationOptions;
  readonly #estimator: NmeaOffsetEstimator;
  readonly #sampler = new DelaySampler();
  #current: NmeaOffsetEstimate;
  #reference: DelayReference | null = null;
  #persisted: { valueS: number; at: number } | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(o: NmeaCalibrationOptions) {
    this.#o = o;
    this.#estimator = new NmeaOffsetEstimator({ windowSize: o.windowSize, minSamples: o.minSamples });
    this.#current = initial(o.initialS);
  }

  /** The delay to add to labels now, seconds. */
  get delayS(): number {
    return this.#current.valueS;
  }

  get estimate(): NmeaOffsetEstimate {
    return { ...this.#current };
  }

  /** Impossible delays refused (a receiver labelling the next pulse, a stalled port). */
  get rejectedSamples(): number {
    return this.#estimator.rejected;
  }

  /** Loads the persisted estimate; a corrupt file is ignored with a warning. */
  async start(): Promise<void> {
    const path = this.#o.stateFile;
    if (path) {
      const got = await loadCalibration(path);
      if (got.kind === 'loaded') {
        const c = got.calibration;
        this.#current = { valueS: c.valueS, spreadS: c.spreadS, samples: c.samples, source: 'persisted', reference: c.reference, updatedAt: c.updatedAt };
        this.#persisted = { valueS: c.valueS, at: this.#o.clock.now() };
        this.#o.log.info('NMEA delay loaded from the state directory', { file: path, valueS: c.valueS, samples: c.samples });
      } else if (got.kind === 'invalid') {
        this.#o.log.warn('NMEA calibration file ignored', { file: path, reason: got.reason });
      }
    }
    this.#publish();
  }

  onPpsEdge(edge: PulseRecord): void {
    this.#sampler.addEdge(edge);
  }

  onFix(fix: Fix, trust: { timeValid: boolean }): void {
    const s = this.#sampler.sample(fix, trust.timeValid, this.#o.systemClockTrusted?.() ?? false);
    if (s === null) return;
    if (this.#reference !== s.reference) {
      // PPS and the system clock are different rulers; a window never mixes them.
      if (this.#reference !== null) this.#o.log.info('NMEA calibration reference changed', { from: this.#reference, to: s.reference });
      this.#estimator.reset();
      this.#reference = s.reference;
    }
    this.#estimator.add(s.delayS);
    this.#update(false);
  }

  /** Takes the current window's estimate now and persists it; null when there are not enough samples yet. */
  async calibrateNow(): Promise<NmeaOffsetEstimate | null> {
    if (!this.#update(true)) return null;
    await this.#writing;
    return this.estimate;
  }

  /** Forgets the window and the persisted value; back to the configured initial delay. */
  async reset(): Promise<void> {
    this.#estimator.reset();
    this.#reference = null;
    this.#persisted = null;
    this.#current = initial(this.#o.initialS);
    this.#publish();
    const path = this.#o.stateFile;
    if (path) {
      await this.#writing;
      await removeCalibration(path).catch((err) => this.#o.log.warn('could not remove the NMEA calibration file', { file: path, error: (err as Error).message }));
    }
  }

  /** Waits for a write in flight. */
  async stop(): Promise<void> {
    await this.#writing;
  }

  #update(forcePersist: boolean): boolean {
    const e = this.#estimator.estimate();
    if (e === null || this.#reference === null) return false;
    const now = this.#o.clock.now();
    const first = this.#current.source !== 'calibrated';
    this.#current = { valueS: e.valueS, spreadS: e.spreadS, samples: e.samples, source: 'calibrated', reference: this.#reference, updatedAt: now };
    if (first) this.#o.log.info('NMEA delay calibrated', { valueS: e.valueS, spreadS: e.spreadS, samples: e.samples, reference: this.#reference });
    this.#publish();
    const p = this.#persisted;
    const due =
      forcePersist ||
      p === null ||
      (Math.abs(p.valueS - e.valueS) > (this.#o.persistChangeS ?? 0.0005) && now - p.at >= (this.#o.persistIntervalMs ?? 600_000));
    if (due) this.#persist();
    return true;
  }

  #persist(): void {
    const path = this.#o.stateFile;
    const c = this.#current;
    if (!path || c.reference === null) return;
    const reference = c.reference;
    this.#persisted = { valueS: c.valueS, at: this.#o.clock.now() };
    this.#writing = this.#writing
      .then(() => saveCalibration(path, { ...c, reference, updatedAt: c.updatedAt ?? this.#o.clock.now() }))
      .catch((err: Error) => {
        this.#persisted = null; // try again with the next sample
        this.#o.log.warn('could not persist the NMEA calibration', { file: path, error: err.message });
      });
  }

  #publish(): void {
    this.#o.store.update('timekeeper', { nmeaOffset: { ...this.#current } });
  }
}

function initial(valueS: number): NmeaOffsetEstimate {
  return { valueS, spreadS: null, samples: 0, source: 'initial', reference: null, updatedAt: null };
}
