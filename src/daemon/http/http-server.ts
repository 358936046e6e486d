import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { RequestGate, type GateStats } from '../../lib/request-gate.js';
import { gateAndTimeConnections, REQUEST_TIMEOUT_408, type ConnectionDeadline, type DeadlineMiss } from '../../lib/connection-deadline.js';

/**
 * A deliberately small HTTP/1.1 server for two read-only routes, where one client's connection
 * costs a bounded amount and a flood from one client delays only that client:
 * - at most `maxConnections` at once (extra ones are closed on accept, counted);
 * - each connection reaches Node's parser through the request gate (lib/request-gate.ts):
 *   one request at a time, the next only after its answer is written and one more turn of the
 *   event loop, so thousands of pipelined requests are answered one per turn, between
 *   everything else the daemon does; a client that does not read its answers gets no more
 *   built (the gate's output waits for the socket to drain). A turn thus answers at most
 *   one request per connection, maxConnections in all (/metrics measured at ~0.4 ms of work);
 * - a kept-alive connection is closed after `maxRequestsPerConnection` answers (the last says
 *   `connection: close`), so a flood cannot keep its connection slot forever;
 * - heads are bounded (`maxHeaderBytes`, 431) and must be complete within `headersTimeoutMs`
 *   (408; connection-deadline.ts: the gate hides slow heads from Node's own timer); an answer
 *   must be taken within `requestTimeoutMs`;
 * - bodies are never read: anything but GET/HEAD is 405, a GET/HEAD announcing a body is 400,
 *   and the connection is closed; so is one asking for an upgrade or CONNECT (400): nothing
 *   here speaks another protocol.
 * Every refusal is counted by reason (`stats().refused`). Routes answer from memory; a route
 * that throws answers 500, never crashes.
 */
export interface Route {
  (req: IncomingMessage): Promise<{ status: number; contentType: string; body: string }>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  routes: Record<string, Route>;
  maxConnections?: number;
  /** Answers on one kept-alive connection before it is closed. */
  maxRequestsPerConnection?: number;
  /** Request line and headers together. */
  maxHeaderBytes?: number;
  /** A request head must be complete this long after the connect or the previous answer (slowloris). */
  headersTimeoutMs?: number;
  /** The client must take an answer this long after its request began. */
  requestTimeoutMs?: number;
  onError?: (err: Error) => void;
}

/** Why requests or connections were refused; `stratum1d_http_refused_total{reason}`. */
export interface HttpRefusals {
  /** Over maxConnections: closed on accept. */
  connections: number;
  /** Not GET or HEAD (405). */
  method: number;
  /** A GET or HEAD announcing a body (400). */
  body: number;
  /** Head over maxHeaderBytes (431). */
  header: number;
  /** What Node's parser refused (400). */
  malformed: number;
  /** Head not complete in time (408). */
  'slow-request': number;
  /** An answer not taken in time: the connection is dropped. */
  'slow-reader': number;
  /** A request asking for a protocol upgrade, or CONNECT (400). */
  upgrade: number;
}

export interface HttpServerStats {
  requests: Record<string, number>;
  refused: HttpRefusals;
  /** Same as refused.connections (older name). */
  refusedConnections: number;
  /** Kept-alive connections closed after maxRequestsPerConnection answers. */
  recycled: number;
  /** Connections closed for sending nothing within headersTimeoutMs. */
  idleClosed: number;
  /** The request gate's counts (requests handed to the parser, held pipelined ones). */
  gate: GateStats;
  open: number;
}

export interface HttpEndpoint {
  address: { host: string; port: number; url: string };
  stats(): HttpServerStats;
  stop(): Promise<void>;
}

/** The limits when the options leave them out (the daemon's). */
export const HTTP_LIMITS = { maxConnections: 16, maxRequestsPerConnection: 100, maxHeaderBytes: 8 * 1024, headersTimeoutMs: 5_000, requestTimeoutMs: 10_000 } as const;

/** How long a refused connection may take to read its answer before it is cut. */
const CLOSE_GRACE_MS = 1000;
/** How far behind ours Node's own timeouts run (they only back ours up). */
const BACKSTOP_MS = 1000;

const PLAIN = 'text/plain; charset=utf-8';
const NO_UPGRADE = 'no protocol upgrades here: GET /health or /metrics\n';

export async function startHttpServer(o: HttpServerOptions): Promise<HttpEndpoint> {
  const requests: Record<string, number> = {};
  const refused: HttpRefusals = { connections: 0, method: 0, body: 0, header: 0, malformed: 0, 'slow-request': 0, 'slow-reader': 0, upgrade: 0 };
  const counts = { recycled: 0, idleClosed: 0 };
  const gate: GateStats = { requests: 0, held: 0, passthrough: 0 };
  const headersTimeoutMs = o.headersTimeoutMs ?? HTTP_LIMITS.headersTimeoutMs;
  const requestTimeoutMs = Math.max(o.requestTimeoutMs ?? HTTP_LIMITS.requestTimeoutMs, headersTimeoutMs);
  const maxRequests = o.maxRequestsPerConnection ?? HTTP_LIMITS.maxRequestsPerConnection;
  const count = (route: string): void => void (requests[route] = (requests[route] ?? 0) + 1);

  const server: Server = createServer(
    {
      maxHeaderSize: o.maxHeaderBytes ?? HTTP_LIMITS.maxHeaderBytes,
      // Node's own timers see only what the gate hands over: ours (connection-deadline.ts)
      // decide, these stay a second behind as a backstop, checked every second, not every 30 s.
      headersTimeout: requestTimeoutMs + BACKSTOP_MS,
      requestTimeout: requestTimeoutMs + BACKSTOP_MS,
      keepAliveTimeout: headersTimeoutMs + BACKSTOP_MS,
      connectionsCheckingInterval: BACKSTOP_MS,
    },
    (req, res) => void answer(req, res),
  );
  // Between the gate and Node's parser: each connection is timed from the moment it is gated.
  const conns = gateAndTimeConnections(server, gate, { headMs: headersTimeoutMs, answerMs: requestTimeoutMs, onMiss: (conn, miss) => missed(conn, miss) });
  // Node closes connections over the bound before it parses a byte of them.
  server.maxConnections = o.maxConnections ?? HTTP_LIMITS.maxConnections;
  server.on('drop', () => void refused.connections++);
  // Nothing here speaks another protocol: a request that asks for one is refused and the
  // connection closed. Node's 'upgrade' and 'connect' come here; an Upgrade header on a plain
  // request is caught in answer().
  const refuseUpgrade = (_req: IncomingMessage, gated: Duplex): void => {
    const conn = conns.get(gated);
    if (conn) conn.closing = true;
    refused.upgrade++;
    const socket = gated instanceof RequestGate ? gated.detach() : gated;
    endAndCut(socket, `HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: ${PLAIN}\r\ncontent-length: ${NO_UPGRADE.length}\r\n\r\n${NO_UPGRADE}`);
  };
  server.on('upgrade', refuseUpgrade);
  server.on('connect', refuseUpgrade);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const conn = conns.get(socket);
    if (conn?.closing || conn?.answering || err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const [status, reason] = err.code === 'HPE_HEADER_OVERFLOW' ? (['431 Request Header Fields Too Large', 'header'] as const) : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? (['408 Request Timeout', 'slow-request'] as const) : (['400 Bad Request', 'malformed'] as const);
    refused[reason]++;
    if (conn) conn.closing = true;
    endAndCut(socket, `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  const missed = (conn: ConnectionDeadline, miss: DeadlineMiss): void => {
    conn.closing = true;
    if (miss === 'idle') {
      counts.idleClosed++;
      conn.socket.destroy();
    } else if (miss === 'slow-request') {
      refused[miss]++;
      // Nothing of this request reached the parser (the gate holds incomplete heads): the
      // socket is ours to answer on.
      endAndCut(conn.socket, REQUEST_TIMEOUT_408);
    } else {
      refused[miss]++;
      // It does not read: an answer would only wait in our memory.
      conn.socket.destroy();
    }
  };

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const conn = conns.get(req.socket);
    if (!conn || conn.closing) return void req.socket.destroy();
    if (req.headers.upgrade !== undefined) return refuseUpgrade(req, req.socket);
    conn.beginAnswer();
    res.once('close', () => conn.endAnswer());
    // A connection we close (refusal, or its last answer) is cut if the client does not close it.
    const closeAfter = (): void =>
      void res.once('finish', () => {
        conn.closing = true;
        endAndCut(req.socket);
      });
    const reply = (status: number, contentType: string, body: string, close: boolean): void => {
      const last = !close && conn.answers >= maxRequests;
      if (last) counts.recycled++;
      if (close || last) closeAfter();
      send(res, status, contentType, body, req.method === 'HEAD', close || last);
    };

    const path = (req.url ?? '/').split('?')[0]!;
    const route = Object.hasOwn(o.routes, path) ? o.routes[path] : undefined;
    if (!route) {
      count('other');
      return reply(404, PLAIN, `not found: ${Object.keys(o.routes).join(', ')}\n`, true);
    }
    count(path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refused.method++;
      res.setHeader('allow', 'GET, HEAD');
      // The body is never read: close the connection rather than leave it to drain.
      return reply(405, PLAIN, 'method not allowed: GET or HEAD\n', true);
    }
    if (announcesBody(req)) {
      refused.body++;
      return reply(400, PLAIN, 'a GET or HEAD request carries no body here\n', true);
    }
    try {
      const r = await route(req);
      reply(r.status, r.contentType, r.body, false);
    } catch (err) {
      o.onError?.(err as Error);
      reply(500, PLAIN, 'internal error\n', true);
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => o.onError?.(err));
  const a = server.address() as AddressInfo;
  const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    address: { host: a.address, port: a.port, url: `http://${shown}:${a.port}` },
    stats: () => ({ requests: { ...requests }, refused: { ...refused }, refusedConnections: refused.connections, ...counts, gate: { ...gate }, open: conns.size }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const c of conns.values()) c.socket.destroy();
      }),
  };
}

function announcesBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Sends what is left to say, then cuts the connection if the client has not closed it by then. */
function endAndCut(socket: Duplex, last?: string): void {
  if (last !== undefined) socket.end(last);
  else socket.end();
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

function send(res: ServerResponse, status: number, contentType: string, body: string, head: boolean, close: boolean): void {
  if (res.headersSent) return void res.destroy();
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.setHeader('cache-control', 'no-store');
  if (close) res.setHeader('connection', 'close');
  res.end(head ? undefined : body);
}
