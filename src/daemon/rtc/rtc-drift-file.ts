import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import type { DriftEstimate, DriftPoint } from '../core/rtc-drift.js';

/**
 * The RTC drift measurement in the state directory (`rtc-drift.json`), so hours of
 * measurement survive a restart. Our own file: written atomically, never edited by hand; a
 * file for another chip, or one that does not parse, is ignored (and reported) and replaced.
 */
export interface PersistedDrift {
  version: 1;
  model: string;
  segment: number;
  points: DriftPoint[];
  estimate: DriftEstimate | null;
  lastWriteAt: number | null;
  lastTrimAt: number | null;
  updatedAt: number;
}

export type DriftLoad = { kind: 'loaded'; drift: PersistedDrift } | { kind: 'absent' } | { kind: 'invalid'; reason: string };

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export async function loadDrift(path: string, model: string): Promise<DriftLoad> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'invalid', reason: (err as Error).message };
  }
  const r = raw as Partial<PersistedDrift> | null;
  if (typeof r !== 'object' || r === null || r.version !== 1) return { kind: 'invalid', reason: 'unknown version' };
  if (r.model !== model) return { kind: 'invalid', reason: `measured for ${JSON.stringify(r.model)}, not ${model}` };
  if (!finite(r.segment) || !Array.isArray(r.points)) return { kind: 'invalid', reason: 'segment or points missing' };
  const okPoint = (p: DriftPoint): boolean => finite(p?.atMs) && finite(p.offsetMs) && finite(p.uncertaintyMs) && p.uncertaintyMs > 0 && finite(p.segment);
  if (!r.points.every(okPoint)) return { kind: 'invalid', reason: 'a point is malformed' };
  return {
    kind: 'loaded',
    drift: {
      version: 1,
      model,
      segment: r.segment,
      points: r.points,
      estimate: r.estimate && finite(r.estimate.ppm) ? r.estimate : null,
      lastWriteAt: finite(r.lastWriteAt) ? r.lastWriteAt : null,
      lastTrimAt: finite(r.lastTrimAt) ? r.lastTrimAt : null,
      updatedAt: finite(r.updatedAt) ? r.updatedAt : 0,
    },
  };
}

export async function saveDrift(path: string, d: PersistedDrift): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(d)}\n`);
}
