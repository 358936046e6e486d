import { controlStream } from '../control/control-client.js';
import { MCP_CONTROL_METHODS } from './control-methods.js';
import type { QualityEvent } from './quality-stream.js';
import type { TimeQuality } from './tools/quality.js';

/**
 * The stdio bridge's copy of the daemon's time quality, kept current by a subscription
 * (`mcp.watchQuality`, quality-stream.ts) instead of a control-socket round trip per get_time.
 *
 * Honesty rules: a snapshot is served only while the subscription is open and the daemon's last
 * push (a change or its heartbeat) is younger than `staleAfterMs` (2.5 heartbeats by default).
 * A daemon that stops pushing (stuck, SIGSTOP) or a dropped connection makes `current()` return
 * null at once, and the caller asks the daemon directly (which answers or reports it down). A
 * dropped subscription is reopened on the next use, at most once per `retryMs`.
 */
export interface QualityFeedOptions {
  /** Asked of the daemon: changes pushed at most this often (ms). */
  minIntervalMs?: number;
  /** Asked of the daemon: a push at least this often (ms). */
  heartbeatMs?: number;
  /** Served while the last push is younger than this; default 2.5 × the daemon's heartbeat. */
  staleAfterMs?: number;
  retryMs?: number;
  /** How long a caller waits for a subscription being opened before asking directly. */
  firstWaitMs?: number;
  now?: () => number;
  stream?: typeof controlStream;
}

export interface QualityFeedStats {
  /** Subscriptions opened (the first and every reopening). */
  opened: number;
  /** Pushes received. */
  events: number;
  /** Subscriptions that ended (daemon gone, refused, closed). */
  dropped: number;
  /** current() calls answered from the snapshot / not (stale, dropped, not yet open). */
  served: number;
  missed: number;
  lastDrop: string | null;
}

export class QualityFeed {
  readonly stats: QualityFeedStats = { opened: 0, events: 0, dropped: 0, served: 0, missed: 0, lastDrop: null };
  readonly #o: Required<Omit<QualityFeedOptions, 'staleAfterMs'>> & { staleAfterMs: number | undefined };
  #quality: TimeQuality | null = null;
  #at = -Infinity;
  #heartbeatMs: number;
  #conn: { close(): void } | null = null;
  #open = false;
  #attemptAt = -Infinity;
  #first: Promise<void> | null = null;
  #closed = false;
  /** The daemon does not know the method (older version): no subscription, round trips only. */
  #unsupported = false;

  constructor(
    readonly socketPath: string,
    opts: QualityFeedOptions = {},
  ) {
    this.#o = {
      minIntervalMs: opts.minIntervalMs ?? 100,
      heartbeatMs: opts.heartbeatMs ?? 1000,
      staleAfterMs: opts.staleAfterMs,
      retryMs: opts.retryMs ?? 1000,
      firstWaitMs: opts.firstWaitMs ?? 1000,
      now: opts.now ?? (() => performance.now()),
      stream: opts.stream ?? controlStream,
    };
    this.#heartbeatMs = this.#o.heartbeatMs;
  }

  /** Opens the subscription unless it is open, being opened, or was tried within retryMs. */
  start(): void {
    if (this.#closed || this.#unsupported || this.#conn || this.#o.now() - this.#attemptAt < this.#o.retryMs) return;
    this.#attemptAt = this.#o.now();
    this.stats.opened++;
    let settle!: () => void;
    this.#first = new Promise<void>((r) => (settle = r));
    const take = (v: unknown): void => {
      const e = v as Partial<QualityEvent> | null;
      if (!e || typeof e !== 'object' || typeof e.quality !== 'object' || e.quality === null) return;
      this.#quality = e.quality;
      this.#at = this.#o.now();
      if (typeof e.heartbeatMs === 'number' && e.heartbeatMs > 0) this.#heartbeatMs = e.heartbeatMs;
    };
    this.#conn = this.#o.stream(this.socketPath, MCP_CONTROL_METHODS.watchQuality, { minIntervalMs: this.#o.minIntervalMs, heartbeatMs: this.#o.heartbeatMs }, {
      onResult: (r) => {
        this.#open = true;
        take(r);
        settle();
      },
      onEvent: (e) => {
        this.stats.events++;
        take(e);
      },
      onClose: (reason) => {
        // Never serve what this subscription said once it is gone.
        this.#open = false;
        this.#quality = null;
        this.#conn = null;
        this.stats.dropped++;
        this.stats.lastDrop = reason;
        if (reason.startsWith('unknown_method')) this.#unsupported = true;
        settle();
      },
    });
  }

  get live(): boolean {
    return this.#open;
  }

  /** The daemon's quality if the subscription is open and its last push is fresh; null otherwise. */
  current(): TimeQuality | null {
    const staleAfter = this.#o.staleAfterMs ?? 2.5 * this.#heartbeatMs;
    if (this.#open && this.#quality && this.#o.now() - this.#at <= staleAfter) {
      this.stats.served++;
      return this.#quality;
    }
    this.stats.missed++;
    if (!this.#conn) this.start();
    return null;
  }

  /**
   * current(), but a subscription being opened is waited for (up to firstWaitMs): the bridge's
   * first get_time needs the first snapshot either way, and this is the same round trip.
   */
  async wait(): Promise<TimeQuality | null> {
    const q = this.current();
    if (q || !this.#conn || this.#open || !this.#first) return q;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#first, new Promise<void>((r) => (timer = setTimeout(r, this.#o.firstWaitMs)))]);
    clearTimeout(timer);
    return this.current();
  }

  close(): void {
    this.#closed = true;
    this.#conn?.close();
  }
}
