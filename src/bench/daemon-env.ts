import { join } from 'node:path';
import { shippedNodeOptions } from './shipped-node-options.js';

/**
 * The environment of a daemon a benchmark starts: its own directories under `dir`, warnings
 * only, and no fixed ports (gpsd off, HTTP on an ephemeral port), so runs never collide; and
 * the node options of the shipped unit, so the daemon measured is the daemon shipped.
 */
export function benchDaemonEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    NODE_OPTIONS: shippedNodeOptions(),
    STRATUM1D_PATHS__RUNTIME_DIR: join(dir, 'run'),
    STRATUM1D_PATHS__STATE_DIR: join(dir, 'state'),
    STRATUM1D_LOG__LEVEL: 'warn',
    STRATUM1D_GPSD__PORT: '0',
    STRATUM1D_HTTP__LISTEN: '127.0.0.1:0',
    ...extra,
  };
}
