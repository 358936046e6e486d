import { randomUUID } from 'node:crypto';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { TurnBudget, type BudgetedSocket, type TurnBudgetStats } from '../../../lib/turn-budget.js';
import { checkText, RejectCounts } from './jsonrpc-validation.js';

/** Decides whether an incoming message may reach the MCP server; returns the reply to send instead, or null. */
export type MessageGate = (message: JSONRPCMessage) => JSONRPCMessage | null;

export interface WebSocketTransportOptions {
  /** Keepalive: ping this often; a peer that missed the previous pong is terminated. 0 disables. */
  pingIntervalMs: number;
  gate?: MessageGate;
  /**
   * The TCP (or TLS) socket under the WebSocket. With it, incoming messages are handled in
   * bounded slices (see `budget`); without it (unit tests over a bare ws) one at a time as
   * they arrive.
   */
  raw?: Duplex;
  budget?: WebSocketBudget;
}

/** Per-connection work bounds; see lib/turn-budget.ts. */
export interface WebSocketBudget {
  /** Work units per event-loop turn: a message costs 1 plus 1 per `bytesPerUnit`. */
  perTurn: number;
  bytesPerUnit: number;
  /** Waiting messages above which the socket stops being read (TCP holds the rest at the sender). */
  maxQueued: number;
  /** Unsent reply bytes above which no further message is handled until the client reads. */
  maxOutputBytes: number;
}

/**
 * Two messages a turn: one MCP request can cost ~20 ms on a Pi-class core (`tools/list` turns
 * every tool's zod schema into JSON Schema; the reply is tens of kB), and everything a slice
 * starts runs before the turn ends (the SDK's handlers settle in microtasks). A 1 MiB message
 * (4 units) is a slice of its own. Refusals cost microseconds, and a turn with nothing else to
 * do is short, so a flood is still drained at thousands of messages a second.
 */
export const DEFAULT_WEBSOCKET_BUDGET: WebSocketBudget = { perTurn: 2, bytesPerUnit: 256 * 1024, maxQueued: 256, maxOutputBytes: 1024 * 1024 };

interface Incoming {
  data: WebSocket.RawData;
  isBinary: boolean;
  bytes: number;
}

/** Close codes (RFC 6455 §7.4.1). */
export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;

/**
 * The SDK `Transport` over one accepted `ws` socket: one JSON-RPC message per text frame (the
 * framing the SDK's WebSocketClientTransport uses). Malformed input gets a JSON-RPC error and is
 * counted; the connection stays up, because one bad frame from a buggy client is not worth a
 * session. Oversized frames are refused by ws itself (maxPayload → close 1009) before they are
 * buffered whole.
 *
 * A flood from one client must not hold the daemon's event loop (NMEA arrivals are stamped on
 * it): ws hands over every message of a TCP chunk at once, so they are queued and handled a
 * bounded slice per turn, replies are not asked for while the client leaves its earlier ones
 * unread, and a long queue stops reading the socket. Each message's JSON parse, validation
 * and the SDK work it triggers (its handler's synchronous part and reply encoding) fall in the
 * slice that handles it.
 */
export class WebSocketServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly sessionId = randomUUID();
  readonly stats = { received: 0, sent: 0, malformed: 0, gated: 0, pingsMissed: 0 };
  /** Refused messages by reason (jsonrpc-validation.ts); `stats.malformed` is their total. */
  readonly rejected = new RejectCounts();
  #started = false;
  #closed = false;
  #alive = true;
  #pinger: NodeJS.Timeout | null = null;
  #budget: TurnBudget<Incoming> | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly opts: WebSocketTransportOptions,
  ) {}

  async start(): Promise<void> {
    if (this.#started) throw new Error('WebSocketServerTransport already started');
    this.#started = true;
    const s = this.socket;
    const raw = this.opts.raw;
    if (raw) {
      const b = this.opts.budget ?? DEFAULT_WEBSOCKET_BUDGET;
      const budget = new TurnBudget<Incoming>(budgetedSocket(s, raw), (m) => this.#receive(m.data, m.isBinary), {
        perTurn: b.perTurn,
        maxQueued: b.maxQueued,
        maxOutputBytes: b.maxOutputBytes,
        weight: (m) => 1 + Math.floor(m.bytes / b.bytesPerUnit),
      });
      this.#budget = budget;
      // ws emits every message of a TCP chunk synchronously. Pushed one by one, each would
      // find the queue empty and be handled at once, so the slice would be the whole chunk:
      // gather them and hand them over together once the chunk is parsed.
      let arriving: Incoming[] = [];
      s.on('message', (data, isBinary) => {
        if (arriving.length === 0) {
          queueMicrotask(() => {
            const batch = arriving;
            arriving = [];
            budget.push(batch);
          });
        }
        arriving.push({ data, isBinary, bytes: rawBytes(data) });
      });
    } else {
      s.on('message', (data, isBinary) => this.#receive(data, isBinary));
    }
    s.on('pong', () => (this.#alive = true));
    s.on('error', (err) => this.onerror?.(err));
    s.on('close', () => this.#finish());
    if (s.readyState !== WebSocket.OPEN) {
      this.#finish();
      return;
    }
    if (this.opts.pingIntervalMs > 0) {
      this.#pinger = setInterval(() => this.#keepalive(), this.opts.pingIntervalMs);
      this.#pinger.unref();
    }
  }

  /** Slices deferred, waits for the client to read, socket pauses (zeros without a raw socket). */
  get budgetStats(): TurnBudgetStats {
    return this.#budget ? { ...this.#budget.stats } : { deferredTurns: 0, outputWaits: 0, pauses: 0 };
  }

  /** Messages received and not yet handled. */
  get pending(): number {
    return this.#budget?.pending ?? 0;
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState !== WebSocket.OPEN) {
        reject(new Error('WebSocket is not open'));
        return;
      }
      this.socket.send(JSON.stringify(message), (err) => {
        if (err) reject(err);
        else {
          this.stats.sent++;
          resolve();
        }
      });
    });
  }

  /** Clean close (1000); a peer that does not complete the closing handshake is cut off. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const s = this.socket;
    if (s.readyState === WebSocket.OPEN || s.readyState === WebSocket.CONNECTING) {
      await new Promise<void>((resolve) => {
        const cut = setTimeout(() => s.terminate(), 2000);
        cut.unref();
        s.once('close', () => {
          clearTimeout(cut);
          resolve();
        });
        s.close(CLOSE_NORMAL, 'server closing');
      });
    }
    this.#finish();
  }

  #receive(data: WebSocket.RawData, isBinary: boolean): void {
    this.#alive = true;
    this.stats.received++;
    if (isBinary) {
      this.rejected.add('binary_frame');
      this.#reject(ErrorCode.InvalidRequest, 'MCP over WebSocket uses text frames');
      return;
    }
    // The same checks and answers as the stdio bridge (jsonrpc-validation.ts).
    const verdict = checkText(rawText(data));
    if (verdict.kind === 'ignored') return;
    if (verdict.kind === 'rejected') {
      this.stats.malformed++;
      this.rejected.add(verdict.reason);
      this.onerror?.(new Error(verdict.detail));
      for (const reply of verdict.replies) void this.send(reply).catch(() => undefined);
      return;
    }
    const refusal = this.opts.gate?.(verdict.message) ?? null;
    if (refusal) {
      this.stats.gated++;
      void this.send(refusal).catch(() => undefined);
      return;
    }
    this.onmessage?.(verdict.message);
  }

  #reject(code: number, message: string, id: string | number | null = null): void {
    this.stats.malformed++;
    this.onerror?.(new Error(message));
    // JSON-RPC 2.0 §5: a parse error or an unidentifiable request is answered with id null.
    void this.send({ jsonrpc: '2.0', id, error: { code, message } } as unknown as JSONRPCMessage).catch(() => undefined);
  }

  #keepalive(): void {
    if (!this.#alive) {
      this.stats.pingsMissed++;
      this.socket.terminate();
      return;
    }
    this.#alive = false;
    this.socket.ping();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pinger) clearInterval(this.#pinger);
    this.#pinger = null;
    this.onclose?.();
  }
}

/**
 * The WebSocket seen as the budget needs it: ws pauses and resumes its socket; unsent bytes are
 * ws's own queue plus the socket's; 'drain' and 'close' come from the socket underneath.
 */
function budgetedSocket(ws: WebSocket, raw: Duplex): BudgetedSocket {
  return {
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    get writableLength() {
      return ws.bufferedAmount;
    },
    get destroyed() {
      return raw.destroyed || ws.readyState !== WebSocket.OPEN;
    },
    once: (event, listener) => raw.once(event, listener),
    off: (event, listener) => raw.off(event, listener),
  };
}

function rawBytes(data: WebSocket.RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
