import { spawnSync } from 'node:child_process';

/** The commit measured and whether the working tree differs from it (then the hash alone does not name the code). */
export interface GitState {
  commit: string;
  /** Tracked or untracked changes outside bench/ (the bench's own output); null: not a git checkout. */
  dirty: boolean | null;
}

export function gitState(root: string): GitState {
  const head = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return { commit: 'unknown commit', dirty: null };
  const status = spawnSync('git', ['-C', root, 'status', '--porcelain', '--', '.', ':(exclude)bench'], { encoding: 'utf8' });
  return { commit: head.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim() !== '' : null };
}
