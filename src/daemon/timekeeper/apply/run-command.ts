import { spawn } from 'node:child_process';

export interface CommandResult {
  /** Exit status; null when killed by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be run at all (e.g. ENOENT) or timed out. */
  error: string | null;
}

export type CommandRunner = (argv: readonly string[], options?: { timeoutMs?: number }) => Promise<CommandResult>;

const MAX_OUTPUT = 256 * 1024;

/**
 * Runs a command without a shell. Resolves on exit rather than on stream close: a restart
 * command that starts a daemon may leave that daemon holding our pipes open forever.
 */
export const runCommand: CommandRunner = (argv, options = {}) =>
  new Promise((resolve) => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) {
      resolve({ code: null, signal: null, stdout: '', stderr: '', error: 'empty command' });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let timedOut = false;
    let settled = false;
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => {
      if (outLen < MAX_OUTPUT) out.push(b);
      outLen += b.length;
    });
    child.stderr.on('data', (b: Buffer) => {
      if (errLen < MAX_OUTPUT) err.push(b);
      errLen += b.length;
    });
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs)
        : null;
    const finish = (code: number | null, signal: NodeJS.Signals | null, error: string | null): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        error: timedOut ? `timed out after ${options.timeoutMs} ms` : error,
      });
    };
    child.on('error', (e) => finish(null, null, `${cmd}: ${e.message}`));
    // Give buffered output a moment to drain, without waiting on pipes a daemon may inherit.
    child.on('exit', (code, signal) => setTimeout(() => finish(code, signal, null), 50));
    child.on('close', (code, signal) => finish(code, signal, null));
  });

/** One line for messages: what ran and how it ended. */
export function describeResult(argv: readonly string[], r: CommandResult): string {
  const how = r.error ?? (r.code !== null ? `exit status ${r.code}` : `killed by ${r.signal ?? 'a signal'}`);
  const detail = lastLines(`${r.stderr}\n${r.stdout}`, 3);
  return `\`${argv.join(' ')}\`: ${how}${detail ? ` (${detail})` : ''}`;
}

export function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .slice(-n)
    .join(' | ');
}
