import { lstatSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Whether a control socket's directory can be trusted. Squatting is only possible where other
 * users can create entries — the per-user fallback `/tmp/stratum1d-<uid>` lives in a
 * world-writable `/tmp` — so there the directory must be a real directory (no symlink), owned
 * by us or root, and writable by nobody else; otherwise another local user who created it first
 * could put their own socket there and answer `stratum1d status` with whatever they like.
 * Directories under root-owned parents (`/run/stratum1d`, `$XDG_RUNTIME_DIR`) need no check.
 * Returns null when trusted (or absent: then there is nothing to talk to or squat yet).
 */
export function socketDirProblem(
  socketPath: string,
  fs: { lstat(p: string): Stats; stat(p: string): Stats; euid: number } = { lstat: lstatSync, stat: statSync, euid: process.geteuid?.() ?? -1 },
): string | null {
  const dir = dirname(socketPath);
  let parentMode: number;
  let st: Stats;
  try {
    parentMode = fs.stat(dirname(dir)).mode;
    st = fs.lstat(dir);
  } catch {
    return null;
  }
  if ((parentMode & 0o002) === 0) return null;
  if (st.isSymbolicLink()) return `${dir} is a symbolic link in a world-writable directory: not trusting it (remove it)`;
  if (!st.isDirectory()) return `${dir} is not a directory (remove it)`;
  if (st.uid !== fs.euid && st.uid !== 0) {
    return `${dir} belongs to uid ${st.uid}, not to you (uid ${fs.euid}): another user may have created it to answer in the daemon's place; not trusting it (remove it, or set paths.runtimeDir)`;
  }
  if ((st.mode & 0o022) !== 0) {
    return `${dir} is writable by other users (mode ${(st.mode & 0o7777).toString(8)}): not trusting the socket in it (chmod 700 it, or remove it)`;
  }
  return null;
}
