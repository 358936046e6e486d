import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ErrorCode, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { KeyHolder } from '../auth/api-keys.js';
import { BodyTooLarge, readBody } from './body.js';
import { jsonRpcErrorBody } from './request-guard.js';
import { callerFor, isRequest, type SessionContext } from './session-context.js';
import { RATE_LIMITED } from '../auth/rate-limit.js';

/** Messages per JSON-RPC batch. */
export const MAX_BATCH = 32;

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  holder: KeyHolder;
  lastSeen: number;
  inFlight: number;
}

/**
 * Streamable HTTP (the SDK transport), one session per client keyed by `Mcp-Session-Id`. A
 * session belongs to the key that opened it: another key presenting its id is told it does
 * not exist (404), as for an unknown id. Sessions that go quiet are closed after
 * `sessionIdleMs` (clients that vanish without DELETE would otherwise hold a server forever).
 */
export class StreamableSessions {
  readonly #sessions = new Map<string, Session>();
  readonly #sweeper: NodeJS.Timeout;
  readonly stats = { sessions: 0, oversized: 0, malformed: 0, rateLimited: 0, expired: 0, batchTooLarge: 0, keyQuota: 0 };

  constructor(
    private readonly ctx: SessionContext,
    private readonly opts: { maxMessageBytes: number; sessionIdleMs: number },
  ) {
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(60_000, opts.sessionIdleMs / 4));
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  async handle(req: IncomingMessage, res: ServerResponse, holder: KeyHolder): Promise<void> {
    let body: unknown;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, this.opts.maxMessageBytes);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          this.stats.oversized++;
          return send(res, 413, jsonRpcErrorBody(ErrorCode.InvalidRequest, `message larger than mcp.maxMessageBytes (${this.opts.maxMessageBytes})`), { connection: 'close' });
        }
        throw err;
      }
      try {
        body = JSON.parse(text);
      } catch {
        this.stats.malformed++;
        return send(res, 400, jsonRpcErrorBody(ErrorCode.ParseError, 'body is not valid JSON'));
      }
      // The SDK hands every message of a batch to its server in one go: a 1 MiB batch of
      // 10,000 requests would be one long turn. MCP 2025-06-18 dropped batching; small ones pass.
      if (Array.isArray(body) && body.length > MAX_BATCH) {
        this.stats.batchTooLarge++;
        return send(res, 400, jsonRpcErrorBody(ErrorCode.InvalidRequest, `batch of ${body.length} messages; at most ${MAX_BATCH} per POST`));
      }
      const requests = (Array.isArray(body) ? body : [body]).filter(isRequest);
      for (const r of requests) {
        const d = this.ctx.limiter.take(holder.name);
        if (!d.ok) {
          this.stats.rateLimited++;
          const retryAfterS = Math.ceil(d.retryAfterMs / 1000);
          return send(res, 429, jsonRpcErrorBody(RATE_LIMITED, `rate limit exceeded; retry after ${d.retryAfterMs} ms`, { retryAfterMs: d.retryAfterMs, retryAfterS }, r.id), {
            'retry-after': String(retryAfterS),
          });
        }
      }
    }
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const s = this.#sessions.get(sid);
      if (!s || s.holder.name !== holder.name) return send(res, 404, jsonRpcErrorBody(-32001, 'session not found (expired or closed): initialize again'));
      return this.#dispatch(s, req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return send(res, 400, jsonRpcErrorBody(ErrorCode.InvalidRequest, 'no Mcp-Session-Id: the first request of a session must be initialize'));
    }
    if (this.ctx.open() >= this.ctx.maxConnections) {
      return send(res, 503, jsonRpcErrorBody(ErrorCode.InternalError, `too many MCP sessions (mcp.maxConnections ${this.ctx.maxConnections})`), { 'retry-after': '5' });
    }
    if (!this.ctx.slots.tryTake(holder.name)) {
      this.stats.keyQuota++;
      return send(
        res,
        429,
        jsonRpcErrorBody(-32000, `key ${holder.name} already holds ${this.ctx.slots.perKey} MCP connections/sessions (mcp.maxConnectionsPerKey); close one (DELETE the session) or wait for an idle one to expire`),
        { 'retry-after': '5' },
      );
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.ctx.slots.release(holder.name);
    };
    try {
      await this.#open(holder, req, res, body, release);
    } catch (err) {
      release();
      throw err;
    }
  }

  async #open(holder: KeyHolder, req: IncomingMessage, res: ServerResponse, body: unknown, release: () => void): Promise<void> {
    const caller = callerFor(holder, 'http');
    const server = this.ctx.createServer(this.ctx.apiFor(caller), caller);
    const session: Session = { transport: undefined as unknown as StreamableHTTPServerTransport, server, holder, lastSeen: Date.now(), inFlight: 0 };
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.#sessions.set(id, session);
        this.stats.sessions++;
        this.ctx.log.info('MCP HTTP session opened', { key: holder.name, role: holder.role, session: id });
      },
      // Our own reader already bounded the body; this is the transport's second fence.
      maxRequestBodySize: this.opts.maxMessageBytes,
    });
    session.transport = transport;
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id !== undefined && this.#sessions.get(id) === session) {
        this.#sessions.delete(id);
        this.ctx.log.info('MCP HTTP session closed', { key: holder.name, session: id });
      }
      release();
      void server.close().catch(() => undefined);
    };
    await server.connect(transport);
    await this.#dispatch(session, req, res, body);
    // An initialize the SDK refused opened no session: its slot goes back at once.
    if (transport.sessionId === undefined || this.#sessions.get(transport.sessionId) !== session) {
      release();
      void server.close().catch(() => undefined);
    }
  }

  async #dispatch(s: Session, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    s.lastSeen = Date.now();
    s.inFlight++;
    // A GET stream stays open for server notifications: the session is not idle while it does.
    res.once('close', () => {
      s.inFlight--;
      s.lastSeen = Date.now();
    });
    await s.transport.handleRequest(req, res, body);
  }

  #sweep(): void {
    const cutoff = Date.now() - this.opts.sessionIdleMs;
    for (const s of this.#sessions.values()) {
      if (s.inFlight === 0 && s.lastSeen < cutoff) {
        this.stats.expired++;
        void s.transport.close().catch(() => undefined);
      }
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.allSettled([...this.#sessions.values()].map((s) => s.transport.close()));
    this.#sessions.clear();
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}
