import type { UtcTime } from '../../core/utc-time.js';

const DAY_MS = 86_400_000;

function dayNumber(t: UtcTime): number {
  return Math.floor(Date.UTC(t.year, t.month - 1, t.day) / DAY_MS);
}

function tod(t: UtcTime): number {
  return ((t.hour * 60 + t.minute) * 60 + t.second) * 1000 + t.millis;
}

/**
 * Milliseconds from one receiver label to the next, counting an inserted leap second: a
 * day whose last label was 23:59:60.x is 86 401 s long. POSIX arithmetic (utcToUnixMs)
 * would put 23:59:60.5 after 00:00:00.0 and call the next epoch a step back in time.
 */
export function elapsedMs(prev: UtcTime, next: UtcTime): number {
  const days = dayNumber(next) - dayNumber(prev);
  let ms = days * DAY_MS + tod(next) - tod(prev);
  if (days > 0 && prev.second === 60) ms += 1000;
  return ms;
}
