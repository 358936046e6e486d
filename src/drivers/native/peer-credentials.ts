import { koffi, libcFunction } from './libc.js';
import { NativeError } from './native-error.js';
import { ENOPROTOOPT, ERANGE, SO_PEERCRED, SO_PEERGROUPS, SOL_SOCKET } from './socket-constants.js';
import { hostIsLittleEndian, nativeAbi } from './struct-layouts.js';

/**
 * Who is on the other end of a connected unix socket, as the kernel recorded it at connect()
 * (unix(7) SO_PEERCRED, SO_PEERGROUPS): the client cannot forge any of it. `groups` are the
 * supplementary groups the peer process held then; the primary `gid` is not repeated there.
 */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
  /** null when the kernel cannot say (SO_PEERGROUPS is Linux 4.13+). */
  groups: number[] | null;
}

type GetSockOpt = (fd: number, level: number, name: number, value: Uint8Array, len: number[]) => number;

const getsockopt = (): GetSockOpt => libcFunction<GetSockOpt>('int getsockopt(int fd, int level, int name, void *value, _Inout_ uint32_t *len)');

/** Reads the peer of `fd` (an accepted AF_UNIX stream socket); throws NativeError when the kernel refuses. */
export function peerCredentials(fd: number): PeerCredentials {
  const call = getsockopt();
  const u = nativeAbi.ucred;
  const buf = new Uint8Array(u.size);
  const len = [u.size];
  if (call(fd, SOL_SOCKET, SO_PEERCRED, buf, len) !== 0) throw new NativeError('getsockopt(SO_PEERCRED)', koffi().errno());
  const view = new DataView(buf.buffer);
  const le = hostIsLittleEndian;
  return {
    pid: view.getInt32(u.offset.pid, le),
    uid: view.getUint32(u.offset.uid, le),
    gid: view.getUint32(u.offset.gid, le),
    groups: peerGroups(call, fd),
  };
}

/** gid_t[] of the peer; the kernel answers ERANGE with the length it needs when the buffer is short. */
function peerGroups(call: GetSockOpt, fd: number): number[] | null {
  let bytes = 64 * 4;
  for (let attempt = 0; attempt < 3; attempt++) {
    const buf = new Uint8Array(bytes);
    const len = [bytes];
    if (call(fd, SOL_SOCKET, SO_PEERGROUPS, buf, len) === 0) {
      const view = new DataView(buf.buffer);
      const out: number[] = [];
      for (let at = 0; at + 4 <= len[0]!; at += 4) out.push(view.getUint32(at, hostIsLittleEndian));
      return out;
    }
    const errno = koffi().errno();
    if (errno === ENOPROTOOPT) return null;
    if (errno !== ERANGE) throw new NativeError('getsockopt(SO_PEERGROUPS)', errno);
    bytes = Math.max(len[0]!, bytes * 2);
  }
  throw new NativeError('getsockopt(SO_PEERGROUPS)', ERANGE);
}
