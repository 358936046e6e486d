import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { socketDirProblem } from '../../config/socket-dir-check.js';

/** sysexits EX_CANTCREAT: a directory the daemon must create or write cannot be. */
export const EX_CANTCREAT = 73;

export interface DirProblem {
  key: 'paths.stateDir' | 'paths.runtimeDir';
  path: string;
  message: string;
}

/**
 * The directories the daemon needs before anything starts: created if absent and proven
 * writable (a file is created and removed). Checked first, so a bad directory is one message
 * naming the path and its key and an exit code, never a daemon left half started. A full disk
 * usually still lets an empty file be created: a state directory that fills up later is a
 * runtime condition of the parts that write there, not a reason to refuse to start.
 */
export function checkDirs(dirs: { stateDir: string; runtimeDir: string }): DirProblem | null {
  const runtime = checkDir('paths.runtimeDir', dirs.runtimeDir, 0o750);
  if (runtime) return runtime;
  // The control socket's directory in a world-writable parent must be ours (squatting).
  const squat = socketDirProblem(join(dirs.runtimeDir, 'control.sock'));
  if (squat) return { key: 'paths.runtimeDir', path: dirs.runtimeDir, message: squat };
  return checkDir('paths.stateDir', dirs.stateDir, 0o750);
}

function checkDir(key: DirProblem['key'], path: string, mode: number): DirProblem | null {
  try {
    mkdirSync(path, { recursive: true, mode });
  } catch (err) {
    return { key, path, message: `cannot create ${path}: ${describe(err)}` };
  }
  const probe = join(path, `.write-test-${process.pid}`);
  try {
    writeFileSync(probe, '', { mode: 0o600 });
  } catch (err) {
    return { key, path, message: `cannot write in ${path}: ${describe(err)}` };
  }
  rmSync(probe, { force: true });
  return null;
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${e.code}) for uid ${process.getuid?.() ?? '?'}`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `a path component is a file, not a directory (${e.code})`;
    case 'EROFS':
      return 'read-only file system (EROFS)';
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    default:
      return e.code ?? e.message;
  }
}

export function describeDirProblem(p: DirProblem): string {
  return `${p.key}: ${p.message}. Make it a directory the service user can write, or set ${p.key} (exit ${EX_CANTCREAT})`;
}
