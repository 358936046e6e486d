import type { Clock } from '../../../drivers/clock.js';
import type { ApplianceStore, PulseRecord } from '../../core/appliance-state.js';
import type { Fix } from '../../core/fix.js';
import { isAmbiguous, isLateLabel, labelDelay, type LabelNames } from '../../core/label-pulse.js';
import { NmeaOffsetEstimator } from '../../core/nmea-offset-estimator.js';
import type { NmeaOffsetEstimate } from '../../core/timekeeper-types.js';
import type { Logger } from '../../logger.js';
import { loadCalibration, removeCalibration, saveCalibration } from './calibration-file.js';
import { DelaySampler, type DelayReference } from './delay-sampler.js';

/** Phase-only verdicts in a row in the first half of the second that end an ambiguity. */
const SETTLE_EPOCHS = 10;

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
   * Accept a label delay in the second half of the second (0.5 s or more after, or more
   * than 0.5 s before, the pulse it names). Off: such a calibration is refused (alarm), and a
   * label arriving in the second half of the second with nothing to say which pulse it names
   * is not calibrated on. On: such a label names the pulse before it.
   * timekeeper.nmeaOffset.allowLateLabel.
   */
  allowLateLabel?: boolean;
  /**
   * Which pulse the receiver's labels name, as the operator knows it from the receiver's
   * documentation; null or absent: auto (a reference decides, else only labels in the first
   * half of the second are calibrated on). timekeeper.nmeaOffset.labelNames.
   */
  labelNames?: LabelNames | null;
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
  /** The receiver's label convention as a reference clock showed it (core/label-pulse.ts). */
  #learned: LabelNames | null = null;
  #basis: 'reference' | 'learned' | 'configured' | 'phase' | null = null;
  #refused: string | null = null;
  /** The phase of the latest PPS-paired label when nothing could say which pulse it names; null: known. */
  #ambiguousPhaseS: number | null = null;
  /** Unambiguous phase-only verdicts in a row since the last ambiguous one. */
  #settledStreak = 0;
  #unpairable = 0;
  #writing: Promise<void> = Promise.resolve();

  constructor(o: NmeaCalibrationOptions) {
    this.#o = o;
    // A label may precede the pulse it names: delays run from -1 s to 1 s.
    this.#estimator = new NmeaOffsetEstimator({ windowSize: o.windowSize, minSamples: o.minSamples, minS: -1, maxS: 1 });
    this.#current = initial(o.initialS);
  }

  /** The delay to add to labels now, seconds. */
  get delayS(): number {
    return this.#current.valueS;
  }

  get estimate(): NmeaOffsetEstimate {
    return { ...this.#current, labelNames: this.#labelNames(), wholeSecond: this.#basis, refused: this.#refused };
  }

  /**
   * False while labels arrive in the second half of the second and nothing says which pulse
   * they name: a sample built on them may be a whole second off, so the feeds withhold them.
   */
  get wholeSecondKnown(): boolean {
    return this.#ambiguousPhaseS === null;
  }

  /** Why the last estimate was refused, or null. */
  get refused(): string | null {
    return this.#refused;
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
      if (got.kind === 'loaded' && isLateLabel(got.calibration.valueS) && !this.#o.allowLateLabel) {
        // Most likely measured by a release that paired every label with the previous pulse.
        this.#o.log.warn('persisted NMEA delay ignored: it lies in the second half of the second (set timekeeper.nmeaOffset.allowLateLabel if the receiver really is that late)', { file: path, valueS: got.calibration.valueS });
      } else if (got.kind === 'loaded') {
        const c = got.calibration;
        this.#current = { valueS: c.valueS, spreadS: c.spreadS, samples: c.samples, source: 'persisted', reference: c.reference, updatedAt: c.updatedAt };
        this.#persisted = { valueS: c.valueS, at: this.#o.clock.now() };
        if (c.learned) this.#learned = c.learned;
        this.#o.log.info('NMEA delay loaded from the state directory', { file: path, valueS: c.valueS, samples: c.samples, learned: c.learned ?? null });
      } else if (got.kind === 'invalid') {
        this.#o.log.warn('NMEA calibration file ignored', { file: path, reason: got.reason });
      }
    }
    this.#publish();
  }

  onPpsEdge(edge: PulseRecord): void {
    this.#sampler.addEdge(edge);
  }

  /** `arrivalOk` false: the feed found the arrival stamp stalled (feed/arrival-check.ts); not a measurement. */
  onFix(fix: Fix, trust: { timeValid: boolean }, arrivalOk = true): void {
    if (!arrivalOk) return;
    const s = this.#sampler.sample(fix, trust.timeValid, this.#o.systemClockTrusted?.() ?? false);
    if (s === null) return;
    let delayS: number;
    if (s.reference === 'pps') {
      const d = labelDelay({ phaseS: s.phaseS, referenceS: s.referenceS, learned: this.#learned, configured: this.#o.labelNames ?? null, allowLateLabel: this.#o.allowLateLabel ?? false });
      if (d === null) {
        this.#unpairable++;
        return;
      }
      if (isAmbiguous(d)) {
        this.#settledStreak = 0;
        this.#refuseAmbiguous(d.phaseS);
        return;
      }
      if (this.#ambiguousPhaseS !== null) {
        // Labels hovering around half a second would otherwise raise and clear the alarm every
        // few seconds; a phase-only verdict must hold a while. A reference settles it at once.
        if (d.basis === 'phase' && ++this.#settledStreak < SETTLE_EPOCHS) return;
        this.#o.log.info('NMEA label convention settled', { names: d.names, basis: d.basis });
        this.#ambiguousPhaseS = null;
        this.#settledStreak = 0;
        this.#refused = null;
        this.#publish();
      }
      if (d.basis === 'reference' && this.#learned !== d.names) {
        this.#o.log.info('NMEA label convention learned from a synchronised reference', { names: d.names, delayS: d.delayS, before: this.#learned });
        this.#learned = d.names;
        this.#persisted = null; // kept with the next estimate, for a reboot with nothing to check against
      }
      const e = this.#estimator.estimate();
      if (d.basis === 'reference' && e !== null && Math.abs(d.delayS - e.valueS) > 0.5) {
        // The reference moved the whole second: the window was built on the wrong pulse.
        this.#o.log.warn('NMEA calibration window was a whole second off the reference; starting again', { windowS: e.valueS, referenceDelayS: d.delayS });
        this.#estimator.reset();
      }
      this.#basis = d.basis;
      delayS = d.delayS;
    } else {
      delayS = s.delayS;
    }
    if (this.#reference !== s.reference) {
      // PPS and the system clock are different rulers; a window never mixes them.
      if (this.#reference !== null) this.#o.log.info('NMEA calibration reference changed', { from: this.#reference, to: s.reference });
      this.#estimator.reset();
      this.#reference = s.reference;
    }
    this.#estimator.add(delayS);
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
    this.#learned = null;
    this.#basis = null;
    this.#refused = null;
    this.#ambiguousPhaseS = null;
    this.#settledStreak = 0;
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
    if (isLateLabel(e.valueS) && !this.#o.allowLateLabel) {
      const reason = `NMEA delay measured at ${(e.valueS * 1000).toFixed(1)} ms lands in the second half of the second: a whole-second mistake is one jitter away, so it is not used (the delay in use stays ${(this.#current.valueS * 1000).toFixed(1)} ms, ${this.#current.source}); if the receiver really sends its label that late, set timekeeper.nmeaOffset.allowLateLabel`;
      if (this.#refused === null) this.#o.log.warn('NMEA calibration refused', { valueS: e.valueS, samples: e.samples, basis: this.#basis });
      this.#refused = reason;
      this.#publish();
      return false;
    }
    if (this.#ambiguousPhaseS !== null) return false; // the labels now arriving cannot be paired: keep saying so
    if (this.#refused !== null) this.#o.log.info('NMEA calibration accepted again', { valueS: e.valueS });
    this.#refused = null;
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

  #refuseAmbiguous(phaseS: number): void {
    const first = this.#ambiguousPhaseS === null;
    this.#ambiguousPhaseS = phaseS;
    if (!first) return;
    const ms = (phaseS * 1000).toFixed(0);
    this.#refused =
      `NMEA labels arrive ${ms} ms after the PPS edge: such a label either names the next pulse (sent ${(1000 - phaseS * 1000).toFixed(0)} ms before it, as some timing receivers do) or this one, ${ms} ms late, and nothing here tells which; a wrong guess is a whole second, so the receiver's time is not sent to the timekeeper and not calibrated on. ` +
      'Settle it: set timekeeper.nmeaOffset.labelNames to next-pulse or previous-pulse (with allowLateLabel) as the receiver documents, or give chrony another synchronised source (an NTP server) to check the whole second against';
    this.#o.log.warn('NMEA label convention ambiguous: samples withheld', { phaseS });
    this.#publish();
  }

  #persist(): void {
    const path = this.#o.stateFile;
    const c = this.#current;
    if (!path || c.reference === null) return;
    const reference = c.reference;
    this.#persisted = { valueS: c.valueS, at: this.#o.clock.now() };
    this.#writing = this.#writing
      .then(() => saveCalibration(path, { ...c, reference, updatedAt: c.updatedAt ?? this.#o.clock.now() }, this.#learned))
      .catch((err: Error) => {
        this.#persisted = null; // try again with the next sample
        this.#o.log.warn('could not persist the NMEA calibration', { file: path, error: err.message });
      });
  }

  #labelNames(): LabelNames | null {
    if (this.#learned !== null) return this.#learned;
    if (this.#reference !== 'pps' || this.#current.source !== 'calibrated') return null;
    return this.#current.valueS < 0 ? 'next-pulse' : 'previous-pulse';
  }

  #publish(): void {
    this.#o.store.update('timekeeper', { nmeaOffset: this.estimate });
  }
}

function initial(valueS: number): NmeaOffsetEstimate {
  return { valueS, spreadS: null, samples: 0, source: 'initial', reference: null, updatedAt: null };
}
