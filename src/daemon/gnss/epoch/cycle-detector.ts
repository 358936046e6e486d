/**
 * Learns which sentence ends a receiver's reporting cycle, so an epoch can be closed the
 * moment that sentence arrives instead of when the next cycle's first sentence does (up to
 * a second later). Same idea as gpsd's cycle-end detector: the last sentence before the
 * time moves on is the cycle ender.
 *
 * The ender is a sentence key plus its occurrence number within the cycle (u-blox sends
 * four GSA per cycle, so "the 4th GNGSA" or "the GSA for system 4"). A candidate must end
 * two cycles in a row before it is used, so a log that starts mid-cycle or a one-off
 * missing sentence does not teach a wrong ender. If an epoch closed this way turns out to
 * have more sentences coming (a late sentence with the same time), that ender is
 * forgotten and never learnt again: an OxTS RT at 10 Hz ends nine epochs in ten with GGA
 * but sends ZDA and RMC after the GGA of the whole second.
 */
export interface CycleEnder {
  key: string;
  occurrence: number;
}

const CONFIRMATIONS = 2;
/** Enders proven wrong; a receiver has only a handful of sentence kinds. */
const MAX_REJECTED = 32;

const same = (a: CycleEnder, b: CycleEnder): boolean => a.key === b.key && a.occurrence === b.occurrence;

export class CycleDetector {
  #candidate: CycleEnder | null = null;
  #seen = 0;
  readonly #rejected: CycleEnder[] = [];

  /** The learnt ender, once confirmed. */
  get ender(): CycleEnder | null {
    return this.#seen >= CONFIRMATIONS ? this.#candidate : null;
  }

  /** An epoch ended for another reason (time moved on, quiet gap): its last sentence is a candidate. */
  observeEnd(last: CycleEnder | null): void {
    if (last === null || this.#rejected.some((r) => same(r, last))) return;
    if (this.#candidate && same(this.#candidate, last)) {
      this.#seen = Math.min(this.#seen + 1, CONFIRMATIONS);
    } else {
      this.#candidate = last;
      this.#seen = 1;
    }
  }

  /** The learnt ender closed an epoch too early. */
  forget(): void {
    const e = this.ender;
    if (e && this.#rejected.length < MAX_REJECTED) this.#rejected.push(e);
    this.#candidate = null;
    this.#seen = 0;
  }

  isEnder(key: string, occurrence: number): boolean {
    const e = this.ender;
    return e !== null && e.key === key && e.occurrence === occurrence;
  }
}
