import { seededRandom } from '../../lib/seeded-random.js';

/**
 * A seeded PRNG (mulberry32) with the few distributions the fleet simulator draws from, so a
 * simulated fleet is the same fleet every run with the same seed (demos look alike, a test
 * can assert plain values, a bench run is repeatable).
 */
export class SeededRandom {
  readonly #uniform: () => number;
  #spare: number | null = null;

  constructor(seed: number) {
    this.#uniform = seededRandom(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.#uniform();
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Log-uniform in [lo, hi]: noise levels spread over decades, as real ones do. */
  logUniform(lo: number, hi: number): number {
    return Math.exp(this.uniform(Math.log(lo), Math.log(hi)));
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Marsaglia's polar method; the second value is kept for the next call). */
  gauss(): number {
    if (this.#spare !== null) {
      const s = this.#spare;
      this.#spare = null;
      return s;
    }
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.#spare = v * m;
        return u * m;
      }
    }
  }

  /** Exponentially distributed with the given mean (waiting times between faults). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }
}

/** A per-device seed from the fleet seed and the device index (splitmix-style mixing). */
export function deviceSeed(fleetSeed: number, index: number): number {
  let z = (fleetSeed + Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
