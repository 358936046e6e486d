/**
 * Byte layouts of the C structs we build by hand for libc (Linux, glibc). Only two ABIs
 * matter for a Raspberry Pi: LP64 (arm64, and x64 for CI) and ILP32 (armhf). Pointers,
 * `size_t` and `long` are one machine word; `socklen_t`, `int`, `pid_t`, `uid_t` and
 * `gid_t` are 32 bits on both. Every number here is compared with `sizeof`/`offsetof` from
 * the system headers in test/unit/drivers/native/struct-layouts.test.ts.
 */

export type WordSize = 4 | 8;

export interface StructLayout<M extends string> {
  size: number;
  offset: Record<M, number>;
}

export interface NativeAbi {
  word: WordSize;
  /** <sys/un.h>: `sa_family_t sun_family; char sun_path[108];` */
  sockaddrUn: StructLayout<'sun_family' | 'sun_path'>;
  /** <bits/types/struct_iovec.h>: `void *iov_base; size_t iov_len;` */
  iovec: StructLayout<'iov_base' | 'iov_len'>;
  /** <bits/socket.h> */
  msghdr: StructLayout<
    'msg_name' | 'msg_namelen' | 'msg_iov' | 'msg_iovlen' | 'msg_control' | 'msg_controllen' | 'msg_flags'
  >;
  /** <bits/socket.h>: `size_t cmsg_len; int cmsg_level; int cmsg_type;` then data */
  cmsghdr: StructLayout<'cmsg_len' | 'cmsg_level' | 'cmsg_type'>;
  /** <bits/socket.h> (_GNU_SOURCE): `pid_t pid; uid_t uid; gid_t gid;` */
  ucred: StructLayout<'pid' | 'uid' | 'gid'>;
}

/** Bytes of `sun_path`: a filesystem path needs room for its NUL, so 107 usable bytes. */
export const SUN_PATH_BYTES = 108;

export function abiFor(word: WordSize): NativeAbi {
  const w = word;
  return {
    word,
    sockaddrUn: { size: 2 + SUN_PATH_BYTES, offset: { sun_family: 0, sun_path: 2 } },
    iovec: { size: 2 * w, offset: { iov_base: 0, iov_len: w } },
    msghdr: {
      // msg_namelen (4 bytes) is padded up to the next word before msg_iov.
      size: 6 * w + 4 + (w === 8 ? 4 : 0),
      offset: {
        msg_name: 0,
        msg_namelen: w,
        msg_iov: 2 * w,
        msg_iovlen: 3 * w,
        msg_control: 4 * w,
        msg_controllen: 5 * w,
        msg_flags: 6 * w,
      },
    },
    cmsghdr: { size: w + 8, offset: { cmsg_len: 0, cmsg_level: w, cmsg_type: w + 4 } },
    ucred: { size: 12, offset: { pid: 0, uid: 4, gid: 8 } },
  };
}

/** The ABI of the running process; Node only runs as LP64 or ILP32 on Linux. */
export function wordSizeOf(arch: string): WordSize {
  return arch === 'arm' || arch === 'ia32' ? 4 : 8;
}

export const nativeAbi: NativeAbi = abiFor(wordSizeOf(process.arch));

/** CMSG_ALIGN: control messages are padded to `sizeof(size_t)`. */
export function cmsgAlign(abi: NativeAbi, n: number): number {
  return Math.ceil(n / abi.word) * abi.word;
}

/** CMSG_LEN: header plus `n` data bytes, the value the kernel puts in `cmsg_len`. */
export function cmsgLen(abi: NativeAbi, n: number): number {
  return cmsgAlign(abi, abi.cmsghdr.size) + n;
}

/** CMSG_SPACE: what one control message with `n` data bytes takes in the buffer. */
export function cmsgSpace(abi: NativeAbi, n: number): number {
  return cmsgAlign(abi, abi.cmsghdr.size) + cmsgAlign(abi, n);
}

/** Writes a pointer / `size_t` field in host byte order. */
export function writeWord(view: DataView, offset: number, value: bigint | number, abi: NativeAbi): void {
  const little = hostIsLittleEndian;
  if (abi.word === 8) view.setBigUint64(offset, BigInt(value), little);
  else view.setUint32(offset, Number(value), little);
}

/** Reads a `size_t` field; sizes we read always fit a double. */
export function readWord(view: DataView, offset: number, abi: NativeAbi): number {
  const little = hostIsLittleEndian;
  return abi.word === 8 ? Number(view.getBigUint64(offset, little)) : view.getUint32(offset, little);
}

export const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
