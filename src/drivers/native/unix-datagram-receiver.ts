import { EventEmitter } from 'node:events';
import { unlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { libc, type Libc } from './libc.js';
import { NativeError } from './native-error.js';
import { RecvmsgFrame } from './recvmsg-frame.js';
import { encodeSockaddrUn } from './sockaddr-un.js';
import type { Credentials } from './control-messages.js';
import * as C from './socket-constants.js';

export interface ReceivedDatagram {
  data: Buffer;
  /** Sender pid/uid/gid as the kernel reports them; null only if the kernel attached none. */
  sender: Credentials | null;
  /** Bound address of the sender, `@name` if abstract; null for the usual unbound sender. */
  senderAddress: string | null;
  /** Longer than `maxMessageBytes`: `data` holds the start only. */
  truncated: boolean;
  /**
   * Wall clock (Date.now()) and monotonic (performance.now()) ms when we took it off the
   * socket: up to `pollIntervalMs` after the kernel queued it.
   */
  receivedAt: number;
  monotonicMs: number;
}

export interface ReceiverCounters {
  received: number;
  truncated: number;
  /** Descriptors senders pushed at us with SCM_RIGHTS; closed on arrival. */
  fdsClosed: number;
  errors: number;
}

export interface ReceiverOptions {
  /** Largest datagram kept whole; longer ones arrive truncated and counted. Default 64 KiB. */
  maxMessageBytes?: number;
  /** How often the socket is drained. Default 5 ms. */
  pollIntervalMs?: number;
}

interface ReceiverEvents {
  message: [ReceivedDatagram];
  error: [Error];
}

/**
 * A bound AF_UNIX datagram socket that hands every datagram over with its sender's
 * credentials (SO_PASSCRED + SCM_CREDENTIALS). Stands in for systemd's NOTIFY_SOCKET and,
 * later, for chronyd's SOCK refclock in tests.
 *
 * Node cannot watch a foreign fd, so the socket is drained with non-blocking recvmsg on a
 * short timer. Waiting in poll(2) through koffi's async calls was tried and dropped: those
 * run on libuv's threadpool, and each receiver would hold one of its four threads for good,
 * stalling fs and dns. While open, the receiver keeps the process alive, like a server.
 */
export class UnixDatagramReceiver extends EventEmitter<ReceiverEvents> {
  readonly counters: ReceiverCounters = { received: 0, truncated: 0, fdsClosed: 0, errors: 0 };
  private readonly c: Libc;
  private readonly frame: RecvmsgFrame;
  private fd: number;
  private timer: NodeJS.Timeout | null;

  /** Binds `address` (a path, or `@name` for the abstract namespace) and starts receiving. */
  static open(address: string, options: ReceiverOptions = {}): UnixDatagramReceiver {
    return new UnixDatagramReceiver(address, options);
  }

  private constructor(
    readonly address: string,
    options: ReceiverOptions,
  ) {
    super();
    this.c = libc();
    const fd = this.c.socket(C.AF_UNIX, C.SOCK_DGRAM | C.SOCK_CLOEXEC | C.SOCK_NONBLOCK, 0);
    if (fd < 0) throw new NativeError('socket', this.c.errno());
    try {
      const on = Buffer.alloc(4);
      on.writeInt32LE(1);
      // Before bind, so no datagram can arrive without credentials.
      if (this.c.setsockopt(fd, C.SOL_SOCKET, C.SO_PASSCRED, on, 4) < 0) {
        throw new NativeError('setsockopt(SO_PASSCRED)', this.c.errno());
      }
      const addr = encodeSockaddrUn(address);
      if (this.c.bind(fd, addr.bytes, addr.length) < 0) throw new NativeError('bind', this.c.errno(), address);
    } catch (err) {
      this.c.close(fd);
      throw err;
    }
    this.fd = fd;
    this.frame = new RecvmsgFrame(options.maxMessageBytes ?? 65536);
    this.timer = setInterval(() => this.drain(), options.pollIntervalMs ?? 5);
  }

  /** Delivers what is queued now, without waiting for the timer (tests use it after a send). */
  drain(): void {
    while (this.fd >= 0) {
      this.frame.prepare();
      const n = this.c.recvmsg(this.fd, this.frame.pointer, C.MSG_DONTWAIT | C.MSG_TRUNC | C.MSG_CMSG_CLOEXEC);
      if (n >= 0) {
        this.deliver(n);
        continue;
      }
      const errno = this.c.errno();
      if (errno === C.EAGAIN) return;
      if (errno === C.EINTR) continue;
      this.fail(new NativeError('recvmsg', errno, this.address));
      return;
    }
  }

  /** Stops receiving, closes the socket and removes its path. Safe to call twice. */
  async close(): Promise<void> {
    if (this.fd < 0) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.c.close(this.fd);
    this.fd = -1;
    this.frame.free();
    if (!this.address.startsWith('@')) {
      try {
        unlinkSync(this.address);
      } catch {
        // Already gone: nothing to clean.
      }
    }
  }

  private deliver(n: number): void {
    const got = this.frame.contents(n);
    for (const fd of got.control.fds) {
      this.c.close(fd);
      this.counters.fdsClosed++;
    }
    this.counters.received++;
    if (got.truncated) this.counters.truncated++;
    this.emit('message', {
      data: got.data,
      sender: got.control.credentials,
      senderAddress: got.senderAddress,
      truncated: got.truncated,
      receivedAt: Date.now(),
      monotonicMs: performance.now(),
    });
  }

  private fail(err: Error): void {
    this.counters.errors++;
    // An EventEmitter throws on an unheard 'error'; a test fake must not crash for it.
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
