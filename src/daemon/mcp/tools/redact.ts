/**
 * Secrets never leave the daemon through MCP or the audit log: any key whose name says it
 * holds one (apiKey, keys, secret, password, token, keyHash…) has its value replaced, at any
 * depth. Paths such as `certFile`/`keyFile` stay visible: an operator needs to see which file.
 */
const SECRET_KEY = /(secret|passw(or)?d|token|api[-_]?keys?$|^keys?$|hash$|credential|private)/i;
const FILE_KEY = /(file|path|dir)$/i;

export const REDACTED = '[redacted]';

export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && !FILE_KEY.test(k) ? (v === null || v === undefined ? v : REDACTED) : redactSecrets(v, depth + 1);
    }
    return out;
  }
  return value;
}
