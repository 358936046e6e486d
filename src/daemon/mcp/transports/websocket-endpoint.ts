import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { KeyHolder } from '../auth/api-keys.js';
import { callerFor, rateGate, type SessionContext } from '../http/session-context.js';
import { WebSocketServerTransport } from './websocket-transport.js';

export const SUBPROTOCOL = 'mcp';

export interface WebSocketEndpointStats {
  accepted: number;
  oversized: number;
  malformed: number;
  rateLimited: number;
  keepaliveDropped: number;
  deferredTurns: number;
  outputWaits: number;
  pauses: number;
  /** Messages received and waiting for their slice, now. */
  queued: number;
}

/**
 * WebSocket upgrades on `/mcp` that have already passed the origin and key checks. One MCP
 * session per connection: a fresh server from the factory, closed with the socket.
 */
export class WebSocketEndpoint {
  readonly #wss: WebSocketServer;
  readonly #live = new Set<WebSocketServerTransport>();
  readonly #stats: Omit<WebSocketEndpointStats, 'queued'> = { accepted: 0, oversized: 0, malformed: 0, rateLimited: 0, keepaliveDropped: 0, deferredTurns: 0, outputWaits: 0, pauses: 0 };

  constructor(
    private readonly ctx: SessionContext,
    private readonly opts: { maxMessageBytes: number; pingIntervalMs: number },
  ) {
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxMessageBytes,
      // Only `mcp` is spoken; ws answers a handshake offering none of ours without a protocol
      // header, and the SDK client then refuses the connection (RFC 6455 §4.1 item 6).
      handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
  }

  /**
   * Counters over every connection, open or closed. `deferredTurns`/`outputWaits`/`pauses`: a
   * client sent more than one slice of work, left its replies unread, was stopped being read.
   */
  get stats(): WebSocketEndpointStats {
    const s = { ...this.#stats, queued: 0 };
    for (const t of this.#live) {
      const b = t.budgetStats;
      s.deferredTurns += b.deferredTurns;
      s.outputWaits += b.outputWaits;
      s.pauses += b.pauses;
      s.malformed += t.stats.malformed;
      s.queued += t.pending;
    }
    return s;
  }

  get size(): number {
    return this.#live.size;
  }

  /** Refuses (400) a handshake that does not offer the `mcp` subprotocol; that is a client for something else. */
  offersSubprotocol(req: IncomingMessage): boolean {
    const h = req.headers['sec-websocket-protocol'];
    return typeof h === 'string' && h.split(',').some((p) => p.trim() === SUBPROTOCOL);
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, holder: KeyHolder): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#stats.accepted++;
      const caller = callerFor(holder, 'websocket');
      const gate = rateGate(this.ctx, holder);
      const transport = new WebSocketServerTransport(ws, {
        pingIntervalMs: this.opts.pingIntervalMs,
        raw: socket,
        gate: (m) => {
          const refusal = gate(m);
          if (refusal) this.#stats.rateLimited++;
          return refusal;
        },
      });
      ws.on('error', (err: Error & { code?: string }) => {
        if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
          this.#stats.oversized++;
          this.ctx.log.warn('WebSocket message over mcp.maxMessageBytes; connection closed (1009)', { key: holder.name, limit: this.opts.maxMessageBytes });
        }
      });
      this.#live.add(transport);
      const server = this.ctx.createServer(this.ctx.apiFor(caller), caller);
      ws.on('close', (code) => {
        this.#live.delete(transport);
        this.#stats.malformed += transport.stats.malformed;
        this.#stats.keepaliveDropped += transport.stats.pingsMissed;
        const b = transport.budgetStats;
        this.#stats.deferredTurns += b.deferredTurns;
        this.#stats.outputWaits += b.outputWaits;
        this.#stats.pauses += b.pauses;
        void server.close().catch(() => undefined);
        this.ctx.log.info('MCP WebSocket session closed', { key: holder.name, session: transport.sessionId, code });
      });
      server.connect(transport).catch((err: Error) => {
        this.ctx.log.error('cannot start an MCP session on a WebSocket', { error: err.message });
        ws.terminate();
      });
      this.ctx.log.info('MCP WebSocket session opened', { key: holder.name, role: holder.role, session: transport.sessionId });
    });
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.#live].map((t) => t.close()));
    this.#wss.close();
  }
}
