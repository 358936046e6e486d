import { ackSchema, INGEST_PATH, MAX_BATCH_BYTES, wireErrorSchema } from '../../fleet-wire/schema.js';
import { DeviceModel, type FaultKind, type ModelOptions } from './device-model.js';
import type { Poster } from './http-post.js';
import { SimOutbox } from './sim-outbox.js';

/** Figures shared by every simulated appliance of one fleet (what the bench and tests read). */
export class FleetCounters {
  requests = 0;
  acks = 0;
  stored = 0;
  duplicates = 0;
  gapsStored = 0;
  /** Answers other than 200, by HTTP status and wire code ("409 sequence-ahead"). */
  errors: Record<string, number> = {};
  transportErrors = 0;
  /** Round trip of each acknowledged batch, ms (request written → Ack parsed). */
  latenciesMs: number[] = [];
  keepLatencies = true;

  error(key: string): void {
    this.errors[key] = (this.errors[key] ?? 0) + 1;
  }
}

export interface SimDeviceOptions {
  name: string;
  token: string;
  seed: number;
  model: ModelOptions;
  /** The collector's high-water mark for this name at the start (0: new). */
  startSeq: number;
  maxRecords: number;
  batchMax: number;
  backoff: { initialMs: number; maxMs: number };
  requestTimeoutMs: number;
  software: string;
  now: () => number;
  random: () => number;
  log: (msg: string) => void;
}

/**
 * One simulated appliance: its telemetry model, its outbox, and an uploader with the real
 * one's rules (send from ackedSeq + 1, delete only what a cumulative Ack covers, back off with
 * full jitter on any failure, honour Retry-After, never order by timestamps).
 */
export class SimDevice {
  readonly model: DeviceModel;
  readonly outbox: SimOutbox;
  #o: SimDeviceOptions;
  #poster: Poster;
  #counters: FleetCounters;
  #inFlight = false;
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #silent = false;
  #stopped = false;
  #batchMax: number;
  lastError: string | null = null;
  /** 401: the token is unknown or revoked; the appliance keeps recording and retries slowly. */
  unauthorized = false;

  constructor(o: SimDeviceOptions, poster: Poster, counters: FleetCounters) {
    this.#o = o;
    this.#poster = poster;
    this.#counters = counters;
    this.model = new DeviceModel(o.seed, o.model);
    this.outbox = new SimOutbox(o.maxRecords, o.startSeq);
    this.#batchMax = o.batchMax;
  }

  get name(): string {
    return this.#o.name;
  }

  get silent(): boolean {
    return this.#silent;
  }

  /** One recorder interval: write the record and its events, then upload unless silent. */
  tick(realNowMs: number = this.#o.now(), upload = true): void {
    if (this.#stopped) return;
    const step = this.model.step(realNowMs);
    for (const e of step.events) this.outbox.append('event', e.at, e.body);
    this.outbox.append('telemetry', step.at, step.telemetry);
    this.#silent = step.silent;
    if (!this.#silent && upload) this.kick();
  }

  /** Starts a fault now (tests and demos). */
  inject(kind: FaultKind, durationS: number): void {
    for (const e of this.model.inject(kind, durationS, this.#o.now())) this.outbox.append('event', e.at, e.body);
  }

  /** Sends what is pending, batch after batch, until done or a failure schedules a retry. */
  kick(): void {
    if (this.#inFlight || this.#stopped || this.#silent || this.#retryTimer !== null) return;
    void this.#drain();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  get idle(): boolean {
    return !this.#inFlight;
  }

  async #drain(): Promise<void> {
    this.#inFlight = true;
    try {
      while (!this.#stopped && !this.#silent && this.outbox.backlog > 0) {
        const ok = await this.#sendOne();
        if (!ok) return;
      }
    } finally {
      this.#inFlight = false;
    }
  }

  /** One batch. true: acknowledged (go on); false: a retry is scheduled. */
  async #sendOne(): Promise<boolean> {
    const c = this.#counters;
    const batch = this.outbox.batch(this.#batchMax, MAX_BATCH_BYTES - 4096, this.#o.now(), this.#o.software);
    if (!batch) return true;
    const body = JSON.stringify(batch);
    const t0 = performance.now();
    c.requests++;
    const r = await this.#poster.post(INGEST_PATH, this.#o.token, body, this.#o.requestTimeoutMs);
    const ms = performance.now() - t0;
    if (!r.ok) {
      c.transportErrors++;
      return this.#retry(`transport: ${r.error}`, null);
    }
    if (r.status === 200) {
      const ack = ackSchema.safeParse(r.body);
      if (!ack.success) {
        c.error('200 unparsable-ack');
        return this.#retry('the collector answered 200 without an Ack', null);
      }
      c.acks++;
      c.stored += ack.data.stored;
      c.duplicates += ack.data.duplicates;
      c.gapsStored += ack.data.gapsStored;
      if (c.keepLatencies) c.latenciesMs.push(ms);
      if (ack.data.ackedSeq < this.outbox.ackedSeq) this.outbox.collectorBehind(ack.data.ackedSeq);
      this.outbox.ack(ack.data.ackedSeq);
      this.#attempt = 0;
      this.lastError = null;
      this.unauthorized = false;
      return true;
    }
    const err = wireErrorSchema.safeParse(r.body);
    const code = err.success ? err.data.code : 'unknown';
    c.error(`${r.status} ${code}`);
    const message = `${r.status} ${code}: ${err.success ? err.data.error : JSON.stringify(r.body)?.slice(0, 200)}`;
    if (r.status === 409 && err.success && err.data.ackedSeq !== undefined) {
      // The collector lacks what comes before this batch: it lost records it had acknowledged.
      this.outbox.collectorBehind(err.data.ackedSeq);
      return this.#retry(message, 0);
    }
    if (r.status === 413 && this.#batchMax > 1) {
      this.#batchMax = Math.max(1, Math.floor(this.#batchMax / 2));
      return this.#retry(message, 0);
    }
    if (r.status === 401) this.unauthorized = true;
    return this.#retry(message, r.retryAfterS);
  }

  #retry(message: string, retryAfterS: number | null): false {
    this.lastError = message;
    const { initialMs, maxMs } = this.#o.backoff;
    const cap = Math.min(maxMs, initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    // Full jitter: thousands of appliances that lost the collector together must not return together.
    // Retry-After 0 (a 409 or 413 this side has already acted on): soon, but never a tight loop.
    let delay = this.#o.random() * (retryAfterS === 0 ? Math.min(cap, 200) : cap);
    if (retryAfterS !== null && retryAfterS > 0) delay = Math.max(delay, retryAfterS * 1000);
    if (this.#attempt === 1 || this.#attempt % 20 === 0) this.#o.log(`${this.#o.name}: ${message}; retry in ${Math.round(delay)} ms`);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.kick();
    }, delay);
    return false;
  }
}
