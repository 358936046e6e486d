import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replace a file so a reader (or a power cut) sees the old content or the new, never half:
 * write a temp file beside it, fsync it, rename over the target, fsync the directory so the
 * rename itself is durable.
 */
export async function writeFileAtomic(path: string, data: string, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.chmod(mode); // open()'s mode is filtered by the umask
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dirname(path));
}

export async function removeFileDurably(path: string): Promise<void> {
  await unlink(path);
  await syncDir(dirname(path));
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
