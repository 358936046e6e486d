import { EventEmitter } from 'node:events';
import type { SerialLink, LineSample } from '../../drivers/serial/serial-link.js';
import type { ApplianceStore } from '../core/appliance-state.js';
import type { Fix, Sky } from '../core/fix.js';
import { utcToIso } from '../core/utc-time.js';
import { Backoff } from '../lifecycle/backoff.js';
import type { Logger } from '../logger.js';
import { NmeaPipeline, type FixTrust, type NmeaPipelineOptions } from './nmea-pipeline.js';
import { leapPendingOf, timeReferencesOf } from './time-references.js';

export interface GnssServiceOptions {
  link: SerialLink;
  store: ApplianceStore;
  log: Logger;
  pipeline: NmeaPipelineOptions;
  backoff: { initialMs: number; maxMs: number };
  epochQuietMs: number;
  /** Seconds between routine "fix" info lines; changes of mode or trust are always logged. */
  fixLogIntervalS: number;
}

interface GnssServiceEvents {
  open: [];
  fix: [Fix, FixTrust];
  sky: [Sky];
  /** Every line as received, for raw NMEA watchers (gpsd clients with `nmea: true`). */
  line: [LineSample];
}

/**
 * Owns the receiver link: opens it, feeds lines to the decoder, publishes fixes into the
 * appliance state, and when the port goes away (USB receiver unplugged) keeps retrying with
 * a capped backoff so the receiver is back within maxMs of reappearing. Never throws at runtime.
 */
export class GnssService extends EventEmitter<GnssServiceEvents> {
  readonly #o: GnssServiceOptions;
  #pipeline: NmeaPipeline;
  readonly #backoff: Backoff;
  #retryTimer: NodeJS.Timeout | null = null;
  #quietTimer: NodeJS.Timeout | null = null;
  #stopped = false;
  #everOpened = false;
  #lastFixLog = 0;
  #lastMode = -1;
  #lastTimeValid: boolean | null = null;

  constructor(o: GnssServiceOptions) {
    super();
    this.#o = o;
    this.#pipeline = this.#makePipeline(o.pipeline);
    this.#backoff = new Backoff(o.backoff.initialMs, o.backoff.maxMs);
    o.link.on('line', this.#onLine);
    o.link.on('close', this.#onClose);
  }

  get link(): SerialLink {
    return this.#o.link;
  }

  start(): void {
    void this.#tryOpen();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.#quietTimer) clearTimeout(this.#quietTimer);
    this.#o.link.off('line', this.#onLine);
    this.#o.link.off('close', this.#onClose);
    await this.#o.link.close().catch(() => undefined);
  }

  /** SIGHUP: decoder options may change without reopening the port. */
  /** Only the routine fix log's period: keeps the pipeline (and the trust it has earned). */
  setFixLogInterval(fixLogIntervalS: number): void {
    this.#o.fixLogIntervalS = fixLogIntervalS;
  }

  reconfigure(pipeline: NmeaPipelineOptions, fixLogIntervalS: number): void {
    this.#o.pipeline = pipeline;
    this.#o.fixLogIntervalS = fixLogIntervalS;
    this.#pipeline = this.#makePipeline(pipeline);
  }

  #makePipeline(opts: NmeaPipelineOptions): NmeaPipeline {
    // A live port: arrival stamps are wall-clock ms, and the appliance's other clocks are the references.
    const store = this.#o.store;
    const p = new NmeaPipeline({
      arrivalClock: true,
      references: () => timeReferencesOf(store.snapshot),
      leapPending: () => leapPendingOf(store.snapshot),
      ...opts,
    });
    p.on('fix', (fix, trust) => this.#onFix(p, fix, trust));
    p.on('sky', (sky: Sky) => {
      if (p !== this.#pipeline) return;
      this.#o.store.update('gnss', { sky });
      this.emit('sky', sky);
    });
    return p;
  }

  async #tryOpen(): Promise<void> {
    if (this.#stopped) return;
    const { link, store, log } = this.#o;
    try {
      await link.open();
    } catch (err) {
      const message = (err as Error).message;
      const prev = store.snapshot.gnss;
      if (prev.lastError !== message) log.warn('GNSS port not available, retrying', { device: link.path, error: message });
      store.update('gnss', { link: prev.link === 'open' ? 'down' : prev.link, lastError: message });
      this.#scheduleRetry();
      return;
    }
    if (this.#stopped) {
      await link.close().catch(() => undefined);
      return;
    }
    this.#backoff.reset();
    const prev = store.snapshot.gnss;
    const reopened = this.#everOpened;
    store.update('gnss', {
      link: 'open',
      linkSince: Date.now(),
      lastError: null,
      reconnects: prev.reconnects + (reopened ? 1 : 0),
    });
    log.info(reopened ? 'GNSS port reopened' : 'GNSS port open', { device: link.path });
    if (!this.#everOpened) {
      this.#everOpened = true;
      this.emit('open');
    }
  }

  #scheduleRetry(): void {
    if (this.#stopped || this.#retryTimer) return;
    const delay = this.#backoff.next();
    this.#o.log.debug('GNSS reconnect scheduled', { inMs: delay });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#tryOpen();
    }, delay);
  }

  readonly #onLine = (sample: LineSample): void => {
    this.#pipeline.push(sample);
    this.emit('line', sample);
    if (this.#quietTimer) this.#quietTimer.refresh();
    else this.#quietTimer = setTimeout(() => this.#pipeline.closeEpoch(), this.#o.epochQuietMs);
  };

  readonly #onClose = (err: Error | null): void => {
    if (this.#stopped) return;
    this.#pipeline.closeEpoch();
    // Whatever comes back (the same receiver after a power cycle, another one) earns trust anew.
    this.#pipeline.resetTrust();
    const message = err?.message ?? 'port closed';
    this.#o.log.warn('GNSS port lost', { device: this.#o.link.path, error: message });
    this.#o.store.update('gnss', { link: 'down', linkSince: Date.now(), lastError: message, trust: { ...this.#pipeline.trust } });
    this.#backoff.reset();
    this.#scheduleRetry();
  };

  #onFix(p: NmeaPipeline, fix: Fix, trust: FixTrust): void {
    if (p !== this.#pipeline) return; // a pipeline replaced by reconfigure()
    this.#o.store.update('gnss', {
      fix,
      trust: { ...trust },
      antenna: p.antenna,
      counters: structuredClone(p.counters) as unknown as Record<string, unknown>,
    });
    this.#logFix(fix, trust);
    this.emit('fix', fix, trust);
  }

  #logFix(fix: Fix, trust: FixTrust): void {
    const changed = fix.mode !== this.#lastMode || trust.timeValid !== this.#lastTimeValid;
    const due = Date.now() - this.#lastFixLog >= this.#o.fixLogIntervalS * 1000;
    this.#lastMode = fix.mode;
    this.#lastTimeValid = trust.timeValid;
    if (changed || due) this.#lastFixLog = Date.now();
    const level = changed || due ? 'info' : 'debug';
    this.#o.log[level](changed ? 'GNSS fix changed' : 'GNSS fix', {
      utc: fix.time ? utcToIso(fix.time) : null,
      mode: fix.mode,
      lat: fix.lat,
      lon: fix.lon,
      altMSL: fix.altMSL,
      sats: this.#o.store.snapshot.gnss.sky?.uSat ?? null,
      timeValid: trust.timeValid,
      validStreak: trust.validStreak,
    });
  }
}
