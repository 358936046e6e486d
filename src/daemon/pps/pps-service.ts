import type { Cancel, Clock } from '../../drivers/clock.js';
import { systemClock } from '../../drivers/clock.js';
import type { PpsEdge, PpsLinkChange, PpsSource } from '../../drivers/pps/pps-source.js';
import type { ApplianceStore } from '../core/appliance-state.js';
import { PpsTracker, type PpsContext, type PpsCondition, type PpsHealth, type PpsTrackerOptions } from '../core/pps-tracker.js';
import { Backoff } from '../lifecycle/backoff.js';
import type { Logger } from '../logger.js';

export interface PpsServiceOptions {
  clock?: Clock;
  tracker?: PpsTrackerOptions;
  /** How often the tracker is re-evaluated without edges (to notice PPS missing). Default 1000 ms. */
  evaluateMs?: number;
  /** Re-open delays after the source fails to open or closes with an error. Default 1 s doubling to 30 s. */
  reopenInitialMs?: number;
  reopenMaxMs?: number;
}

/**
 * Follows a PPS source, feeds the pure tracker and publishes to the store's `pps` section:
 * every edge (`lastEdge`, which the timekeeper feed forwards to chrony on the GPIO path),
 * counts, and the tracker's health. A source that cannot be opened, or dies, is retried
 * with backoff: PPS trouble at runtime degrades the appliance, it does not stop it.
 */
export class PpsService {
  readonly #clock: Clock;
  readonly #tracker: PpsTracker;
  readonly #evaluateMs: number;
  #unsubscribe: (() => void) | null = null;
  readonly #backoff: Backoff;
  #timer: Cancel | null = null;
  #reopen: Cancel | null = null;
  #running = false;
  #lastCondition: PpsCondition | null = null;

  constructor(
    private readonly source: PpsSource,
    private readonly store: ApplianceStore,
    private readonly log: Logger,
    options: PpsServiceOptions = {},
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#tracker = new PpsTracker(this.#monoMs(), options.tracker);
    this.#evaluateMs = options.evaluateMs ?? 1000;
    this.#backoff = new Backoff(options.reopenInitialMs ?? 1000, options.reopenMaxMs ?? 30_000);
  }

  async start(): Promise<void> {
    this.#running = true;
    this.source.on('edge', this.#onEdge);
    this.source.on('close', this.#onClose);
    this.source.on('link', this.#onLink);
    await this.#open();
    this.#tick();
    // The verdict depends on GNSS trust and the timekeeper's sync: re-judge as soon as either
    // changes rather than at the next tick, so status never pairs "time valid" with a stale
    // "PPS present but GNSS time not valid". Deferred: never update the store from inside its own notification.
    this.#unsubscribe = this.store.subscribe((next, prev) => {
      if (next.gnss.trust.timeValid !== prev.gnss.trust.timeValid || next.timekeeper.synced !== prev.timekeeper.synced) {
        queueMicrotask(() => {
          if (this.#running) this.#evaluate();
        });
      }
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#timer?.();
    this.#reopen?.();
    this.#timer = this.#reopen = null;
    this.source.off('edge', this.#onEdge);
    this.source.off('close', this.#onClose);
    this.source.off('link', this.#onLink);
    await this.source.close().catch(() => undefined);
  }

  async #open(): Promise<void> {
    try {
      await this.source.open();
      this.#backoff.reset();
      this.store.update('pps', { link: 'open', device: this.source.path });
      this.log.info('PPS source open', { source: this.source.path });
    } catch (err) {
      this.log.warn('PPS source not available', { source: this.source.path, error: (err as Error).message });
      this.store.update('pps', { link: 'down' });
      this.#scheduleReopen();
    }
  }

  #scheduleReopen(): void {
    if (!this.#running || this.#reopen) return;
    this.#reopen = this.#clock.setTimeout(() => {
      this.#reopen = null;
      if (this.#running) void this.#open();
    }, this.#backoff.next());
  }

  #monoMs(): number {
    return Number(this.#clock.monoNs() / 1000n) / 1000;
  }

  #context(): PpsContext {
    const s = this.store.snapshot;
    return { gnssTimeValid: s.gnss.trust.timeValid, clockDisciplined: s.timekeeper.synced === true };
  }

  #tick(): void {
    if (!this.#running) return;
    this.#evaluate();
    this.#timer = this.#clock.setTimeout(() => this.#tick(), this.#evaluateMs);
  }

  /** Publishes health when the condition changes; edges publish it with themselves. */
  #evaluate(): void {
    const health = this.#tracker.evaluate(this.#monoMs(), this.#context());
    if (this.#noteCondition(health)) this.store.update('pps', { health });
  }

  #noteCondition(health: PpsHealth): boolean {
    if (health.condition === this.#lastCondition) return false;
    const level = health.condition === 'ok' || health.condition === 'waiting' ? 'info' : 'warn';
    this.log[level]('PPS condition', { condition: health.condition, message: health.message, previous: this.#lastCondition });
    this.#lastCondition = health.condition;
    return true;
  }

  readonly #onEdge = (edge: PpsEdge): void => {
    const ctx = this.#context();
    const now = this.#monoMs();
    this.#tracker.onEdge(edge, now, ctx);
    const health = this.#tracker.evaluate(now, ctx);
    this.#noteCondition(health);
    // One update, so a reader never sees the new edge with the old counts.
    this.store.update('pps', {
      lastEdge: { sec: edge.sec, nsec: edge.nsec, seq: edge.seq },
      pulses: health.pulses,
      missed: health.missed,
      health,
    });
  };

  readonly #onLink = (change: PpsLinkChange): void => {
    if (change.up) this.log.info('PPS device found', { device: change.device, detail: change.detail });
    else this.log.warn('PPS device lost', { detail: change.detail });
    this.store.update('pps', { link: change.up ? 'open' : 'down', device: change.up ? this.source.path : null });
  };

  readonly #onClose = (err: Error | null): void => {
    this.log.warn('PPS source closed', { source: this.source.path, error: err?.message ?? null });
    this.store.update('pps', { link: 'down' });
    if (err) this.#scheduleReopen();
  };
}
