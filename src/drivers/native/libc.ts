import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';

/**
 * The one door to libc. koffi (and its prebuilt native addon) is loaded on first use, not
 * at import: a daemon whose NOTIFY_SOCKET is unset, or a machine whose koffi binary is
 * missing, never pays for or trips over it until a datagram is really sent.
 */

export type KoffiModule = typeof Koffi;
/** A pointer koffi handed out (from `alloc`); opaque to JS. */
export type NativePointer = unknown;

export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Uint8Array, addrlen: number): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, len: number): number;
  sendto(fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array, addrlen: number): number;
  recvmsg(fd: number, msg: NativePointer, flags: number): number;
  close(fd: number): number;
  /** errno left by the last call on this thread. */
  errno(): number;
}

const require = createRequire(import.meta.url);
let koffiModule: KoffiModule | undefined;
let libcHandle: Koffi.LibraryHandle | undefined;
let bound: Libc | undefined;
const declared = new Map<string, unknown>();

export function koffi(): KoffiModule {
  koffiModule ??= require('koffi') as KoffiModule;
  return koffiModule;
}

function handle(): Koffi.LibraryHandle {
  libcHandle ??= koffi().load('libc.so.6');
  return libcHandle;
}

/**
 * A libc function from its C prototype, declared once per process (koffi keeps type
 * names global). For later callers: SysV SHM, GPIO ioctls. `ssize_t` is spelled `long`.
 * Avoid koffi's `.async` calls for anything that waits: they run on libuv's threadpool
 * (4 threads by default, shared with fs and dns), so a blocking wait starves the daemon.
 */
export function libcFunction<F>(prototype: string): F {
  let fn = declared.get(prototype);
  if (fn === undefined) {
    fn = handle().func(prototype);
    declared.set(prototype, fn);
  }
  return fn as F;
}

export function libc(): Libc {
  if (bound) return bound;
  const k = koffi();
  bound = {
    socket: libcFunction('int socket(int domain, int type, int protocol)'),
    bind: libcFunction('int bind(int fd, const void *addr, uint32_t addrlen)'),
    setsockopt: libcFunction('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    sendto: libcFunction(
      'long sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)',
    ),
    recvmsg: libcFunction('long recvmsg(int fd, void *msg, int flags)'),
    close: libcFunction('int close(int fd)'),
    errno: () => k.errno(),
  };
  return bound;
}

/** Native memory that does not move, for structs holding pointers to each other. */
export interface NativeBlock {
  readonly pointer: NativePointer;
  readonly address: bigint;
  readonly view: DataView;
  readonly bytes: Uint8Array;
  free(): void;
}

export function allocNative(size: number): NativeBlock {
  const k = koffi();
  const pointer = k.alloc('uint8_t', size);
  const buffer = k.view(pointer, size);
  let freed = false;
  return {
    pointer,
    address: k.address(pointer),
    view: new DataView(buffer),
    bytes: new Uint8Array(buffer),
    free() {
      if (freed) return;
      freed = true;
      k.free(pointer);
    },
  };
}
