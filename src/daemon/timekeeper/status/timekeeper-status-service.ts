import type { Cancel, Clock } from '../../../drivers/clock.js';
import type { ApplianceStore } from '../../core/appliance-state.js';
import { explainSync } from '../../core/explain-sync.js';
import type { TimekeeperRefclocks, TimekeeperState } from '../../core/timekeeper-types.js';
import type { Logger } from '../../logger.js';
import type { TimekeeperReading } from './chrony-normalise.js';
import type { Parsed } from './parse-result.js';

/** chronyc or ntpq behind one question: what does the timekeeper think now? */
export interface TimekeeperStatusReader {
  query(): Promise<Parsed<TimekeeperReading>>;
}

export interface TimekeeperStatusServiceOptions {
  store: ApplianceStore;
  log: Logger;
  clock: Clock;
  reader: TimekeeperStatusReader;
  intervalS: number;
  /** What stratum1d configured, so the explanations can say what is missing; a function is re-read every poll. */
  refclocks: TimekeeperRefclocks | null | (() => TimekeeperRefclocks | null);
}

type StatusPatch = Pick<TimekeeperState, 'reachable' | 'lastError' | 'synced' | 'tracking' | 'sources' | 'explanations' | 'refclocks' | 'updatedAt'>;

/**
 * Polls the timekeeper every intervalS seconds and writes what it says, with explanations,
 * into the store's `timekeeper` section (never `feed` or `nmeaOffset`: the feeder and the
 * calibrator own those). A failed query is a state (reachable=false, lastError), logged
 * once when it starts or changes, never a crash. Polls never overlap: the next one is
 * scheduled when the previous answer is in.
 */
export class TimekeeperStatusService {
  readonly #o: TimekeeperStatusServiceOptions;
  #timer: Cancel | null = null;
  #stopped = true;
  #inFlight: Promise<void> | null = null;
  #lastLoggedError: string | null = null;
  #polls = 0;

  constructor(o: TimekeeperStatusServiceOptions) {
    this.#o = o;
  }

  /** How many queries have completed (for tests and metrics). */
  get polls(): number {
    return this.#polls;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#o.store.update('timekeeper', { refclocks: this.#refclocks() });
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.();
    this.#timer = null;
  }

  /** Queries now (outside the schedule too); concurrent callers share one query. */
  pollNow(): Promise<void> {
    this.#inFlight ??= this.#poll().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = null;
      void this.pollNow().then(() => this.#schedule(this.#o.intervalS * 1000));
    }, ms);
  }

  async #poll(): Promise<void> {
    let result: Parsed<TimekeeperReading>;
    try {
      result = await this.#o.reader.query();
    } catch (e) {
      // Readers return errors as values; this only guards against a bug in one.
      result = { ok: false, error: `status query failed: ${e instanceof Error ? e.message : String(e)}` };
    }
    this.#polls++;
    const refclocks = this.#refclocks();
    const patch: StatusPatch = result.ok
      ? { reachable: true, lastError: null, ...result.value, explanations: [], refclocks, updatedAt: this.#o.clock.now() }
      : { reachable: false, lastError: result.error, synced: null, tracking: null, sources: [], explanations: [], refclocks, updatedAt: this.#o.clock.now() };
    const snap = this.#o.store.snapshot;
    patch.explanations = explainSync({ ...snap, timekeeper: { ...snap.timekeeper, ...patch } });
    this.#o.store.update('timekeeper', patch);
    this.#logTransition(result);
  }

  #refclocks(): TimekeeperRefclocks | null {
    const r = this.#o.refclocks;
    return typeof r === 'function' ? r() : r;
  }

  #logTransition(result: Parsed<TimekeeperReading>): void {
    if (!result.ok) {
      if (result.error !== this.#lastLoggedError) this.#o.log.warn('timekeeper status unavailable', { error: result.error });
      this.#lastLoggedError = result.error;
    } else if (this.#lastLoggedError !== null) {
      this.#o.log.info('timekeeper status available again', { synced: result.value.synced });
      this.#lastLoggedError = null;
    }
  }
}
