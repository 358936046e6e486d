import { libc, type Libc } from './libc.js';
import { NativeError } from './native-error.js';
import { encodeSockaddrUn, type EncodedSockaddrUn } from './sockaddr-un.js';
import {
  AF_UNIX,
  EINTR,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
} from './socket-constants.js';

/** Anything that delivers one datagram to a unix socket address; fakes implement it too. */
export interface DatagramSink {
  /** Throws a {@link NativeError} (ENOENT, ECONNREFUSED, EAGAIN, ...) when not delivered. */
  send(address: string, data: Uint8Array): void;
  close(): void;
}

/**
 * An unbound AF_UNIX datagram socket (Node's dgram has no AF_UNIX). Sends never block:
 * with MSG_DONTWAIT a receiver whose queue is full (net.unix.max_dgram_qlen, 10 by
 * default) costs us an EAGAIN, not a stalled event loop. Used for sd_notify and for
 * chrony's SOCK refclock samples.
 */
export class UnixDatagramSender implements DatagramSink {
  private readonly c: Libc;
  private fd: number;
  private lastAddress: { address: string; encoded: EncodedSockaddrUn } | null = null;

  /** Throws a {@link NativeError} if the kernel refuses a socket (EMFILE, EAFNOSUPPORT under seccomp). */
  constructor() {
    this.c = libc();
    this.fd = this.c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (this.fd < 0) throw new NativeError('socket', this.c.errno());
  }

  get closed(): boolean {
    return this.fd < 0;
  }

  /** `address` is a filesystem path or `@name` (abstract namespace). */
  send(address: string, data: Uint8Array): void {
    if (this.fd < 0) throw new Error('UnixDatagramSender: send after close');
    const to = this.encode(address);
    for (;;) {
      const n = this.c.sendto(this.fd, data, data.length, MSG_DONTWAIT | MSG_NOSIGNAL, to.bytes, to.length);
      if (n >= 0) {
        // A datagram goes whole or not at all; a short count would be a kernel surprise.
        if (n !== data.length) throw new Error(`sendto ${address}: sent ${n} of ${data.length} bytes`);
        return;
      }
      const errno = this.c.errno();
      if (errno !== EINTR) throw new NativeError('sendto', errno, address);
    }
  }

  close(): void {
    if (this.fd < 0) return;
    this.c.close(this.fd);
    this.fd = -1;
  }

  // Senders talk to one peer for their whole life; encode its address once.
  private encode(address: string): EncodedSockaddrUn {
    if (this.lastAddress?.address !== address) {
      this.lastAddress = { address, encoded: encodeSockaddrUn(address) };
    }
    return this.lastAddress.encoded;
  }
}
