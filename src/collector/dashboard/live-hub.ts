import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Live updates over Server-Sent Events. Streams subscribe to a topic ("fleet", or one device
 * and range); each topic polls the store every `pollMs` while it has subscribers and pushes a
 * message only when its poll reports a change. Polling the store (rather than being told by
 * the ingest path) is what makes it work with several collectors on one PostgreSQL: a batch
 * stored by another process shows up here too. One poll per topic, whatever the number of
 * viewers; a bounded number of streams; heartbeat comments keep proxies from closing idle
 * streams; a client that stops reading is dropped instead of buffering without bound.
 */

export interface LiveTopic {
  /** A message for every stream of the topic, or null when nothing changed since the last poll. */
  poll(): Promise<string | null>;
}

interface Entry {
  topic: LiveTopic;
  streams: Set<ServerResponse>;
  busy: boolean;
}

export interface LiveHubOptions {
  pollMs: number;
  heartbeatMs: number;
  maxStreams: number;
  /** A stream whose unsent output exceeds this is closed (a stalled client). */
  maxBufferedBytes?: number;
  onError?: (err: unknown, key: string) => void;
}

export class LiveHub {
  readonly #topics = new Map<string, Entry>();
  readonly #creating = new Map<string, Promise<Entry>>();
  #count = 0;
  #pollTimer: NodeJS.Timeout | null = null;
  #beatTimer: NodeJS.Timeout | null = null;
  #closed = false;
  /** Messages pushed to streams (for stats and tests). */
  pushed = 0;
  refused = 0;

  constructor(private readonly opts: LiveHubOptions) {}

  get streams(): number {
    return this.#count;
  }

  get topics(): number {
    return this.#topics.size;
  }

  /**
   * Opens a stream on `key`. `makeTopic` builds the topic when it has no stream yet (its first
   * poll result is its baseline); `initial` may send this stream a catch-up message. Returns
   * false (and answers 503) when the hub is full.
   */
  async open(req: IncomingMessage, res: ServerResponse, key: string, makeTopic: () => Promise<LiveTopic>, initial?: () => Promise<string | null>): Promise<boolean> {
    if (this.#closed || this.#count >= this.opts.maxStreams) {
      this.refused++;
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '10' });
      res.end('too many live streams\n');
      return false;
    }
    this.#count++;
    let entry: Entry;
    try {
      entry = await this.#entry(key, makeTopic);
    } catch (err) {
      this.#count--;
      throw err;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no', // nginx: do not buffer the stream
    });
    res.write('retry: 3000\n: connected\n\n');
    entry.streams.add(res);
    const drop = () => this.#drop(key, entry, res);
    req.on('close', drop);
    res.on('error', drop);
    if (initial) {
      try {
        const msg = await initial();
        if (msg !== null) this.#write(key, entry, res, msg);
      } catch (err) {
        this.opts.onError?.(err, key);
      }
    }
    this.#startTimers();
    return true;
  }

  async #entry(key: string, makeTopic: () => Promise<LiveTopic>): Promise<Entry> {
    const have = this.#topics.get(key);
    if (have) return have;
    let pending = this.#creating.get(key);
    if (!pending) {
      pending = makeTopic().then((topic) => {
        const e: Entry = { topic, streams: new Set(), busy: false };
        this.#topics.set(key, e);
        return e;
      });
      this.#creating.set(key, pending);
      pending.finally(() => this.#creating.delete(key)).catch(() => {});
    }
    return pending;
  }

  #drop(key: string, entry: Entry, res: ServerResponse): void {
    if (!entry.streams.delete(res)) return;
    this.#count--;
    if (!res.writableEnded) res.end();
    if (entry.streams.size === 0 && this.#topics.get(key) === entry) this.#topics.delete(key);
    if (this.#count === 0) this.#stopTimers();
  }

  #write(key: string, entry: Entry, res: ServerResponse, msg: string): void {
    if ((res.writableLength ?? 0) > (this.opts.maxBufferedBytes ?? 1 << 20)) {
      this.#drop(key, entry, res);
      return;
    }
    res.write(`event: update\ndata: ${msg}\n\n`);
    this.pushed++;
  }

  /** Runs one poll of every topic now (the timer calls it; tests may too). */
  async pollAll(): Promise<void> {
    await Promise.all(
      [...this.#topics].map(async ([key, entry]) => {
        if (entry.busy) return; // a slow store: skip this round rather than pile up queries
        entry.busy = true;
        try {
          const msg = await entry.topic.poll();
          if (msg !== null) for (const res of [...entry.streams]) this.#write(key, entry, res, msg);
        } catch (err) {
          this.opts.onError?.(err, key);
        } finally {
          entry.busy = false;
        }
      }),
    );
  }

  #startTimers(): void {
    if (this.#pollTimer || this.#closed) return;
    this.#pollTimer = setInterval(() => void this.pollAll(), this.opts.pollMs);
    this.#beatTimer = setInterval(() => {
      for (const e of this.#topics.values()) for (const res of e.streams) res.write(': heartbeat\n\n');
    }, this.opts.heartbeatMs);
    this.#pollTimer.unref();
    this.#beatTimer.unref();
  }

  #stopTimers(): void {
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    if (this.#beatTimer) clearInterval(this.#beatTimer);
    this.#pollTimer = this.#beatTimer = null;
  }

  close(): void {
    this.#closed = true;
    this.#stopTimers();
    for (const [key, e] of [...this.#topics]) for (const res of [...e.streams]) this.#drop(key, e, res);
    this.#topics.clear();
  }
}
