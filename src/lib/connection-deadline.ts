import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { gateRequests, type GateStats } from './request-gate.js';

export type DeadlineMiss = 'idle' | 'slow-request' | 'slow-reader';

export interface ConnectionDeadlineOptions {
  /** From connect, and from the end of each answer: the next request's head must be complete. */
  headMs: number;
  /**
   * From a request's start: its answer must be taken by the client. null: no bound while
   * answering (MCP's notification streams and tool calls last as long as they last; a client
   * that does not read them is held back by TCP, not by our memory).
   */
  answerMs: number | null;
  onMiss(miss: DeadlineMiss): void;
}

/**
 * What one connection may cost in time, as one timer that is always running.
 *
 * Node's own headersTimeout cannot do this behind the request gate: the gate holds an
 * incomplete or pipelined request back from the parser, so on a kept-alive connection the
 * parser never sees a slowly trickled head begin and its timer never starts, while each
 * trickled byte restarts the socket's idle (keep-alive) timeout. And nothing in Node bounds a
 * parsed request whose client pipelines and never reads: its answer, and the connection, stay.
 *
 * - waiting: the next head must be complete `headMs` after the last answer (or the connect).
 *   If the gate holds bytes the parser has not had (received on `socket` but not yet passed on
 *   by `gated`), the client is sending a request too slowly; otherwise it is merely idle.
 * - answering: the client must take the answer within `answerMs`, or it is a slow reader.
 */
export class ConnectionDeadline {
  /** Answers begun on this connection. */
  answers = 0;
  /** The connection is being closed by us: nothing more is answered or counted on it. */
  closing = false;
  #timer: NodeJS.Timeout | null = null;
  #answering = false;
  #received = 0;
  #passedOn = 0;

  /** `socket` is the TCP connection; `gated` is what the HTTP parser reads (the request gate). */
  constructor(
    readonly socket: Socket,
    gated: Duplex,
    private readonly o: ConnectionDeadlineOptions,
  ) {
    socket.on('data', (c: Buffer) => void (this.#received += c.length));
    if (gated !== socket) gated.on('data', (c: Buffer) => void (this.#passedOn += c.length));
    socket.once('close', () => this.#clear());
    this.#wait();
  }

  /** A request is being answered (between its start and its response closing). */
  get answering(): boolean {
    return this.#answering;
  }

  beginAnswer(): void {
    this.answers++;
    this.#answering = true;
    if (this.o.answerMs === null) this.#clear();
    else this.#arm(this.o.answerMs, 'slow-reader');
  }

  /** The connection is no longer HTTP's (an upgrade took the socket): nothing more is timed. */
  release(): void {
    this.closing = true;
    this.#clear();
  }

  endAnswer(): void {
    this.#answering = false;
    if (this.closing) return this.#clear();
    this.#wait();
  }

  #wait(): void {
    this.#arm(this.o.headMs, null);
  }

  #arm(ms: number, miss: DeadlineMiss | null): void {
    this.#clear();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.closing || this.socket.destroyed) return;
      this.o.onMiss(miss ?? (this.#received > this.#passedOn ? 'slow-request' : 'idle'));
    }, ms);
    this.#timer.unref();
  }

  #clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** What a server answers on a socket whose head did not arrive in time (nothing reached its parser). */
export const REQUEST_TIMEOUT_408 = 'HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';

/**
 * Gates `server`'s connections (request-gate.ts) and times each from the moment it is gated.
 * Returns the deadlines by what the parser reads (the gate, which is `req.socket`); a
 * connection leaves the map when its socket closes.
 */
export function gateAndTimeConnections(
  server: Server | HttpsServer,
  gateStats: GateStats,
  o: Omit<ConnectionDeadlineOptions, 'onMiss'> & { onMiss(conn: ConnectionDeadline, miss: DeadlineMiss): void },
): Map<Duplex, ConnectionDeadline> {
  const conns = new Map<Duplex, ConnectionDeadline>();
  gateRequests(server, gateStats, (gated) => {
    const conn = new ConnectionDeadline(gated.inner, gated, { headMs: o.headMs, answerMs: o.answerMs, onMiss: (miss) => o.onMiss(conn, miss) });
    conns.set(gated, conn);
    gated.inner.once('close', () => conns.delete(gated));
  });
  return conns;
}
