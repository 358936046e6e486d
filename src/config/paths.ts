import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Config } from './schema.js';

/**
 * systemd hands the service its directories in $RUNTIME_DIRECTORY / $STATE_DIRECTORY; by hand
 * (npm start, tests) we fall back to per-user places, so `stratum1d status` run by the same user
 * finds the daemon without flags.
 */
export function runtimeDir(config: Pick<Config, 'paths'> | null, env: NodeJS.ProcessEnv = process.env): string {
  if (config?.paths.runtimeDir) return config.paths.runtimeDir;
  if (env.RUNTIME_DIRECTORY) return env.RUNTIME_DIRECTORY.split(':')[0]!;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'stratum1d');
  return `/tmp/stratum1d-${process.getuid?.() ?? 'user'}`;
}

export function stateDir(config: Pick<Config, 'paths'> | null, env: NodeJS.ProcessEnv = process.env): string {
  if (config?.paths.stateDir) return config.paths.stateDir;
  if (env.STATE_DIRECTORY) return env.STATE_DIRECTORY.split(':')[0]!;
  return join(env.HOME ?? homedir(), '.local', 'state', 'stratum1d');
}

export function controlSocketPath(dir: string): string {
  return join(dir, 'control.sock');
}
