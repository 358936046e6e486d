import { readFile } from 'node:fs/promises';
import type { AlarmsConfig } from '../../config/sections/alarms.js';
import type { Cancel, Clock } from '../../drivers/clock.js';
import type { ApplianceState, ApplianceStore } from '../core/appliance-state.js';
import type { AlarmInputs, AlarmPolicy, AlarmsState } from '../core/alarm-types.js';
import { type AlarmChange, type AlarmMemory, evaluateAlarms, initialAlarmMemory } from '../core/alarms.js';
import type { Logger } from '../logger.js';
import { readLeapFileExpiry } from './leap-file.js';

export interface AlarmServiceOptions {
  store: ApplianceStore;
  log: Logger;
  clock: Clock;
  config: AlarmsConfig;
  /** timekeeper.chrony.leapSecondsFile; null: do not watch a leap-seconds file. */
  leapSecondsFile: string | null;
  /** Re-evaluation period with no state change, so debounce periods and staleness elapse. */
  tickMs?: number;
  /** How often the leap-seconds file is read again (tzdata updates replace it). */
  leapFileRecheckMs?: number;
  readFile?: (path: string) => Promise<string>;
}

/**
 * Evaluates the alarm rules (core/alarm-rules.ts) on every state change and once a tick,
 * publishes the result as the `alarms` section of the state, and logs each raise and clear.
 * The inputs that are not state (thresholds, the leap-seconds file's expiry, the last
 * configuration change) are gathered here, so the rules stay pure.
 */
export class AlarmService {
  #memory: AlarmMemory = initialAlarmMemory();
  #config: AlarmsConfig;
  #leapFile: string | null;
  #leapExpiresAt: number | null = null;
  #leapReadAt: number | null = null;
  #configChangedAt: number | null = null;
  #unsubscribe: (() => void) | null = null;
  #cancelTick: Cancel | null = null;
  readonly #tickMs: number;
  readonly #leapRecheckMs: number;
  readonly #read: (path: string) => Promise<string>;

  constructor(private readonly o: AlarmServiceOptions) {
    this.#config = o.config;
    this.#leapFile = o.leapSecondsFile;
    this.#tickMs = o.tickMs ?? 1000;
    this.#leapRecheckMs = o.leapFileRecheckMs ?? 6 * 3600_000;
    this.#read = o.readFile ?? ((p) => readFile(p, 'utf8'));
  }

  get snapshot(): AlarmsState {
    return this.#memory.view;
  }

  async start(): Promise<void> {
    await this.#refreshLeapFile();
    this.#unsubscribe = this.o.store.subscribe(this.#onState);
    this.evaluateNow();
    this.#scheduleTick();
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#cancelTick?.();
    this.#cancelTick = null;
  }

  /** For the SIGHUP path: call when a reload produced a configuration different from the running one. */
  noteConfigChanged(): void {
    this.#configChangedAt = this.o.clock.now();
    this.evaluateNow();
  }

  /** New thresholds (SIGHUP); a changed leap-seconds path is read again. */
  async reconfigure(config: AlarmsConfig, leapSecondsFile: string | null): Promise<void> {
    this.#config = config;
    if (leapSecondsFile !== this.#leapFile) {
      this.#leapFile = leapSecondsFile;
      await this.#refreshLeapFile();
    }
    this.evaluateNow();
  }

  evaluateNow(): void {
    const { memory, changes } = evaluateAlarms(this.o.store.snapshot, this.#inputs(), this.#memory, this.#policy());
    this.#memory = memory;
    if (changes.length === 0) return;
    for (const c of changes) this.#logChange(c);
    this.o.store.update('alarms', memory.view);
  }

  readonly #onState = (next: ApplianceState, prev: ApplianceState): void => {
    // Our own publication changes only `alarms`; every other change is a reason to look again.
    if (next.gnss === prev.gnss && next.pps === prev.pps && next.rtc === prev.rtc && next.timekeeper === prev.timekeeper) return;
    this.evaluateNow();
  };

  #scheduleTick(): void {
    this.#cancelTick = this.o.clock.setTimeout(() => {
      this.#cancelTick = null;
      const now = this.o.clock.now();
      if (this.#leapFile !== null && (this.#leapReadAt === null || now - this.#leapReadAt >= this.#leapRecheckMs)) {
        void this.#refreshLeapFile().then(() => this.evaluateNow());
      }
      this.evaluateNow();
      if (this.#unsubscribe) this.#scheduleTick();
    }, this.#tickMs);
  }

  async #refreshLeapFile(): Promise<void> {
    this.#leapReadAt = this.o.clock.now();
    if (this.#leapFile === null) {
      this.#leapExpiresAt = null;
      return;
    }
    const r = await readLeapFileExpiry(this.#leapFile, this.#read);
    const previous = this.#leapExpiresAt;
    this.#leapExpiresAt = r.kind === 'ok' ? r.expiresAt : null;
    if (r.kind === 'unusable') this.o.log.warn('leap-seconds file unusable; its expiry is not watched', { file: this.#leapFile, reason: r.reason });
    else if (r.kind === 'missing' && previous !== null) this.o.log.info('leap-seconds file gone; its expiry is not watched', { file: this.#leapFile });
  }

  #inputs(): AlarmInputs {
    const c = this.#config;
    return {
      now: this.o.clock.now(),
      offsetLimitS: c.offsetLimitS,
      ppsStaleMs: c.ppsStaleS * 1000,
      leapFileWarnMs: c.leapFileWarnDays * 86_400_000,
      leapFileExpiresAt: this.#leapExpiresAt,
      configChangedAt: this.#configChangedAt,
      configChangedHoldMs: c.configChangedHoldS * 1000,
    };
  }

  #policy(): AlarmPolicy {
    return { raiseAfterMs: this.#config.raiseAfterS * 1000, clearAfterMs: this.#config.clearAfterS * 1000, historySize: this.#config.historySize };
  }

  #logChange(c: AlarmChange): void {
    const a = c.alarm;
    const fields = { alarm: a.id, severity: a.severity, since: a.since, message: a.message };
    if (c.kind === 'raised') {
      if (a.severity === 'info') this.o.log.info('alarm raised', fields);
      else this.o.log.warn('alarm raised', fields);
    } else if (c.kind === 'cleared') this.o.log.info('alarm cleared', { ...fields, clearedAt: 'clearedAt' in a ? a.clearedAt : null });
    else this.o.log.debug('alarm updated', fields);
  }
}
