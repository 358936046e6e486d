import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const NMEA_OFFSET_FILE = 'nmea-offset.json';

export type StoredOffset =
  | { kind: 'ok'; valueS: number; samples: number | null; spreadS: number | null; path: string }
  | { kind: 'absent'; path: string }
  | { kind: 'unusable'; path: string; reason: string };

/**
 * The calibrated NMEA label delay persisted by the calibrator (`<stateDir>/nmea-offset.json`,
 * at least `{ "valueS": number }`). Read defensively: a missing, truncated or hand-mangled file
 * is reported, never thrown, and its value is only used when it is a plausible delay.
 */
export async function readStoredOffset(stateDir: string): Promise<StoredOffset> {
  const path = join(stateDir, NMEA_OFFSET_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent', path };
    return { kind: 'unusable', path, reason: (err as Error).message };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { kind: 'unusable', path, reason: 'not valid JSON' };
  }
  if (typeof data !== 'object' || data === null) return { kind: 'unusable', path, reason: 'not a JSON object' };
  const rec = data as Record<string, unknown>;
  const v = rec.valueS;
  if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 1) {
    return { kind: 'unusable', path, reason: `valueS ${JSON.stringify(v) ?? 'missing'} is not a number within +-1 s` };
  }
  const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  return { kind: 'ok', valueS: v, samples: num(rec.samples ?? rec.count ?? rec.n), spreadS: num(rec.spreadS), path };
}
