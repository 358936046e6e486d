/**
 * Cutting a recorded NMEA log into epochs for replay. A receiver sends one burst per
 * navigation epoch; the bursts are told apart by their time label, which RMC, GGA, GLL,
 * GNS, GBS, GST and ZDA carry and GSA, GSV, TXT and proprietary sentences do not.
 */

export interface ReplayEpoch {
  lines: string[];
  /** Time of day of the label, ms; null when no line in the epoch carries one. */
  labelMs: number | null;
}

/** Which comma-separated field holds hhmmss.ss, by sentence type (NMEA 0183 4.10 §6.3). */
const TIME_FIELD: Record<string, number> = { RMC: 1, GGA: 1, GNS: 1, GBS: 1, GST: 1, ZDA: 1, GLL: 5 };

/** `hhmmss` or `hhmmss.sss` → ms of the day; null when absent or malformed. */
export function parseTimeOfDay(field: string | undefined): number | null {
  const m = /^(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3})\d*)?$/.exec(field ?? '');
  if (!m) return null;
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (h > 23 || min > 59 || s > 60) return null;
  const frac = m[4] ? Number(m[4].padEnd(3, '0')) : 0;
  return ((h * 60 + min) * 60 + s) * 1000 + frac;
}

/** The time label a line carries, or null (unlabelled sentence, garbage, empty field). */
export function lineTimeLabel(line: string): number | null {
  if (!line.startsWith('$') || line.length < 6) return null;
  const star = line.indexOf('*');
  const fields = (star < 0 ? line.slice(1) : line.slice(1, star)).split(',');
  const index = TIME_FIELD[fields[0]?.slice(2) ?? ''];
  return index === undefined ? null : parseTimeOfDay(fields[index]);
}

/**
 * Splits a log into epochs where the time label changes. `#` lines (gpsd's regression
 * log headers) and empty lines are skipped; everything else, garbage included, is
 * replayed, since the decoder is what is being exercised.
 */
export function splitEpochs(text: string): ReplayEpoch[] {
  const epochs: ReplayEpoch[] = [];
  let current: ReplayEpoch | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || line.startsWith('#')) continue;
    const label = lineTimeLabel(line);
    if (!current || (label !== null && current.labelMs !== null && label !== current.labelMs)) {
      current = { lines: [], labelMs: null };
      epochs.push(current);
    }
    if (label !== null && current.labelMs === null) current.labelMs = label;
    current.lines.push(line);
  }
  return epochs;
}

const DAY_MS = 86_400_000;

/**
 * How long after `from` to play `to`: the difference of their labels (a 5 Hz log replays
 * at 5 Hz), across midnight too; 1 s when a label is missing or the step is implausible
 * (a gap in the recording, a receiver restart).
 */
export function epochInterval(from: ReplayEpoch, to: ReplayEpoch): number {
  if (from.labelMs === null || to.labelMs === null) return 1000;
  let delta = to.labelMs - from.labelMs;
  if (delta < -DAY_MS / 2) delta += DAY_MS;
  return delta > 0 && delta <= 10_000 ? delta : 1000;
}
