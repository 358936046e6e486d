/**
 * Time as the drivers and simulators see it, injected so that tests can run hours of
 * receiver output in milliseconds and so that nothing reaches for Date.now() behind a
 * test's back. Reading the clock only: nothing here ever sets the machine's clock.
 */

/** Stops a scheduled callback; calling it after the callback ran (or twice) does nothing. */
export type Cancel = () => void;

export interface Clock {
  /** Wall-clock ms since the Unix epoch, as Date.now(). May step (NTP, an operator). */
  now(): number;
  /** Monotonic ns, as process.hrtime.bigint(): never steps, for measuring intervals. */
  monoNs(): bigint;
  /** Runs `fn` once after `ms` (clamped to ≥ 0) milliseconds. */
  setTimeout(fn: () => void, ms: number): Cancel;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monoNs: () => process.hrtime.bigint(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};

interface PendingTimer {
  dueMono: number; // ms on the manual monotonic axis
  order: number; // ties fire in scheduling order, as Node's timers do
  fn: () => void;
}

/**
 * A clock that moves only when told to. Timers are due on the monotonic axis, as Node's
 * are, so a wall-clock jump (`jumpWall`) neither fires nor delays them.
 */
export class ManualClock implements Clock {
  private wallMs: number;
  private monoMs = 0;
  private readonly monoBaseNs: bigint;
  private timers: PendingTimer[] = [];
  private nextOrder = 0;

  constructor(startWallMs = Date.UTC(2024, 0, 1, 0, 0, 0), startMonoNs = 1_000_000_000n) {
    this.wallMs = startWallMs;
    this.monoBaseNs = startMonoNs;
  }

  now(): number {
    return this.wallMs;
  }

  monoNs(): bigint {
    return this.monoBaseNs + BigInt(Math.round(this.monoMs * 1e6));
  }

  setTimeout(fn: () => void, ms: number): Cancel {
    // Whole milliseconds, never early, as Node's timers: the clock then reads integers,
    // as Date.now() does, and sums of fractional delays cannot drift in float noise.
    const delay = Math.max(0, Math.ceil(ms - 1e-6));
    const timer: PendingTimer = { dueMono: this.monoMs + delay, order: this.nextOrder++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Moves both axes forward by `ms`, firing every timer that falls due on the way, in due
   * order, with the clock reading exactly each timer's due time while it runs. Timers that
   * those callbacks schedule inside the window fire too.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ms must be ≥ 0, got ${ms}`);
    const endMono = this.monoMs + ms;
    for (;;) {
      const next = this.nextDue();
      if (next === undefined || next.dueMono > endMono) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.moveTo(next.dueMono);
      next.fn();
    }
    this.moveTo(endMono);
  }

  /** Advances to the wall-clock instant `wallMs` (which must not be in the past). */
  advanceTo(wallMs: number): void {
    this.advance(wallMs - this.wallMs);
  }

  /** Steps the wall clock alone, as an NTP step or an operator's `date -s` would. */
  jumpWall(deltaMs: number): void {
    this.wallMs += deltaMs;
  }

  private moveTo(mono: number): void {
    this.wallMs += mono - this.monoMs;
    this.monoMs = mono;
  }

  private nextDue(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers) {
      if (!best || t.dueMono < best.dueMono || (t.dueMono === best.dueMono && t.order < best.order)) best = t;
    }
    return best;
  }
}
