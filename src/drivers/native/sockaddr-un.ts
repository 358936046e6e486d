import { AF_UNIX, EINVAL, ENAMETOOLONG } from './socket-constants.js';
import { NativeError } from './native-error.js';
import { hostIsLittleEndian, nativeAbi, SUN_PATH_BYTES, type NativeAbi } from './struct-layouts.js';

/** A `struct sockaddr_un` ready for bind/sendto: the bytes and the length to pass. */
export interface EncodedSockaddrUn {
  bytes: Buffer;
  length: number;
}

/**
 * Encodes a unix socket address. `@name` is a Linux abstract-namespace address
 * (unix(7)): `sun_path` starts with a NUL, the name follows, and the length is
 * offsetof(sun_path) + 1 + name bytes with no trailing NUL, because every byte counted
 * is part of the name. A filesystem path is NUL-terminated and counts its NUL, as
 * systemd does, so it has 107 usable bytes.
 */
export function encodeSockaddrUn(address: string, abi: NativeAbi = nativeAbi): EncodedSockaddrUn {
  const abstract = address.startsWith('@');
  const name = Buffer.from(abstract ? address.slice(1) : address, 'utf8');
  if (address.length === 0 || (!abstract && name.includes(0))) {
    throw new NativeError('sockaddr_un', EINVAL, address);
  }
  // Abstract: NUL + name must fit sun_path. Filesystem: name + NUL must fit.
  if (name.length + 1 > SUN_PATH_BYTES) throw new NativeError('sockaddr_un', ENAMETOOLONG, address);

  const pathAt = abi.sockaddrUn.offset.sun_path;
  const bytes = Buffer.alloc(abi.sockaddrUn.size);
  if (hostIsLittleEndian) bytes.writeUInt16LE(AF_UNIX, abi.sockaddrUn.offset.sun_family);
  else bytes.writeUInt16BE(AF_UNIX, abi.sockaddrUn.offset.sun_family);
  name.copy(bytes, pathAt + (abstract ? 1 : 0));
  return { bytes, length: pathAt + 1 + name.length };
}

/**
 * The sender address recvmsg reported: a path, `@name` for an abstract address, or null
 * for an unbound (autobind-less) sender, which is what most senders are.
 */
export function decodeSockaddrUn(bytes: Uint8Array, length: number, abi: NativeAbi = nativeAbi): string | null {
  const pathAt = abi.sockaddrUn.offset.sun_path;
  if (length <= pathAt) return null;
  const path = Buffer.from(bytes.buffer, bytes.byteOffset + pathAt, Math.min(length, abi.sockaddrUn.size) - pathAt);
  if (path[0] === 0) return `@${path.subarray(1).toString('utf8')}`;
  const end = path.indexOf(0);
  return path.subarray(0, end === -1 ? path.length : end).toString('utf8');
}
