import { koffi, libcFunction } from './libc.js';
import { NativeError } from './native-error.js';

/**
 * A full memory barrier (both compiler and CPU) between stores we make to memory another
 * process reads (the NTP SHM segment), for the count/valid protocol of `struct shmTime`.
 *
 * Why not Atomics: the segment is a koffi view, a plain (non-shared) ArrayBuffer over
 * foreign memory; V8 cannot wrap foreign memory in a SharedArrayBuffer, and ECMAScript's
 * memory model promises nothing about a non-shared buffer as seen by another process.
 * Why not `__sync_synchronize`/`atomic_thread_fence`: compiler builtins, not functions any
 * shared library exports on x64 or arm64 (libgcc_s exports one only on 32-bit ARM), and
 * nothing may be compiled on the Pi.
 *
 * What we use: membarrier(2) with MEMBARRIER_CMD_PRIVATE_EXPEDITED (Linux >= 4.14, allowed
 * by systemd's @system-service filter through @default). The kernel executes smp_mb() on
 * entry to and on exit from that command ("system call entry is not a mb", its own source
 * says), so every store this thread made before the call is visible to every CPU before
 * any store it makes after the call. The koffi call is opaque to V8's compiler, so our
 * DataView stores are not moved across it either. The kernel skips the barrier only when
 * the process has a single thread (never true for Node: V8 and libuv threads) or the
 * machine one CPU (a single CPU sees its stores in order, and ntpd runs on that CPU too).
 * Cost: an IPI to the CPUs running our other threads, microseconds; four calls a second.
 */
export const MEMBARRIER_CMD_QUERY = 0;
export const MEMBARRIER_CMD_PRIVATE_EXPEDITED = 1 << 3;
export const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4;

/** `SYS_membarrier` per architecture (asm/unistd.h); checked by the cross-ABI layout test. */
export const SYS_MEMBARRIER: Record<string, number> = { x64: 324, arm64: 283, arm: 389, ia32: 375 };

export type MemoryBarrier = () => void;

type SyscallFn = (nr: number, ...args: unknown[]) => number;

let state: { barrier: MemoryBarrier } | { error: NativeError } | undefined;

/**
 * The process-wide barrier, registered once; throws {@link NativeError} (ENOSYS on a kernel
 * or architecture without membarrier, EPERM under a seccomp filter that forbids it) so the
 * caller can report that its protocol runs without one.
 */
export function fullMemoryBarrier(): MemoryBarrier {
  state ??= setUp();
  if ('error' in state) throw state.error;
  return state.barrier;
}

function setUp(): { barrier: MemoryBarrier } | { error: NativeError } {
  const nr = SYS_MEMBARRIER[process.arch];
  if (nr === undefined) return { error: new NativeError('membarrier', 38 /* ENOSYS */, process.arch) };
  const syscall = libcFunction<SyscallFn>('long syscall(long number, ...)');
  const call = (cmd: number): number => syscall(nr, 'int', cmd, 'unsigned int', 0, 'int', 0);
  const supported = call(MEMBARRIER_CMD_QUERY);
  if (supported < 0) return { error: new NativeError('membarrier(QUERY)', koffi().errno()) };
  if ((supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) === 0) return { error: new NativeError('membarrier(PRIVATE_EXPEDITED)', 22 /* EINVAL */, 'not supported by this kernel') };
  if (call(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) < 0) return { error: new NativeError('membarrier(REGISTER_PRIVATE_EXPEDITED)', koffi().errno()) };
  return {
    barrier: () => {
      if (call(MEMBARRIER_CMD_PRIVATE_EXPEDITED) < 0) throw new NativeError('membarrier(PRIVATE_EXPEDITED)', koffi().errno());
    },
  };
}
