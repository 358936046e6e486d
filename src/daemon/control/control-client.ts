import { connect, type Socket } from 'node:net';
import { socketDirProblem } from '../../config/socket-dir-check.js';
import type { ControlResponse } from './protocol.js';

export class ControlUnavailable extends Error {}

/** One request over the control socket; rejects with ControlUnavailable when no daemon answers. */
export function controlCall(path: string, method: string, params?: unknown, timeoutMs = 3000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const problem = socketDirProblem(path);
    if (problem) {
      reject(new ControlUnavailable(`cannot trust the control socket ${path}: ${problem}`));
      return;
    }
    const s = connect(path);
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new ControlUnavailable(`no answer from ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`${JSON.stringify({ id: 1, method, params })}\n`));
    s.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint =
        err.code === 'EACCES'
          ? 'permission denied: the control socket is for root and members of group stratum1d (sudo usermod -aG stratum1d $USER, then log in again)'
          : 'is stratum1d running?';
      reject(new ControlUnavailable(`cannot reach the daemon at ${path}: ${err.code ?? err.message} (${hint})`));
    });
    s.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      s.destroy();
      const res = JSON.parse(buf.slice(0, nl)) as ControlResponse;
      if ('error' in res) reject(new Error(`${res.error.code}: ${res.error.message}`));
      else resolve('result' in res ? res.result : undefined);
    });
  });
}

export interface ControlStreamHandlers {
  /** The request's answer (the first snapshot). */
  onResult(result: unknown): void;
  /** Each later push. */
  onEvent(event: unknown): void;
  /** The stream ended: the daemon went away, refused the request, or `close()` was called. Called once. */
  onClose(reason: string): void;
}

/**
 * A subscription over the control socket (ControlServer.stream): one connection kept open,
 * the answer and then the daemon's pushes, line by line. `timeoutMs` bounds the wait for the
 * answer only; after it the stream lives as long as the connection.
 */
export function controlStream(path: string, method: string, params: unknown, h: ControlStreamHandlers, timeoutMs = 3000): { close(): void } {
  let ended = false;
  let s: Socket | null = null;
  let timer: NodeJS.Timeout | undefined;
  const end = (reason: string): void => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    s?.destroy();
    h.onClose(reason);
  };
  const problem = socketDirProblem(path);
  if (problem) {
    queueMicrotask(() => end(`cannot trust the control socket ${path}: ${problem}`));
    return { close: () => end('closed') };
  }
  const sock = (s = connect(path));
  timer = setTimeout(() => end(`no answer from ${path} within ${timeoutMs} ms`), timeoutMs);
  let buf = '';
  let answered = false;
  sock.setEncoding('utf8');
  sock.on('connect', () => sock.write(`${JSON.stringify({ id: 1, method, params })}\n`));
  sock.on('error', (err: NodeJS.ErrnoException) => end(`cannot reach the daemon at ${path}: ${err.code ?? err.message}`));
  sock.on('close', () => end('the daemon closed the connection'));
  sock.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while (!ended && (nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let res: ControlResponse;
      try {
        res = JSON.parse(line) as ControlResponse;
      } catch {
        end('malformed line from the daemon');
        return;
      }
      if ('error' in res) end(`${res.error.code}: ${res.error.message}`);
      else if ('result' in res && !answered) {
        answered = true;
        clearTimeout(timer);
        h.onResult(res.result);
      } else if ('event' in res && answered) h.onEvent(res.event);
    }
    // A daemon never sends lines this long; a stream that does is not one to trust.
    if (buf.length > 1 << 20) end('line too long from the daemon');
  });
  return { close: () => end('closed') };
}
