import type { Socket } from 'node:net';
import { type ParsedRequest, RequestParser } from './request-parser.js';
import { DEFAULT_WATCH, type WatchPolicy } from './watch-policy.js';

export interface ClientCounters {
  requests: number;
  reportsSent: number;
  bytesSent: number;
  /** Reports not sent because the client had not read what we had already queued. */
  reportsDropped: number;
  errorsSent: number;
}

/**
 * One connected gpsd client: its watch policy, its request tokenizer, and an output queue
 * bounded at `bufferBytes`. Writes never wait: when the kernel socket buffer and Node's
 * queue (`writableLength`) are full, the report is dropped and counted, so one stalled
 * reader never delays the others or grows our memory.
 */
export class GpsdClient {
  readonly id: number;
  readonly remote: string;
  readonly connectedAt: number;
  policy: WatchPolicy = { ...DEFAULT_WATCH };
  readonly counters: ClientCounters = { requests: 0, reportsSent: 0, bytesSent: 0, reportsDropped: 0, errorsSent: 0 };
  readonly #socket: Socket;
  readonly #parser: RequestParser;
  readonly #bufferBytes: number;

  constructor(socket: Socket, id: number, opts: { bufferBytes: number; maxRequestBytes: number; now: number }) {
    this.#socket = socket;
    this.id = id;
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.connectedAt = opts.now;
    this.#parser = new RequestParser(opts.maxRequestBytes);
    this.#bufferBytes = opts.bufferBytes;
  }

  get open(): boolean {
    return !this.#socket.destroyed && this.#socket.writable;
  }

  /** Bytes queued in Node for this client (not yet taken by the kernel). */
  get queuedBytes(): number {
    return this.#socket.writableLength;
  }

  parse(chunk: string): ParsedRequest[] {
    return this.#parser.push(chunk);
  }

  /** Queues one encoded line; false when it was dropped (client closed or too far behind). */
  send(line: string, isError = false): boolean {
    if (!this.open) return false;
    const bytes = Buffer.byteLength(line);
    if (this.#socket.writableLength + bytes > this.#bufferBytes) {
      this.counters.reportsDropped++;
      return false;
    }
    this.#socket.write(line);
    this.counters.reportsSent++;
    this.counters.bytesSent += bytes;
    if (isError) this.counters.errorsSent++;
    return true;
  }

  destroy(): void {
    this.#socket.destroy();
  }

  /** Closes after what is queued has been written (an ERROR saying why), destroyed if it stalls. */
  end(): void {
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), 1000).unref();
  }
}
