import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Dashboard sessions as signed cookies, no server-side table: any collector holding the store's
 * shared secret (FleetStore.sharedSecret) accepts a cookie another collector issued, so several
 * collectors behind one load balancer share logins. The cookie is
 * `base64url(JSON claims) "." base64url(HMAC-SHA256(key, payload))`.
 *
 * The cookie carries the user name but not the authority: every request looks the user up, so
 * removing a user or changing their role takes effect at once, and `pw` (a tag of the password
 * hash) logs every session out when the password changes. Pure apart from randomness.
 */

export const SESSION_COOKIE = 's1d_session';
export const SESSION_TTL_MS = 12 * 3600 * 1000;

export interface SessionClaims {
  /** User name. */
  u: string;
  /** Issued and expiry times, ms since the epoch (collector clock). */
  iat: number;
  exp: number;
  /** Random session id: the CSRF token derives from it. */
  sid: string;
  /** Tag of the user's password hash at login. */
  pw: string;
}

/** A key per purpose, derived from the shared secret (the secret itself never signs anything). */
export function deriveKey(sharedSecret: string, purpose: string): Buffer {
  return createHmac('sha256', sharedSecret).update(`stratum1d-dashboard:${purpose}`).digest();
}

function mac(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

export function passwordTag(key: Buffer, passwordHash: string): string {
  return mac(key, `pw:${passwordHash}`).slice(0, 16);
}

export function issueSession(key: Buffer, user: string, passwordHash: string, now: number, ttlMs = SESSION_TTL_MS): { cookie: string; claims: SessionClaims } {
  const claims: SessionClaims = { u: user, iat: now, exp: now + ttlMs, sid: randomBytes(16).toString('base64url'), pw: passwordTag(key, passwordHash) };
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return { cookie: `${payload}.${mac(key, payload)}`, claims };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The claims of a genuine, unexpired cookie; null for anything else (never throws). */
export function verifySession(key: Buffer, cookie: string | undefined, now: number): SessionClaims | null {
  if (!cookie || cookie.length > 1024) return null;
  const dot = cookie.indexOf('.');
  if (dot <= 0) return null;
  const payload = cookie.slice(0, dot);
  if (!safeEqual(cookie.slice(dot + 1), mac(key, payload))) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof claims !== 'object' || claims === null) return null;
  const c = claims as Record<string, unknown>;
  if (typeof c.u !== 'string' || typeof c.sid !== 'string' || typeof c.pw !== 'string' || typeof c.iat !== 'number' || typeof c.exp !== 'number') return null;
  // A cookie from the future (a collector with a fast clock) is held to the same lifetime.
  if (now >= c.exp || c.exp - c.iat > SESSION_TTL_MS || c.iat > now + 5 * 60_000) return null;
  return { u: c.u, iat: c.iat, exp: c.exp, sid: c.sid, pw: c.pw };
}

/** The per-session anti-CSRF token that every form POST carries (synchroniser token). */
export function csrfToken(key: Buffer, claims: SessionClaims): string {
  return mac(key, `csrf:${claims.sid}`);
}

export function checkCsrf(key: Buffer, claims: SessionClaims, token: unknown): boolean {
  return typeof token === 'string' && safeEqual(token, csrfToken(key, claims));
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

export function sessionCookieHeader(value: string, opts: { secure: boolean; maxAgeS: number }): string {
  // __Host- would bind the cookie to the origin, but it requires Secure: plain-HTTP collectors on
  // a LAN must still work, so the name stays fixed and Secure follows the listener.
  return [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.max(0, Math.floor(opts.maxAgeS))}`, ...(opts.secure ? ['Secure'] : [])].join('; ');
}
