import type { HoldoverConfig as HoldoverSection } from '../../config/sections/rtc.js';
import type { Cancel, Clock } from '../../drivers/clock.js';
import type { ApplianceState, ApplianceStore } from '../core/appliance-state.js';
import { initialHoldoverMemory, stepHoldover, type HoldoverMemory, type HoldoverStatus } from '../core/holdover.js';
import type { Logger } from '../logger.js';
import { referenceValid } from './rtc-status.js';

/**
 * Runs the pure holdover model over the appliance state: on every state change (a lost fix or
 * PPS shows at once) and on a timer (the estimate grows while nothing else changes). Publishes
 * through `publish` (the lead wires it to a `holdover` state section) and logs entering and
 * leaving holdover and crossing the budget.
 */
export interface HoldoverMonitorOptions {
  store: ApplianceStore;
  clock: Clock;
  log: Logger;
  config: HoldoverSection;
  publish(status: HoldoverStatus): void;
  intervalMs?: number;
}

export class HoldoverMonitor {
  #memory: HoldoverMemory = initialHoldoverMemory;
  #status: HoldoverStatus | null = null;
  #unsubscribe: (() => void) | null = null;
  #timer: Cancel | null = null;

  constructor(private readonly o: HoldoverMonitorOptions) {}

  get status(): HoldoverStatus | null {
    return this.#status;
  }

  start(): void {
    this.#unsubscribe = this.o.store.subscribe((next, prev) => {
      if (next.gnss.trust !== prev.gnss.trust || next.pps !== prev.pps || next.timekeeper !== prev.timekeeper) this.evaluate(next);
    });
    const tick = (): void => {
      this.evaluate(this.o.store.snapshot);
      this.#timer = this.o.clock.setTimeout(tick, this.o.intervalMs ?? 5000);
    };
    tick();
  }

  /** New budget/wander settings (SIGHUP); the holdover memory (entered when, frequency history) is kept. */
  reconfigure(config: HoldoverSection): void {
    this.o.config = config;
    if (this.#unsubscribe) this.evaluate(this.o.store.snapshot);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#timer?.();
    this.#unsubscribe = null;
    this.#timer = null;
  }

  evaluate(s: ApplianceState): HoldoverStatus {
    const c = this.o.config;
    const { memory, status } = stepHoldover(
      this.#memory,
      { nowMs: this.o.clock.now(), referenceOk: referenceValid(s), synced: s.timekeeper.synced, tracking: s.timekeeper.tracking },
      { budgetS: c.budgetMs / 1000, minWanderPpmPerHour: c.minWanderPpmPerHour, historyS: c.historyH * 3600 },
    );
    this.#memory = memory;
    const prev = this.#status;
    this.#status = status;
    if (prev?.state !== status.state) {
      if (status.state === 'holdover') this.o.log.warn('holdover: GNSS time or PPS lost, the clock coasts on its last frequency', { skewPpm: status.skewPpm, wanderPpmPerHour: status.wanderPpmPerHour });
      else if (prev?.state === 'holdover') this.o.log.info('holdover ended', { state: status.state, lastEstimatedErrorS: prev.estimatedErrorS });
    }
    if (status.overBudget && !prev?.overBudget) {
      this.o.log.error('holdover error estimate over budget', { estimatedErrorS: status.estimatedErrorS, budgetS: status.budgetS, since: status.since });
    }
    this.o.publish(status);
    return status;
  }
}
