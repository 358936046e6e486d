import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = new URL('../../bin/stratum1d.js', import.meta.url).pathname;

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 's1d-it-'));

/** A built `stratum1d` run as a real process with its own runtime and state directories. */
export class DaemonProcess {
  readonly stderrLines: string[] = [];
  stdout = '';
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    args: string[],
    readonly dir: string = tempDir(),
    extraEnv: NodeJS.ProcessEnv = {},
  ) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      env: { ...this.env(), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errBuf = '';
    this.child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      errBuf += c;
      const lines = errBuf.split('\n');
      errBuf = lines.pop() ?? '';
      this.stderrLines.push(...lines);
    });
    this.child.stdout!.setEncoding('utf8').on('data', (c: string) => (this.stdout += c));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: this.dir,
      STRATUM1D_PATHS__RUNTIME_DIR: join(this.dir, 'run'),
      STRATUM1D_PATHS__STATE_DIR: join(this.dir, 'state'),
      // Tests run daemons side by side: never the shared gpsd port.
      STRATUM1D_GPSD__PORT: '0',
      // Nor the shared health/metrics port (8471).
      STRATUM1D_HTTP__LISTEN: '127.0.0.1:0',
    };
  }

  get socket(): string {
    return join(this.dir, 'run', 'control.sock');
  }

  /** The JSON log records written so far. */
  logs(): Array<Record<string, unknown>> {
    return this.stderrLines.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  async waitForLog(match: (r: Record<string, unknown>) => boolean, timeoutMs = MIN_WAIT_MS): Promise<Record<string, unknown>> {
    timeoutMs = Math.max(timeoutMs, MIN_WAIT_MS);
    const start = Date.now();
    for (;;) {
      const hit = this.logs().find(match);
      if (hit) return hit;
      if (this.child.exitCode !== null) throw new Error(`daemon exited (${this.child.exitCode}) before the log line; stderr:\n${this.stderrLines.join('\n')}`);
      if (Date.now() - start > timeoutMs) throw new Error(`no such log line within ${timeoutMs} ms; stderr:\n${this.stderrLines.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * `stratum1d status ...` against this daemon, as a separate process. Asynchronous, so the
   * test process keeps receiving (sd_notify listeners time their messages on its event loop).
   */
  status(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, 'status', '--socket', this.socket, ...args], { encoding: 'utf8', timeout: MIN_WAIT_MS }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; ms: number }> {
    const t0 = Date.now();
    if (this.child.exitCode === null) this.child.kill(signal);
    const { code } = await this.exited;
    return { code, ms: Date.now() - t0 };
  }
}

/**
 * Waits in these helpers are conditions, not timing goals: they return as soon as the condition
 * holds, and the suite must pass on a 2-core machine at load 8+ with another suite beside it,
 * where a daemon's start alone can take 10 s. So no wait gives up in under a minute.
 */
export const MIN_WAIT_MS = 60_000;

/** Polls `fn` until it returns a value (not undefined) or the time runs out (at least MIN_WAIT_MS). */
export async function eventually<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  timeoutMs = Math.max(timeoutMs, MIN_WAIT_MS);
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A simulated daemon on its own config file (`yaml`), up to 'ready', killed at teardown. The
 * file stays where the test can rewrite it for a reload.
 */
export async function simulatedDaemonWithConfig(t: { teardown(fn: () => unknown): void }, yaml: string, readyMs = 30_000): Promise<{ d: DaemonProcess; dir: string; cfg: string }> {
  const dir = tempDir();
  const cfg = join(dir, 'config.yaml');
  writeFileSync(cfg, yaml);
  const d = new DaemonProcess(['run', '--simulate', '--config', cfg], dir);
  t.teardown(() => d.stop('SIGKILL'));
  await d.waitForLog((r) => r.msg === 'ready', readyMs);
  return { d, dir, cfg };
}
