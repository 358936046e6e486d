/**
 * Linux values of the socket-API constants we pass to libc. They are the generic
 * (asm-generic / x86 / arm) values; a few architectures we do not ship for (alpha, mips,
 * parisc, sparc) differ. Each is compared with the system headers in
 * test/unit/drivers/native/socket-constants.test.ts.
 */

export const AF_UNIX = 1; // <sys/socket.h> (bits/socket.h: PF_LOCAL)
export const SOCK_DGRAM = 2; // bits/socket_type.h
export const SOCK_NONBLOCK = 0o4000; // bits/socket_type.h, = O_NONBLOCK
export const SOCK_CLOEXEC = 0o2000000; // bits/socket_type.h, = O_CLOEXEC

export const SOL_SOCKET = 1; // asm-generic/socket.h
export const SO_PASSCRED = 16; // asm-generic/socket.h
export const SO_PEERCRED = 17; // asm-generic/socket.h
export const SO_PEERGROUPS = 59; // asm-generic/socket.h (Linux 4.13+)
export const SCM_RIGHTS = 1; // bits/socket.h
export const SCM_CREDENTIALS = 2; // bits/socket.h

export const MSG_CTRUNC = 0x08; // bits/socket.h
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_CMSG_CLOEXEC = 0x40000000;

/** The libc errno values the datagram code branches on (asm-generic/errno*.h). */
export const EINTR = 4;
export const EAGAIN = 11; // = EWOULDBLOCK on Linux
export const ENAMETOOLONG = 36;
export const EINVAL = 22;
export const ERANGE = 34;
export const ENOPROTOOPT = 92;
