/**
 * Login throttling, per user name and per client address: after `maxFailures` failed attempts
 * within `windowMs` further attempts for that key are refused until the oldest failure leaves
 * the window (so a guesser gets a handful of tries per window, a user who mistyped waits a
 * little). Per address catches one client spraying many names; per user catches many clients
 * aiming at one account. A success clears the user's record. In memory, per collector process:
 * with N collectors an attacker gets N× the budget, which is still a handful per window.
 * Bounded: the oldest keys are forgotten beyond `maxKeys`. Pure apart from its own state; the
 * clock is passed in.
 */
export interface ThrottleLimits {
  maxFailures: number;
  windowMs: number;
}

export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();
  constructor(
    private readonly limits: { user: ThrottleLimits; ip: ThrottleLimits },
    private readonly maxKeys = 10_000,
  ) {}

  /** 0: allowed now; otherwise ms until the next attempt is allowed. */
  retryAfterMs(user: string, ip: string, now: number): number {
    return Math.max(this.#wait(`u:${user.toLowerCase()}`, this.limits.user, now), this.#wait(`i:${ip}`, this.limits.ip, now));
  }

  fail(user: string, ip: string, now: number): void {
    this.#add(`u:${user.toLowerCase()}`, this.limits.user, now);
    this.#add(`i:${ip}`, this.limits.ip, now);
  }

  succeed(user: string): void {
    this.#failures.delete(`u:${user.toLowerCase()}`);
  }

  #recent(key: string, limits: ThrottleLimits, now: number): number[] {
    const list = (this.#failures.get(key) ?? []).filter((t) => now - t < limits.windowMs);
    if (list.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, list);
    return list;
  }

  #wait(key: string, limits: ThrottleLimits, now: number): number {
    const list = this.#recent(key, limits, now);
    if (list.length < limits.maxFailures) return 0;
    return list[list.length - limits.maxFailures]! + limits.windowMs - now;
  }

  #add(key: string, limits: ThrottleLimits, now: number): void {
    const list = this.#recent(key, limits, now);
    list.push(now);
    this.#failures.delete(key); // re-insert: Map order is then least recently failed first
    this.#failures.set(key, list.slice(-limits.maxFailures));
    while (this.#failures.size > this.maxKeys) {
      const oldest = this.#failures.keys().next().value;
      if (oldest === undefined) break;
      this.#failures.delete(oldest);
    }
  }
}
