import { seededRandom } from '../../src/lib/seeded-random.js';

/** mulberry32: a small seeded PRNG, so a failing fuzz case can be replayed from its seed. */
export class Prng {
  readonly #uniform: () => number;

  constructor(seed: number) {
    this.#uniform = seededRandom(seed);
  }

  /** [0, 1) */
  next(): number {
    return this.#uniform();
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}
