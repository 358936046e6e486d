/**
 * A UTC instant as a receiver labels it. Kept as calendar fields rather than a Date
 * because a receiver may label a leap second 23:59:60, which neither Date nor POSIX
 * time can hold (gpsd prints it as `...T23:59:60.000Z`).
 */
export interface UtcTime {
  year: number; // four digits
  month: number; // 1-12
  day: number; // 1-31
  hour: number; // 0-23
  minute: number; // 0-59
  second: number; // 0-60; 60 only in an inserted leap second
  millis: number; // 0-999
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** ISO 8601 with milliseconds, as gpsd prints it: `2007-12-23T19:32:21.000Z`. */
export function utcToIso(t: UtcTime): string {
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}.${pad(t.millis, 3)}Z`;
}

/**
 * POSIX milliseconds. A leap second (second 60) maps onto the first instant of the next
 * day, as POSIX repeats that second; callers that care check `second === 60` first.
 */
export function utcToUnixMs(t: UtcTime): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.millis);
}

export function unixMsToUtc(ms: number): UtcTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millis: d.getUTCMilliseconds(),
  };
}
