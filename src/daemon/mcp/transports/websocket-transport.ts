import { randomUUID } from 'node:crypto';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import WebSocket from 'ws';

/** Decides whether an incoming message may reach the MCP server; returns the reply to send instead, or null. */
export type MessageGate = (message: JSONRPCMessage) => JSONRPCMessage | null;

export interface WebSocketTransportOptions {
  /** Keepalive: ping this often; a peer that missed the previous pong is terminated. 0 disables. */
  pingIntervalMs: number;
  gate?: MessageGate;
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
 */
export class WebSocketServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly sessionId = randomUUID();
  readonly stats = { received: 0, sent: 0, malformed: 0, gated: 0, pingsMissed: 0 };
  #started = false;
  #closed = false;
  #alive = true;
  #pinger: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly opts: WebSocketTransportOptions,
  ) {}

  async start(): Promise<void> {
    if (this.#started) throw new Error('WebSocketServerTransport already started');
    this.#started = true;
    const s = this.socket;
    s.on('message', (data, isBinary) => this.#receive(data, isBinary));
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
      this.#reject(ErrorCode.InvalidRequest, 'MCP over WebSocket uses text frames');
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(rawText(data));
    } catch {
      this.#reject(ErrorCode.ParseError, 'message is not valid JSON');
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const id = typeof raw === 'object' && raw !== null && 'id' in raw && (typeof raw.id === 'string' || typeof raw.id === 'number') ? raw.id : null;
      this.#reject(ErrorCode.InvalidRequest, 'not a JSON-RPC 2.0 message', id);
      return;
    }
    const refusal = this.opts.gate?.(parsed.data) ?? null;
    if (refusal) {
      this.stats.gated++;
      void this.send(refusal).catch(() => undefined);
      return;
    }
    this.onmessage?.(parsed.data);
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

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
