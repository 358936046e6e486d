import { existsSync } from 'node:fs';
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

/** Where the packaged service (RuntimeDirectory=stratum1d) listens. */
export const SYSTEM_RUNTIME_DIR = '/run/stratum1d';
export const SYSTEM_STATE_DIR = '/var/lib/stratum1d';

/**
 * The control socket a client (`status`, `mcp`) should talk to. From a login shell there is no
 * $RUNTIME_DIRECTORY, so the service's /run/stratum1d is found by looking: a daemon the same
 * user started by hand wins (its socket exists), else the service's, else the per-user path
 * (whose absence then gives the "not running" message).
 */
export function clientSocketPath(config: Pick<Config, 'paths'> | null, env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): string {
  if (config?.paths.runtimeDir || env.RUNTIME_DIRECTORY) return controlSocketPath(runtimeDir(config, env));
  const own = controlSocketPath(runtimeDir(config, env));
  if (exists(own)) return own;
  // The directory, not the socket: a user outside the service's group cannot see into it, and
  // should hear "permission denied" about the service rather than "not running" about a path of their own.
  if (exists(SYSTEM_RUNTIME_DIR)) return controlSocketPath(SYSTEM_RUNTIME_DIR);
  return own;
}

/** State directories a client may find the service's last-exit record in. */
export function clientStateDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = env.STATE_DIRECTORY ? [env.STATE_DIRECTORY.split(':')[0]!] : [];
  return [...dirs, SYSTEM_STATE_DIR];
}
