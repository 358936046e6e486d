// Small helpers shared by the packaging scripts.

import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

export function log(msg) {
  process.stderr.write(`package: ${msg}\n`);
}

/** Runs a command; throws with its output on failure. `capture` returns stdout. */
export function run(cmd, args, { cwd, env, capture = false, quiet = false } = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: capture || quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-40).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})${out ? `:\n${out}` : ''}`);
  }
  return r.stdout ?? '';
}

/** Every path under `dir` (depth first), without following symlinks. */
export function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    yield { path: p, st };
    if (st.isDirectory()) yield* walk(p);
  }
}

function hasShebang(path) {
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(2);
  try {
    return readSync(fd, b, 0, 2, 0) === 2 && b.toString() === '#!';
  } finally {
    closeSync(fd);
  }
}

/**
 * Debian's modes: directories 0755, files 0644, except the ones listed as executable and the
 * scripts (`#!`) of npm packages under `scriptsUnder`, which lintian wants executable.
 */
export function normaliseModes(root, executables, scriptsUnder = null) {
  chmodSync(root, 0o755);
  for (const { path, st } of walk(root)) {
    if (st.isSymbolicLink()) continue;
    const rel = path.slice(root.length + 1);
    const exec = st.isDirectory() || executables.has(rel) || (scriptsUnder !== null && rel.startsWith(scriptsUnder) && hasShebang(path));
    chmodSync(path, exec ? 0o755 : 0o644);
  }
}
