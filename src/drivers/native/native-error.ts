import { getSystemErrorMap } from 'node:util';

/**
 * A failed libc call, shaped like Node's own system errors so callers branch on `code`
 * (`ENOENT`: nobody listening yet, `ECONNREFUSED`: listener gone, `EAGAIN`: its queue is
 * full) instead of parsing messages. `errno` is the positive C value, not libuv's negative.
 */
export class NativeError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
  readonly path: string | undefined;

  constructor(syscall: string, errno: number, path?: string) {
    const [code, text] = describeErrno(errno);
    super(`${syscall}${path === undefined ? '' : ` ${path}`}: ${code} (${text})`);
    this.name = 'NativeError';
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
    this.path = path;
  }
}

let errnoTable: Map<number, [string, string]> | undefined;

/** `[name, message]` for a positive errno, e.g. `[ 'ENOENT', 'no such file or directory' ]`. */
export function describeErrno(errno: number): [string, string] {
  // libuv keys its table by the negated errno on Unix.
  errnoTable ??= getSystemErrorMap();
  return errnoTable.get(-errno) ?? [`E${errno}`, `errno ${errno}`];
}

export function isNativeError(err: unknown, code?: string): err is NativeError {
  return err instanceof NativeError && (code === undefined || err.code === code);
}
