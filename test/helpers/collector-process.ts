import { type ChildProcess, spawn } from 'node:child_process';
import { BIN } from './daemon-process.js';

/** `stratum1d collector serve ARGS…` (the built CLI). */
export const serveArgv = (args: string[]): string[] => [BIN, 'collector', 'serve', ...args];

/**
 * A collector process (`node ARGV…`); `url` resolves from its "collector listening" log line and
 * rejects if it exits first. Its stderr lines (JSON logs) are kept for assertions (first 2,000).
 */
export class CollectorProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  readonly url: Promise<string>;

  constructor(argv: string[], opts: { cwd?: string } = {}) {
    this.child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'], ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    let buf = '';
    let found!: (u: string) => void;
    let failed!: (e: Error) => void;
    this.url = new Promise((res, rej) => ((found = res), (failed = rej)));
    this.child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      buf += c;
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const l of parts) {
        if (this.lines.length < 2000) this.lines.push(l);
        try {
          const j = JSON.parse(l) as { msg?: string; url?: string };
          if (j.msg === 'collector listening' && j.url) found(j.url);
        } catch {
          // not a log line
        }
      }
    });
    this.exited = new Promise((r) => this.child.once('exit', (code) => r(code)));
    void this.exited.then((code) => failed(new Error(`serve exited ${code} before listening:\n${this.lines.join('\n')}`)));
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}
