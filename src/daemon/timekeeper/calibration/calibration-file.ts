import { readFile, unlink } from 'node:fs/promises';
import { writeFileAtomic } from '../../../lib/atomic-write.js';
import type { LabelNames } from '../../core/label-pulse.js';
import type { NmeaOffsetEstimate } from '../../core/timekeeper-types.js';

/**
 * The calibrated NMEA delay in the state directory, so a restart (or a reboot without sky)
 * starts from the last measurement instead of the configured guess. Our own file: written
 * atomically, never edited by hand.
 */
export interface PersistedCalibration {
  version: 1;
  valueS: number;
  spreadS: number | null;
  samples: number;
  reference: 'pps' | 'system-clock';
  updatedAt: number;
  /**
   * Which pulse the receiver's labels name, as a synchronised reference showed it
   * (core/label-pulse.ts). Kept so that a receiver that labels the next pulse is still known
   * to after a reboot with no network to check against. Absent: never learned.
   */
  learned?: LabelNames;
}

export type LoadResult =
  | { kind: 'loaded'; calibration: PersistedCalibration }
  | { kind: 'absent' }
  | { kind: 'invalid'; reason: string };

export async function loadCalibration(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'invalid', reason: (err as Error).message };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { kind: 'invalid', reason: `not JSON: ${(err as Error).message}` };
  }
  const reason = problem(raw);
  return reason ? { kind: 'invalid', reason } : { kind: 'loaded', calibration: raw as PersistedCalibration };
}

function problem(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return 'not an object';
  const r = raw as Record<string, unknown>;
  if (r.version !== 1) return `unknown version ${JSON.stringify(r.version)}`;
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!finite(r.valueS) || r.valueS < -1 || r.valueS > 1) return `valueS ${JSON.stringify(r.valueS)} is not a delay in [-1, 1] s`;
  if (r.spreadS !== null && !(finite(r.spreadS) && r.spreadS >= 0)) return 'spreadS is not a non-negative number';
  if (!(finite(r.samples) && Number.isInteger(r.samples) && r.samples > 0)) return 'samples is not a positive integer';
  if (r.reference !== 'pps' && r.reference !== 'system-clock') return `unknown reference ${JSON.stringify(r.reference)}`;
  if (!finite(r.updatedAt)) return 'updatedAt is not a number';
  if (r.learned !== undefined && r.learned !== 'previous-pulse' && r.learned !== 'next-pulse') return `unknown label convention ${JSON.stringify(r.learned)}`;
  return null;
}

export async function saveCalibration(path: string, e: NmeaOffsetEstimate & { reference: 'pps' | 'system-clock'; updatedAt: number }, learned: LabelNames | null = null): Promise<void> {
  const body: PersistedCalibration = {
    version: 1,
    valueS: e.valueS,
    spreadS: e.spreadS,
    samples: e.samples,
    reference: e.reference,
    updatedAt: e.updatedAt,
    ...(learned ? { learned } : {}),
  };
  await writeFileAtomic(path, `${JSON.stringify(body, null, 2)}\n`);
}

export async function removeCalibration(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
