import { connect } from 'node:net';
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
      else resolve(res.result);
    });
  });
}
