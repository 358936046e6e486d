import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UnixDatagramReceiver } from '../drivers/native/unix-datagram-receiver.js';
import { sampleProc } from './proc-sample.js';

const BIN = new URL('../../bin/stratum1d.js', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function daemonEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    STRATUM1D_PATHS__RUNTIME_DIR: join(dir, 'run'),
    STRATUM1D_PATHS__STATE_DIR: join(dir, 'state'),
    STRATUM1D_LOG__LEVEL: 'warn',
    STRATUM1D_GPSD__PORT: '0',
    ...extra,
  };
}

function stopChild(child: ChildProcess): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(0);
    child.once('exit', () => resolve(performance.now() - t0));
    child.kill('SIGTERM');
  });
}

export interface FootprintResult {
  seconds: number;
  daemon: { cpuPct: number; rssStartMiB: number; rssEndMiB: number; rssMaxMiB: number };
  bareNode: { cpuPct: number; rssEndMiB: number };
}

/** RSS and CPU of the daemon on the 10 Hz simulator next to an idle `node`, over the same window. */
export async function benchFootprint(seconds: number): Promise<FootprintResult> {
  const dir = mkdtempSync(join(tmpdir(), 's1d-bench-'));
  const daemon = spawn(process.execPath, [BIN, 'run', '--simulate'], {
    env: daemonEnv(dir, { STRATUM1D_SIMULATOR__RATE_HZ: '10' }),
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  try {
    await sleep(5000); // past startup and JIT warm-up
    const d0 = sampleProc(daemon.pid!);
    const b0 = sampleProc(bare.pid!);
    let rssMax = d0.rssKiB;
    for (let i = 0; i < seconds; i++) {
      await sleep(1000);
      rssMax = Math.max(rssMax, sampleProc(daemon.pid!).rssKiB);
    }
    const d1 = sampleProc(daemon.pid!);
    const b1 = sampleProc(bare.pid!);
    return {
      seconds,
      daemon: {
        cpuPct: ((d1.cpuS - d0.cpuS) / seconds) * 100,
        rssStartMiB: d0.rssKiB / 1024,
        rssEndMiB: d1.rssKiB / 1024,
        rssMaxMiB: rssMax / 1024,
      },
      bareNode: { cpuPct: ((b1.cpuS - b0.cpuS) / seconds) * 100, rssEndMiB: b1.rssKiB / 1024 },
    };
  } finally {
    await stopChild(daemon);
    bare.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

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
      env: daemonEnv(dir, { NOTIFY_SOCKET: sock }),
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
