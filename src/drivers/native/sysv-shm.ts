import { readFileSync } from 'node:fs';
import { koffi, libcFunction, type NativePointer } from './libc.js';
import { NativeError } from './native-error.js';

/**
 * System V shared memory (shmget(2), shmat(2), shmdt(2), shmctl(2)) through koffi, for the
 * NTP SHM refclock segments ntpd and chronyd read. Constants are the generic Linux values
 * from <bits/ipc.h>, compared with the headers in test/unit/drivers/native/sysv-shm.test.ts.
 */
export const IPC_CREAT = 0o1000;
export const IPC_EXCL = 0o2000;
export const IPC_RMID = 0;

interface ShmCalls {
  shmget: (key: number, size: number, flags: number) => number;
  shmat: (id: number, addr: null, flags: number) => NativePointer;
  shmdt: (addr: NativePointer) => number;
  shmctl: (id: number, cmd: number, buf: null) => number;
}

let calls: ShmCalls | undefined;
function shm(): ShmCalls {
  calls ??= {
    shmget: libcFunction('int shmget(int key, size_t size, int shmflg)'),
    shmat: libcFunction('void *shmat(int shmid, const void *shmaddr, int shmflg)'),
    shmdt: libcFunction('int shmdt(const void *shmaddr)'),
    shmctl: libcFunction('int shmctl(int shmid, int cmd, void *buf)'),
  };
  return calls;
}

/** A key_t is a signed int: keys above 0x7fffffff wrap, as C's conversion does. */
function toKeyT(key: number): number {
  return key | 0;
}

/**
 * Returns the segment id, creating the segment with `mode` (e.g. 0o600) when `create` and it
 * does not exist. An existing segment keeps its own permissions and must be at least `size`
 * bytes (else EINVAL). Throws {@link NativeError}.
 */
export function shmGet(key: number, size: number, options: { create: boolean; mode: number }): number {
  const flags = (options.create ? IPC_CREAT : 0) | (options.mode & 0o777);
  const id = shm().shmget(toKeyT(key), size, flags);
  if (id < 0) throw new NativeError('shmget', koffi().errno(), `key 0x${(key >>> 0).toString(16)}`);
  return id;
}

export interface ShmSegmentInfo {
  id: number;
  /** Permission bits, e.g. 0o600. */
  mode: number;
  size: number;
  uid: number;
  gid: number;
}

/**
 * What the kernel says about the segment with `key`, or null when there is none, from
 * /proc/sysvipc/shm (proc(5): key shmid perms size cpid lpid nattch uid gid ...; key in
 * signed decimal, perms in octal). Read-only and needs no permission on the segment, so it
 * can tell an existing segment's size (its creator's layout) and mode before we attach.
 * `table` is for tests.
 */
export function shmInfo(key: number, table?: string): ShmSegmentInfo | null {
  let text = table;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/sysvipc/shm', 'utf8');
    } catch {
      return null;
    }
  }
  const want = toKeyT(key);
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 9 || Number(f[0]) !== want) continue;
    return { id: Number(f[1]), mode: Number.parseInt(f[2]!, 8) & 0o777, size: Number(f[3]), uid: Number(f[7]), gid: Number(f[8]) };
  }
  return null;
}

/** Marks the segment for removal once the last process detaches (IPC_RMID). */
export function shmRemove(id: number): void {
  if (shm().shmctl(id, IPC_RMID, null) < 0) throw new NativeError('shmctl(IPC_RMID)', koffi().errno());
}

/** An attached segment: `bytes`/`view` alias the shared memory itself. */
export class ShmAttachment {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** 32-bit words, for Atomics (ordered stores of the protocol fields). */
  readonly words: Int32Array;
  #pointer: NativePointer | null;

  static attach(id: number, size: number): ShmAttachment {
    const pointer = shm().shmat(id, null, 0);
    const address = pointer === null ? 0n : koffi().address(pointer);
    // shmat reports failure as (void *)-1.
    if (pointer === null || address === 0n || address === BigInt.asUintN(64, -1n) || address === 0xffffffffn) {
      throw new NativeError('shmat', koffi().errno());
    }
    return new ShmAttachment(pointer, size);
  }

  private constructor(pointer: NativePointer, readonly size: number) {
    this.#pointer = pointer;
    const buffer = koffi().view(pointer, size);
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.words = new Int32Array(buffer, 0, Math.floor(size / 4));
  }

  get attached(): boolean {
    return this.#pointer !== null;
  }

  /** Detaches; the views must not be touched afterwards. Safe to call twice. */
  detach(): void {
    if (this.#pointer === null) return;
    const p = this.#pointer;
    this.#pointer = null;
    if (shm().shmdt(p) < 0) throw new NativeError('shmdt', koffi().errno());
  }
}
