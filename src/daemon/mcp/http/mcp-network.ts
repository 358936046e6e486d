import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { McpConfig } from '../../../config/sections/mcp.js';
import type { Logger } from '../../logger.js';
import type { ApplianceApi, Caller } from '../appliance-api.js';
import { KeyRing } from '../auth/api-keys.js';
import { AuthThrottle } from '../auth/auth-throttle.js';
import { RateLimiter } from '../auth/rate-limit.js';
import { WebSocketEndpoint } from '../transports/websocket-endpoint.js';
import { Admission } from './admission.js';
import { RequestGate, type GateStats } from '../../../lib/request-gate.js';
import { gateAndTimeConnections, REQUEST_TIMEOUT_408, type ConnectionDeadline, type DeadlineMiss } from '../../../lib/connection-deadline.js';
import { guardRequest, jsonRpcErrorBody } from './request-guard.js';
import { KeySlots, type McpServerFactory, type SessionContext } from './session-context.js';
import { StreamableSessions } from './streamable-sessions.js';

export const MCP_PATH = '/mcp';

/**
 * Streamable HTTP POSTs of one key running at once, and waiting behind them (admission.ts).
 * A dashboard and an assistant sharing a key need a handful; a flood gets 503s.
 */
export const HTTP_MAX_IN_FLIGHT_PER_KEY = 8;
export const HTTP_MAX_WAITING_PER_KEY = 64;

/**
 * From a connection's start and the end of each answer, the next request's head must be
 * complete within this. Behind the request gate Node's own header timer never sees a head
 * trickled in on a kept-alive connection (connection-deadline.ts), so without it one client
 * could hold connections open forever a byte at a time. Idle connections are closed quietly.
 */
export const MCP_HEAD_TIMEOUT_MS = 10_000;

export interface McpNetworkOptions {
  config: McpConfig;
  /** The daemon-side appliance API for a caller (the caller is what the audit log records). */
  apiFor(caller: Caller): ApplianceApi;
  /** `createMcpServer` from daemon/mcp/server. */
  createServer: McpServerFactory;
  log: Logger;
  /** Clock for the rate limiter (ms, monotonic); tests inject one. */
  now?: () => number;
  /** MCP_HEAD_TIMEOUT_MS unless a test needs it shorter. */
  headTimeoutMs?: number;
}

export interface McpNetwork {
  address: { host: string; port: number; ws: string; http: string };
  stats(): Record<string, unknown>;
  stop(): Promise<void>;
}

/**
 * WebSocket and Streamable HTTP at `/mcp` on one port. Every request is checked (origin, key)
 * before any MCP message is read; only then does a session begin. Fails fast (rejects) when
 * the TLS files cannot be read or the port cannot be bound: the caller decides the exit code.
 */
export async function startMcpNetwork(opts: McpNetworkOptions): Promise<McpNetwork> {
  const { config, log } = opts;
  const keys = new KeyRing(config.keys);
  if (keys.size === 0) log.warn('mcp.enabled but no mcp.keys: every network client will be refused (401)');
  const limiter = new RateLimiter({ perSecond: config.rateLimit.perSecond, burst: config.rateLimit.burst, now: opts.now });
  let ws: WebSocketEndpoint | null = null;
  let http: StreamableSessions | null = null;
  const ctx: SessionContext = {
    createServer: opts.createServer,
    apiFor: opts.apiFor,
    limiter,
    log,
    maxConnections: config.maxConnections,
    open: () => (ws?.size ?? 0) + (http?.size ?? 0),
    slots: new KeySlots(config.maxConnectionsPerKey),
  };
  const throttle = new AuthThrottle({ burst: config.authFailures.burst, perMinute: config.authFailures.perMinute, now: opts.now });
  // One line per address per minute, with counts, instead of one per failed attempt.
  const reportFailures = (): void => {
    for (const f of throttle.drain()) log.warn('MCP authentication failures', { remote: f.address, failures: f.failures, throttled: f.throttled, lastReason: f.reason, windowS: 60 });
  };
  const reporter = setInterval(reportFailures, 60_000);
  reporter.unref();
  ws = new WebSocketEndpoint(ctx, config);
  http = new StreamableSessions(ctx, config);
  const refused = { origin: 0, key: 0, path: 0, subprotocol: 0, capacity: 0, keyQuota: 0, slowRequest: 0 };
  let idleClosed = 0;
  const admission = new Admission({ maxInFlight: HTTP_MAX_IN_FLIGHT_PER_KEY, maxWaiting: HTTP_MAX_WAITING_PER_KEY });

  const tls = config.tls.cert !== undefined && config.tls.key !== undefined;
  const gates: GateStats = { requests: 0, held: 0, passthrough: 0 };
  /** By what the parser reads (the gate); set once the server exists. */
  let conns = new Map<Duplex, ConnectionDeadline>();
  const missed = (conn: ConnectionDeadline, miss: DeadlineMiss): void => {
    conn.closing = true;
    if (miss === 'slow-request') {
      refused.slowRequest++;
      // Nothing of this request reached the parser (the gate holds incomplete heads).
      conn.socket.end(REQUEST_TIMEOUT_408);
      setTimeout(() => conn.socket.destroy(), 1000).unref();
    } else {
      idleClosed++;
      conn.socket.destroy();
    }
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const conn = conns.get(req.socket);
    if (conn) {
      conn.beginAnswer();
      res.once('close', () => conn.endAnswer());
    }
    if (pathOf(req) !== MCP_PATH) {
      refused.path++;
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: MCP is at ${MCP_PATH}\n`);
      return;
    }
    if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') {
      res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
      return;
    }
    const g = guardRequest(req, keys, config.allowedOrigins, throttle);
    if (!g.ok) {
      if (g.status === 401) refused.key++;
      else if (g.status === 403) refused.origin++;
      res.writeHead(g.status, { 'content-type': 'application/json', ...g.headers }).end(JSON.stringify({ error: g.reason }));
      return;
    }
    const serve = (): Promise<void> =>
      http!.handle(req, res, g.holder).catch((err: Error) => {
        log.error('MCP HTTP request failed', { error: err.message });
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    // GET (the session's notification stream) and DELETE carry no work; POSTs wait their turn.
    if (req.method !== 'POST') {
      void serve();
      return;
    }
    let gone = false;
    res.once('close', () => (gone = true));
    const admitted = admission.enter(g.holder.name, (done) => {
      // A request whose client left while it waited costs nothing more.
      if (gone) return done();
      res.once('close', done);
      void serve();
    });
    if (!admitted) {
      log.debug('MCP HTTP request refused: too many from this key', { key: g.holder.name });
      res
        .writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' })
        .end(jsonRpcErrorBody(-32000, `too many concurrent requests for key ${g.holder.name} (${HTTP_MAX_IN_FLIGHT_PER_KEY} running, ${HTTP_MAX_WAITING_PER_KEY} waiting); retry after 1 s`));
      // Requests pipelined behind this one on the same connection were parsed with it and
      // would each be refused in turn: close the connection once this answer is out (end, not
      // destroy: a destroy could discard the 503 still queued, and the client would see only a reset).
      res.once('finish', () => {
        req.socket.end();
        setTimeout(() => req.socket.destroy(), 1000).unref();
      });
    }
  };
  const server: Server = tls ? createHttpsServer({ cert: readFileSync(config.tls.cert!), key: readFileSync(config.tls.key!) }, onRequest) : createHttpServer(onRequest);
  server.on('clientError', (_err, socket) => socket.destroy());
  // Every connection reaches Node's parser through a RequestGate: one request at a time, so a
  // client pipelining thousands of POSTs is parsed one per turn, not all in one (request-gate.ts).
  // Each connection is timed too: a head must arrive within headTimeoutMs (answers are not timed).
  conns = gateAndTimeConnections(server, gates, { headMs: opts.headTimeoutMs ?? MCP_HEAD_TIMEOUT_MS, answerMs: null, onMiss: (conn, miss) => missed(conn, miss) });
  server.on('upgrade', (req: IncomingMessage, gated: Duplex, head: Buffer) => {
    conns.get(gated)?.release();
    // A WebSocket gets the real socket: frames have their own turn budget (websocket-transport.ts).
    const socket = gated instanceof RequestGate ? gated.detach() : gated;
    socket.on('error', () => socket.destroy());
    if (pathOf(req) !== MCP_PATH) {
      refused.path++;
      return refuseUpgrade(socket, 404);
    }
    const g = guardRequest(req, keys, config.allowedOrigins, throttle);
    if (!g.ok) {
      if (g.status === 401) refused.key++;
      else if (g.status === 403) refused.origin++;
      return refuseUpgrade(socket, g.status, g.headers);
    }
    if (!ws!.offersSubprotocol(req)) {
      refused.subprotocol++;
      return refuseUpgrade(socket, 400, {}, 'offer the WebSocket subprotocol "mcp"');
    }
    if (ctx.open() >= config.maxConnections) {
      refused.capacity++;
      return refuseUpgrade(socket, 503, { 'retry-after': '5' });
    }
    if (!ctx.slots.tryTake(g.holder.name)) {
      refused.keyQuota++;
      return refuseUpgrade(socket, 429, { 'retry-after': '5' }, `key ${g.holder.name} already holds ${config.maxConnectionsPerKey} MCP connections/sessions (mcp.maxConnectionsPerKey)`);
    }
    // The slot is held as long as the TCP connection under the WebSocket lives.
    const holder = g.holder.name;
    socket.once('close', () => ctx.slots.release(holder));
    ws!.upgrade(req, socket, head, g.holder);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.listen, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error('MCP server error', { error: err.message }));
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  const address = { host: a.address, port: a.port, ws: `${tls ? 'wss' : 'ws'}://${host}:${a.port}${MCP_PATH}`, http: `${tls ? 'https' : 'http'}://${host}:${a.port}${MCP_PATH}` };
  log.info('MCP listening', { ws: address.ws, http: address.http, keys: keys.size });

  return {
    address,
    stats: () => ({ refused: { ...refused }, auth: { ...throttle.stats, tracked: throttle.tracked }, websocket: { ...ws!.stats, open: ws!.size }, http: { ...http!.stats, open: http!.size, ...admission.stats, gate: { ...gates }, connections: conns.size, idleClosed }, rate: { ...limiter.stats } }),
    async stop() {
      clearInterval(reporter);
      reportFailures();
      await Promise.allSettled([ws!.stop(), http!.stop()]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** An HTTP response on the raw socket of a refused upgrade; no WebSocket is ever opened. */
function refuseUpgrade(socket: Duplex, status: number, headers: OutgoingHttpHeaders = {}, text?: string): void {
  const body = `${text ?? STATUS_CODES[status] ?? 'refused'}\n`;
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${String(v)}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`);
}
