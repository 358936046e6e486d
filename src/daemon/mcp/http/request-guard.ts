import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { presentedKey, type KeyHolder, type KeyRing } from '../auth/api-keys.js';
import type { AuthThrottle } from '../auth/auth-throttle.js';
import { originAllowed } from '../auth/origin.js';

export type GuardResult = { ok: true; holder: KeyHolder } | { ok: false; status: 401 | 403 | 429; reason: string; headers: OutgoingHttpHeaders };

/**
 * The checks every network request passes before any MCP message is read: an address that has
 * failed too often is told to wait (429, auth-throttle.ts) before anything else; then Origin (a
 * browser page on another site is refused whatever key it carries), then the API key. Failed
 * origin and key checks count against the address. Both the WebSocket upgrade and Streamable
 * HTTP use it, so the two transports cannot drift apart.
 */
export function guardRequest(req: IncomingMessage, keys: KeyRing, allowedOrigins: readonly string[], throttle?: AuthThrottle): GuardResult {
  const address = req.socket.remoteAddress ?? 'unknown';
  if (throttle) {
    const d = throttle.check(address);
    if (!d.ok) {
      return { ok: false, status: 429, reason: `too many failed authentication attempts from ${address}; retry after ${d.retryAfterS} s`, headers: { 'retry-after': String(d.retryAfterS) } };
    }
  }
  if (!originAllowed(req.headers.origin, allowedOrigins)) {
    const reason = `origin ${String(req.headers.origin)} is not in mcp.allowedOrigins`;
    throttle?.fail(address, reason);
    return { ok: false, status: 403, reason, headers: {} };
  }
  const presented = presentedKey(req.headers);
  const holder = keys.authenticate(presented);
  if (holder) return { ok: true, holder };
  const reason = presented === null ? 'no API key' : 'unknown API key';
  throttle?.fail(address, reason);
  // RFC 6750 §3: a 401 names the scheme; invalid_token only when a credential was sent.
  const challenge = presented === null ? 'Bearer realm="stratum1d"' : 'Bearer realm="stratum1d", error="invalid_token"';
  return { ok: false, status: 401, reason, headers: { 'www-authenticate': challenge } };
}

/** A JSON-RPC error object as an HTTP body (Streamable HTTP answers errors in JSON-RPC form). */
export function jsonRpcErrorBody(code: number, message: string, data?: unknown, id: string | number | null = null): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } });
}
