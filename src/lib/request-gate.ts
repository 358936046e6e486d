import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { ChunkedBodyScanner, frameRequestHead } from './http1-request-framer.js';

/** Node's default --max-http-header-size: the parser refuses larger heads anyway. */
const MAX_HEADER_BYTES = 16 * 1024;
/** Held (pipelined) bytes beyond which the client's socket is paused: TCP holds the rest. */
const HOLD_LIMIT = 64 * 1024;

export interface GateStats {
  /** Requests handed to the parser. */
  requests: number;
  /** Requests that arrived while one was still being answered on the same connection. */
  held: number;
  /** Streams handed through unframed (what the framer could not frame, for the parser to refuse). */
  passthrough: number;
}

/**
 * A connection as Node's HTTP server sees it, feeding the parser one request at a time: the
 * next request's bytes wait until the answer to the current one is done (`release`), and then
 * one more turn of the event loop. A client that pipelines waits for itself; everyone else is
 * served in between. Bytes it cannot frame go through unchanged, for the parser to refuse.
 *
 * The HTTP server accepts any Duplex through its 'connection' event; `detach` gives an upgrade
 * (WebSocket) the real socket back, so frames never take this extra hop.
 */
export class RequestGate extends Duplex {
  private held: Buffer = Buffer.alloc(0);
  private state: 'head' | 'body' | 'chunked' | 'wait' | 'pass' = 'head';
  private bodyLeft = 0;
  private chunked: ChunkedBodyScanner | null = null;
  private answered = false;
  private innerEnded = false;
  private pumpQueued = false;
  private detached = false;
  private eof = false;

  constructor(
    readonly inner: Socket,
    private readonly stats: GateStats,
  ) {
    super({ allowHalfOpen: true });
    inner.on('data', this.onData);
    inner.on('end', this.onEnd);
    inner.on('error', this.onError);
    inner.on('close', this.onClose);
    inner.on('drain', this.onDrain);
    inner.on('timeout', this.onTimeout);
  }

  // What the HTTP server and the request guard read off a net.Socket.
  get remoteAddress(): string | undefined {
    return this.inner.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.inner.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.inner.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.inner.localAddress;
  }
  get localPort(): number | undefined {
    return this.inner.localPort;
  }
  get encrypted(): boolean {
    return (this.inner as Socket & { encrypted?: boolean }).encrypted === true;
  }
  setTimeout(ms: number, cb?: () => void): this {
    this.inner.setTimeout(ms);
    if (cb) this.once('timeout', cb);
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.inner.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.inner.setKeepAlive(enable, delay);
    return this;
  }

  /** The answer to the current request is done (its response closed). */
  release(): void {
    this.answered = true;
    if (this.state === 'wait') this.schedulePump();
  }

  /**
   * Hands the real socket over (after an upgrade request): unread bytes go back in front of
   * it, and this gate lets go of it without closing it.
   */
  detach(): Socket {
    this.detached = true;
    const { inner } = this;
    inner.off('data', this.onData);
    inner.off('end', this.onEnd);
    inner.off('error', this.onError);
    inner.off('close', this.onClose);
    inner.off('drain', this.onDrain);
    inner.off('timeout', this.onTimeout);
    if (this.held.length > 0) inner.unshift(this.held);
    this.held = Buffer.alloc(0);
    // Not flowing, not paused: bytes wait in the socket until the new owner listens for them
    // (as Node's HTTP server leaves a socket it hands to 'upgrade').
    (inner as unknown as { readableFlowing: boolean | null }).readableFlowing = null;
    // The HTTP server's own listeners on this gate must not see the socket's later life.
    this.destroy();
    return inner;
  }

  override _read(): void {
    // Data is pushed as the framing allows; a paused consumer only delays the next request.
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.inner.write(chunk)) cb();
    else this.pendingWrite = cb;
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.inner.cork();
    let ok = true;
    for (const { chunk } of chunks) ok = this.inner.write(chunk);
    this.inner.uncork();
    if (ok) cb();
    else this.pendingWrite = cb;
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end(() => cb());
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.detached) this.inner.destroy();
    const w = this.pendingWrite;
    this.pendingWrite = null;
    w?.(err ?? null);
    cb(err);
  }

  private pendingWrite: ((err?: Error | null) => void) | null = null;

  private readonly onDrain = (): void => {
    const w = this.pendingWrite;
    this.pendingWrite = null;
    w?.();
  };
  private readonly onTimeout = (): void => {
    this.emit('timeout');
  };
  private readonly onError = (err: Error): void => {
    this.destroy(err);
  };
  private readonly onClose = (): void => {
    if (!this.destroyed) this.destroy();
  };
  private readonly onEnd = (): void => {
    this.innerEnded = true;
    if (this.state === 'pass') this.endInput();
    else this.pump();
  };
  private readonly onData = (chunk: Buffer): void => {
    if (this.state === 'pass') {
      this.push(chunk);
      return;
    }
    this.held = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    this.pump();
    if (this.held.length > HOLD_LIMIT) this.inner.pause();
  };

  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    // One more turn: whatever else is runnable (other clients, chronyd's samples) goes first.
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Hands the parser what the current request allows: at most the rest of one request. */
  private pump(): void {
    if (this.destroyed || this.detached || this.state === 'pass') return;
    if (this.state === 'wait') {
      if (!this.answered) return;
      this.state = 'head';
    }
    if (this.state === 'head') {
      const f = this.held.length > 0 ? frameRequestHead(this.held, MAX_HEADER_BYTES) : null;
      if (f === null) return this.idle();
      if (f.kind === 'unframable') return this.passThrough();
      this.answered = false;
      this.stats.requests++;
      this.forward(f.headerBytes);
      // An upgrade request waits like any other: if the server takes it, its owner detaches and
      // gets the held bytes back in front of the socket; if it answers it as a plain request
      // (Node does for `Upgrade:` without `Connection: upgrade`), framing goes on. Passing the
      // stream through here would let one such request carry any number of pipelined ones.
      if (f.kind === 'chunked') {
        this.chunked = new ChunkedBodyScanner();
        this.state = 'chunked';
      } else {
        this.bodyLeft = f.bodyBytes;
        this.state = 'body';
      }
    }
    if (this.state === 'body') {
      const n = Math.min(this.bodyLeft, this.held.length);
      this.forward(n);
      this.bodyLeft -= n;
      if (this.bodyLeft > 0) return this.idle();
    } else if (this.state === 'chunked') {
      const scanner = this.chunked!;
      const n = scanner.feed(this.held, 0);
      if (scanner.failed !== null) return this.passThrough();
      this.forward(n);
      if (!scanner.done) return this.idle();
      this.chunked = null;
    }
    // The request is with the parser; the next one waits for its answer and one more turn.
    this.state = 'wait';
    if (this.held.length > 0) this.stats.held++;
    if (this.answered) this.schedulePump();
    this.idle();
  }

  /** Nothing more to hand over now: take more from the client, or finish a half-closed stream. */
  private idle(): void {
    if (this.innerEnded && this.state !== 'wait') {
      // A truncated request is the parser's to refuse.
      this.forward(this.held.length);
      this.endInput();
      return;
    }
    if (this.held.length <= HOLD_LIMIT && this.inner.isPaused()) this.inner.resume();
  }

  private passThrough(): void {
    if (this.detached) return;
    this.stats.passthrough++;
    this.state = 'pass';
    this.forward(this.held.length);
    if (this.inner.isPaused()) this.inner.resume();
    if (this.innerEnded) this.endInput();
  }

  private endInput(): void {
    if (this.eof) return;
    this.eof = true;
    this.push(null);
  }

  private forward(n: number): void {
    if (n <= 0) return;
    const out = n === this.held.length ? this.held : this.held.subarray(0, n);
    this.held = n === this.held.length ? Buffer.alloc(0) : this.held.subarray(n);
    this.push(out);
  }
}

/**
 * Puts a RequestGate between every accepted connection and `server`'s parser, and releases
 * the next request when each response closes. An 'upgrade' listener must call `detach()` on
 * the socket it gets (when it is a RequestGate) before using it. `onGated` sees each gate
 * before the parser does (a server that times its connections starts the clock there).
 */
export function gateRequests(server: Server | HttpsServer, stats: GateStats, onGated?: (gate: RequestGate) => void): void {
  // node:https parses after the TLS handshake ('secureConnection'); node:http on 'connection'.
  const accepted = server.listeners('secureConnection').length > 0 ? 'secureConnection' : 'connection';
  const [parse] = server.listeners(accepted) as ((socket: Duplex) => void)[];
  if (!parse) throw new Error(`node:http has no '${accepted}' listener to put the request gate in front of`);
  server.removeListener(accepted, parse);
  server.on(accepted, (socket: Socket) => {
    const gate = new RequestGate(socket, stats);
    onGated?.(gate);
    parse.call(server, gate);
  });
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.socket instanceof RequestGate) {
      const gate = req.socket;
      res.once('close', () => gate.release());
    }
  });
}
