import { ackSchema, type Batch, type Gap, INGEST_PATH, MAX_BATCH_BYTES, type WireRecord, WIRE_VERSION, wireErrorSchema } from '../../fleet-wire/schema.js';
import type { Logger } from '../logger.js';
import type { Outbox, OutboxItem } from './outbox.js';
import type { PostJson } from './http-post.js';

/**
 * Sends the outbox to the collector (src/fleet-wire/schema.ts is the contract):
 * - a batch is one contiguous run of records and gap runs, starting after the acknowledged mark;
 * - the collector's ack is cumulative (highest contiguous sequence stored): records at or below
 *   it are deleted, nothing else ever is;
 * - failures retry with exponential backoff and full jitter (a fleet that lost its collector
 *   does not come back in lockstep); 429/503 honour Retry-After;
 * - a backlog goes at most `maxRatePerS` records per second;
 * - 409 sequence-ahead: the collector has less than we were told it stored (restored database):
 *   resend from its ackedSeq + 1, and what we already deleted goes as a `lost` gap;
 * - 401: the token is refused; an alarm-worthy lastError, retried at the slowest pace;
 * - sequence numbers decide everything: the appliance clock only labels records.
 */

export interface UploaderStatus {
  lastUploadAt: number | null;
  lastAttemptAt: number | null;
  lastError: string | null;
  consecutiveFailures: number;
  /** The collector's mark as last reported (may be below the outbox's after a 409). */
  collectorAckedSeq: number | null;
}

export interface UploaderOptions {
  url: string;
  /** Reads the token at each attempt (a rotated token file needs no restart); throws when unreadable. */
  token: () => string;
  outbox: () => Outbox | null;
  post: PostJson;
  batchMax: number;
  maxRatePerS: number;
  timeoutMs: number;
  idleMs: number; // how long to sleep with nothing to send (a new record wakes the uploader earlier)
  backoff: { initialMs: number; maxMs: number };
  software: string;
  log: Logger;
  onChange: () => void;
  now?: () => number;
  random?: () => number;
}

export class Uploader {
  readonly status: UploaderStatus = { lastUploadAt: null, lastAttemptAt: null, lastError: null, consecutiveFailures: 0, collectorAckedSeq: null };
  readonly #o: UploaderOptions;
  readonly #ingest: URL;
  /** After a 409: where the collector wants us to resume, below the outbox's own mark. */
  #resendFrom: number | null = null;
  /** Shrinks on 413, grows back on success. */
  #limit: number;
  #attempt = 0;
  #running: Promise<void> | null = null;
  #stopping = false;
  #finalDeadline: number | null = null;
  readonly #abort = new AbortController();
  #wake: (() => void) | null = null;
  #waitTimer: NodeJS.Timeout | null = null;
  #lastErrorLogged: string | null = null;

  constructor(o: UploaderOptions) {
    this.#o = o;
    this.#ingest = ingestUrl(o.url);
    this.#limit = o.batchMax;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  start(): void {
    this.#running ??= this.#loop().catch((err) => this.#o.log.error('fleet uploader stopped unexpectedly', { error: (err as Error).message }));
  }

  /** A new record: send now rather than at the next idle wake-up. */
  kick(): void {
    this.#wake?.();
  }

  /**
   * Stops after a last attempt to send what is pending, bounded by `budgetMs` (the daemon must
   * exit inside systemd's stop timeout). What is not acknowledged stays in the outbox.
   */
  async stop(budgetMs: number): Promise<void> {
    this.#stopping = true;
    this.#finalDeadline = this.#now() + budgetMs;
    this.#wake?.();
    const hard = setTimeout(() => this.#abort.abort(), budgetMs);
    await this.#running;
    clearTimeout(hard);
  }

  async #loop(): Promise<void> {
    for (;;) {
      if (this.#stopping && (this.#finalDeadline === null || this.#now() >= this.#finalDeadline)) return;
      const box = this.#o.outbox();
      const batch = box ? this.#nextBatch(box) : null;
      if (!box || !batch) {
        if (this.#stopping) return;
        await this.#sleep(this.#o.idleMs, true);
        continue;
      }
      const outcome = await this.#send(box, batch);
      this.#o.onChange();
      if (this.#stopping) {
        if (outcome.kind !== 'ok') return; // no retries while stopping: the outbox keeps it
        continue;
      }
      if (outcome.kind === 'ok') {
        // A backlog is paced; with nothing more pending the loop goes idle at the top.
        if (outcome.more) await this.#sleep((outcome.sent / this.#o.maxRatePerS) * 1000, false);
      } else if (outcome.kind === 'again') {
        continue;
      } else {
        await this.#sleep(outcome.delayMs, false);
      }
    }
  }

  /** The next contiguous run to send, or null when everything is acknowledged. */
  #nextBatch(box: Outbox): { batch: Batch; from: number; to: number; records: number } | null {
    const st = box.stats;
    const from = this.#resendFrom ?? st.ackedSeq + 1;
    let items = box.pending(from, this.#limit);
    // Numbers at the front the outbox no longer holds (deleted after an ack the collector has
    // since lost, or never written): sent as one `lost` gap so the collector's mark can pass them.
    const firstHeld = items.length ? items[0]!.from : st.lastSeq + 1;
    const lost: OutboxItem[] = firstHeld > from ? [{ kind: 'gap', from, to: firstHeld - 1, gap: { from, to: firstHeld - 1, reason: 'lost' } }] : [];
    items = [...lost, ...items].slice(0, Math.max(1, this.#limit));
    if (items.length === 0) return null;
    for (;;) {
      const batch = toBatch(items, st.lastSeq, this.#now(), this.#o.software);
      if (items.length === 1 || Buffer.byteLength(JSON.stringify(batch)) <= MAX_BATCH_BYTES) {
        return { batch, from: items[0]!.from, to: items[items.length - 1]!.to, records: batch.records.length };
      }
      items = items.slice(0, Math.ceil(items.length / 2));
    }
  }

  async #send(
    box: Outbox,
    b: { batch: Batch; from: number; to: number; records: number },
  ): Promise<{ kind: 'ok'; more: boolean; sent: number } | { kind: 'again' } | { kind: 'wait'; delayMs: number }> {
    this.status.lastAttemptAt = this.#now();
    let token: string;
    try {
      token = this.#o.token();
    } catch (err) {
      return this.#failed(`no device token: ${(err as Error).message}`, 'slow');
    }
    const timeoutMs = this.#finalDeadline !== null ? Math.max(1, Math.min(this.#o.timeoutMs, this.#finalDeadline - this.#now())) : this.#o.timeoutMs;
    let res;
    try {
      res = await this.#o.post(this.#ingest, { authorization: `Bearer ${token}`, 'user-agent': `stratum1d/${this.#o.software}` }, JSON.stringify(b.batch), timeoutMs, this.#abort.signal);
    } catch (err) {
      return this.#failed(`cannot reach the collector at ${this.#ingest.origin}: ${(err as Error).message}${tlsHint(err)}`, 'normal');
    }
    if (res.status === 200) {
      const ack = ackSchema.safeParse(res.body);
      if (!ack.success) return this.#failed(`the collector answered 200 without a valid acknowledgement`, 'normal');
      const acked = ack.data.ackedSeq;
      this.status.collectorAckedSeq = acked;
      const st = box.stats;
      if (acked > st.lastSeq) {
        // The collector holds more than this outbox ever numbered: a replaced outbox.
        const moved = box.rebase(acked);
        this.#o.log.warn('the collector is ahead of this outbox (outbox replaced?): numbering continues after its mark', { collectorAckedSeq: acked, outboxLastSeq: st.lastSeq, renumbered: moved });
        this.#resendFrom = null;
        return this.#succeeded(box, 0);
      }
      box.ack(acked);
      if (acked < b.to) {
        // The collector stored less than the batch without saying why: do not spin on it.
        if (acked < box.stats.ackedSeq) this.#resendFrom = acked + 1;
        return this.#failed(`the collector acknowledged up to ${acked} of a batch ending at ${b.to}`, 'normal');
      }
      this.#resendFrom = acked >= box.stats.ackedSeq ? null : acked + 1;
      if (this.#limit < this.#o.batchMax) this.#limit = Math.min(this.#o.batchMax, this.#limit * 2);
      return this.#succeeded(box, b.records + b.batch.gaps.length);
    }
    const err = wireErrorSchema.safeParse(res.body);
    const why = err.success ? `${err.data.code}: ${err.data.error}` : `HTTP ${res.status}`;
    if (res.status === 409 && err.success && err.data.code === 'sequence-ahead' && err.data.ackedSeq !== undefined) {
      const theirs = err.data.ackedSeq;
      this.status.collectorAckedSeq = theirs;
      if (theirs + 1 < b.from) {
        this.#o.log.warn('the collector is missing records it had acknowledged: resending from its mark', { collectorAckedSeq: theirs, outboxAckedSeq: box.stats.ackedSeq });
        this.#resendFrom = theirs + 1;
        return { kind: 'again' };
      }
      return this.#failed(`collector refused the batch (${why}) although it starts at its mark`, 'normal');
    }
    if (res.status === 401) return this.#failed(`the collector refused the device token (401 ${why}): check fleet.token / fleet.tokenFile and the collector's device list`, 'slow');
    if (res.status === 413 && this.#limit > 1) {
      this.#limit = Math.max(1, Math.floor((b.batch.records.length + b.batch.gaps.length) / 2));
      return { kind: 'again' };
    }
    const retryAfterMs = res.retryAfterS !== null && (res.status === 429 || res.status === 503) ? Math.min(res.retryAfterS * 1000, this.#o.backoff.maxMs) : 0;
    const f = this.#failed(`the collector answered ${res.status} (${why})`, 'normal');
    return { kind: 'wait', delayMs: Math.max(f.delayMs, retryAfterMs) };
  }

  #succeeded(box: Outbox, sent: number): { kind: 'ok'; more: boolean; sent: number } {
    this.#attempt = 0;
    this.status.consecutiveFailures = 0;
    this.status.lastError = null;
    this.status.lastUploadAt = this.#now();
    if (this.#lastErrorLogged !== null) this.#o.log.info('fleet upload working again', { ackedSeq: box.stats.ackedSeq });
    this.#lastErrorLogged = null;
    const st = box.stats;
    return { kind: 'ok', more: this.#resendFrom !== null || st.lastSeq > st.ackedSeq, sent };
  }

  /** Exponential backoff with full jitter (delay uniform in [0, min(max, initial·2^n)]); `slow`: the longest delay. */
  #failed(message: string, pace: 'normal' | 'slow'): { kind: 'wait'; delayMs: number } {
    this.status.consecutiveFailures++;
    this.status.lastError = message;
    if (message !== this.#lastErrorLogged) this.#o.log.warn('fleet upload failed', { error: message, consecutiveFailures: this.status.consecutiveFailures });
    this.#lastErrorLogged = message;
    const { initialMs, maxMs } = this.#o.backoff;
    const rand = this.#o.random ?? Math.random;
    if (pace === 'slow') return { kind: 'wait', delayMs: maxMs / 2 + rand() * (maxMs / 2) };
    const cap = Math.min(maxMs, initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return { kind: 'wait', delayMs: rand() * cap };
  }

  /** Sleeps, ended early by stop() and, when `wakeable`, by a new record. */
  #sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        if (this.#waitTimer) clearTimeout(this.#waitTimer);
        this.#waitTimer = null;
        this.#wake = null;
        resolve();
      };
      this.#waitTimer = setTimeout(done, Math.max(0, ms));
      this.#wake = wakeable ? done : () => (this.#stopping ? done() : undefined);
    });
  }
}

/** Node's certificate errors name the symptom; say which setting decides trust. */
function tlsHint(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return ' (the certificate does not name this host: fleet.url must use a name or address in it)';
  return /CERT|SELF_SIGNED|ISSUER|SIGNATURE/.test(code) ? ` (${code}: the collector's certificate is not trusted; put its CA in fleet.ca)` : '';
}

function toBatch(items: OutboxItem[], lastSeq: number, sentAt: number, software: string): Batch {
  const records: WireRecord[] = [];
  const gaps: Gap[] = [];
  for (const it of items) {
    if (it.kind === 'record') records.push(it.record);
    else gaps.push(it.gap);
  }
  return { v: WIRE_VERSION, sentAt, software: software.slice(0, 64), lastSeq, records, gaps };
}

/** `<url>/api/v1/ingest`, keeping a path prefix (https://host/fleet → https://host/fleet/api/v1/ingest). */
export function ingestUrl(base: string): URL {
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${INGEST_PATH}`;
  u.search = '';
  u.hash = '';
  return u;
}
