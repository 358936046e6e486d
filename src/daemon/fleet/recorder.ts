import { performance } from 'node:perf_hooks';
import type { EventBody } from '../../fleet-wire/schema.js';
import type { ApplianceStore } from '../core/appliance-state.js';
import type { NewRecord, Outbox } from './outbox.js';
import { eventsFromChange, TelemetrySampler } from './telemetry-sampler.js';

/**
 * Puts records into the outbox. A write that fails (disk full, read-only file system, I/O
 * error) is a runtime condition, not a crash: the record waits in memory (bounded) and is
 * written, in order, at the next attempt; the error is published (state.fleet.outboxError →
 * alarm). A record that never got into the outbox has no sequence number, so it is not a gap
 * the collector could be told about: such losses are counted in the error text.
 */
export class OutboxWriter {
  readonly #pending: NewRecord[] = [];
  #error: string | null = null;
  #lost = 0;
  failures = 0;

  constructor(
    private readonly o: {
      outbox: () => Outbox | null;
      /** Records kept in memory while the outbox cannot be written. */
      maxPending: number;
      onChange: () => void;
    },
  ) {}

  get error(): string | null {
    return this.#error === null ? null : `${this.#error} (${this.#pending.length} records waiting in memory${this.#lost ? `, ${this.#lost} lost` : ''})`;
  }

  get waiting(): number {
    return this.#pending.length;
  }

  write(r: NewRecord): void {
    this.#pending.push(r);
    if (this.#pending.length > this.o.maxPending) {
      this.#pending.shift();
      this.#lost++;
    }
    this.retry();
  }

  /** Writes what waits, oldest first; stops at the first failure (order is kept). */
  retry(): void {
    const box = this.o.outbox();
    if (!box) {
      if (this.#pending.length) this.#fail('the outbox is not open');
      return;
    }
    let wrote = 0;
    while (this.#pending.length) {
      try {
        box.append(this.#pending[0]!);
      } catch (err) {
        this.#fail(`cannot write the outbox: ${(err as Error).message}`);
        return;
      }
      this.#pending.shift();
      wrote++;
    }
    if (this.#error !== null || wrote) {
      this.#error = null;
      this.o.onChange();
    }
  }

  #fail(message: string): void {
    this.failures++;
    this.#error = message;
    this.o.onChange();
  }
}

/**
 * Every `intervalS` one telemetry record of aggregates (telemetry-sampler.ts), and events as
 * they happen. Owns the timer and the store subscription; the sampling itself is pure.
 */
export class FleetRecorder {
  readonly #sampler = new TelemetrySampler();
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  #fromMs = 0;
  #fromMono = 0;

  constructor(
    private readonly o: {
      store: ApplianceStore;
      writer: OutboxWriter;
      intervalS: number;
      now?: () => number;
      mono?: () => number;
    },
  ) {}

  #now(): number {
    return (this.o.now ?? Date.now)();
  }

  #mono(): number {
    return this.o.mono ? this.o.mono() : performance.now();
  }

  start(): void {
    this.#fromMs = this.#now();
    this.#fromMono = this.#mono();
    this.#sampler.observe(this.o.store.snapshot);
    this.#unsubscribe = this.o.store.subscribe((next, prev) => {
      this.#sampler.observe(next, prev);
      for (const e of eventsFromChange(next, prev)) this.event(e);
    });
    this.#timer = setInterval(() => this.closeInterval(), this.o.intervalS * 1000);
    this.#timer.unref();
  }

  /** An event not visible in the state (config changed, daemon start/stop). */
  event(body: EventBody): void {
    this.o.writer.write({ kind: 'event', at: this.#now(), body });
  }

  /** Ends the current interval: one telemetry record. */
  closeInterval(): void {
    const toMs = this.#now();
    const mono = this.#mono();
    const body = this.#sampler.finish(this.o.store.snapshot, { fromMs: this.#fromMs, toMs, intervalS: (mono - this.#fromMono) / 1000 });
    this.#fromMs = toMs;
    this.#fromMono = mono;
    this.o.writer.write({ kind: 'telemetry', at: toMs, body });
  }

  /** Stops sampling; the partial interval is recorded (a shutdown loses no telemetry). */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#mono() - this.#fromMono >= 1) this.closeInterval();
  }
}
