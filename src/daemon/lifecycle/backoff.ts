/**
 * Doubling retry delay with ±20 % jitter (so a fleet re-plugged by one power cut does not
 * retry in lockstep), capped at maxMs. Pure: the caller owns the timer.
 */
export class Backoff {
  #attempt = 0;
  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    const jittered = base * (0.8 + 0.4 * this.random());
    return Math.round(Math.min(this.maxMs, jittered));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
