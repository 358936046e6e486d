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
  readonly #handlers = new Map<string, { fn: ControlHandler; role: 'read' | 'admin' }>();
  readonly #sockets = new Set<Socket>();
  readonly #loggedRefusal = new WeakSet<Socket>();
  #server: Server | null = null;
  readonly stats = { connections: 0, requests: 0, badRequests: 0, deferredTurns: 0, outputWaits: 0, refused: 0 };

  constructor(
    readonly path: string,
    private readonly log: Logger,
    /** Roles from peer credentials; `access.configure()` applies the `control` config section. */
    readonly access: ControlAccess = new ControlAccess(),
  ) {}

  handle(method: string, handler: ControlHandler, opts: HandlerOptions = {}): void {
    this.#handlers.set(method, { fn: handler, role: opts.role ?? 'read' });
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
    socket.on('close', () => this.#sockets.delete(socket));
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
      this.#reply(socket, { id: req.id, error: { code: 'forbidden', message: `${req.method} needs the ${handler.role} role; ${peerId(peer)} has ${peer.role === 'none' ? 'no role' : `the ${peer.role} role`} (${peer.because})` } });
      return;
    }
    try {
      this.#reply(socket, { id: req.id, result: await handler.fn(req.params, peer) });
    } catch (err) {
      this.log.warn('control request failed', { method: req.method, err });
      this.#reply(socket, { id: req.id, error: { code: 'failed', message: (err as Error).message } });
    }
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
