import { SCM_CREDENTIALS, SCM_RIGHTS, SOL_SOCKET } from './socket-constants.js';
import { cmsgAlign, cmsgLen, hostIsLittleEndian, nativeAbi, readWord, type NativeAbi } from './struct-layouts.js';

/** The sender as the kernel vouches for it (SCM_CREDENTIALS, unix(7)); not forgeable by the sender. */
export interface Credentials {
  pid: number;
  uid: number;
  gid: number;
}

export interface ControlMessages {
  credentials: Credentials | null;
  /** Descriptors a sender passed with SCM_RIGHTS; the receiver must close them. */
  fds: number[];
  /** Headers we could not make sense of (a length that runs past the buffer). */
  malformed: number;
}

/**
 * Walks the control buffer recvmsg filled, as CMSG_FIRSTHDR/CMSG_NXTHDR do: each header
 * holds its own length including the header, and the next one starts CMSG_ALIGN(len)
 * later. `length` is the msg_controllen the kernel wrote back.
 */
export function parseControlMessages(
  view: DataView,
  start: number,
  length: number,
  abi: NativeAbi = nativeAbi,
): ControlMessages {
  const out: ControlMessages = { credentials: null, fds: [], malformed: 0 };
  const le = hostIsLittleEndian;
  const header = abi.cmsghdr;
  const dataAt = cmsgAlign(abi, header.size);
  let at = 0;
  while (at + header.size <= length) {
    const base = start + at;
    const len = readWord(view, base + header.offset.cmsg_len, abi);
    if (len < header.size || at + len > length) {
      out.malformed++;
      break;
    }
    const level = view.getInt32(base + header.offset.cmsg_level, le);
    const type = view.getInt32(base + header.offset.cmsg_type, le);
    if (level === SOL_SOCKET && type === SCM_CREDENTIALS && len >= cmsgLen(abi, abi.ucred.size)) {
      const u = base + dataAt;
      out.credentials = {
        pid: view.getInt32(u + abi.ucred.offset.pid, le),
        uid: view.getUint32(u + abi.ucred.offset.uid, le),
        gid: view.getUint32(u + abi.ucred.offset.gid, le),
      };
    } else if (level === SOL_SOCKET && type === SCM_RIGHTS) {
      for (let p = base + dataAt; p + 4 <= base + len; p += 4) out.fds.push(view.getInt32(p, le));
    }
    at += cmsgAlign(abi, len);
  }
  return out;
}
