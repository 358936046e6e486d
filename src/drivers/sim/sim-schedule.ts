/**
 * The next instant of a periodic wall-clock schedule that is still ahead: boundary `b`
 * (a multiple of `periodMs` since the Unix epoch, so 1 Hz means the top of each UTC
 * second) whose action time `b + offsetMs` is later than `nowMs`, and later than the
 * last boundary played. Computed afresh each time, so a late timer or a clock stepped
 * forward skips ahead instead of replaying a burst of missed boundaries, and a clock
 * stepped back resumes at once rather than waiting for the old schedule to come round.
 */
export function nextBoundary(nowMs: number, periodMs: number, offsetMs: number, lastBoundary: number | null): number {
  const b = (Math.floor((nowMs - offsetMs) / periodMs) + 1) * periodMs;
  const steppedBack = lastBoundary !== null && lastBoundary - nowMs > 2 * periodMs;
  if (lastBoundary !== null && b <= lastBoundary && !steppedBack) return lastBoundary + periodMs;
  return b;
}

/** The rates a receiver offers whose period is a whole number of milliseconds, up to 10 Hz. */
export function checkRate(rateHz: number): number {
  const period = 1000 / rateHz;
  if (!Number.isInteger(period) || rateHz > 10 || rateHz < 1) {
    throw new RangeError(`rate must be 1, 2, 4, 5, 8 or 10 Hz, got ${rateHz}`);
  }
  return period;
}

/** 8N1 framing: each byte costs a start bit, 8 data bits and a stop bit on the wire. */
export function lineTimeMs(line: string, baudRate: number): number {
  return ((line.length + 2) * 10 * 1000) / baudRate; // + CR LF
}
