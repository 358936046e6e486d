import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A pseudo-terminal pair from socat: what one side writes the other reads, like a
 * receiver on a serial cable. `daemonSide` is what the daemon opens as its GNSS port,
 * `simSide` is where the simulator writes.
 */
export interface PtyPair {
  daemonSide: string;
  simSide: string;
  /** The directory holding both links (removed by dispose()). */
  dir: string;
  /** Kills socat: the device disappears (links removed), readers get a hang-up. */
  stop(): Promise<void>;
  /** A new pair at the same link paths, as a re-plugged USB receiver comes back under the same name. */
  restart(): Promise<void>;
  /** stop() and remove the directory. */
  dispose(): Promise<void>;
}

export interface PtyPairOptions {
  /** Where to put the links; a fresh temp directory by default. */
  dir?: string;
  /** How long to wait for socat to create the links. Default 5000 ms. */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'stratum1d-pty-'));
  const daemonSide = join(dir, 'gnss');
  const simSide = join(dir, 'sim');
  const timeoutMs = options.timeoutMs ?? 5000;
  let socat: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${daemonSide}`, `pty,raw,echo=0,link=${simSide}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let exited: string | null = null;
    child.once('exit', (code, signal) => (exited = `socat exited (${signal ?? code})`));
    child.once('error', (err) => (exited = `cannot run socat: ${err.message}`));
    const end = Date.now() + timeoutMs;
    while (!(existsSync(daemonSide) && existsSync(simSide))) {
      if (exited !== null) throw new Error(`${exited}: ${stderr.trim()}`);
      if (Date.now() > end) {
        child.kill('SIGKILL');
        throw new Error(`socat did not create ${daemonSide} and ${simSide} within ${timeoutMs} ms: ${stderr.trim()}`);
      }
      await sleep(10);
    }
    socat = child;
  };

  const stop = async (): Promise<void> => {
    const child = socat;
    socat = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(2000)]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await gone;
      }
    }
    // socat removes its links on SIGTERM, not when it is killed: make sure the device is gone.
    for (const link of [daemonSide, simSide]) {
      try {
        unlinkSync(link);
      } catch {
        // already removed
      }
    }
  };

  await start();
  return {
    daemonSide,
    simSide,
    dir,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async dispose() {
      await stop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
