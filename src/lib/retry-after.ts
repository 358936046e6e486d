import type { IncomingHttpHeaders } from 'node:http';

/**
 * Seconds to wait from a `Retry-After` header (RFC 9110 §10.2.3), or null when there is none
 * or it is unreadable. Both forms:
 * - delay-seconds, a non-negative integer;
 * - an HTTP-date, measured against the same response's `Date` header, never this machine's
 *   clock: an appliance's clock may be hours off (issue 10: a wrong clock must not matter), and
 *   the two dates come from the server's one clock. Without a `Date` header the date form
 *   cannot be placed and is ignored (the caller's own backoff applies).
 */
export function retryAfterSeconds(headers: IncomingHttpHeaders): number | null {
  const value = headers['retry-after']?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value);
  const until = Date.parse(value);
  const sent = headers.date === undefined ? NaN : Date.parse(headers.date);
  if (Number.isNaN(until) || Number.isNaN(sent)) return null;
  return Math.max(0, Math.ceil((until - sent) / 1000));
}
