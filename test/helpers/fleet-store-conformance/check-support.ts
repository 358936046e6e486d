import type { Test } from 'tap';
import type { FleetStore, IngestOutcome } from '../../../src/collector/store/fleet-store.js';

/** A store on a fresh, empty, migrated database that the subtest `t` closes when it ends. */
export type FreshStore = (t: Test) => Promise<FleetStore>;

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

export function outcome(r: IngestOutcome | { ahead: true; ackedSeq: number }): IngestOutcome {
  if ('ahead' in r) throw new Error(`unexpected 'ahead' (ackedSeq ${r.ackedSeq})`);
  return r;
}

/** instanceof, not tap's pattern match (which compares a class as a value). */
export async function rejectsWith(t: Test, p: Promise<unknown>, cls: new (...a: never[]) => Error, msg: string): Promise<void> {
  try {
    await p;
    t.fail(`${msg}: resolved, expected ${cls.name}`);
  } catch (err) {
    t.ok(err instanceof cls, `${msg}: ${cls.name} (got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message})`);
  }
}

export const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
