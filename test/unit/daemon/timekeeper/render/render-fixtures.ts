import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { validateConfig } from '../../../../../src/config/load-config.js';
import type { Config } from '../../../../../src/config/schema.js';
import type { RenderFacts } from '../../../../../src/daemon/timekeeper/render/render-types.js';

/** Facts for a pretend machine: only the listed paths and interfaces exist. */
export function facts(o: { present?: string[]; ifaces?: string[]; offset?: number; rtc?: boolean } = {}): RenderFacts {
  const present = new Set(o.present ?? ['/dev/pps0', '/usr/share/zoneinfo/right/UTC']);
  const ifaces = new Set(o.ifaces ?? []);
  return {
    generator: 'stratum1d 0.0.0-test',
    configSource: '/etc/stratum1d/config.yaml',
    nmeaOffsetS: o.offset ?? 0.135,
    offsetSource: 'calibrated (128 samples)',
    daemonManagesRtc: o.rtc ?? false,
    pathExists: (p) => present.has(p),
    interfaceExists: (n) => ifaces.has(n),
    // The pps-gpio source as the monitor finds it on a Pi: pps0, no udev stable name.
    kernelPps: { want: 'auto', found: { id: 'pps0', device: '/dev/pps0', name: 'pps@12.-1', driver: null }, reason: null, stableName: null },
  };
}

export function cfg(timekeeper: Record<string, unknown> = {}, rest: Record<string, unknown> = {}): Config {
  return validateConfig({ timekeeper, ...rest });
}

export const goldenDir = new URL('./golden/', import.meta.url);

/**
 * Compare with a reviewed golden file. `UPDATE_GOLDEN=1` rewrites them (then read the diff:
 * a golden file is only as good as its review).
 */
export function golden(name: string, actual: string): string {
  const url = new URL(name, goldenDir);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(url)) {
    if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`golden file ${name} is missing: run with UPDATE_GOLDEN=1 and review it`);
    writeFileSync(url, actual);
  }
  return readFileSync(url, 'utf8');
}
