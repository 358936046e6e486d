import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { unifiedDiff } from '../daemon/timekeeper/apply/unified-diff.js';
import type { SetupAction } from './setup-types.js';

export const BACKUP_SUFFIX = '.stratum1d-bak';

/** The dry-run text of one action: a unified diff, or the symlink it would make. */
export function describeAction(a: SetupAction): string {
  if (a.kind === 'symlink') return `symlink ${a.path} -> ${a.target} (${a.why})\n`;
  return `# ${a.why}\n${unifiedDiff(a.before, a.after, a.path, `${a.path} (after setup)`)}`;
}

/**
 * Applies the actions in order. Each changed file gets a backup of what was there first
 * (`<file>.stratum1d-bak`, kept from the first run that changed it: a later run does not
 * overwrite the pre-stratum1d original), then the new content replaces it atomically.
 */
export async function applyActions(actions: readonly SetupAction[]): Promise<string[]> {
  const done: string[] = [];
  for (const a of actions) {
    await mkdir(dirname(a.hostPath), { recursive: true });
    if (a.kind === 'symlink') {
      // A temp link renamed into place: the name never points nowhere.
      const temp = join(dirname(a.hostPath), `.${basename(a.hostPath)}.${randomBytes(4).toString('hex')}.tmp`);
      await symlink(a.target, temp);
      try {
        await rename(temp, a.hostPath);
      } catch (err) {
        await unlink(temp).catch(() => undefined);
        throw err;
      }
      done.push(`masked: ${a.path} -> ${a.target}`);
      continue;
    }
    let mode: number | undefined = a.mode ?? undefined;
    if (a.before !== null) {
      // Keep an existing file's permissions; on the FAT boot partition chmod is refused anyway.
      mode = a.mode === null ? undefined : statSync(a.hostPath).mode & 0o7777;
      const backup = `${a.hostPath}${BACKUP_SUFFIX}`;
      if (!existsSync(backup)) {
        await writeFileAtomic(backup, a.before, mode === undefined ? {} : { mode });
        done.push(`backed up ${a.path} to ${a.path}${BACKUP_SUFFIX}`);
      } else {
        done.push(`kept the earlier backup ${a.path}${BACKUP_SUFFIX}`);
      }
    }
    await writeFileAtomic(a.hostPath, a.after, mode === undefined ? {} : { mode });
    done.push(`${a.before === null ? 'created' : 'updated'} ${a.path}: ${a.why}`);
  }
  return done;
}
