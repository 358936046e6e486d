import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` so that a reader (or a power cut, common on a Pi) sees either the old
 * contents or the new, never a torn file: write a temp file in the same directory, fsync
 * it, rename it over the target, fsync the directory so the rename itself is durable.
 * Only for our own state files; never for a file an operator edits.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(temp, 'wx', options.mode ?? 0o644);
  try {
    try {
      await file.writeFile(data);
      if (options.mode !== undefined) await file.chmod(options.mode); // open()'s mode passes through the umask
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await fsyncDirectory(dir);
}

/** Removes `path` and makes the removal durable (used when rolling back a first install). */
export async function removeFileDurably(path: string): Promise<void> {
  await unlink(path);
  await fsyncDirectory(dirname(path));
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some filesystems refuse fsync on a directory (EINVAL); the rename has happened anyway.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
  } finally {
    await handle.close();
  }
}
