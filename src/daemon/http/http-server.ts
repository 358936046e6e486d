import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A deliberately small HTTP/1.1 server for two read-only routes. It never reads a request
 * body (GET/HEAD only: anything else is 405 before a byte of body is consumed, and the
 * connection is closed), bounds concurrent connections (extra ones are closed at once), and
 * times out slow clients (headers, whole request, idle keep-alive) so a stuck scraper cannot
 * pin sockets. Routes answer from memory; a route that throws answers 500, never crashes.
 */
export interface Route {
  (req: IncomingMessage): Promise<{ status: number; contentType: string; body: string }>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  routes: Record<string, Route>;
  maxConnections?: number;
  /** Headers must arrive within this (slowloris). */
  headersTimeoutMs?: number;
  /** The whole request, and an idle socket, within this. */
  requestTimeoutMs?: number;
  onError?: (err: Error) => void;
}

export interface HttpEndpoint {
  address: { host: string; port: number; url: string };
  stats(): { requests: Record<string, number>; refusedConnections: number; open: number };
  stop(): Promise<void>;
}

export async function startHttpServer(o: HttpServerOptions): Promise<HttpEndpoint> {
  const requests: Record<string, number> = {};
  let refusedConnections = 0;
  const sockets = new Set<Socket>();
  const maxConnections = o.maxConnections ?? 16;
  const count = (route: string): void => void (requests[route] = (requests[route] ?? 0) + 1);

  const server: Server = createServer({ requestTimeout: o.requestTimeoutMs ?? 10_000, headersTimeout: o.headersTimeoutMs ?? 5_000, keepAliveTimeout: 5_000 }, (req, res) => {
    void handle(req, res);
  });
  server.on('connection', (socket: Socket) => {
    if (sockets.size >= maxConnections) {
      refusedConnections++;
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.setTimeout(o.requestTimeoutMs ?? 10_000, () => socket.destroy());
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = Object.hasOwn(o.routes, path) ? o.routes[path] : undefined;
    if (!route) {
      count('other');
      return send(res, 404, 'text/plain; charset=utf-8', `not found: ${Object.keys(o.routes).join(', ')}\n`, req.method === 'HEAD', true);
    }
    count(path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      // The body is never read: close the connection rather than leave it to drain.
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed: GET or HEAD\n', false, true);
    }
    try {
      const r = await route(req);
      send(res, r.status, r.contentType, r.body, req.method === 'HEAD', false);
    } catch (err) {
      o.onError?.(err as Error);
      send(res, 500, 'text/plain; charset=utf-8', 'internal error\n', req.method === 'HEAD', true);
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
    stats: () => ({ requests: { ...requests }, refusedConnections, open: sockets.size }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
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
