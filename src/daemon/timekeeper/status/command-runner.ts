import { execFile } from 'node:child_process';

/** The result of running a status command; never a rejected promise. */
export type CommandResult =
  | { ok: true; stdout: string; stderr: string }
  | { ok: false; reason: 'not-found' | 'timeout' | 'exit' | 'spawn'; code: number | null; stdout: string; stderr: string; message: string };

export interface CommandOptions {
  timeoutMs: number;
  env?: Record<string, string>;
}

/** Runs one program, injected so that tests can answer with recorded output. */
export type RunCommand = (argv: readonly string[], opts: CommandOptions) => Promise<CommandResult>;

/**
 * execFile with no shell: the arguments (socket paths from the config) are never interpreted.
 * Output is capped, and a hung chronyc or ntpq is killed at the timeout.
 */
export const runCommand: RunCommand = (argv, opts) =>
  new Promise((resolve) => {
    const [file, ...args] = argv;
    if (!file) {
      resolve({ ok: false, reason: 'spawn', code: null, stdout: '', stderr: '', message: 'empty command' });
      return;
    }
    execFile(
      file,
      args,
      {
        timeout: opts.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 1024 * 1024,
        encoding: 'utf8',
        env: { ...process.env, LC_ALL: 'C', ...opts.env },
      },
      (err, stdout, stderr) => {
        if (!err) {
          resolve({ ok: true, stdout, stderr });
          return;
        }
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
        const base = { stdout: stdout ?? '', stderr: stderr ?? '' };
        if (e.code === 'ENOENT') resolve({ ok: false, reason: 'not-found', code: null, message: `${file} not found`, ...base });
        else if (e.killed) resolve({ ok: false, reason: 'timeout', code: null, message: `${file} timed out after ${opts.timeoutMs} ms`, ...base });
        else if (typeof e.code === 'number') resolve({ ok: false, reason: 'exit', code: e.code, message: `${file} exited with ${e.code}`, ...base });
        else resolve({ ok: false, reason: 'spawn', code: null, message: `${file}: ${e.message}`, ...base });
      },
    );
  });
