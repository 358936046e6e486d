import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { socketDirProblem } from '../../config/socket-dir-check.js';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { TurnBudget } from '../../lib/turn-budget.js';
import type { Logger } from '../logger.js';
import { ControlAccess } from './control-access.js';
import { peerId, type Peer } from './peer-identity.js';
import { MAX_REQUEST_BYTES, parseRequest, type ControlResponse } from './protocol.js';

/** `peer`: the caller as the kernel reports it (SO_PEERCRED), with its role; never from the request. */
export type ControlHandler = (params: unknown, peer: Peer) => unknown | Promise<unknown>;

/**
 * A subscription: answers the request with `first` and then pushes events on the same
 * connection until it closes (or `stop` is called by the server when it does). Events are
 * whole snapshots, never deltas, so one dropped for a client that does not read loses nothing
 * the next one does not carry.
 */
export type StreamHandler = (params: unknown, peer: Peer, push: (event: unknown) => void) => { first: unknown; stop(): void } | Promise<{ first: unknown; stop(): void }>;

/** Streams one connection may hold open: a bridge needs one; more is a client bug. */
const MAX_STREAMS_PER_CONNECTION = 4;
/** Unsent bytes above which a stream's push is dropped (the next snapshot replaces it). */
const STREAM_MAX_OUTPUT_BYTES = 64 * 1024;

export interface HandlerOptions {
  /** Least role that may call the method: `read` (default) or `admin`. Callers without a role are always refused. */
  role?: 'read' | 'admin';
}

/**
 * Unix-socket server for local clients. A bad request gets an error response and is counted;
 * the connection and the daemon carry on. Mode 0660 so the `stratum1d` group may connect; who
 * the caller is and what it may do comes from the kernel (control-access.ts), per connection.
 */
export class ControlServer {
  readonly #handlers = new Map<string, { fn: ControlHandler; role: 'read' | 'admin'; stream?: StreamHandler }>();
  readonly #streams = new Map<Socket, Array<() => void>>();
  readonly #sockets = new Set<Socket>();
  readonly #loggedRefusal = new WeakSet<Socket>();
  /** Told of every request refused for its role (the audit log's refusal table). */
  onRefused: ((peer: Peer, method: string, reason: string) => void) | null = null;
  #server: Server | null = null;
  /**
   * `byMethod`: requests per method (a bridge serving get_time from its subscription shows no
   * `mcp.state` growth); `streams`: subscriptions open now; `streamEvents`/`streamDrops`: pushes
   * sent, and dropped because the client left earlier ones unread.
   */
  readonly stats = { connections: 0, requests: 0, badRequests: 0, deferredTurns: 0, outputWaits: 0, refused: 0, streams: 0, streamEvents: 0, streamDrops: 0, byMethod: {} as Record<string, number> };

  constructor(
    readonly path: string,
    private readonly log: Logger,
    /** Roles from peer credentials; `access.configure()` applies the `control` config section. */
    readonly access: ControlAccess = new ControlAccess(),
  ) {}

  handle(method: string, handler: ControlHandler, opts: HandlerOptions = {}): void {
    this.#handlers.set(method, { fn: handler, role: opts.role ?? 'read' });
  }

  /** A subscription method (see StreamHandler); the same role rules as `handle`. */
  stream(method: string, handler: StreamHandler, opts: HandlerOptions = {}): void {
    this.#handlers.set(method, { fn: () => undefined, role: opts.role ?? 'read', stream: handler });
  }

  /** Fails fast when another daemon already answers on the path; removes a stale socket. */
  async start(): Promise<void> {
    mkdirSync(this.path.slice(0, this.path.lastIndexOf('/')) || '/', { recursive: true, mode: 0o750 });
    // A directory someone else made first (in /tmp) is not ours to listen in.
    const problem = socketDirProblem(this.path);
    if (problem) throw new Error(problem);
    if (await answers(this.path)) throw new Error(`another stratum1d is already running (control socket ${this.path} answers)`);
    try {
      unlinkSync(this.path);
    } catch {
      // absent: nothing stale to remove
    }
    const server = createServer((s) => this.#accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error('control socket error', { err }));
    chmodSync(this.path, 0o660);
    this.#server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }

  #accept(socket: Socket): void {
    this.stats.connections++;
    // Read once, at accept: the kernel recorded the peer at connect() and it cannot change.
    const peer = this.access.identify(socket);
    this.#sockets.add(socket);
    socket.on('close', () => {
      this.#sockets.delete(socket);
      this.#stopStreams(socket);
    });
    socket.on('error', () => socket.destroy());
    let buf = '';
    // A flood of requests from one client is answered a slice per event-loop turn, and only
    // as fast as that client reads its replies (lib/turn-budget.ts): the daemon's time path
    // never waits for it.
    const budget = new TurnBudget<string>(socket, (line) => void this.#dispatch(socket, line, peer), { perTurn: 8, maxQueued: 256, maxOutputBytes: 256 * 1024 });
    const before = { deferredTurns: 0, outputWaits: 0 };
    const count = (): void => {
      this.stats.deferredTurns += budget.stats.deferredTurns - before.deferredTurns;
      this.stats.outputWaits += budget.stats.outputWaits - before.outputWaits;
      before.deferredTurns = budget.stats.deferredTurns;
      before.outputWaits = budget.stats.outputWaits;
    };
    socket.on('close', count);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      count();
      buf += chunk;
      const lines: string[] = [];
      let from = 0;
      let nl: number;
      while ((nl = buf.indexOf('\n', from)) >= 0) {
        const line = buf.slice(from, nl).trim();
        from = nl + 1;
        if (line) lines.push(line);
      }
      buf = buf.slice(from);
      budget.push(lines);
      if (buf.length > MAX_REQUEST_BYTES) {
        buf = '';
        this.stats.badRequests++;
        this.#reply(socket, { id: null, error: { code: 'too_large', message: `request longer than ${MAX_REQUEST_BYTES} bytes` } });
      }
    });
  }

  async #dispatch(socket: Socket, line: string, peer: Peer): Promise<void> {
    this.stats.requests++;
    const req = parseRequest(line);
    if ('error' in req) {
      this.stats.badRequests++;
      this.#reply(socket, { id: req.id, error: { code: 'bad_request', message: req.error } });
      return;
    }
    const handler = this.#handlers.get(req.method);
    if (!handler) {
      this.stats.badRequests++;
      const known = [...this.#handlers.keys()].join(', ');
      this.#reply(socket, { id: req.id, error: { code: 'unknown_method', message: `unknown method "${req.method}" (known: ${known})` } });
      return;
    }
    if (peer.role === 'none' || (handler.role === 'admin' && peer.role !== 'admin')) {
      this.stats.refused++;
      // One line per connection: a client looping on a refused method must not flood the journal.
      if (!this.#loggedRefusal.has(socket)) {
        this.#loggedRefusal.add(socket);
        this.log.warn('control request refused', { method: req.method, caller: peerId(peer), pid: peer.pid, role: peer.role, because: peer.because });
      }
      const message = `${req.method} needs the ${handler.role} role; ${peerId(peer)} has ${peer.role === 'none' ? 'no role' : `the ${peer.role} role`} (${peer.because})`;
      try {
        this.onRefused?.(peer, req.method, message);
      } catch (err) {
        this.log.warn('could not record a refusal', { err });
      }
      this.#reply(socket, { id: req.id, error: { code: 'forbidden', message } });
      return;
    }
    this.stats.byMethod[req.method] = (this.stats.byMethod[req.method] ?? 0) + 1;
    if (handler.stream) {
      await this.#openStream(socket, req.id, req.method, handler.stream, req.params, peer);
      return;
    }
    try {
      this.#reply(socket, { id: req.id, result: await handler.fn(req.params, peer) });
    } catch (err) {
      this.log.warn('control request failed', { method: req.method, err });
      this.#reply(socket, { id: req.id, error: { code: 'failed', message: (err as Error).message } });
    }
  }

  async #openStream(socket: Socket, id: string | number, method: string, fn: StreamHandler, params: unknown, peer: Peer): Promise<void> {
    const open = this.#streams.get(socket) ?? [];
    if (open.length >= MAX_STREAMS_PER_CONNECTION) {
      this.stats.badRequests++;
      this.#reply(socket, { id, error: { code: 'bad_request', message: `at most ${MAX_STREAMS_PER_CONNECTION} subscriptions per connection` } });
      return;
    }
    let answered = false;
    const push = (event: unknown): void => {
      // Nothing goes out before the first answer, nor to a client that stopped reading.
      if (!answered || socket.destroyed) return;
      if (socket.writableLength > STREAM_MAX_OUTPUT_BYTES) {
        this.stats.streamDrops++;
        return;
      }
      this.stats.streamEvents++;
      this.#reply(socket, { id, event });
    };
    let sub: { first: unknown; stop(): void };
    try {
      sub = await fn(params, peer, push);
    } catch (err) {
      this.log.warn('control subscription failed', { method, err });
      this.#reply(socket, { id, error: { code: 'failed', message: (err as Error).message } });
      return;
    }
    if (socket.destroyed) {
      sub.stop();
      return;
    }
    this.stats.streams++;
    let stopped = false;
    open.push(() => {
      if (stopped) return;
      stopped = true;
      this.stats.streams--;
      sub.stop();
    });
    this.#streams.set(socket, open);
    this.#reply(socket, { id, result: sub.first });
    answered = true;
  }

  #stopStreams(socket: Socket): void {
    const open = this.#streams.get(socket);
    if (!open) return;
    this.#streams.delete(socket);
    for (const stop of open) stop();
  }

  #reply(socket: Socket, res: ControlResponse): void {
    if (!socket.destroyed) socket.write(`${JSON.stringify(res)}\n`);
  }
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
