/**
 * Wall-clock nanoseconds since the Unix epoch, as BigInt.
 *
 * Node offers wall time only as Date.now() (whole milliseconds) and fine time only on the
 * monotonic clock (process.hrtime, CLOCK_MONOTONIC). We anchor the monotonic clock to the
 * wall clock at the instant Date.now() ticks to a new millisecond, then read
 * anchor + monotonic elapsed. Honest resolution: the digits below the millisecond come from
 * the monotonic clock (ns resolution); the anchor is good to the few microseconds the tick
 * detection takes. CLOCK_MONOTONIC follows the kernel's frequency corrections (slews) but not
 * steps (clock_gettime(2)), so after a step of the wall clock the reading disagrees with
 * Date.now() and we re-anchor. Reading only: nothing here sets a clock.
 */
export interface WallClockSources {
  dateNow: () => number;
  hrtime: () => bigint;
}

const MS = 1_000_000n;
/** Beyond this disagreement with Date.now() the wall clock has stepped: re-anchor. */
const TOLERANCE_NS = 2n * MS;
/** Tick detection gives up after this long (a frozen or fake Date.now()). */
const SPIN_LIMIT_NS = 5n * MS;

/** A pair of readings further apart than this was interrupted, so it does not mark the tick. */
const TIGHT_READ_NS = 100_000n;

export class WallClockNs {
  #anchor: { wallNs: bigint; hr: bigint } | null = null;
  readonly #src: WallClockSources;
  anchors = 0;

  constructor(src: WallClockSources = { dateNow: Date.now, hrtime: () => process.hrtime.bigint() }) {
    this.#src = src;
  }

  now(): bigint {
    const hr = this.#src.hrtime();
    const wallMs = BigInt(this.#src.dateNow());
    const a = this.#anchor;
    if (a) {
      const est = a.wallNs + (hr - a.hr);
      // Date.now() truncates: the true time lies in [wallMs, wallMs + 1 ms).
      const diff = est - wallMs * MS;
      if (diff > -TOLERANCE_NS && diff < MS + TOLERANCE_NS) return est;
    }
    this.#reanchor();
    const b = this.#anchor as unknown as { wallNs: bigint; hr: bigint };
    return b.wallNs + (this.#src.hrtime() - b.hr);
  }

  #reanchor(): void {
    this.anchors += 1;
    const start = this.#src.hrtime();
    let first = this.#src.dateNow();
    for (;;) {
      const hr = this.#src.hrtime();
      const ms = this.#src.dateNow();
      if (ms !== first) {
        // Date.now() just turned over: the wall time is ms.000 at (about) this monotonic reading —
        // unless the thread was preempted between the two readings (a loaded machine), which
        // would anchor the clock late by the preemption: then wait for the next tick.
        if (this.#src.hrtime() - hr < TIGHT_READ_NS) {
          this.#anchor = { wallNs: BigInt(ms) * MS, hr };
          return;
        }
        first = ms;
      }
      if (hr - start > SPIN_LIMIT_NS) {
        // No tick seen: anchor mid-millisecond, off by at most half a millisecond.
        this.#anchor = { wallNs: BigInt(ms) * MS + MS / 2n, hr };
        return;
      }
    }
  }
}

export const wallClock = new WallClockNs();
