/**
 * Token bucket per key: `burst` requests back to back, refilled at `perSecond`. Time comes from
 * an injected `now` (ms) so tests drive it without sleeping. A key's bucket is created full on
 * first use; buckets are few (one per configured key), so they are never evicted.
 */
export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  now?: () => number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #now: () => number;
  readonly stats = { allowed: 0, limited: 0 };

  constructor(private readonly opts: RateLimitOptions) {
    this.#now = opts.now ?? (() => performance.now());
  }

  take(key: string): RateDecision {
    const now = this.#now();
    const b = this.#buckets.get(key) ?? { tokens: this.opts.burst, at: now };
    b.tokens = Math.min(this.opts.burst, b.tokens + ((now - b.at) / 1000) * this.opts.perSecond);
    b.at = now;
    this.#buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.stats.allowed++;
      return { ok: true };
    }
    this.stats.limited++;
    // Time until one whole token is back.
    return { ok: false, retryAfterMs: Math.ceil(((1 - b.tokens) / this.opts.perSecond) * 1000) };
  }
}

/** JSON-RPC implementation-defined server error (JSON-RPC 2.0 §5.1 reserves -32000..-32099). */
export const RATE_LIMITED = -32029;

export function rateLimitedError(id: string | number | null, retryAfterMs: number) {
  return {
    jsonrpc: '2.0' as const,
    id,
    error: { code: RATE_LIMITED, message: `rate limit exceeded; retry after ${retryAfterMs} ms`, data: { retryAfterMs, retryAfterS: Math.ceil(retryAfterMs / 1000) } },
  };
}
