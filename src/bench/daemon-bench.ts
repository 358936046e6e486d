import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UnixDatagramReceiver } from '../drivers/native/unix-datagram-receiver.js';
import { benchDaemonEnv } from './daemon-env.js';

const BIN = new URL('../../bin/stratum1d.js', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stopChild(child: ChildProcess): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(0);
    child.once('exit', () => resolve(performance.now() - t0));
    child.kill('SIGTERM');
  });
}

// The footprint figures (RSS against a bare node, the 10 Hz soak) live in footprint-bench.ts.
export { benchFootprintFigures } from './footprint-bench.js';

export interface ReadyResult {
  runs: number;
  readyMs: number[]; // spawn → READY=1
  stopMs: number[]; // SIGTERM → exit
}

/** Start to READY=1 in simulator mode, against a stand-in NOTIFY_SOCKET, and SIGTERM to exit. */
export async function benchReady(runs: number): Promise<ReadyResult> {
  const readyMs: number[] = [];
  const stopMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 's1d-ready-'));
    const sock = join(dir, 'notify.sock');
    const receiver = UnixDatagramReceiver.open(sock);
    const t0 = performance.now();
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no READY=1 within 30 s')), 30_000);
      receiver.on('message', (m) => {
        if (/^READY=1$/m.test(m.data.toString())) {
          clearTimeout(timer);
          resolve(performance.now() - t0);
        }
      });
    });
    const child = spawn(process.execPath, [BIN, 'run', '--simulate'], {
      env: benchDaemonEnv(dir, { NOTIFY_SOCKET: sock }),
      stdio: 'ignore',
    });
    try {
      readyMs.push(await ready);
      await sleep(300);
      stopMs.push(await stopChild(child));
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { runs, readyMs, stopMs };
}
