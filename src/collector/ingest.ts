import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hashDeviceToken } from './device-tokens.js';
import type { FleetStore } from './store/fleet-store.js';
import { batchItems, batchSchema, MAX_BATCH_BYTES, MAX_BATCH_ITEMS, type Ack, type WireError } from '../fleet-wire/schema.js';

/**
 * POST /api/v1/ingest: authenticate, read a bounded body, validate, store. Everything that is
 * refused is refused before the store is touched (or, for 'ahead', by the store without a
 * change), answered with the fleet-wire error shape, and counted under its reason:
 *
 *   401 unauthorized   no/garbled bearer token, unknown or revoked token, expired token
 *   413 too-large      Content-Length or the bytes read (compressed or not) over MAX_BATCH_BYTES,
 *                      or more than MAX_BATCH_ITEMS records or gaps
 *   400 malformed      bad Content-Type/Content-Encoding, bad gzip, not JSON, schema (with the
 *                      path of the first problems), not one contiguous run, or a run that goes
 *                      past the batch's lastSeq (counted apart as 'malformed-beyond-last-seq':
 *                      an appliance numbering wrongly, which would otherwise poison the mark)
 *   409 sequence-ahead the run starts after ackedSeq + 1 (body carries ackedSeq)
 *   503 busy           too many ingests in flight, or the database is busy/unreachable (Retry-After)
 *   500 internal       anything else from the store (logged)
 *
 * The token is checked before the body is read, so an unauthenticated client cannot make the
 * collector buffer a megabyte. `ingestRequest` works on plain values (headers + a byte stream)
 * so it is tested without sockets; `handle` adapts it to node:http.
 */

const gunzipAsync = promisify(gunzip);

export const REFUSAL_REASONS = [
  'method',
  'unauthorized-missing',
  'unauthorized-unknown',
  'unauthorized-expired',
  'too-large',
  'bad-encoding',
  'bad-content-type',
  'malformed-json',
  'malformed-schema',
  'malformed-sequence',
  'malformed-beyond-last-seq',
  'sequence-ahead',
  'busy',
  'store-error',
  'client-aborted',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export interface IngestStats {
  accepted: number;
  refused: Record<RefusalReason, number>;
  recordsStored: number;
  duplicates: number;
  gapSequences: number;
  bytes: number;
  inFlight: number;
  /** Cumulative counts per LATENCY_BUCKETS_S bound, plus sum and count (accepted batches). */
  latency: { buckets: number[]; sum: number; count: number };
}

export interface IngestLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface IngestRequest {
  method: string;
  authorization: string | undefined;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  contentLength: string | undefined;
  body: AsyncIterable<Buffer | string>;
}

export interface IngestResponse {
  status: number;
  headers: Record<string, string>;
  body: Ack | WireError;
  /** The client should not reuse the connection (its body was not read to the end). */
  close: boolean;
}

export interface IngestOptions {
  store: FleetStore;
  now: () => number;
  log: IngestLog;
  /** Batches being processed at once before 503 busy (default 256). */
  maxInFlight?: number;
}

class Refusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    readonly status: number,
    readonly code: WireError['code'],
    message: string,
    readonly extra: { ackedSeq?: number; retryAfterS?: number; close?: boolean } = {},
  ) {
    super(message);
  }
}

/** Store errors that mean "try again shortly" rather than a bug. */
const TRANSIENT = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '53300', '40001', '40P01', '08000', '08003', '08006']);

export function createIngest(opts: IngestOptions) {
  const maxInFlight = opts.maxInFlight ?? 256;
  const refused = Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>;
  const stats: IngestStats = { accepted: 0, refused, recordsStored: 0, duplicates: 0, gapSequences: 0, bytes: 0, inFlight: 0, latency: { buckets: LATENCY_BUCKETS_S.map(() => 0), sum: 0, count: 0 } };
  // One warning per reason per 10 s, so a misbehaving client cannot flood the log.
  const lastLogged = new Map<RefusalReason, { at: number; suppressed: number }>();

  function logRefusal(r: Refusal, device: string | null): void {
    const now = opts.now();
    const l = lastLogged.get(r.reason);
    if (l && now - l.at < 10_000) {
      l.suppressed++;
      return;
    }
    lastLogged.set(r.reason, { at: now, suppressed: 0 });
    const fields = { reason: r.reason, status: r.status, device, error: r.message, suppressedSinceLast: l?.suppressed ?? 0 };
    if (r.reason === 'store-error') opts.log.error('ingest failed', fields);
    else opts.log.warn('ingest refused', fields);
  }

  async function authenticate(authorization: string | undefined): Promise<string> {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization ?? '');
    if (!m) throw new Refusal('unauthorized-missing', 401, 'unauthorized', 'an Authorization: Bearer <device token> header is required');
    const dev = await opts.store.deviceByTokenHash(hashDeviceToken(m[1]!));
    if (!dev) throw new Refusal('unauthorized-unknown', 401, 'unauthorized', 'unknown or revoked device token');
    if (dev.tokenExpiresAt !== null && dev.tokenExpiresAt <= opts.now()) {
      throw new Refusal('unauthorized-expired', 401, 'unauthorized', `the device token expired at ${new Date(dev.tokenExpiresAt).toISOString()}`);
    }
    return dev.name;
  }

  async function readBody(req: IngestRequest): Promise<Buffer> {
    const declared = req.contentLength === undefined ? null : Number(req.contentLength);
    if (declared !== null && declared > MAX_BATCH_BYTES) {
      throw new Refusal('too-large', 413, 'too-large', `the body is ${declared} bytes, more than ${MAX_BATCH_BYTES}`, { close: true });
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const c of req.body) {
        const b = typeof c === 'string' ? Buffer.from(c) : c;
        total += b.length;
        if (total > MAX_BATCH_BYTES) throw new Refusal('too-large', 413, 'too-large', `the body is more than ${MAX_BATCH_BYTES} bytes`, { close: true });
        chunks.push(b);
      }
    } catch (err) {
      if (err instanceof Refusal) throw err;
      throw new Refusal('client-aborted', 400, 'malformed', `the request body was cut off: ${(err as Error).message}`, { close: true });
    }
    stats.bytes += total;
    const raw = Buffer.concat(chunks, total);
    const enc = (req.contentEncoding ?? 'identity').trim().toLowerCase();
    if (enc === 'identity' || enc === '') return raw;
    if (enc !== 'gzip') throw new Refusal('bad-encoding', 400, 'malformed', `Content-Encoding ${enc} is not supported (gzip or none)`);
    try {
      return await gunzipAsync(raw, { maxOutputLength: MAX_BATCH_BYTES });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new Refusal('too-large', 413, 'too-large', `the decompressed body is more than ${MAX_BATCH_BYTES} bytes`);
      }
      throw new Refusal('bad-encoding', 400, 'malformed', `the body is not valid gzip: ${(err as Error).message}`);
    }
  }

  function parse(buf: Buffer) {
    let json: unknown;
    try {
      json = JSON.parse(buf.toString('utf8'));
    } catch (err) {
      throw new Refusal('malformed-json', 400, 'malformed', `the body is not JSON: ${(err as Error).message}`);
    }
    if (json && typeof json === 'object') {
      for (const key of ['records', 'gaps'] as const) {
        const arr = (json as Record<string, unknown>)[key];
        if (Array.isArray(arr) && arr.length > MAX_BATCH_ITEMS) {
          throw new Refusal('too-large', 413, 'too-large', `${key} has ${arr.length} items, more than ${MAX_BATCH_ITEMS}`);
        }
      }
    }
    const r = batchSchema.safeParse(json);
    if (!r.success) {
      const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(batch)'}: ${i.message}`);
      const more = r.error.issues.length > 5 ? ` (and ${r.error.issues.length - 5} more)` : '';
      throw new Refusal('malformed-schema', 400, 'malformed', `invalid batch: ${issues.join('; ')}${more}`);
    }
    const items = batchItems(r.data);
    if ('error' in items) throw new Refusal(items.rule === 'beyond-last-seq' ? 'malformed-beyond-last-seq' : 'malformed-sequence', 400, 'malformed', items.error);
    return { batch: r.data, items: items.items };
  }

  async function ingestRequest(req: IngestRequest): Promise<IngestResponse> {
    const started = process.hrtime.bigint();
    let device: string | null = null;
    let counted = false;
    try {
      if (req.method !== 'POST') throw new Refusal('method', 405, 'malformed', `${req.method} is not allowed here: POST a batch`);
      if (stats.inFlight >= maxInFlight) throw new Refusal('busy', 503, 'busy', 'too many batches in flight', { retryAfterS: 1, close: true });
      stats.inFlight++;
      counted = true;
      device = await authenticate(req.authorization).catch((err) => {
        if (err instanceof Refusal) throw Object.assign(err, { extra: { ...err.extra, close: true } });
        throw err;
      });
      const ct = (req.contentType ?? '').split(';')[0]!.trim().toLowerCase();
      if (ct !== 'application/json') throw new Refusal('bad-content-type', 400, 'malformed', `Content-Type must be application/json, got "${req.contentType ?? ''}"`, { close: true });
      const buf = await readBody(req);
      const { batch, items } = parse(buf);
      const receivedAt = opts.now();
      const out = await opts.store.ingest(device, items, receivedAt, batch.software ?? null);
      if ('ahead' in out) {
        throw new Refusal('sequence-ahead', 409, 'sequence-ahead', `the batch starts at ${items[0]!.from} but the collector has up to ${out.ackedSeq}: resend from ${out.ackedSeq + 1}`, {
          ackedSeq: out.ackedSeq,
        });
      }
      stats.accepted++;
      stats.recordsStored += out.stored;
      stats.duplicates += out.duplicates;
      stats.gapSequences += out.gapsStored;
      const s = Number(process.hrtime.bigint() - started) / 1e9;
      stats.latency.sum += s;
      stats.latency.count++;
      LATENCY_BUCKETS_S.forEach((le, i) => {
        if (s <= le) stats.latency.buckets[i]!++;
      });
      const ack: Ack = { ackedSeq: out.ackedSeq, stored: out.stored, duplicates: out.duplicates, gapsStored: out.gapsStored, receivedAt };
      return { status: 200, headers: {}, body: ack, close: false };
    } catch (err) {
      const r =
        err instanceof Refusal
          ? err
          : TRANSIENT.has(String((err as { code?: unknown })?.code))
            ? new Refusal('busy', 503, 'busy', `the database is busy: ${(err as Error).message}`, { retryAfterS: 5 })
            : new Refusal('store-error', 500, 'internal', `internal error: ${(err as Error)?.message ?? String(err)}`);
      refused[r.reason]++;
      logRefusal(r, device);
      const body: WireError = { error: r.message, code: r.code };
      if (r.extra.ackedSeq !== undefined) body.ackedSeq = r.extra.ackedSeq;
      const headers: Record<string, string> = {};
      if (r.extra.retryAfterS !== undefined) headers['retry-after'] = String(r.extra.retryAfterS);
      return { status: r.status, headers, body, close: r.extra.close === true };
    } finally {
      if (counted) stats.inFlight--;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let aborted = false;
    req.on('aborted', () => (aborted = true));
    const out = await ingestRequest({
      method: req.method ?? 'GET',
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      contentEncoding: req.headers['content-encoding'],
      contentLength: req.headers['content-length'],
      body: req,
    });
    // Nobody to answer (counted already when the body was cut off).
    if (aborted || res.destroyed) return;
    const text = JSON.stringify(out.body);
    res.writeHead(out.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
      ...(out.close ? { connection: 'close' } : {}),
      ...out.headers,
    });
    res.end(text);
    if (out.close && !req.complete) {
      // Unread body: drain what is in flight for a moment so the client sees the answer
      // rather than a reset, then drop the connection.
      req.resume();
      setTimeout(() => req.socket.destroy(), 2000).unref();
    }
  }

  return { handle, ingestRequest, stats: (): IngestStats => stats };
}

export type Ingest = ReturnType<typeof createIngest>;
