import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What one daemon stack of the guest's daemon-chronyd.sh left in its directory of the work
 * share (gpio/ or kernel/): text files, chronyc's CSV, `stratum1d status --json` answers.
 * An absent file reads as empty, so that the assertion about it fails with context.
 */
export interface StackFiles {
  text(name: string): string;
  /** `chronyc -c` output: one array of fields per line. */
  csv(name: string): string[][];
  /** The `state` of a saved `status --json` answer; null when there is none. */
  status(name: string): Record<string, any> | null;
  /** chronyc -c sources row of a refclock (mode `#`) by refid. */
  refclock(name: string, refid: string): string[] | undefined;
  /** Log tails for a failure message. */
  context(): string;
}

export function stackFiles(work: string, stack: string, guestLog: string): StackFiles {
  const text = (name: string): string => {
    try {
      return readFileSync(join(work, stack, name), 'utf8');
    } catch {
      return '';
    }
  };
  const csv = (name: string): string[][] =>
    text(name)
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(','));
  return {
    text,
    csv,
    status(name) {
      try {
        return (JSON.parse(text(name)) as { state: Record<string, any> }).state ?? null;
      } catch {
        return null;
      }
    },
    refclock: (name, refid) => csv(name).find((f) => f[0] === '#' && f[2] === refid),
    context: () =>
      `guest log:\n${guestLog.slice(-2500)}\n${stack} daemon log (tail):\n${text('daemon.log').slice(-2500)}\n${stack} chronyd:\n${text('chronyd.log').slice(-1500)}`,
  };
}
