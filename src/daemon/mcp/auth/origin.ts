/**
 * Browsers send Origin on WebSocket handshakes and cross-site fetches (RFC 6455 §4.1 item 8,
 * §10.2); other clients normally do not. A page on another site must not drive a user's
 * loopback appliance (DNS rebinding, cross-site WebSocket hijacking), so a request carrying an
 * Origin is allowed only when that origin is listed; no Origin means a non-browser client.
 * The MCP Streamable HTTP spec asks servers to validate Origin for the same reason.
 */
export function originAllowed(origin: string | string[] | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (Array.isArray(origin)) return false;
  const o = normalise(origin);
  return o !== null && allowed.some((a) => normalise(a) === o);
}

function normalise(origin: string): string | null {
  if (origin === 'null') return null; // opaque origins (sandboxed frames, file:) never match
  try {
    return new URL(origin).origin.toLowerCase();
  } catch {
    return null;
  }
}
