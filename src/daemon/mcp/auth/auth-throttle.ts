/**
 * Failed authentication costs the client, not the daemon's log. Per remote address a bucket of
 * `burst` failures refills at `perMinute`; with it empty, the address is answered 429 before
 * its key is even looked at (so guessing keys gets no faster by trying harder) until a failure's
 * worth has refilled. Failures and throttled requests are reported as one log line per address
 * per minute with counts, never one line per attempt.
 *
 * Behind a NAT every client shares one address: a brute-forcing neighbour locks them out too,
 * which is the price of not letting the neighbour guess.
 */
export interface AuthThrottleOptions {
  burst: number;
  perMinute: number;
  /** ms, monotonic; tests drive it. */
  now?: () => number;
  /** Addresses tracked at once; the longest-quiet one is forgotten past this. */
  maxAddresses?: number;
}

export type ThrottleDecision = { ok: true } | { ok: false; retryAfterS: number };

export interface AuthFailureSummary {
  address: string;
  failures: number;
  throttled: number;
  /** The last reason given (no key, unknown key, origin). */
  reason: string;
}

interface Entry {
  tokens: number;
  at: number;
  failures: number;
  throttled: number;
  reason: string;
}

export class AuthThrottle {
  readonly #o: Required<Omit<AuthThrottleOptions, 'now'>>;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly stats = { failures: 0, throttled: 0, forgotten: 0 };

  constructor(o: AuthThrottleOptions) {
    this.#o = { burst: o.burst, perMinute: o.perMinute, maxAddresses: o.maxAddresses ?? 10_000 };
    this.#now = o.now ?? (() => performance.now());
  }

  /** Before checking a request's key: may this address try now? A refusal is counted. */
  check(address: string): ThrottleDecision {
    const e = this.#entries.get(address);
    if (!e) return { ok: true };
    this.#refill(e);
    if (e.tokens >= 1) return { ok: true };
    e.throttled++;
    this.stats.throttled++;
    const perMs = this.#o.perMinute / 60_000;
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - e.tokens) / perMs / 1000)) };
  }

  /** A request from `address` failed authentication. */
  fail(address: string, reason: string): void {
    this.stats.failures++;
    let e = this.#entries.get(address);
    if (e) {
      this.#refill(e);
      this.#entries.delete(address); // re-inserted last: Map order is then least recently failed first
    } else {
      e = { tokens: this.#o.burst, at: this.#now(), failures: 0, throttled: 0, reason };
      if (this.#entries.size >= this.#o.maxAddresses) {
        const oldest = this.#entries.keys().next().value as string;
        this.#entries.delete(oldest);
        this.stats.forgotten++;
      }
    }
    e.tokens = Math.max(0, e.tokens - 1);
    e.failures++;
    e.reason = reason;
    this.#entries.set(address, e);
  }

  /** Counts since the last call, one per address that had any; forgets addresses that are whole again. */
  drain(): AuthFailureSummary[] {
    const out: AuthFailureSummary[] = [];
    for (const [address, e] of this.#entries) {
      if (e.failures > 0 || e.throttled > 0) out.push({ address, failures: e.failures, throttled: e.throttled, reason: e.reason });
      e.failures = 0;
      e.throttled = 0;
      this.#refill(e);
      if (e.tokens >= this.#o.burst) this.#entries.delete(address);
    }
    return out;
  }

  get tracked(): number {
    return this.#entries.size;
  }

  #refill(e: Entry): void {
    const now = this.#now();
    e.tokens = Math.min(this.#o.burst, e.tokens + ((now - e.at) / 60_000) * this.#o.perMinute);
    e.at = now;
  }
}
