import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';

/**
 * Why the service last stopped without running, kept in its state directory: systemd does not
 * restart a unit that exits 78 (RestartPreventExitStatus=), so `stratum1d status` would
 * otherwise only say "not running". Removed at every successful start.
 */
export interface ExitRecord {
  at: string;
  code: number;
  reason: 'configuration';
  source: string;
  problems: string[];
}

const FILE = 'last-exit.json';

export async function writeExitRecord(dir: string, r: ExitRecord): Promise<void> {
  await writeFileAtomic(join(dir, FILE), `${JSON.stringify(r)}\n`, { mode: 0o640 });
}

export async function clearExitRecord(dir: string): Promise<void> {
  await rm(join(dir, FILE), { force: true });
}

/** The first readable, well-formed record among `dirs`; a torn or foreign file is ignored. */
export function readExitRecord(dirs: readonly string[]): ExitRecord | null {
  for (const dir of dirs) {
    let v: unknown;
    try {
      v = JSON.parse(readFileSync(join(dir, FILE), 'utf8'));
    } catch {
      continue;
    }
    const r = v as Partial<ExitRecord>;
    if (typeof r?.at === 'string' && typeof r.code === 'number' && r.reason === 'configuration' && typeof r.source === 'string' && Array.isArray(r.problems)) {
      return { at: r.at, code: r.code, reason: r.reason, source: r.source, problems: r.problems.filter((p): p is string => typeof p === 'string') };
    }
  }
  return null;
}

export function describeExitRecord(r: ExitRecord): string {
  return `stratum1d is not running: it stopped at ${r.at} with exit status ${r.code} because of its configuration (${r.source}):\n${r.problems.map((p) => `  - ${p}`).join('\n')}\nFix the key named above, then: systemctl restart stratum1d\n`;
}
